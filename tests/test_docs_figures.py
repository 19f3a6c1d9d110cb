"""Figures cannot drift: the numbers the README and docs quote about results and speed are
checked against ``benchmarks/results/*.json``.

Each :class:`Quote` names a page, a text with ``{}`` slots, and the values (read from the JSON
results, formatted as the page writes them) that fill the slots: the filled text must be on the
page. A page edited to another number, or a result rerun to another value, fails here. The
README's decimal figures must all come from a quote (a new one with no check fails too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
import json
from pathlib import Path
import re
from typing import Any

import pytest

from benchmarks.report.render_advisors import readme_ladder_table
from benchmarks.report.render_readme import readme_table


ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


#: The probe's row of the default model.
QWEN_PROBE_ROW = "llm-prior@qwen2.5-coder-1.5b"
#: The probe's row of self-consistency (five guesses, their consensus).
CONSENSUS_ROW = "llm-prior@qwen2.5-coder-1.5b~consensus5"
#: Its full runs in the skill ladder, and the default's row there.
CONSENSUS_LADDER_ROW = "prior~consensus5@qwen2.5-coder-1.5b"
#: The strategy it varies, asked the default way.
PRIOR_QWEN_ROW = "prior@qwen2.5-coder-1.5b"


@lru_cache(maxsize=None)
def result(name: str) -> dict[str, Any]:
    """``benchmarks/results/<name>.json``."""
    return json.loads((RESULTS / f"{name}.json").read_text())


def at(name: str, *path: str) -> Any:
    """The value at ``path`` in the results file ``name``, e.g.
    ``at("latest", "samplers", "gp")``."""
    value: Any = result(name)
    for key in path:
        value = value[key]
    return value


def regret(name: str, row: str, checkpoint: str) -> float:
    """Mean regret of a row (a sampler or an ablation) at a checkpoint."""
    section = "samplers" if row in at(name, "samplers") else "ablations"
    return at(name, section, row, "regret", checkpoint)


def speed(model: str, threads: int, key: str) -> float:
    """A median of ``model_speed.json`` for a model and thread count."""
    (row,) = [
        r for r in at("model_speed", "results") if r["model"] == model and r["threads"] == threads
    ]
    return row[key]


def per_study(name: str, row: str, key: str, trials: int = 30) -> float:
    """A per-trial figure of a row times the number of trials of a study."""
    return at(name, "samplers", row, key) * trials


def overhead(sampler: str, n_finished: int) -> float:
    """Seconds of one ``ask()`` with ``n_finished`` trials in the history (``overhead.json``)."""
    (row,) = [
        r
        for r in at("overhead", "results")
        if r["sampler"] == sampler and r["n_finished"] == n_finished
    ]
    return row["sampler_seconds"]


def rate(storage: str, workers: int) -> float:
    """Ask/tell cycles per second of ``workers`` on ``storage`` (``storage_throughput.json``)."""
    (row,) = [
        r
        for r in at("storage_throughput", "rates")
        if r["storage"] == storage and r["workers"] == workers
    ]
    return row["trials_per_second"]


def claim(storage: str, key: str) -> float:
    """A claim's figure on ``storage`` in milliseconds (``storage_throughput.json``)."""
    (row,) = [r for r in at("storage_throughput", "claims") if r["storage"] == storage]
    return row[key] * 1000


def versus_prior(advisor: str, checkpoint: str, suffix: str = "") -> list[float]:
    """``[mean, se]`` of the default (``suffix="[served]"``: with the served budget) minus the
    prior strategy on ``advisor`` (advisors.json)."""
    return paired_cell(f"default@{advisor}{suffix}", f"prior@{advisor}", checkpoint)


#: The suffix of the default's rows with the served budget on the stand-ins (advisors.json).
SERVED = "[served]"
#: The random-answer control as archived: served, so with the served budget.
SERVED_CONTROL = "default@useless[served]"


def signed_cell(cell: list[float]) -> str:
    """``[mean, se]`` as the pages write a paired difference: ``+0.075 ± 0.061``."""
    return f"{cell[0]:+.3f} ± {cell[1]:.3f}"


