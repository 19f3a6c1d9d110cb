"""What worked before, measured leave one dataset out (issue 45).

For each task (a model on a dataset) of a suite, the run's storage holds one finished 30-trial
study of the same model on each *other* dataset of the suite (the archived ``gp`` run of seed 0,
its trials written back as they were) and two finished studies of other models (the
distractors: the next two tasks of the suite's order, cyclically, whose model differs). The
rows:

===============================  ==============================================================
``default+related``              the default strategy (:data:`DEFAULT_SAMPLER`) with
                                 ``related_studies="auto"``, on the embedded default model
``default+related-renamed``      the same, the related studies' parameters renamed
                                 (:func:`renamed`: ``C`` -> ``svc_C``, ``learning_rate_init``
                                 -> ``lr``): only reading can map them
``default+distractors-only``     the same, only the two distractors in the storage
``plain-transfer``               by hand: the best configuration of every study in the storage
                                 whose parameter names match and whose direction is the same
                                 (the newest first, at most the start-up budget of 5) enqueued,
                                 then ``gp-startup5``
``plain-transfer-renamed``       the same on the renamed studies (no name matches: it is
                                 ``gp-startup5``, run as a check)
``metalearn-tpe``                OptunaHub's ``MetaLearnTPESampler`` (arXiv 2212.06751) given
                                 the related studies, 5 start-up trials
``default``                      the default strategy without related studies (archived)
``gp-startup5``                  GP with 5 random start-up trials (archived)
===============================  ==============================================================

``"auto"`` shows the newest studies first, at most 5: the distractors are written first, then
the related studies in suite order, so that on Bayesmark-lite the LLM sees the 3 related
studies and the 2 distractors, and on the neural-network suite the 5 related studies written
last (of 3 or 7).

Runs are cached in ``benchmarks/.cache/related`` and archived in
``benchmarks/results/related_archive`` after each run (resumable: finished runs are skipped).
The rows without an LLM are cheap; run one process at a time on a shared machine::

    export OPTUNAHUB_REGISTRY=/path/to/optunahub-registry OMP_NUM_THREADS=1
    python -m benchmarks.related run --suite bayesmark nn \\
        --rows plain-transfer plain-transfer-renamed metalearn-tpe
    # the LLM rows (hours on two cores: 140 runs per row)
    python -m benchmarks.related run --suite bayesmark nn \\
        --rows default+related default+related-renamed default+distractors-only
    python -m benchmarks.related report   # related.json and docs/benchmarks_related.md

``report`` writes ``benchmarks/results/related.json`` (format in :func:`build_results`) from the
archives alone and renders ``docs/benchmarks_related.md`` from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
import json
import math
from pathlib import Path
import sys
import time
from typing import Any

import optuna
from optuna.distributions import BaseDistribution

from benchmarks._paths import DEFAULT_ARCHIVE_DIR
from benchmarks._paths import DEFAULT_CACHE_DIR
from benchmarks._paths import DEFAULT_REFERENCE_DIR
from benchmarks._paths import REPO_ROOT
from benchmarks._paths import RESULTS_DIR
from benchmarks.core.archive import archived_run_records
from benchmarks.core.archive import restore
from benchmarks.core.archive import save
from benchmarks.core.metrics import mean_and_standard_error
from benchmarks.core.metrics import normalised_regret
from benchmarks.core.metrics import paired_summary
from benchmarks.core.runner import load_run
from benchmarks.core.runner import run_one
from benchmarks.core.runner import save_run
from benchmarks.core.suite import exchanges_dir
from benchmarks.experiments.peers import DEFAULT_MODEL
from benchmarks.experiments.peers import DEFAULT_SAMPLER
from benchmarks.tasks.reference import load_reference
from benchmarks.tasks.reference import require_reference
from benchmarks.tasks.registry import get_task
from benchmarks.tasks.registry import resolve_task_names
from benchmarks.tasks.task_types import Task


RELATED_CACHE_DIR = DEFAULT_CACHE_DIR / "related"
RELATED_ARCHIVE_DIR = RESULTS_DIR / "related_archive"
DEFAULT_OUTPUT = RESULTS_DIR / "related.json"
DEFAULT_PAGE = REPO_ROOT / "docs" / "benchmarks_related.md"
SUITES: tuple[str, ...] = ("bayesmark", "nn")
SEEDS = 5
TRIALS = 30
CHECKPOINTS: tuple[int, ...] = (5, 10, 20, 30)
PAIRED_CHECKPOINTS: tuple[int, ...] = (10, 30)
#: The related studies are the archived runs of this sampler, seed and budget.
SOURCE_SAMPLER = "gp"
SOURCE_SEED = 0
#: The start-up budget: at most this many configurations are transferred by hand, and
#: MetaLearnTPE and the GP start from this many trials.
STARTUP_TRIALS = 5
DISTRACTORS = 2
#: The rows that ask the LLM (the default strategy on its default model).
LLM_ROWS: tuple[str, ...] = (
    "default+related",
    "default+related-renamed",
    "default+distractors-only",
)
#: The rows this experiment runs without an LLM.
PLAIN_ROWS: tuple[str, ...] = ("plain-transfer", "plain-transfer-renamed", "metalearn-tpe")
#: The rows taken from the main archive: the default strategy without related studies, and GP.
ARCHIVED_ROWS: dict[str, str] = {"default": DEFAULT_SAMPLER, "gp-startup5": "gp-startup5"}
ROWS: tuple[str, ...] = (
    "default+related",
    "default+related-renamed",
    "plain-transfer",
    "plain-transfer-renamed",
    "metalearn-tpe",
    "default",
    "default+distractors-only",
    "gp-startup5",
)
#: The rows every row is paired with (those with runs).
BASES: tuple[str, ...] = (
    "gp-startup5",
    "plain-transfer",
    "plain-transfer-renamed",
    "metalearn-tpe",
    "default",
    "default+related",
)
METALEARN_PACKAGE = "samplers/meta_learn_tpe"
#: Renamed parameters (a user's other spelling); any other name gets the model's tag in front.
RENAMES: dict[str, str] = {
    "learning_rate_init": "lr",
    "init_lr": "learning_rate",
    "n_units_1": "width_1",
    "n_units_2": "width_2",
    "hidden_layer_sizes": "hidden_units",
    "batch_size": "minibatch",
}
MODEL_TAGS: dict[str, str] = {
    "svm": "svc",
    "dt": "tree",
    "rf": "forest",
    "mlp-sgd": "mlp",
    "hpobench-mlp": "mlp",
    "fcnet": "net",
}


def model_of(task: str) -> str:
    """The model of a task name (``svm-wine`` -> ``svm``, ``hpobench-mlp-car`` ->
    ``hpobench-mlp``)."""
    return task.rsplit("-", 1)[0]


def renamed(name: str, model: str) -> str:
    """``name`` as another user would spell it.

    Example:
        >>> renamed("C", "svm"), renamed("learning_rate_init", "mlp-sgd")
        ('svc_C', 'lr')
    """
    return RENAMES.get(name) or f"{MODEL_TAGS.get(model, 'model')}_{name}"


@dataclass(frozen=True)
class Neighbours:
    """The studies a task's run finds in its storage: same model, other datasets (related),
    and other models (distractors)."""

    related: tuple[str, ...]
    distractors: tuple[str, ...]


def neighbours(task: str, suite_tasks: Sequence[str]) -> Neighbours:
    """The related studies and distractors of ``task`` among ``suite_tasks`` (suite order).

    Example:
        >>> tasks = ["svm-iris", "svm-wine", "dt-iris", "dt-wine", "rf-iris"]
        >>> neighbours("svm-wine", tasks)
        Neighbours(related=('svm-iris',), distractors=('dt-iris', 'dt-wine'))
    """
    model = model_of(task)
    related = tuple(t for t in suite_tasks if t != task and model_of(t) == model)
    start = list(suite_tasks).index(task)
    ring = list(suite_tasks[start + 1 :]) + list(suite_tasks[:start])
    distractors = tuple(t for t in ring if model_of(t) != model)[:DISTRACTORS]
    return Neighbours(related, distractors)


def suite_of(task: str) -> str:
    for suite in SUITES:
        if task in resolve_task_names([suite]):
            return suite
    raise ValueError(f"{task!r} is in neither suite")


def source_records(archive_dir: Path = DEFAULT_ARCHIVE_DIR) -> dict[str, dict[str, Any]]:
    """The archived ``gp`` 30-trial run of seed 0 of every task: the related studies."""
    return {
        str(record["task"]): record
        for record in archived_run_records(archive_dir)
        if record["sampler"] == SOURCE_SAMPLER
        and int(record["seed"]) == SOURCE_SEED
        and int(record["n_trials"]) == TRIALS
    }


def write_study(
    storage: optuna.storages.BaseStorage, record: dict[str, Any], *, rename: bool = False
) -> optuna.Study:
    """A finished study named after ``record``'s task in ``storage``: its problem context, and
    its trials as they ran (failed ones as failed); with ``rename``, its parameters renamed."""
    task = get_task(str(record["task"]))
    model = model_of(task.name)
    name_of = (lambda n: renamed(n, model)) if rename else (lambda n: n)
    space: dict[str, BaseDistribution] = {name_of(n): d for n, d in task.space.items()}
    study = optuna.create_study(study_name=task.name, storage=storage, direction=task.direction)
    study.set_user_attr("problem_type", task.problem_type)
    study.set_user_attr("problem_description", task.problem_description)
    study.set_user_attr("metric", task.metric)
    for params, value in zip(record["params"], record["values"]):
        named = {name_of(n): v for n, v in params.items()}
        distributions = {n: space[n] for n in named}
        if value is None:
            trial = optuna.trial.create_trial(
                params=named, distributions=distributions, state=optuna.trial.TrialState.FAIL
            )
        else:
            trial = optuna.trial.create_trial(
                params=named, distributions=distributions, value=float(value)
            )
        study.add_trial(trial)
    return study


def related_storage(
    task: str, row: str, sources: dict[str, dict[str, Any]]
) -> tuple[optuna.storages.BaseStorage, list[optuna.Study]]:
    """The storage of ``task``'s run of ``row``: the distractors first, then (unless the row
    has only distractors) the related studies; and the related studies themselves."""
    found = neighbours(task, resolve_task_names([suite_of(task)]))
    storage = optuna.storages.InMemoryStorage()
    for name in found.distractors:
        write_study(storage, sources[name])
    related: list[optuna.Study] = []
    if row != "default+distractors-only":
        for name in found.related:
            related.append(write_study(storage, sources[name], rename=row.endswith("-renamed")))
    return storage, related


def transferred(
    storage: optuna.storages.BaseStorage,
    task: Task,
    related: Sequence[str],
    budget: int = STARTUP_TRIALS,
) -> list[dict[str, Any]]:
    """What a user would enqueue by hand: the best configuration of every ``related`` study
    (the same model; the user knows which studies those are) whose parameter names are
    ``task``'s and whose direction is the same, the newest study first (the in-memory storage
    lists them in the order written), at most ``budget``. The distractors are not read, even
    where their names match (the decision tree's and the random forest's do)."""
    configurations: list[dict[str, Any]] = []
    for frozen in reversed(storage.get_all_studies()):
        if len(configurations) >= budget:
            break
        if frozen.study_name not in related or frozen.direction.name.lower() != task.direction:
            continue
        study = optuna.load_study(study_name=frozen.study_name, storage=storage)
        complete = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
        if not complete or set(study.best_trial.params) != set(task.space):
            continue
        configurations.append(dict(study.best_trial.params))
    return configurations


def metalearn_sampler(sources: Sequence[optuna.Study], seed: int) -> optuna.samplers.BaseSampler:
    """OptunaHub's MetaLearnTPESampler from the registry checkout, given ``sources``."""
    from benchmarks.core.peers import load_registry_package

    module = load_registry_package(METALEARN_PACKAGE)
    sampler = module.MetaLearnTPESampler(
        source_studies=list(sources), n_startup_trials=STARTUP_TRIALS, seed=seed
    )
    _adapt_to_optuna5(sampler)
    return sampler


