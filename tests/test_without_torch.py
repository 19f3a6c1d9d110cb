"""PyTorch is optional: with torch blocked before the first import, the package, the CLI and a
study on a served model work, and the default strategy warm-starts a TPE and says so.

Each check runs in a fresh interpreter whose first statement blocks ``torch`` (and every
``torch.*`` module) on ``sys.meta_path``, so an import anywhere, at any depth, fails as it
would on a machine without torch.
"""

from __future__ import annotations

from pathlib import Path
import subprocess
import sys
import textwrap


ROOT = Path(__file__).resolve().parents[1]

BLOCK_TORCH = """
import importlib.abc
import sys


class _NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
        return None


sys.meta_path.insert(0, _NoTorch())
"""


def run_without_torch(body: str) -> subprocess.CompletedProcess[str]:
    script = BLOCK_TORCH + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=None,
    )


def test_the_package_imports_without_torch_and_does_not_load_it() -> None:
    result = run_without_torch(
        """
        import llm_guided_optuna
        from llm_guided_optuna import LLMGuidedSampler, PriorWeightedGPSampler
        print("torch loaded:", "torch" in sys.modules)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "torch loaded: False" in result.stdout


def test_importing_the_package_does_not_load_torch_where_it_is_installed() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import sys, llm_guided_optuna; print('torch' in sys.modules)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_cli_help_runs_without_torch() -> None:
    result = run_without_torch(
        """
        from llm_guided_optuna.cli import main
        try:
            main(["--help"])
        except SystemExit as done:
            assert done.code in (0, None), done.code
        """
    )
    assert result.returncode == 0, result.stderr
    assert "usage: llm-optuna" in result.stdout


def test_a_study_on_a_served_model_runs_on_tpe_without_torch() -> None:
    result = run_without_torch(
        """
        import warnings
        import optuna
        from llm_guided_optuna import LLMGuidedSampler
        from tests.support.fault_server import FaultServer
        from tests.support.schema_responder import RandomConfigurationResponder

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        with FaultServer(responder=RandomConfigurationResponder(seed=0)) as server:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                sampler = LLMGuidedSampler(
                    model="openai/served", api_base=server.base_url, seed=0
                )
            study = optuna.create_study(sampler=sampler)
            study.optimize(
                lambda t: (t.suggest_float("x", -5, 5) - 1) ** 2 + t.suggest_int("n", 1, 8),
                n_trials=5,
            )
        print("optimizer:", type(sampler.optimizer).__name__)
        print("sources:", [t.user_attrs["llm_source"] for t in study.trials])
        print("complete:", sum(t.state.name == "COMPLETE" for t in study.trials))
        print("warned:", any("needs PyTorch and SciPy" in str(w.message) for w in caught))
        print("torch loaded:", "torch" in sys.modules)
        """
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "optimizer: TPESampler" in out
    assert "sources: ['optimizer', 'llm'," in out
    assert "complete: 5" in out
    assert "warned: True" in out
    assert "torch loaded: False" in out