def f3(value: float) -> str:
    return f"{value:.3f}"


def f1(value: float) -> str:
    return f"{value:.1f}"


def thousands(value: float) -> str:
    return f"{round(value, -2):,.0f}"


@dataclass(frozen=True)
class Quote:
    """A text of ``page`` whose ``{}`` slots are filled by ``values`` (callables on results)."""

    page: str
    text: str
    values: tuple[Callable[[], str], ...]

    def rendered(self) -> str:
        return self.text.format(*(value() for value in self.values))


OM = "one_machine"


def default_row() -> str:
    """The library's default strategy as one_machine.json names it (e.g. ``llm-trust``)."""
    return str(at(OM, "default_strategy"))


def paired_cell(row: str, against: str, checkpoint: str) -> list[float]:
    """``[mean, se]`` of an advisors.json row minus another, paired by (task, seed)."""
    cell = at("advisors", "rows", row, "paired", against, checkpoint)
    return [cell["mean"], cell["se"]]


def nn_cell(difference: str, checkpoint: str) -> list[float]:
    """``[mean, se]`` of a paired difference of nn_suite.json, ``{default}`` standing for its
    default strategy (e.g. ``{default}+useless - gp``)."""
    name = difference.format(default=at("nn_suite", "default_strategy"))
    cell = at("nn_suite", "paired_differences", name, checkpoint)
    return [cell["mean"], cell["se"]]


def unsigned_cell(cell: list[float]) -> str:
    """``[mean, se]`` as a lead, without its sign: ``0.106 ± 0.021``."""
    return f"{abs(cell[0]):.3f} ± {cell[1]:.3f}"


QWEN_DEFAULT = "default@qwen2.5-coder-1.5b"
#: Trust as in 0.1, in the knowledge benchmark's condition names (knowledge.json).
TRUST_01_OPTIONS = "[strategy=trust,reask=0,reward=off]"
#: The hint from the best 1 % against none, both under the default strategy (knowledge.json).
TRUST_HINT_PAIR = "precise-top1 - none"

#: Paired cells the pages call "within noise" (True: |mean| < 2 SE) or state as a difference
#: beyond it (False), so that a rerun that moves one across the line fails here.
NOISE_CLAIMS: tuple[tuple[str, Callable[[], list[float]], bool], ...] = (
    ("default - gp-startup5 @10", lambda: paired_cell(QWEN_DEFAULT, "gp-startup5", "10"), True),
    ("default - gp-startup5 @30", lambda: paired_cell(QWEN_DEFAULT, "gp-startup5", "30"), True),
    ("default - control @10", lambda: paired_cell(QWEN_DEFAULT, SERVED_CONTROL, "10"), True),
    ("default - control @30", lambda: paired_cell(QWEN_DEFAULT, SERVED_CONTROL, "30"), True),
    ("default - gp @10", lambda: paired_cell(QWEN_DEFAULT, "gp", "10"), False),
    ("default - prior on qwen @10", lambda: versus_prior("qwen2.5-coder-1.5b", "10"), True),
    ("default - prior on the best 1 % @30", lambda: versus_prior("oracle-top1", "30"), False),
    ("nn default - gp @30", lambda: nn_cell("{default} - gp", "30"), True),
    ("nn default - gp-startup5 @10", lambda: nn_cell("{default} - gp-startup5", "10"), False),
    (
        "nn control - gp-startup5 @10",
        lambda: nn_cell("{default}+useless - gp-startup5", "10"),
        True,
    ),
)