def _adapt_to_optuna5(sampler: Any) -> None:
    """Let MetaLearnTPE (written for Optuna 4.1) run on Optuna 5, changing none of its logic.

    It calls two private parts of Optuna's TPE that changed: ``TPESampler._gamma`` is None from
    Optuna 4.9 until the sampler's own first use, where a single objective gets
    ``default_gamma`` (given here to its inner samplers), and ``_split_trials`` lost its
    ``constraints_enabled`` argument (MetaLearnTPE passes ``False``; the trials here report no
    constraints, so the call without it splits them the same way).
    """
    from optuna.samplers._tpe import sampler as tpe

    for inner in [sampler._target_sampler, *sampler._source_samplers]:
        if getattr(inner, "_gamma", None) is None:
            inner._gamma = tpe.default_gamma
    module = sys.modules[type(sampler).__module__]

    def split_trials(
        study: Any, trials: Any, n_below: int, constraints_enabled: bool = False
    ) -> Any:
        return tpe._split_trials(study, trials, n_below)

    setattr(module, "_split_trials", split_trials)


def run_row(
    task_name: str, row: str, seed: int, sources: dict[str, dict[str, Any]], cache_dir: Path
) -> dict[str, Any]:
    """One run of ``row`` on ``task_name`` with ``seed``: its record (not yet saved)."""
    task = get_task(task_name)
    reference = load_reference(task_name, DEFAULT_REFERENCE_DIR)
    storage, related = related_storage(task_name, row, sources)
    enqueue: list[dict[str, Any]] = []
    if row in LLM_ROWS:
        from benchmarks.core.samplers import build_sampler

        sampler = build_sampler(
            DEFAULT_SAMPLER,
            seed,
            {"cache_dir": exchanges_dir(cache_dir), "related_studies": "auto"},
            task=task,
        ).sampler
    elif row == "metalearn-tpe":
        sampler = metalearn_sampler(related, seed)
    elif row in ("plain-transfer", "plain-transfer-renamed"):
        enqueue = transferred(storage, task, [s.study_name for s in related])
        sampler = optuna.samplers.GPSampler(seed=seed, n_startup_trials=STARTUP_TRIALS)
    else:
        raise ValueError(f"unknown row {row!r}; runnable: {', '.join(LLM_ROWS + PLAIN_ROWS)}")
    record = run_one(
        task,
        row,
        seed,
        TRIALS,
        reference,
        sampler=sampler,
        storage=storage,
        study_name=task_name,
        enqueue_all=tuple(enqueue),
    )
    record["related"] = {
        "studies": [s.study_name for s in storage.get_all_studies() if s.study_name != task_name],
        "source": f"{SOURCE_SAMPLER}, seed {SOURCE_SEED}, {TRIALS} trials (archived)",
        "renamed": row.endswith("-renamed"),
        "enqueued": len(enqueue),
    }
    if row == "metalearn-tpe":
        from benchmarks.core.peers import registry_commit

        record["related"]["registry_commit"] = registry_commit()
    if row in LLM_ROWS:
        record["related"]["used"] = [
            (t.user_attrs.get("llm_call") or {}).get("related_used")
            for t in optuna.load_study(study_name=task_name, storage=storage).trials
        ]
    return record


