"""Tests of the llm-optuna command line."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import optuna
import pytest

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings
from llm_guided_optuna import Trust
from llm_guided_optuna.cli.main import main
from tests.support.fault_server import FaultServer
from tests.support.schema_responder import RandomConfigurationResponder


def test_help_names_every_command(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("demo", "explain", "serve", "models"):
        assert command in out


def test_installed_entry_point_answers_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "llm_guided_optuna.cli", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "explain" in result.stdout


@pytest.fixture
def stored_study(tmp_path):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    with FaultServer(responder=RandomConfigurationResponder(seed=2)) as server:
        sampler = LLMGuidedSampler(
            model="openai/test",
            seed=0,
            llm=LLMSettings(api_base=server.base_url, api_key="sk-t"),
            strategy=Trust(warm_start_trials=4),
        )
        study = optuna.create_study(study_name="explained", storage=storage, sampler=sampler)
        study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=5)
    return storage, study


def test_explain_prints_sources_and_rationales(stored_study, capsys, tmp_path) -> None:
    storage, study = stored_study
    plot = tmp_path / "history.png"
    assert (
        main(["explain", "--storage", storage, "--study", "explained", "--plot", str(plot)]) == 0
    )
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["trial", "state", "value", "source", "reason", "rationale"]
    assert "new_parameters" in lines[1]
    assert sum("random but valid" in line for line in lines) == 4
    assert "sources: llm 4, optimizer 1" in out
    assert plot.stat().st_size > 1000


def test_explain_an_unknown_study_says_which_exist(stored_study, capsys) -> None:
    storage, _ = stored_study
    assert main(["explain", "--storage", storage, "--study", "nope"]) == 2
    assert "explained" in capsys.readouterr().err


@pytest.mark.llm
def test_demo_runs_on_the_embedded_model(capsys) -> None:
    assert main(["demo", "--trials", "4"]) == 0
    out = capsys.readouterr().out
    assert "Finished 4 trials" in out and "Success rate" in out


@pytest.mark.llm
def test_serve_answers_on_loopback_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llm_guided_optuna.cli.main",
            "serve",
            "--port",
            "0",
            "--parallel",
            "1",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("Serving ") and " at http://127.0.0.1:" in line
        api_base = line.rsplit(" at ", 1)[1].strip()
        with urllib.request.urlopen(api_base + "/models", timeout=30) as response:
            models = json.load(response)
        assert [m["id"] for m in models["data"]] == ["smollm2-135m-instruct"]
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode == 0
