"""The related-studies benchmark (issue 45): what each run's storage holds, what a user would
transfer by hand, and a report that shows the rows not yet run as such."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest


pytest.importorskip("sklearn")

from benchmarks.experiments import related  # noqa: E402
from benchmarks.tasks.registry import get_task  # noqa: E402
from benchmarks.tasks.registry import resolve_task_names  # noqa: E402


optuna.logging.set_verbosity(optuna.logging.WARNING)


def test_each_task_finds_the_same_model_on_every_other_dataset_and_two_distractors() -> None:
    for suite in related.SUITES:
        tasks = resolve_task_names([suite])
        for task in tasks:
            found = related.neighbours(task, tasks)
            model = related.model_of(task)
            assert task not in found.related and len(found.distractors) == related.DISTRACTORS
            assert found.related and all(related.model_of(t) == model for t in found.related)
            assert all(related.model_of(t) != model for t in found.distractors)
    bayesmark = resolve_task_names(["bayesmark"])
    assert related.neighbours("svm-wine", bayesmark).related == (
        "svm-iris",
        "svm-breast_cancer",
        "svm-diabetes",
    )


def test_the_stored_studies_are_the_archived_gp_runs_and_renaming_hides_the_names() -> None:
    sources = related.source_records()
    storage, studies = related.related_storage("svm-wine", "plain-transfer", sources)
    names = [s.study_name for s in storage.get_all_studies()]
    assert names == ["dt-iris", "dt-wine", "svm-iris", "svm-breast_cancer", "svm-diabetes"]
    iris = optuna.load_study(study_name="svm-iris", storage=storage)
    record = sources["svm-iris"]
    assert [t.params for t in iris.trials] == record["params"]
    assert iris.best_value == max(v for v in record["values"] if v is not None)
    assert "iris" in iris.user_attrs["problem_description"]
    task = get_task("svm-wine")
    transferred = related.transferred(storage, task, [s.study_name for s in studies])
    # svm-diabetes is a regression (another direction); the distractors' names differ.
    assert len(transferred) == 2 and all(set(c) == set(task.space) for c in transferred)
    renamed, hidden = related.related_storage("svm-wine", "plain-transfer-renamed", sources)
    assert related.transferred(renamed, task, [s.study_name for s in hidden]) == []
    renamed_iris = optuna.load_study(study_name="svm-iris", storage=renamed)
    assert set(renamed_iris.best_params) == {"svc_C", "svc_gamma", "svc_tol"}
    only, none_related = related.related_storage("svm-wine", "default+distractors-only", sources)
    assert [s.study_name for s in only.get_all_studies()] == ["dt-iris", "dt-wine"]
    assert none_related == []


def test_at_most_the_start_up_budget_is_transferred_from_the_related_studies_only() -> None:
    sources = related.source_records()
    storage, studies = related.related_storage("hpobench-mlp-car", "plain-transfer", sources)
    names = [s.study_name for s in studies]
    assert len(related.transferred(storage, get_task("hpobench-mlp-car"), names)) == (
        related.STARTUP_TRIALS
    )
    # A decision tree's distractors include random forests, whose parameter names match.
    storage, studies = related.related_storage("dt-wine", "plain-transfer-renamed", sources)
    assert any(related.model_of(s.study_name) == "rf" for s in storage.get_all_studies())
    names = [s.study_name for s in studies]
    assert related.transferred(storage, get_task("dt-wine"), names) == []


def test_the_report_shows_rows_without_runs_as_not_run(tmp_path: Path) -> None:
    results = related.build_results(related_archive=tmp_path / "empty")
    for suite, runs in (("bayesmark", 80), ("nn", 60)):
        section = results["suites"][suite]
        assert section["runs"] == runs
        assert set(section["rows"]) == set(related.ROWS)
        assert section["rows"]["default+related"] == {"runs": 0}
        assert section["rows"]["gp-startup5"]["runs"] == runs
        paired = section["rows"]["default"]["paired"]["gp-startup5"]
        assert paired["runs"] == runs and len(paired["10"]) == 2 and "p90" in paired
    page = related.render_page(results)
    assert "`default+related` | 0 (not yet run)" in page
    assert "python -m benchmarks.related report" in page


def test_an_llm_row_shows_the_renamed_studies_and_records_what_the_llm_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The LLM rows' runner, on the random-answer server in place of the embedded model."""
    from benchmarks.core import samplers

    monkeypatch.setattr(related, "DEFAULT_SAMPLER", "llm-trust+useless")
    record = related.run_row(
        "svm-wine", "default+related-renamed", 0, related.source_records(), tmp_path
    )
    assert record["sampler"] == "default+related-renamed" and record["model"] == "openai/useless"
    assert record["related"]["studies"] == [
        "dt-iris",
        "dt-wine",
        "svm-iris",
        "svm-breast_cancer",
        "svm-diabetes",
    ]
    assert sum(record["llm_calls"]) >= 1
    assert "none of them" in record["related"]["used"]  # the server's related_used
    sent = " ".join(str(r.body.get("messages")) for r in samplers._useless_server.requests)
    assert "svc_gamma" in sent and "Earlier studies" in sent