def run_rows(
    tasks: Sequence[str],
    rows: Sequence[str],
    seeds: int = SEEDS,
    cache_dir: Path = RELATED_CACHE_DIR,
    archive_dir: Path = RELATED_ARCHIVE_DIR,
) -> dict[str, int]:
    """Every missing run of ``rows`` on ``tasks`` (seed-major), each saved to the cache and
    the archive when it ends; returns counts of ``cached``, ``ran`` and ``failed`` runs."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    restore(cache_dir, archive_dir)
    sources = source_records()
    counts = {"cached": 0, "ran": 0, "failed": 0}
    for seed in range(seeds):
        for task in tasks:
            for row in rows:
                if load_run(cache_dir, task, row, seed, TRIALS) is not None:
                    counts["cached"] += 1
                    continue
                start = time.perf_counter()
                try:
                    record = run_row(task, row, seed, sources, cache_dir)
                except Exception as error:  # one broken run must not lose the others
                    counts["failed"] += 1
                    print(f"FAILED {task} {row} seed {seed}: {error!r}", file=sys.stderr)
                    continue
                save_run(cache_dir, record)
                save(cache_dir, archive_dir)
                counts["ran"] += 1
                print(
                    f"{task} {row} seed {seed}: r@10 {record['regret'][9]:.3f}, "
                    f"r@30 {record['regret'][-1]:.3f} ({time.perf_counter() - start:.0f} s)",
                    flush=True,
                )
    return counts


def _first_advised(record: dict[str, Any]) -> int:
    """The index of the run's first configuration from what it knows: the first enqueued
    transfer, or the LLM's first proposal; trial 0 for a run without either."""
    if (record.get("related") or {}).get("enqueued"):
        return 0
    proposals = record.get("llm_proposals") or []
    return next((i for i, p in enumerate(proposals) if p is not None), 0)