QUOTES = (
    # README: what the embedded models can and cannot be shown to do (advisors.json, paired).
    Quote(
        "README.md",
        "At 10 trials the default is {} ahead of Optuna's `GPSampler()`",
        (lambda: unsigned_cell(paired_cell(QWEN_DEFAULT, "gp", "10")),),
    ),
    Quote(
        "README.md",
        "it is {} at 10 trials and {} at 30, within noise. Against a served control that answers "
        "random configurations (10 LLM trials) it is {} at 10 and {} at 30, within noise",
        (
            lambda: signed_cell(paired_cell(QWEN_DEFAULT, "gp-startup5", "10")),
            lambda: signed_cell(paired_cell(QWEN_DEFAULT, "gp-startup5", "30")),
            lambda: signed_cell(paired_cell(QWEN_DEFAULT, SERVED_CONTROL, "10")),
            lambda: signed_cell(paired_cell(QWEN_DEFAULT, SERVED_CONTROL, "30")),
        ),
    ),
    # README: the neural-network suite (nn_suite.json, paired).
    Quote(
        "README.md",
        "at 10 ({}), on the FCNet tasks; the random-answer control is within noise ({})",
        (
            lambda: signed_cell(nn_cell("{default} - gp-startup5", "10")),
            lambda: signed_cell(nn_cell("{default}+useless - gp-startup5", "10")),
        ),
    ),
    Quote(
        "README.md",
        "it is level with Optuna's GP ({})",
        (lambda: signed_cell(nn_cell("{default} - gp", "30")),),
    ),
    # README: which strategy (advisors.json, paired).
    Quote(
        "README.md",
        'it is ahead of `"prior"` at 30 trials ({})',
        (lambda: signed_cell(versus_prior("oracle-top1", "30")),),
    ),
    Quote(
        "README.md",
        'level with `"prior"` ({} at 10 trials, within noise)',
        (lambda: signed_cell(versus_prior("qwen2.5-coder-1.5b", "10")),),
    ),
    # README: the cost of the strategies (one_machine.json's llm row, 40 runs).
    Quote(
        "README.md",
        '`"llm"` about {} per 30 trials (about {} prompt tokens)',
        (
            lambda: f"{per_study(OM, 'llm', 'llm_calls_per_trial'):.0f}",
            lambda: thousands(per_study(OM, "llm", "prompt_tokens_per_trial")),
        ),
    ),
    # README: the default's LLM time on the default model (llm_time.json, an idle machine).
    Quote(
        "README.md",
        "each showing the history (about {} prompt tokens)",
        (lambda: thousands(at("llm_time", "summary", "prompt_tokens_per_later_call")),),
    ),
    Quote(
        "README.md",
        "studies that made all {} calls spent at most {} s in them",
        (
            lambda: str(max(row["llm_calls"] for row in at("llm_time", "studies"))),
            lambda: f"{at('llm_time', 'summary', 'max_llm_seconds'):.0f}",
        ),
    ),
    Quote(
        "README.md",
        "16 scikit-learn tuning tasks × {} seeds, {} paired runs each",
        (lambda: str(at(OM, "seeds")), lambda: str(at(OM, "samplers", default_row(), "runs"))),
    ),
    # docs/05: self-consistency against the default warm start on the probe.
    *(
        Quote(
            "docs/05_context_building_strategy.md",
            f"{words} {{}} against {{}} (Δ {{}})",
            (
                lambda k=key: f3(at("probe_designs", "rows", CONSENSUS_ROW, k, "llm")[0]),
                lambda k=key: f3(at("probe_designs", "rows", QWEN_PROBE_ROW, k, "llm")[0]),
                lambda k=key: signed_cell(
                    at("probe_designs", "rows", CONSENSUS_ROW, "versus_default", k)
                ),
            ),
        )
        for words, key in (
            ("single guess: trial 1", "trial_1"),
            ("the best of trials 0–4", "best_of_5"),
        )
    ),
    Quote(
        "docs/05_context_building_strategy.md",
        "way, {} at 10 trials",
        (lambda: signed_cell(paired_cell(CONSENSUS_LADDER_ROW, PRIOR_QWEN_ROW, "10")),),
    ),
    Quote(
        "docs/05_context_building_strategy.md",
        "and {} at 30. It stays an option",
        (lambda: signed_cell(paired_cell(CONSENSUS_LADDER_ROW, PRIOR_QWEN_ROW, "30")),),
    ),
    # docs/benchmarks.md: the skill ladder's reading (advisors.json, llm_time.json).
    Quote(
        "docs/benchmarks.md",
        "reaches {} (paired {}) and `hybrid` {}.",
        (
            lambda: f3(at("advisors", "rows", "default@oracle-top1", "regret", "30")),
            lambda: signed_cell(versus_prior("oracle-top1", "30")),
            lambda: f3(at("advisors", "rows", "hybrid@oracle-top1", "regret", "30")),
        ),
    ),
    Quote(
        "docs/benchmarks.md",
        "with `prior` at 30 trials ({}, {}) and `hybrid` is the best at 10",
        (
            lambda: signed_cell(versus_prior("oracle-top10", "30")),
            lambda: signed_cell(versus_prior("oracle-top30", "30")),
        ),
    ),
    Quote(
        "docs/benchmarks.md",
        "(on Qwen {} at\n10 trials and {} at 30, within noise)",
        (
            lambda: signed_cell(versus_prior("qwen2.5-coder-1.5b", "10")),
            lambda: signed_cell(versus_prior("qwen2.5-coder-1.5b", "30")),
        ),
    ),
    Quote(
        "docs/benchmarks.md",
        "a 30-trial study spent {}–{} s in LLM calls, median {} s",
        (
            lambda: f"{min(row['llm_seconds'] for row in at('llm_time', 'studies')):.0f}",
            lambda: f"{at('llm_time', 'summary', 'max_llm_seconds'):.0f}",
            lambda: f1(at("llm_time", "summary", "median_llm_seconds")),
        ),
    ),
    # docs/02: the embedded models' speed.
    *(
        Quote(
            "docs/02_llm_integration_strategies.md",
            f"| {model} | {threads} | {{}} | {{}} | {{}} | {{}} |",
            (
                lambda m=model, t=threads: f1(speed(m, t, "load_seconds")),
                lambda m=model, t=threads: f1(speed(m, t, "median_seconds")),
                lambda m=model, t=threads: f1(speed(m, t, "median_prompt_per_second")),
                lambda m=model, t=threads: f1(speed(m, t, "median_generated_per_second")),
            ),
        )
        for model in ("qwen2.5-coder-1.5b", "smollm2-135m")
        for threads in (1, 2)
    ),
    Quote(
        "docs/02_llm_integration_strategies.md",
        "Qwen2.5-Coder-1.5B generated {} tokens/s with 2\n"
        "threads on an idle machine and {} with 1",
        (
            lambda: f1(speed("qwen2.5-coder-1.5b", 2, "median_generated_per_second")),
            lambda: f1(speed("qwen2.5-coder-1.5b", 1, "median_generated_per_second")),
        ),
    ),
    # docs/user_guide.md: the embedded models' call times (a long answer).
    Quote(
        "docs/user_guide.md",
        "2 threads took {} s with Qwen and {} s with SmolLM2, 1 thread {} s and {} s",
        (
            lambda: f1(speed("qwen2.5-coder-1.5b", 2, "median_seconds")),
            lambda: f1(speed("smollm2-135m", 2, "median_seconds")),
            lambda: f1(speed("qwen2.5-coder-1.5b", 1, "median_seconds")),
            lambda: f1(speed("smollm2-135m", 1, "median_seconds")),
        ),
    ),
    Quote(
        "docs/user_guide.md",
        "for a long warm-start answer of {} completion tokens",
        (lambda: f"{speed('qwen2.5-coder-1.5b', 2, 'median_completion_tokens'):.0f}",),
    ),
    # docs/00: the search quality on the rows rebuilt from the archive.
    Quote(
        "docs/00_project_overview.md",
        "Mean regret (prior strategy) {} at trial 10 and {} at 30, against {} and {} for GP, and "
        "{} and {} for `gp-startup5`; the default `trust`: {} and {}.",
        tuple(
            (lambda r=row, c=checkpoint: f3(regret(OM, r, c)))
            for row in ("llm-prior", "gp", "gp-startup5", "llm-trust")
            for checkpoint in ("10", "30")
        ),
    ),
    Quote(
        "docs/00_project_overview.md",
        "The default is {} ahead of GP at 10 trials; against `gp-startup5` (the same GP started "
        "after 5 random trials, no LLM) it is {} at 10 and {} at 30, within noise; against a "
        "server answering random configurations {} at 10",
        (
            lambda: unsigned_cell(paired_cell(QWEN_DEFAULT, "gp", "10")),
            lambda: signed_cell(paired_cell(QWEN_DEFAULT, "gp-startup5", "10")),
            lambda: signed_cell(paired_cell(QWEN_DEFAULT, "gp-startup5", "30")),
            lambda: signed_cell(paired_cell(QWEN_DEFAULT, SERVED_CONTROL, "10")),
        ),
    ),
    Quote(
        "docs/00_project_overview.md",
        "`hybrid` {} at trial 10 and {} at 30, level with the default; `llm` {} and {}",
        (
            lambda: f3(at("advisors", "rows", "hybrid@qwen2.5-coder-1.5b", "regret", "10")),
            lambda: f3(at("advisors", "rows", "hybrid@qwen2.5-coder-1.5b", "regret", "30")),
            lambda: f3(regret(OM, "llm", "10")),
            lambda: f3(regret(OM, "llm", "30")),
        ),
    ),
    Quote(
        "docs/00_project_overview.md",
        "(paired, at 30\ntrials, {}, asked at most 3 more times",
        (lambda: signed_cell(versus_prior("oracle-top1", "30")),),
    ),
    Quote(
        "docs/00_project_overview.md",
        "(single-trial regret {} against {}; 80 pairs, `benchmarks/results/probe.json`), and "
        "SmolLM2's is not ({}, worse",
        (
            lambda: f3(at("probe", "rows", QWEN_PROBE_ROW, "trial_1", "llm")[0]),
            lambda: f3(at("probe", "rows", QWEN_PROBE_ROW, "trial_1", "random")[0]),
            lambda: f3(at("probe", "rows", "llm-prior@smollm2-135m", "trial_1", "llm")[0]),
        ),
    ),
    # docs/00: the sampler's overhead per ask() (overhead.json).
    Quote(
        "docs/00_project_overview.md",
        "machine): the default strategy's own time per `ask()` is {} / {} / {} s with 100 /\n"
        "  1,000 / 5,000 finished trials, against {} / {} / {} s for TPE and {} / {} s for\n"
        "  Optuna's GP at 100 / 1,000",
        (
            *(lambda n=n: f"{overhead('llm-prior', n):.2f}" for n in (100, 1000, 5000)),
            *(lambda n=n: f"{overhead('tpe', n):.2f}" for n in (100, 1000, 5000)),
            *(lambda n=n: f1(overhead("gp", n)) for n in (100, 1000)),
        ),
    ),
    # docs/06: what a claim costs and what one PostgreSQL sustains (storage_throughput.json).
    Quote(
        "docs/06_scaling_out.md",
        "median {} ms per trial on PostgreSQL directly (p90 {} ms),\n"
        "{} ms through the proxy (p90 {} ms), beside a whole ask/tell cycle of {} ms and {} ms",
        (
            lambda: f1(claim("postgresql", "claim_seconds_median")),
            lambda: f"{claim('postgresql', 'claim_seconds_p90'):.0f}",
            lambda: f1(claim("grpc-proxy", "claim_seconds_median")),
            lambda: f"{claim('grpc-proxy', 'claim_seconds_p90'):.0f}",
            lambda: f"{claim('postgresql', 'ask_tell_seconds_median'):.0f}",
            lambda: f"{claim('grpc-proxy', 'ask_tell_seconds_median'):.0f}",
        ),
    ),
    *(
        Quote(
            "docs/06_scaling_out.md",
            f"| {workers} | {{}} /s | {{}} /s |",
            (
                lambda w=workers: f1(rate("postgresql", w)),
                lambda w=workers: f1(rate("grpc-proxy", w)),
            ),
        )
        for workers in (1, 4, 16)
    ),
    # docs/user_guide.md: the hints' table (knowledge.json), its archived conditions.
    *(
        Quote(
            "docs/user_guide.md",
            f"{label} | {{}} | {{}} | {{}} |",
            tuple(
                (
                    lambda c=condition, k=checkpoint: f3(
                        at("knowledge", "conditions", c, "regret", k)
                    )
                )
                for checkpoint in ("5", "10", "20", "30")
            ),
        )
        for label, condition in (
            ("| none, the default `trust`", "none"),
            (
                '| good values from the best 1 % ("C around 440, gamma around 0.00011"), '
                "the default `trust`",
                "precise-top1",
            ),
            (
                "| none, `trust` as in 0.1 (asked again inside the start-up design)",
                "none" + TRUST_01_OPTIONS,
            ),
            (
                '| good values from the best 1 % ("C around 440, gamma around 0.00011"), '
                "`trust` as in 0.1",
                "precise-top1" + TRUST_01_OPTIONS,
            ),
            ("| none, strategy `prior` (80 runs)", "none[strategy=prior]"),
            ("| good values from the best 1 %, strategy `prior`", "precise-top1[strategy=prior]"),
            (
                "| Optuna's GP with a good hint's 2 values enqueued "
                "(what you would do without this library)",
                "gp+enqueue",
            ),
            ("| Optuna's GP, no hint", "gp"),
        )
    ),
    Quote(
        "docs/user_guide.md",
        "the best-1 % hint against none {} at 5 trials and {} at 10",
        tuple(
            (
                lambda k=checkpoint: signed_cell(
                    [
                        at("knowledge", "paired", TRUST_HINT_PAIR, "difference", k),
                        at("knowledge", "paired", TRUST_HINT_PAIR, "difference_se", k),
                    ]
                )
            )
            for checkpoint in ("5", "10")
        ),
    ),
)


