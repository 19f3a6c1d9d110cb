"""Assertions shared by the tests."""

from __future__ import annotations

import optuna


def assert_all_params_valid(study: optuna.Study) -> None:
    """Every parameter of every trial lies inside its distribution."""
    for trial in study.trials:
        for name, value in trial.params.items():
            distribution = trial.distributions[name]
            assert distribution._contains(distribution.to_internal_repr(value)), (
                trial.number,
                name,
                value,
            )


def trial_sources(study: optuna.Study) -> list[str]:
    """Per trial, ``"llm"`` (or the LLM source) or the reason the LLM did not propose it."""
    return [t.user_attrs.get("llm_reason", t.user_attrs["llm_source"]) for t in study.trials]
