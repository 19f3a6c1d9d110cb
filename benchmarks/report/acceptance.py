"""Where each LLM strategy stands against each baseline, and the default strategy's checks.

Both tables use paired differences: for a pair of samplers, the regret difference is taken
run by run on the (task, seed) runs both have, and reported as mean ± standard error of
those differences (negative = the LLM strategy is better). The checks of the default
strategy are those of the project's acceptance criteria:

1. mean regret at 10 trials ≤ 0.8 × the best baseline's;
2. mean regret at 30 trials ≤ the best baseline's within one SE (of the paired difference);
3. at 10 trials, below ``gp-startup5`` (the same GP without the LLM) by more than 2 SE: the
   LLM's own contribution;
4. LLM calls per trial ≤ 0.5;
5. with a useless LLM (``<default>+useless``), not worse than TPE, nor than GP, at 30 trials
   beyond one SE.

Example:
    >>> paired_difference([0.1, 0.2], [0.2, 0.2])
    (-0.05, 0.05)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchmarks.core.metrics import mean_and_standard_error
from benchmarks.core.metrics import regret_curve
from benchmarks.core.samplers import BASELINE_SAMPLERS
from benchmarks.core.samplers import is_llm_sampler
from benchmarks.core.samplers import USELESS_SUFFIX


#: The same optimizer as the default strategy with random start-up trials instead of the LLM.
ABLATION = "gp-startup5"


def paired_difference(first: Sequence[float], second: Sequence[float]) -> tuple[float, float]:
    """Mean and standard error of ``first[i] - second[i]``."""
    return mean_and_standard_error([a - b for a, b in zip(first, second)])


def _regrets_at(
    section: dict[str, Any], name: str, pairs: list[tuple[str, int]], trial: int
) -> list[float]:
    return [
        regret_curve(
            section["runs"][(task, name, seed)]["best_so_far"], section["references"][task]
        )[trial - 1]
        for task, seed in pairs
    ]


def _pairs(section: dict[str, Any], first: str, second: str) -> list[tuple[str, int]]:
    runs = section["runs"]
    return sorted(
        (task, seed)
        for (task, sampler, seed) in runs
        if sampler == first and (task, second, seed) in runs
    )


def _cell(mean: float, se: float) -> str:
    return f"{mean:+.3f} ± {se:.3f}"


def strategies_vs_baselines(section: dict[str, Any], checkpoints: Sequence[int] = (10, 30)) -> str:
    """Markdown table: paired regret difference of every LLM strategy against every baseline."""
    names = list(section["summaries"])
    strategies = [n for n in names if is_llm_sampler(n)]
    baselines = [n for n in names if n in BASELINE_SAMPLERS or n == ABLATION]
    if not strategies or not baselines:
        return ""
    header = ["LLM strategy", "baseline", "runs"] + [
        f"Δr@{c} (LLM − baseline)" for c in checkpoints
    ]
    rows = []
    for strategy in strategies:
        for baseline in baselines:
            pairs = _pairs(section, strategy, baseline)
            if not pairs:
                continue
            cells = [
                _cell(
                    *paired_difference(
                        _regrets_at(section, strategy, pairs, c),
                        _regrets_at(section, baseline, pairs, c),
                    )
                )
                for c in checkpoints
            ]
            rows.append([f"`{strategy}`", f"`{baseline}`", str(len(pairs))] + cells)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def default_strategy_checks(section: dict[str, Any], default: str) -> list[dict[str, Any]]:
    """The acceptance checks of the default strategy (see the module docstring)."""
    summaries = section["summaries"]
    if default not in summaries:
        return []
    baselines = [n for n in summaries if n in BASELINE_SAMPLERS]
    checks: list[dict[str, Any]] = []
    if baselines:
        best10 = min(baselines, key=lambda n: summaries[n].regret["10"])
        value, bound = summaries[default].regret["10"], 0.8 * summaries[best10].regret["10"]
        checks.append(
            {
                "check": f"r@10 ≤ 0.8 × best baseline (`{best10}` "
                f"{summaries[best10].regret['10']:.3f})",
                "measured": f"{value:.3f} vs {bound:.3f}",
                "holds": value <= bound,
            }
        )
        best30 = min(baselines, key=lambda n: summaries[n].regret["30"])
        pairs = _pairs(section, default, best30)
        mean, se = paired_difference(
            _regrets_at(section, default, pairs, 30), _regrets_at(section, best30, pairs, 30)
        )
        checks.append(
            {
                "check": f"r@30 ≤ best baseline (`{best30}`) within one SE",
                "measured": f"Δ = {_cell(mean, se)} over {len(pairs)} runs",
                "holds": mean <= se,
            }
        )
    if ABLATION in summaries:
        pairs = _pairs(section, default, ABLATION)
        mean, se = paired_difference(
            _regrets_at(section, default, pairs, 10), _regrets_at(section, ABLATION, pairs, 10)
        )
        checks.append(
            {
                "check": (
                    f"Δr@10 against `{ABLATION}` (the same GP without the LLM) below 0 by more "
                    "than 2 SE"
                ),
                "measured": f"Δ = {_cell(mean, se)} over {len(pairs)} runs",
                "holds": mean < -2 * se,
            }
        )
    calls = requests_per_trial(section, default)
    checks.append(
        {
            "check": "LLM calls per trial ≤ 0.5 (replayed ones included)",
            "measured": f"{calls:.3f}",
            "holds": calls <= 0.5,
        }
    )
    useless = default + USELESS_SUFFIX
    for baseline in ("tpe", "gp"):
        if useless in summaries and baseline in summaries:
            pairs = _pairs(section, useless, baseline)
            mean, se = paired_difference(
                _regrets_at(section, useless, pairs, 30), _regrets_at(section, baseline, pairs, 30)
            )
            checks.append(
                {
                    "check": (
                        f"useless LLM (`{useless}`) not worse than `{baseline}` at 30 beyond "
                        "one SE"
                    ),
                    "measured": f"Δ = {_cell(mean, se)} over {len(pairs)} runs",
                    "holds": mean <= se,
                }
            )
    return checks


def requests_per_trial(section: dict[str, Any], sampler: str) -> float:
    """LLM requests per trial of ``sampler``'s runs: calls made plus calls answered from the
    recorded exchanges (a replayed run makes no call, but its strategy asked for one)."""
    rates = []
    for (_, name, _), record in section["runs"].items():
        if name != sampler:
            continue
        stats = (record.get("sampler_statistics") or {}).get("sampler_stats") or {}
        requests = float(stats.get("llm_calls", 0) or 0) + float(stats.get("replay_hits", 0) or 0)
        rates.append(requests / max(1, int(record["n_trials"])))
    return sum(rates) / len(rates) if rates else float("nan")


def acceptance_section(section: dict[str, Any], default: str) -> str:
    """Markdown: the default strategy's checks, then every strategy against every baseline."""
    parts = []
    checks = default_strategy_checks(section, default)
    if checks:
        lines = [
            f"Checks of the default strategy `{default}` (paired differences: negative = better):",
            "",
            "| check | measured | holds |",
            "|---|---|---|",
        ]
        lines += [
            f"| {c['check']} | {c['measured']} | {'yes' if c['holds'] else '**no**'} |"
            for c in checks
        ]
        parts.append("\n".join(lines))
    table = strategies_vs_baselines(section)
    if table:
        parts.append(
            "Every LLM strategy against every baseline, paired by (task, seed) run; negative = "
            "the LLM "
            "strategy has the lower regret:\n\n" + table
        )
    return "\n\n".join(parts)