def first_regret(record: dict[str, Any], reference_dir: Path = DEFAULT_REFERENCE_DIR) -> float:
    """The regret of the run's first advised configuration (:func:`_first_advised`) alone:
    the row's skill."""
    index = _first_advised(record)
    values = record.get("noise_free_values") or record["values"]
    reference = require_reference(load_reference(record["task"], reference_dir), record["task"])
    return normalised_regret(values[index], reference)


def _records(archive_dir: Path, samplers: set[str], model: str | None = None) -> list[dict]:
    return [
        r
        for r in archived_run_records(archive_dir)
        if r["sampler"] in samplers
        and int(r["n_trials"]) == TRIALS
        and int(r["seed"]) < SEEDS
        and (model is None or r.get("model") == model)
    ]


def _row(
    records: list[dict[str, Any]], reference_dir: Path
) -> tuple[dict[str, Any], dict[tuple[str, int], list[float]]]:
    if not records:
        return {"runs": 0}, {}
    curves = {(r["task"], int(r["seed"])): list(r["regret"]) for r in records}
    keys = sorted(curves)
    row: dict[str, Any] = {"runs": len(keys)}
    models = sorted({str(r.get("model")) for r in records if r.get("model")})
    if models:
        row["model"] = ", ".join(models)
    stats = {c: mean_and_standard_error(curves[k][c - 1] for k in keys) for c in CHECKPOINTS}
    row["regret"] = {str(c): round(m, 4) for c, (m, _) in stats.items()}
    row["regret_se"] = {str(c): round(se, 4) for c, (_, se) in stats.items()}
    skill, skill_se = mean_and_standard_error(first_regret(r, reference_dir) for r in records)
    row["skill"], row["skill_se"] = round(skill, 4), round(skill_se, 4)
    return row, curves