def flat(text: str) -> str:
    """``text`` with every run of white space (line breaks included) made one space, and the
    minus sign (U+2212) written as a hyphen."""
    return " ".join(text.replace("\u2212", "-").split())


@pytest.mark.parametrize("quote", QUOTES, ids=lambda q: f"{q.page}:{q.text[:40]}")
def test_quoted_figure_agrees_with_the_results(quote: Quote) -> None:
    page = flat((ROOT / quote.page).read_text())
    expected = flat(quote.rendered())
    assert expected in page, f"{quote.page} should say {expected!r} (benchmarks/results/*.json)"


@pytest.mark.parametrize("claim", NOISE_CLAIMS, ids=lambda c: c[0])
def test_within_noise_is_said_where_the_data_say_it(
    claim: tuple[str, Callable[[], list[float]], bool],
) -> None:
    name, cell, within = claim
    mean, se = cell()
    assert (abs(mean) < 2 * se) == within, f"{name}: {mean:+.3f} ± {se:.3f}"


def test_readme_table_is_the_rendered_one() -> None:
    assert readme_table(result(OM)) in (ROOT / "README.md").read_text(), (
        "README's results table differs from `python -m benchmarks.render_readme`"
    )


def test_readme_ladder_table_is_the_rendered_one() -> None:
    assert readme_ladder_table(result("advisors")) in (ROOT / "README.md").read_text(), (
        "README's skill-ladder table differs from `python -m benchmarks.render_readme`"
    )


