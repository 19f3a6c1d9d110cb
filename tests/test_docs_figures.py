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

from benchmarks.core.samplers import USELESS_SUFFIX
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
#: The knowledge conditions whose regret at 5 trials the user guide bolds.
GOOD_HINTS = ("precise", "vague")


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


def versus_prior(advisor: str, checkpoint: str) -> list[float]:
    """``[mean, se]`` of the default minus the prior strategy on ``advisor`` (advisors.json)."""
    return at("advisors", "rows", f"default@{advisor}", "paired", f"prior@{advisor}", checkpoint)


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


QUOTES = (
    # README: the sentences on where the gain comes from.
    Quote(
        "README.md",
        "at 10 trials the default is {} ahead of Optuna's GP",
        (lambda: f3(regret(OM, "gp", "10") - regret(OM, default_row(), "10")),),
    ),
    # README: which model, which strategy (the skill ladder's table is checked whole below).
    Quote(
        "README.md",
        '`"hybrid"` about {} (about {} prompt tokens) per 30 trials',
        (
            lambda: f"{per_study('latest', 'llm-hybrid', 'llm_calls_per_trial'):.0f}",
            lambda: thousands(per_study("latest", "llm-hybrid", "prompt_tokens_per_trial")),
        ),
    ),
    Quote(
        "README.md",
        '`"llm"` about {} (about\n{})',
        (
            lambda: f"{per_study('latest', 'llm', 'llm_calls_per_trial'):.0f}",
            lambda: thousands(per_study("latest", "llm", "prompt_tokens_per_trial")),
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
        (
            lambda: signed_cell(
                at("advisors", "rows", CONSENSUS_LADDER_ROW, "paired", PRIOR_QWEN_ROW, "10")
            ),
        ),
    ),
    Quote(
        "docs/05_context_building_strategy.md",
        "and {} at 30. It stays an option",
        (
            lambda: signed_cell(
                at("advisors", "rows", CONSENSUS_LADDER_ROW, "paired", PRIOR_QWEN_ROW, "30")
            ),
        ),
    ),
    # docs/benchmarks.md: the skill ladder's reading (advisors.json, llm_time.json).
    Quote(
        "docs/benchmarks.md",
        "reaches {} (paired {}) and\n`hybrid` {}.",
        (
            lambda: f3(at("advisors", "rows", "default@oracle-top1", "regret", "30")),
            lambda: signed_cell(versus_prior("oracle-top1", "30")),
            lambda: f3(at("advisors", "rows", "hybrid@oracle-top1", "regret", "30")),
        ),
    ),
    Quote(
        "docs/benchmarks.md",
        "({}, {}) and `hybrid` is the best at 10 trials",
        (
            lambda: signed_cell(versus_prior("oracle-top10", "30")),
            lambda: signed_cell(versus_prior("oracle-top30", "30")),
        ),
    ),
    Quote(
        "docs/benchmarks.md",
        "(on Qwen {} at\n10 trials and {} at 30)",
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
    # docs/00: the search quality on the published benchmark.
    Quote(
        "docs/00_project_overview.md",
        "regret {} ± {} at trial 10",
        (
            lambda: f3(regret("latest", "llm-prior", "10")),
            lambda: f3(at("latest", "samplers", "llm-prior", "regret_se", "10")),
        ),
    ),
    Quote(
        "docs/00_project_overview.md",
        "TPE and GP ({}) and of the seeded default ({})",
        (
            lambda: f3(regret("latest", "gp", "10")),
            lambda: f3(regret("latest", "seeded-default", "10")),
        ),
    ),
    Quote(
        "docs/00_project_overview.md",
        "At trial 30 it is at {} ± {}",
        (
            lambda: f3(regret("latest", "llm-prior", "30")),
            lambda: f3(at("latest", "samplers", "llm-prior", "regret_se", "30")),
        ),
    ),
    Quote(
        "docs/00_project_overview.md",
        "(the prior strategy: regret {} at trial 10 and {} at 30,\n"
        "  against {} and {} for GP, and {} and {} for `gp-startup5`; the default `trust`:\n"
        "  {} and {})",
        tuple(
            (lambda r=row, c=checkpoint: f3(regret(OM, r, c)))
            for row in ("llm-prior", "gp", "gp-startup5", "llm-trust")
            for checkpoint in ("10", "30")
        ),
    ),
    Quote(
        "docs/00_project_overview.md",
        "`hybrid` (80 runs) reaches {} at trial 10\n    and {} at 30",
        (
            lambda: f3(regret("latest", "llm-hybrid", "10")),
            lambda: f3(regret("latest", "llm-hybrid", "30")),
        ),
    ),
    Quote(
        "docs/00_project_overview.md",
        "good advice (paired, at 30 trials, {} with the best 1 %)",
        (
            lambda: signed_cell(
                at("advisors", "rows", "default@oracle-top1", "paired", "prior@oracle-top1", "30")
            ),
        ),
    ),
    Quote(
        "docs/00_project_overview.md",
        "`llm` (40 runs, on one machine) {} and {}",
        (lambda: f3(regret(OM, "llm", "10")), lambda: f3(regret(OM, "llm", "30"))),
    ),
    Quote(
        "docs/00_project_overview.md",
        "(single-trial regret {} against\n"
        "    {} with the default request of one configuration; 80 pairs,\n"
        "    `benchmarks/results/probe.json`), and SmolLM2's does not ({}, worse",
        (
            lambda: f"{at('probe', 'rows', QWEN_PROBE_ROW, 'trial_1', 'llm')[0]:.2f}",
            lambda: f"{at('probe', 'rows', QWEN_PROBE_ROW, 'trial_1', 'random')[0]:.2f}",
            lambda: f"{at('probe', 'rows', 'llm-prior@smollm2-135m', 'trial_1', 'llm')[0]:.2f}",
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
    # docs/user_guide.md: the hints' table (knowledge.json); the page bolds the good hints at 5
    # trials.
    *(
        Quote(
            "docs/user_guide.md",
            f"{label} | {{}} | {{}} | {{}} |",
            tuple(
                (
                    lambda c=condition, k=checkpoint, bold=(i == 0 and condition in GOOD_HINTS): (
                        f"**{f3(at('knowledge', 'conditions', c, 'regret', k))}**"
                        if bold
                        else f3(at("knowledge", "conditions", c, "regret", k))
                    )
                )
                for i, checkpoint in enumerate(("5", "10", "30"))
            ),
        )
        for label, condition in (
            ("| none, default strategy `trust` (2026-12-04; 48 runs)", "none[strategy=trust]"),
            (
                "| good values from the best 1 %, default strategy `trust` (2026-12-04; 48 runs)",
                "precise-top1[strategy=trust]",
            ),
            ("| none (rerun on 2026-12-03)", "none"),
            (
                '| good values from the best 1 % ("C around 440, gamma around 0.00011"; 48 runs)',
                "precise-top1",
            ),
            ('| good values of 2 parameters ("C around 430, gamma around 0.00013")', "precise"),
            ('| the same in words ("a high C, a low gamma")', "vague"),
            ("| values from the worst tenth (misleading)", "misleading"),
            (
                "| Optuna's GP with the good values enqueued "
                "(what you would do without this library)",
                "gp+enqueue",
            ),
            ("| Optuna's GP, no hint", "gp"),
        )
    ),
)


@pytest.mark.parametrize("quote", QUOTES, ids=lambda q: f"{q.page}:{q.text[:40]}")
def test_quoted_figure_agrees_with_the_results(quote: Quote) -> None:
    page = (ROOT / quote.page).read_text()
    expected = quote.rendered()
    assert expected in page, f"{quote.page} should say {expected!r} (benchmarks/results/*.json)"


def test_readme_table_is_the_rendered_one() -> None:
    assert readme_table(result(OM)) in (ROOT / "README.md").read_text(), (
        "README's results table differs from `python -m benchmarks.render_readme`"
    )


def test_readme_ladder_table_is_the_rendered_one() -> None:
    assert readme_ladder_table(result("advisors")) in (ROOT / "README.md").read_text(), (
        "README's skill-ladder table differs from `python -m benchmarks.render_readme`"
    )


def test_readme_sentences_on_the_gain_hold() -> None:
    gp, startup5 = regret(OM, "gp", "10"), regret(OM, "gp-startup5", "10")
    default, control = (
        regret(OM, default_row(), "10"),
        regret(OM, default_row() + USELESS_SUFFIX, "10"),
    )
    lead = gp - default
    assert (
        abs((gp - startup5) / lead - 2 / 3) < 0.05
    )  # "two thirds of that lead ... starting the GP earlier"
    assert abs((gp - control) / lead - 3 / 4) < 0.05  # "a control ... gets three quarters of it"
    # "At 30 trials the LLM is no better than Optuna's GP, and the random-answer control is
    # ahead of it."
    assert abs(regret(OM, default_row(), "30") - regret(OM, "gp", "30")) < 0.005
    assert regret(OM, default_row() + USELESS_SUFFIX, "30") < regret(OM, default_row(), "30")


def test_every_decimal_figure_of_the_readme_is_checked() -> None:
    from tests.test_readme import prose

    text = re.sub(
        r"`[^`]*`", " ", prose((ROOT / "README.md").read_text())
    )  # code: arguments' defaults
    checked = (
        " ".join(q.rendered() for q in QUOTES if q.page == "README.md")
        + readme_table(result(OM))
        + readme_ladder_table(result("advisors"))
    )
    figures = set(re.findall(r"(?<![\w.])\d+\.\d+(?![\w.])", text)) - {"2.5", "3.10", "1.1"}
    unchecked = sorted(
        f for f in figures if not re.search(rf"(?<![\d.]){re.escape(f)}(?![\d])", checked)
    )
    assert unchecked == [], (
        f"README figures with no check in tests/test_docs_figures.py: {unchecked}"
    )


def test_a_changed_result_fails_the_check() -> None:
    quote = QUOTES[0]
    page = (ROOT / quote.page).read_text()
    wrong = quote.text.format("0.999")
    assert wrong not in page and quote.rendered() in page