def _paired(
    mine: dict[tuple[str, int], list[float]], base: dict[tuple[str, int], list[float]]
) -> dict[str, Any] | None:
    pairs = sorted(set(mine) & set(base))
    if not pairs:
        return None
    entry: dict[str, Any] = {"runs": len(pairs), "losing_share": {}, "p90": {}}
    for c in PAIRED_CHECKPOINTS:
        summary = paired_summary(mine[p][c - 1] - base[p][c - 1] for p in pairs)
        entry[str(c)] = [summary["mean"], summary["se"]]
        entry["losing_share"][str(c)] = summary["losing_share"]
        entry["p90"][str(c)] = summary["p90"]
    return entry


def build_results(
    related_archive: Path = RELATED_ARCHIVE_DIR,
    main_archive: Path = DEFAULT_ARCHIVE_DIR,
    reference_dir: Path = DEFAULT_REFERENCE_DIR,
) -> dict[str, Any]:
    """related.json from the archives alone.

    ``{"default": {"sampler", "model"}, "suites": {SUITE: {"tasks", "seeds", "trials", "runs",
    "rows": {ROW: {"runs", "model" (LLM rows), "regret": {"5", "10", "20", "30"}, "regret_se",
    "skill", "skill_se", "paired": {BASE: {"runs", "10": [mean, se], "30": [mean, se],
    "losing_share": {"10", "30"}, "p90": {"10", "30"}}}}}}}}``. ``paired`` is the row minus
    BASE on the same (task, seed) runs (negative: the row is ahead); a row without runs is
    ``{"runs": 0}``. ``skill`` is the regret of the row's first advised configuration alone
    (the first transferred one, or the LLM's first proposal; trial 0 for rows without either).
    """
    mine = _records(related_archive, set(LLM_ROWS + PLAIN_ROWS))
    archived = {
        row: _records(
            main_archive, {sampler}, DEFAULT_MODEL if sampler == DEFAULT_SAMPLER else None
        )
        for row, sampler in ARCHIVED_ROWS.items()
    }
    results: dict[str, Any] = {
        "default": {"sampler": DEFAULT_SAMPLER, "model": DEFAULT_MODEL},
        "source": f"{SOURCE_SAMPLER}, seed {SOURCE_SEED}, {TRIALS} trials",
        "registry_commits": sorted(
            {
                str(r["related"].get("registry_commit"))
                for r in mine
                if r["sampler"] == "metalearn-tpe"
            }
        ),
        "suites": {},
    }
    for suite in SUITES:
        tasks = set(resolve_task_names([suite]))
        rows: dict[str, Any] = {}
        curves: dict[str, dict[tuple[str, int], list[float]]] = {}
        for row in ROWS:
            found = archived.get(row) or [r for r in mine if r["sampler"] == row]
            rows[row], curves[row] = _row([r for r in found if r["task"] in tasks], reference_dir)
        for row in ROWS:
            paired = {}
            for base in BASES:
                if base != row and curves[row] and curves[base]:
                    entry = _paired(curves[row], curves[base])
                    if entry is not None:
                        paired[base] = entry
            if paired:
                rows[row]["paired"] = paired
        results["suites"][suite] = {
            "tasks": len(tasks),
            "seeds": SEEDS,
            "trials": TRIALS,
            "runs": len(tasks) * SEEDS,
            "rows": rows,
        }
    return results


