"""The peer samplers of the benchmark (issue 47): SMAC3's ask/tell adapter, the OptunaHub
registry's clear error, LLAMBO's usage-counting proxy, and peers.json rebuilt from the archives."""

from __future__ import annotations

import os
from pathlib import Path
import shutil
import subprocess
import sys

import optuna
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
import pytest

from benchmarks._paths import REPO_ROOT
from benchmarks.core.peers import REGISTRY_ENV
from benchmarks.core.peers import UsageCountingProxy
from benchmarks.core.samplers import build_sampler
from benchmarks.tasks.registry import get_task
from tests.support.fault_server import FaultServer


SPACE = {
    "lr": FloatDistribution(1e-4, 1e-1, log=True),
    "depth": IntDistribution(1, 6),
    "activation": CategoricalDistribution(["relu", "tanh"]),
}


def test_smac3_is_driven_through_its_own_ask_and_tell() -> None:
    pytest.importorskip("smac")
    from benchmarks.core.peers import SMACAskTellSampler

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = SMACAskTellSampler(SPACE, seed=0, direction="maximize")
    study = optuna.create_study(direction="maximize", sampler=sampler)

    def objective(trial: optuna.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        depth = trial.suggest_int("depth", 1, 6)
        bonus = 1.0 if trial.suggest_categorical("activation", ["relu", "tanh"]) == "tanh" else 0
        return -abs(lr - 0.01) - depth + bonus

    study.optimize(objective, n_trials=8)
    stats = sampler.get_statistics()["sampler_stats"]
    assert stats["asks"] == stats["tells"] == 8
    # SMAC minimises a cost: it was told minus each value, for every trial Optuna ran.
    costs = sorted(value.cost for value in sampler._smac.runhistory.values())
    assert costs == pytest.approx(sorted(-t.value for t in study.trials))
    for trial in study.trials:
        assert 1e-4 <= trial.params["lr"] <= 1e-1
        assert isinstance(trial.params["depth"], int)
        assert trial.params["activation"] in ("relu", "tanh")


def test_a_registry_peer_without_its_checkout_says_which_variable_to_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(REGISTRY_ENV, raising=False)
    with pytest.raises(RuntimeError, match=REGISTRY_ENV):
        build_sampler("autosampler", 0, task=get_task("svm-wine"))
    monkeypatch.setenv(REGISTRY_ENV, str(tmp_path))
    with pytest.raises(RuntimeError, match="no package/ folder"):
        build_sampler("autosampler", 0, task=get_task("svm-wine"))


def test_a_peer_is_built_for_a_task() -> None:
    with pytest.raises(ValueError, match="built for a task"):
        build_sampler("smac3", 0)


def test_the_proxy_counts_calls_tokens_failures_and_callers_that_gave_up() -> None:
    import openai

    with FaultServer() as server:
        proxy = UsageCountingProxy(server.base_url)
        try:
            client = openai.OpenAI(base_url=proxy.base_url, api_key="sk-none", max_retries=0)
            answers = [
                client.chat.completions.create(
                    model="fault", messages=[{"role": "user", "content": "hello " * n}]
                )
                for n in (1, 5)
            ]
            assert proxy.stats["llm_calls"] == 2
            assert proxy.stats["prompt_tokens"] == sum(a.usage.prompt_tokens for a in answers)
            assert proxy.stats["completion_tokens"] == sum(
                a.usage.completion_tokens for a in answers
            )
            server.queue(["server_error"])
            with pytest.raises(openai.InternalServerError):
                client.chat.completions.create(model="fault", messages=[])
            assert proxy.stats["failed_calls"] == 1
            # A caller that gives up (LLAMBO's time limit kills it): the proxy cuts the
            # upstream request too, and counts it as cancelled.
            server.queue([("delay", {"seconds": 60})])
            impatient = openai.OpenAI(
                base_url=proxy.base_url, api_key="sk-none", max_retries=0, timeout=0.5
            )
            with pytest.raises(openai.APITimeoutError):
                impatient.chat.completions.create(model="fault", messages=[])
            assert proxy.wait_for(lambda stats: stats["cancelled_calls"] >= 1, timeout=30)
            assert [r.path for r in server.requests][-1].endswith("/chat/completions")
            assert proxy.stats["llm_calls"] == 4
        finally:
            proxy.close()


def test_peers_json_and_its_page_rebuild_byte_for_byte_from_the_archives(
    tmp_path: Path,
) -> None:
    """benchmarks/results/peers.json and docs/benchmarks_peers.md, rebuilt by their command in
    a copy of the tree that has the archives and no cache."""
    copy = tmp_path / "tree"
    ignore = shutil.ignore_patterns(".cache", "__pycache__")
    for folder in ("benchmarks", "llm_guided_optuna"):
        shutil.copytree(REPO_ROOT / folder, copy / folder, ignore=ignore)
    (copy / "docs").mkdir()
    env = {**os.environ, "PYTHONPATH": str(copy)}
    env.pop(REGISTRY_ENV, None)  # the report reads the archives alone
    subprocess.run(
        [sys.executable, "-m", "benchmarks.peers", "report"],
        cwd=copy,
        env=env,
        check=True,
        timeout=600,
    )
    for output in ("benchmarks/results/peers.json", "docs/benchmarks_peers.md"):
        assert (copy / output).read_bytes() == (REPO_ROOT / output).read_bytes(), output
