"""The sampler's old flat arguments, kept working for one release with a ``FutureWarning``.

Before 0.2.0, :class:`~llm_guided_optuna.LLMGuidedSampler` took the LLM connection
(``api_base``, ``timeout``, ...) and the strategies' options (``warm_start_trials``,
``llm_share``, ``max_llm_trials``, ...) as flat arguments. They now live in one
:class:`~llm_guided_optuna.LLMSettings` (``llm=``) and in the strategy objects
(``strategy=Trust(...)``). :func:`resolve_flat_arguments` moves the old names into their new
places and says, once per call, what to write instead.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     strategy, llm, optimizer = resolve_flat_arguments(
    ...         {"api_base": "http://127.0.0.1:8000/v1", "llm_share": 0.3}, "trust", None, None
    ...     )
    >>> strategy.share, llm.api_base
    (0.3, 'http://127.0.0.1:8000/v1')
    >>> print(caught[0].message)  # doctest: +NORMALIZE_WHITESPACE
    LLMGuidedSampler(api_base=..., llm_share=...) is deprecated since 0.1.0 and will be removed in
    0.3.0: write llm=LLMSettings(api_base=...), strategy=Trust(share=...)
"""

from __future__ import annotations

import dataclasses
from typing import Any

from optuna.samplers import BaseSampler

from llm_guided_optuna._checks import check_sampler
from llm_guided_optuna._llm.settings import LLMSettings
from llm_guided_optuna._prior.options import PriorOptions
from llm_guided_optuna._sampler.strategies import Strategy
from llm_guided_optuna._sampler.strategies import strategy_of
from llm_guided_optuna._warnings import llm_warn


#: The old names of :class:`~llm_guided_optuna.LLMSettings`'s fields (the same names).
LLM_SETTING_NAMES = tuple(f.name for f in dataclasses.fields(LLMSettings))
#: The old names of the strategies' options, and the option's name in the strategy object.
STRATEGY_OPTION_NAMES = {
    "warm_start_trials": "warm_start_trials",
    "warm_start_prompt": "warm_start_prompt",
    "proposals_per_call": "proposals_per_call",
    "max_proposal_age": "max_proposal_age",
    "llm_share": "share",
    "prior": "prior",
    "prior_strength": "prior",
    "max_llm_trials": "max_llm_trials",
}
FALLBACK_SAMPLER = "fallback_sampler"
#: Said by the argument and by the property of the old name.
FALLBACK_SAMPLER_DEPRECATION = (
    "fallback_sampler is deprecated since 0.1.0 and will be removed in 0.3.0: use optimizer "
    "(the strategy's optimizer, which proposes most trials)"
)
DEPRECATION = "is deprecated since 0.1.0 and will be removed in 0.3.0"


def resolve_flat_arguments(
    flat: dict[str, Any],
    strategy: str | Strategy,
    llm: LLMSettings | None,
    optimizer: BaseSampler | None,
) -> tuple[Strategy, LLMSettings, BaseSampler | None]:
    """The strategy object, the LLM settings and the optimizer, with the old flat arguments
    ``flat`` moved into them (a ``FutureWarning`` names the new spelling).

    Raises:
        TypeError: A name that is no argument of the sampler, or ``llm`` of the wrong type.
        ValueError: A setting given both flat and in its new place.
    """
    unknown = sorted(
        set(flat) - set(LLM_SETTING_NAMES) - set(STRATEGY_OPTION_NAMES) - {FALLBACK_SAMPLER}
    )
    if unknown:
        raise TypeError(f"LLMGuidedSampler() got an unexpected keyword argument {unknown[0]!r}")
    if llm is not None and not isinstance(llm, LLMSettings):
        raise TypeError(f"llm must be an LLMSettings, got {type(llm).__name__}")
    resolved = strategy_of(strategy)
    optimizer = _optimizer(flat, optimizer)
    settings = _settings(flat, llm)
    resolved, applied = _strategy(flat, resolved)
    _warn(flat, applied, resolved)
    return resolved, settings, optimizer


def _optimizer(flat: dict[str, Any], optimizer: BaseSampler | None) -> BaseSampler | None:
    if FALLBACK_SAMPLER not in flat:
        return optimizer
    if optimizer is not None:
        raise ValueError("give optimizer only: fallback_sampler is its deprecated name")
    old: BaseSampler | None = flat[FALLBACK_SAMPLER]
    check_sampler(FALLBACK_SAMPLER, old)
    llm_warn(FALLBACK_SAMPLER_DEPRECATION, FutureWarning)
    return old


def _settings(flat: dict[str, Any], llm: LLMSettings | None) -> LLMSettings:
    given = {name: flat[name] for name in LLM_SETTING_NAMES if name in flat}
    if llm is not None and given:
        raise ValueError(f"give {', '.join(given)} inside llm=LLMSettings(...), not beside it")
    if llm is not None:
        return llm
    if given.get("completion_kwargs") is None:
        given.pop("completion_kwargs", None)
    return LLMSettings(**given)


def _strategy(flat: dict[str, Any], strategy: Strategy) -> tuple[Strategy, dict[str, str]]:
    """``strategy`` with the flat options it has; ``{old name: new name}`` of those applied."""
    if "prior_strength" in flat and flat["prior_strength"] is not None:
        if flat.get("prior") is not None:
            raise ValueError("give prior_strength inside prior=PriorOptions(...), not both")
        flat = {**flat, "prior": PriorOptions(prior_strength=flat["prior_strength"])}
    owned = {f.name for f in dataclasses.fields(strategy)}
    changes: dict[str, Any] = {}
    applied: dict[str, str] = {}
    for old, new in STRATEGY_OPTION_NAMES.items():
        if old not in flat:
            continue
        applied[old] = new
        value = flat["prior"] if new == "prior" else flat[old]
        # None meant "the strategy's default" for every old option; an option the strategy
        # does not have was ignored, as it was before.
        if value is not None and new in owned:
            changes[new] = value
    try:
        return (dataclasses.replace(strategy, **changes) if changes else strategy), applied
    except ValueError as error:  # Named as the user wrote it.
        text = str(error)
        for old, new in applied.items():
            if old != new and text.startswith(f"{new} "):
                text = old + text[len(new) :]
        raise ValueError(text) from None


def _warn(flat: dict[str, Any], applied: dict[str, str], strategy: Strategy) -> None:
    llm_names = [name for name in LLM_SETTING_NAMES if name in flat]
    old = llm_names + list(applied)
    if not old:
        return
    new = []
    if llm_names:
        new.append(f"llm=LLMSettings({', '.join(f'{n}=...' for n in llm_names)})")
    if applied:
        options = dict.fromkeys(
            "prior=PriorOptions(prior_strength=...)" if o == "prior_strength" else f"{n}=..."
            for o, n in applied.items()
        )
        new.append(f"strategy={type(strategy).__name__}({', '.join(options)})")
    llm_warn(
        f"LLMGuidedSampler({', '.join(f'{n}=...' for n in old)}) {DEPRECATION}: write "
        + ", ".join(new),
        FutureWarning,
    )