def results_text(results: dict[str, Any]) -> str:
    """The JSON text of related.json (stable bytes for the same archives)."""
    return json.dumps(results, indent=1, sort_keys=True, allow_nan=False) + "\n"


SUITE_TITLES = {"bayesmark": "Bayesmark-lite", "nn": "Neural-network suite"}
#: The paired differences the page shows (the acceptance lines of issue 45); related.json has
#: every row against every base.
PAGE_PAIRS: tuple[tuple[str, str], ...] = (
    ("default+related", "plain-transfer"),
    ("default+related", "metalearn-tpe"),
    ("default+related", "default"),
    ("default+related-renamed", "default+related"),
    ("default+related-renamed", "plain-transfer-renamed"),
    ("default+distractors-only", "default"),
    ("plain-transfer", "default"),
    ("plain-transfer", "metalearn-tpe"),
    ("metalearn-tpe", "default"),
    ("plain-transfer-renamed", "plain-transfer"),
)


def _cell(value: Iterable[float] | None) -> str:
    if value is None:
        return "–"
    mean, se = value
    return f"{mean:+.3f} ± {se:.3f}"


def render_page(results: dict[str, Any]) -> str:
    """``docs/benchmarks_related.md``: one table per suite, and the paired differences."""
    default = results["default"]
    lines = [
        "# What worked before: related studies, leave one dataset out (issue 45)",
        "",
        "<!-- generated by python -m benchmarks.related report: do not edit -->",
        "",
        "For each task (a model on a dataset) the study's storage holds one finished 30-trial "
        "study of the same model on each other dataset of the suite (the archived "
        f"`{SOURCE_SAMPLER}` run of seed {SOURCE_SEED}) and two finished studies of other "
        "models (distractors). `default` is the default strategy "
        f"(`{default['sampler']}`, `{default['model']}`) without related studies; the "
        '`default+…` rows give it `related_studies="auto"` (at most 5 studies shown, the '
        "newest first); `-renamed` rows rename the related studies' parameters (`C` -> "
        "`svc_C`, `learning_rate_init` -> `lr`); `plain-transfer` enqueues the best "
        "configuration of every study whose parameter names match (at most 5), then "
        "`gp-startup5`; `metalearn-tpe` is OptunaHub's MetaLearnTPESampler given the related "
        "studies (5 start-up trials). *skill*: the regret of the row's first configuration "
        "from what it knows (the first transferred one, or the LLM's first proposal; trial 0, "
        "a random one, for rows without either). Rows without runs yet say so.",
        "",
        "Rebuilt from `benchmarks/results/related_archive` and the main archive by "
        "`python -m benchmarks.related report`. The rows without an LLM ran with "
        "`python -m benchmarks.related run --suite bayesmark nn --rows plain-transfer "
        "metalearn-tpe plain-transfer-renamed` (OptunaHub registry at "
        f"{', '.join(results['registry_commits']) or 'no run yet'}); the LLM rows run with "
        "`python -m benchmarks.related run --suite bayesmark nn --rows default+related "
        "default+related-renamed default+distractors-only` (resumable; hours on two cores).",
    ]
    for suite, section in results["suites"].items():
        lines += [
            "",
            f"## {SUITE_TITLES.get(suite, suite)} ({section['tasks']} tasks × "
            f"{section['seeds']} seeds = {section['runs']} runs per row)",
            "",
            "| row | runs | skill | "
            + " | ".join(f"r@{c}" for c in CHECKPOINTS)
            + " | Δ r@10 vs gp-startup5 | Δ r@30 vs gp-startup5 |",
            "|---|---|---|" + "---|" * (len(CHECKPOINTS) + 2),
        ]
        for name, row in section["rows"].items():
            label = f"`{name}`" + (f" ({row['model']})" if "model" in row else "")
            if not row["runs"]:
                lines.append(f"| {label} | 0 (not yet run) |" + " |" * (len(CHECKPOINTS) + 3))
                continue
            regret = " | ".join(
                f"{row['regret'][str(c)]:.3f} ± {row['regret_se'][str(c)]:.3f}"
                for c in CHECKPOINTS
            )
            base = (row.get("paired") or {}).get("gp-startup5")
            lines.append(
                f"| {label} | {row['runs']} | {row['skill']:.3f} ± {row['skill_se']:.3f} | "
                f"{regret} | {_cell(base['10'] if base else None)} | "
                f"{_cell(base['30'] if base else None)} |"
            )
        lines += [
            "",
            "Paired differences (row minus base, same task and seed; negative: the row is "
            "ahead), at 10 / 30 trials, with the share of pairs losing by more than 0.1 and "
            "the 90th percentile at 10 trials:",
            "",
            "| row | base | runs | Δ r@10 | Δ r@30 | losing > 0.1 @10 | p90 @10 |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, base in PAGE_PAIRS:
            entry = (section["rows"][name].get("paired") or {}).get(base)
            if entry is not None and math.isfinite(entry["10"][0]):
                lines.append(
                    f"| `{name}` | `{base}` | {entry['runs']} | {_cell(entry['10'])} | "
                    f"{_cell(entry['30'])} | {entry['losing_share']['10']:.0%} | "
                    f"{entry['p90']['10']:+.2f} |"
                )
    return "\n".join(lines) + "\n"