#: Pages generated from the results (``python -m benchmarks.rebuild --check`` rebuilds them byte
#: for byte from the archive), and the hand-written readings they include.
GENERATED_PAGES = {
    "docs/benchmarks.md": (
        "benchmarks/results/reading.md",
        "benchmarks/results/knowledge_reading.md",
        "benchmarks/results/advisors_reading.md",
    ),
    "docs/benchmarks_one_machine.md": ("benchmarks/results/one_machine_reading.md",),
    "docs/benchmarks_nn.md": (),
    "docs/benchmarks_related.md": (),
}
#: Pages other sessions own (the architecture, the reliability page, the peers' page).
OTHER_PAGES = (
    "docs/03_implementation_architecture.md",
    "docs/reliability.md",
    "docs/benchmarks_peers.md",
)
#: Decimals on the checked pages that are not results: settings, prices, sizes, versions, and
#: numbers of the mathematics.
NOT_RESULTS: dict[str, set[str]] = {
    # Values quoted from a prompt or a hint, not measured.
    "docs/05_context_building_strategy.md": {"0.00041", "0.00013"},
    # The hint of the table's row ("gamma around 0.00011"); a one-off wall time of the scale-out
    # run (docs/06), measured by hand once and kept in no results file.
    "docs/user_guide.md": {"0.00011", "299.3", "722.7"},
    "docs/06_scaling_out.md": {"299.3", "722.7"},
}
DECIMAL = re.compile(r"(?<![\w.])[−+-]?(\d+\.\d+)(?![\w.])")


