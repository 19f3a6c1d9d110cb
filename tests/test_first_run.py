"""What a new user meets first: local servers without a key, failures that name their cause,
arguments checked at once, honest labels and progress lines.

The local server is the real embedded model served over HTTP (llama.cpp's OpenAI-compatible
server, as ``llm-optuna serve`` or any llama.cpp server runs it); the failures are real too: a
closed port, a server that rejects the key, a model string no provider answers to.
"""

from __future__ import annotations

import logging
from pathlib import Path
import re
import sys
import warnings

import optuna
import pytest

from llm_guided_optuna import EmbeddedModelServer
from llm_guided_optuna import Hybrid
from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSamplerWarning
from llm_guided_optuna import LLMSettings
from llm_guided_optuna import Prior
from llm_guided_optuna import PriorOptions
from llm_guided_optuna import PureLLM
from llm_guided_optuna import Trust
from llm_guided_optuna._attrs import OPTIMIZER_REASONS
from llm_guided_optuna._attrs import SOURCES
from llm_guided_optuna.cli.explain import plot_history
from llm_guided_optuna.cli.explain import SOURCE_MARKERS
from llm_guided_optuna.exceptions import PlotUnavailableError
from tests.support.fault_server import FaultServer
from tests.support.schema_responder import RandomConfigurationResponder


ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
USER_GUIDE = (
    ROOT / "docs" / "user_guide.md"
).read_text()  # the README's details, every value explained
optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial: optuna.Trial) -> float:
    lr = trial.suggest_float("learning_rate", 1e-5, 1e-1, log=True)
    dropout = trial.suggest_float("dropout", 0.0, 0.5)
    return abs(lr - 1e-3) + dropout


def readme_local_server_line() -> str:
    """The README's line that points the sampler at a local OpenAI-compatible server."""
    match = re.search(
        r'^(LLMGuidedSampler\(model="openai/my-model",\s+(?:#[^\n]*\n\s*)?'
        r'llm=LLMSettings\(api_base="http://127\.0\.0\.1:8000/v1"\)\))',
        README,
        flags=re.MULTILINE,
    )
    assert match, "the README lost its local-server line"
    return re.sub(r"#[^\n]*", "", match.group(1))


@pytest.mark.llm
def test_the_readme_local_server_line_works_without_a_key(monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    line = readme_local_server_line()
    with EmbeddedModelServer("smollm2-135m", parallel_requests=1) as server:
        sampler = eval(
            line.replace("http://127.0.0.1:8000/v1", server.api_base),
            {"LLMGuidedSampler": LLMGuidedSampler, "LLMSettings": LLMSettings},
        )
        study = optuna.create_study(sampler=sampler)
        study.optimize(objective, n_trials=4)
    stats = sampler.get_statistics()["sampler_stats"]
    assert stats["failures"] == {} and stats["llm_calls"] == 1
    assert [t.user_attrs["llm_source"] for t in study.trials][1] == "llm"


def test_a_closed_port_is_named_in_the_warning_and_on_the_trial(optuna_logs) -> None:
    sampler = LLMGuidedSampler(
        model="openai/my-model",
        seed=0,
        llm=LLMSettings(api_base="http://127.0.0.1:9/v1", max_retries=1, retry_backoff=0.01),
        strategy=Trust(warm_start_trials=1),
    )
    study = optuna.create_study(sampler=sampler)
    with optuna_logs.at_level(logging.WARNING):
        study.optimize(objective, n_trials=2)
    failed = study.trials[1]
    assert (
        failed.user_attrs["llm_source"] == "fallback"
        and failed.user_attrs["llm_reason"] == "connection"
    )
    assert failed.user_attrs["llm_call"]["error"].startswith(
        "cannot reach 127.0.0.1:9 after 2 attempts"
    )
    assert "cannot reach 127.0.0.1:9" in optuna_logs.text


def test_a_rejected_key_is_said_once_and_not_retried() -> None:
    with FaultServer() as server:
        server.set_fault("auth_error")
        sampler = LLMGuidedSampler(
            model="openai/my-model",
            seed=0,
            strategy="llm",
            llm=LLMSettings(api_base=server.base_url, api_key="sk-wrong", retry_backoff=0.01),
        )
        study = optuna.create_study(sampler=sampler)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            study.optimize(objective, n_trials=4)
        assert server.request_count == 1
        port = server.port
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1 and messages[0].startswith(
        f"trial 1: authentication failed at 127.0.0.1:{port}"
    )
    assert [t.user_attrs["llm_reason"] for t in study.trials[1:]] == ["authentication"] * 3


def test_an_unknown_provider_is_named_without_a_misleading_warning_first(optuna_logs) -> None:
    sampler = LLMGuidedSampler(model="nonexistent/model", seed=0, strategy="llm")
    study = optuna.create_study(sampler=sampler)
    with optuna_logs.at_level(logging.DEBUG), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.optimize(objective, n_trials=3)
    assert "structured output" not in optuna_logs.text
    assert [str(w.message) for w in caught] == [
        "trial 1: unknown model/provider 'nonexistent/model': LiteLLM knows no provider for it "
        "(write it as 'provider/model', e.g. 'openai/gpt-4o-mini' or 'ollama/llama3.1'); "
        "the sampler goes on with TPESampler only."
    ]
    assert sampler.get_statistics()["sampler_stats"]["failures"] == {"unknown_model": 1}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: LLMSettings(temperature=-1), r"temperature must be in \[0.0, 2.0\], got -1"),
        (lambda: LLMSettings(temperature=2.5), r"temperature must be in \[0.0, 2.0\], got 2.5"),
        (lambda: LLMSettings(timeout=0), r"timeout must be > 0.0, got 0"),
        (lambda: LLMSettings(max_retries=-1), r"max_retries must be >= 0, got -1"),
        (
            lambda: LLMGuidedSampler("openai/m", max_context_trials=2.5),
            r"max_context_trials must be an integer >= 0, got 2.5",
        ),
        (lambda: Trust(share=1.5), r"share must be in \[0.0, 1.0\], got 1.5"),
        (lambda: Hybrid(share=-0.1), r"share must be in \[0.0, 1.0\], got -0.1"),
        (lambda: Prior(warm_start_trials=-2), r"warm_start_trials must be in \[0, 16\], got -2"),
        (lambda: PureLLM(proposals_per_call=0), r"proposals_per_call must be in \[1, 16\], got 0"),
        (lambda: PriorOptions(prior_strength=-0.5), r"prior_strength must be >= 0.0, got -0.5"),
        (
            lambda: LLMGuidedSampler("openai/m", max_cost_usd=float("nan")),
            r"max_cost_usd must be >= 0.0, got nan",
        ),
        (lambda: LLMGuidedSampler("openai/m", seed="7"), r"seed must be an integer >= 0, got '7'"),
    ],
)
def test_numeric_arguments_name_their_range(make, message) -> None:
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    ("flat", "message"),
    [
        ({"llm_share": 1.5}, r"llm_share must be in \[0.0, 1.0\], got 1.5"),
        ({"temperature": 2.5}, r"temperature must be in \[0.0, 2.0\], got 2.5"),
        ({"warm_start_trials": -2}, r"warm_start_trials must be in \[0, 16\], got -2"),
    ],
)
def test_the_flat_names_of_0_1_still_name_their_range(flat, message) -> None:
    with pytest.raises(ValueError, match=message):
        LLMGuidedSampler("openai/m", **flat)


