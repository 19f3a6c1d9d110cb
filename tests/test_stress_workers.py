"""Many workers, every time: the stress loop of ``tests/support/stress.py`` in CI.

Three worker processes share one study on a real PostgreSQL, each with its own
``LLMGuidedSampler(temperature=0.0, seed=...)`` of the default strategy on the small embedded
model (served once, over HTTP, for all of them), six trials each, on a search space of every
distribution kind. Twenty studies, released alternately all at once and one after another;
every one must complete all its trials with no configuration twice, make the study's one LLM
call on the one trial that says it carries the warm start, and have ``study_statistics`` equal
to the sum of the workers' statistics. Before the fix of issue 26, released at once, the
workers' first trials ran before any search space was known, so no trial made the warm-start
call (0 LLM calls in 6 of 6 such studies), and two workers' GPs proposed the same point from the
same history (duplicates in 2 of 6). A longer loop by hand: ``python -m tests.support.stress``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.postgres_cluster import postgres_url  # noqa: F401 - fixture
from tests.support.stress import MODES
from tests.support.stress import served_model
from tests.support.stress import stress_loop


RUNS = 20


@pytest.mark.llm
@pytest.mark.postgres
def test_twenty_studies_of_three_workers_keep_the_guarantee(postgres_url, tmp_path: Path) -> None:  # noqa: F811
    with served_model("smollm2-135m") as api_base:
        results = stress_loop(postgres_url, tmp_path, runs=RUNS, modes=MODES, api_base=api_base)
    assert len(results) == RUNS
    assert {r.mode for r in results} == set(MODES)
    failed = {r.study: r.problems for r in results if r.problems}
    assert not failed, failed
    assert all(r.llm_calls == 1 and r.warm_start_trial is not None for r in results)