def checked_pages() -> list[str]:
    """README.md, the hand-written docs/*.md and the readings placed in the generated pages."""
    docs = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))
    readings = [r for page in GENERATED_PAGES.values() for r in page]
    return (
        ["README.md"]
        + [p for p in docs if p not in GENERATED_PAGES and p not in OTHER_PAGES]
        + readings
    )


def page_decimals(text: str) -> set[str]:
    """The decimals of ``text`` outside code blocks and inline code, without their sign."""
    text = re.sub(r"^```.*?^```", " ", text, flags=re.S | re.M)
    text = re.sub(r"`[^`\n]*`", " ", text)
    text = re.sub(r"arXiv:\d+\.\d+", " ", text)  # identifiers of papers
    return set(DECIMAL.findall(text))


@lru_cache(maxsize=None)
def given_decimals() -> frozenset[str]:
    """Every decimal a results file gives: each number of ``benchmarks/results/*.json`` written
    with 1 to 4 decimals, as it is or per 30-trial study, in per cent or in milliseconds; and
    every decimal of the generated pages outside their hand-written readings."""
    numbers: list[float] = []

    def walk(value: Any) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, (int, float)):
            numbers.append(float(value))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in sorted(RESULTS.glob("*.json")):
        walk(json.loads(path.read_text()))
    given = {
        f"{abs(number) * factor:.{digits}f}"
        for number in numbers
        for factor in (1, 30, 100, 1000)
        for digits in (1, 2, 3, 4)
    }
    for page, readings in GENERATED_PAGES.items():
        text = (ROOT / page).read_text()
        for reading in readings:
            text = text.replace((ROOT / reading).read_text().strip(), " ")
        given |= page_decimals(text)
    return frozenset(given)