def test_every_source_has_a_marker_and_every_reason_is_in_the_user_guide() -> None:
    assert set(SOURCE_MARKERS) == set(SOURCES)
    documented = set(re.findall(r"^\| `([a-z_+]+)` \|", USER_GUIDE, flags=re.MULTILINE))
    failure_kinds = {
        "timeout",
        "rate_limit",
        "server_error",
        "connection",
        "authentication",
        "bad_request",
        "unknown_model",
        "unexpected_error",
        "empty_response",
        "oversized_response",
        "invalid_json",
        "schema_violation",
        "missing_parameters",
        "invalid_values",
        "duplicate",
        "missing_values",
    }
    missing = (
        set(SOURCES) | set(OPTIMIZER_REASONS) | failure_kinds | {"success_rate"}
    ) - documented
    assert not missing, f"not explained in docs/user_guide.md: {sorted(missing)}"


def test_the_plot_legend_lists_only_the_sources_present(tmp_path, monkeypatch) -> None:
    study = optuna.create_study()
    for number, source in enumerate(["optimizer", "llm", "llm", "optimizer"]):
        study.add_trial(
            optuna.trial.create_trial(
                value=float(number), params={}, distributions={}, user_attrs={"llm_source": source}
            )
        )
    import matplotlib.axes

    labels: list[str] = []
    original = matplotlib.axes.Axes.legend

    def legend(axes, *args, **kwargs):
        labels.extend(axes.get_legend_handles_labels()[1])
        return original(axes, *args, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, "legend", legend)
    plot_history(study, tmp_path / "history.png")
    assert labels == ["llm", "optimizer", "best so far"]


def test_the_plot_without_matplotlib_says_what_to_install(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` raises ImportError
    with pytest.raises(
        PlotUnavailableError, match=r'the plot needs matplotlib: pip install "matplotlib>=3.7"'
    ):
        plot_history(optuna.create_study(), tmp_path / "history.png")


def test_each_llm_call_says_when_it_starts_and_ends(optuna_logs) -> None:
    with FaultServer(responder=RandomConfigurationResponder(seed=0)) as server:
        sampler = LLMGuidedSampler(
            model="openai/my-model",
            seed=0,
            llm=LLMSettings(api_base=server.base_url),
            strategy=Trust(warm_start_trials=2),
        )
        study = optuna.create_study(sampler=sampler)
        with optuna_logs.at_level(logging.INFO, logger="optuna.llm_guided_optuna"):
            study.optimize(objective, n_trials=3)
    lines = optuna_logs.messages("optuna.llm_guided_optuna")
    assert lines[0] == "Trial 1: asking openai/my-model for 2 configurations..."
    assert re.fullmatch(
        r"Trial 1: openai/my-model answered in \d+\.\d s \(\d+ prompt and \d+ completion tokens\)",
        lines[1],
    )


@pytest.mark.parametrize("missing", ["scipy", "torch"])
def test_without_the_gp_dependencies_the_prior_strategy_says_so_and_runs_on_tpe(
    monkeypatch, missing: str
) -> None:
    monkeypatch.setitem(sys.modules, missing, None)  # `import <missing>` raises ImportError
    with FaultServer(responder=RandomConfigurationResponder(seed=0)) as server:
        with pytest.warns(LLMSamplerWarning, match="needs PyTorch and SciPy") as caught:
            sampler = LLMGuidedSampler(
                model="openai/my-model", seed=0, llm=LLMSettings(api_base=server.base_url)
            )
        study = optuna.create_study(sampler=sampler)
        study.optimize(objective, n_trials=7)
    assert type(sampler.optimizer).__name__ == "TPESampler"
    assert "pip install 'llm-guided-optuna[gp]'" in str(caught[0].message)
    assert [t.user_attrs["llm_source"] for t in study.trials][:2] == ["optimizer", "llm"]