@pytest.mark.parametrize("page", checked_pages())
def test_every_decimal_on_the_page_is_given_by_a_results_file(page: str) -> None:
    found = page_decimals((ROOT / page).read_text())
    unexplained = sorted(found - given_decimals() - NOT_RESULTS.get(page, set()))
    assert unexplained == [], (
        f"{page}: decimals no results file gives (benchmarks/results/*.json or a generated "
        f"page): {unexplained}; if one is not a result, add it to NOT_RESULTS with its reason"
    )


def test_a_changed_result_fails_the_check() -> None:
    quote = QUOTES[0]
    page = flat((ROOT / quote.page).read_text())
    wrong = flat(quote.text.format("0.999"))
    assert wrong not in page and flat(quote.rendered()) in page


def test_the_results_files_have_the_shapes_issue_42_reads() -> None:
    """r@20 beside r@5, r@10 and r@30, each paired mean with its losing share and 90th
    percentile; the default's rows say their LLM budget; the conditions their strategy."""
    checkpoints = ["5", "10", "20", "30"]
    paired_keys = {"mean", "se", "losing_share", "p90"}
    for row, entry in at("advisors", "rows").items():
        if row.startswith("default@"):
            assert isinstance(entry["max_llm_trials"], int), row
        if entry["runs"] == 0:
            assert entry["note"], row  # no other budget's runs stand in
            continue
        assert list(entry["regret"]) == checkpoints == list(entry["regret_se"]), row
        for base, cell in entry["paired"].items():
            assert [c for c in cell if c != "runs"] == checkpoints, (row, base)
            assert all(paired_keys <= set(cell[c]) for c in checkpoints), (row, base)
    default = at("nn_suite", "default_strategy")
    for first in (default, default + "+useless"):
        for base in ("gp-startup5", "gp"):
            cell = at("nn_suite", "paired_differences", f"{first} - {base}")
            assert [c for c in cell if c != "runs"] == checkpoints
            assert all(paired_keys <= set(cell[c]) for c in checkpoints)
    for condition, entry in at("knowledge", "conditions").items():
        assert entry["strategy"] and list(entry["regret"]) == checkpoints, condition
