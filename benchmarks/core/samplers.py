"""The samplers compared by the benchmark, built by name with the repetition's seed.

Baselines (Optuna 5 defaults): ``random``, ``tpe``, ``gp``, ``cmaes`` and the
``seeded-default`` control (random search whose first trial is the estimator's default
configuration). Every name starting with ``llm`` is an ``LLMGuidedSampler`` strategy:
``llm`` -> ``strategy="llm"``, ``llm-<x>`` (or ``llm:<x>``) -> ``strategy="<x>"``. The
suffix ``+useless`` (e.g. ``llm-prior+useless``) replaces the LLM by a local server that
answers random valid configurations: the check that a weak LLM never makes users lose. The
other suffixes of :data:`ADVISORS` replace it by an advisor of known skill, for the skill ladder
(``llm-prior+oracle-top10``, ``llm-hybrid+local-step``; :mod:`benchmarks.core.advisor_responder`);
their runs record the model ``openai/advisor/<name>`` and no exchanges (the advisor's answer is
a function of the request).

``gp-startup<K>`` (e.g. ``gp-startup5``) is an ablation, not a baseline: GPSampler with ``K``
random start-up trials instead of Optuna's 10. The prior strategy's GP starts after
``warm_start_trials + 1`` trials, so ``gp-startup5`` separates what the earlier GP gains from
what the LLM adds.

The suffix ``@<model>`` names the LLM: ``llm-prior@smollm2-135m`` runs the prior strategy on
that embedded model; without a suffix an LLM sampler runs on the library's preferred default
model (:data:`DEFAULT_LLM_MODEL`, which must be installed: the benchmark never falls back to
another model under the same name). ``@qwen2.5-coder-0.5b`` is an opt-in model outside the
registry: its GGUF must be named by ``BENCHMARK_QWEN_GGUF`` and match :data:`QWEN_05B_SHA256`;
it is never downloaded by the benchmark (see ``docs/benchmarks.md`` for where it comes from).

Every LLM sampler records its exchanges with the LLM in the exchange cache given to
:func:`build_sampler` and replays those it finds there: the warm-start call of a (task, seed)
is made once and shared by the probe, ``llm-prior`` and ``llm-hybrid`` runs of that pair (it is
the same request), and reruns reproduce.

Options in brackets change the prior strategy, for its ablations: ``llm-prior[beta=3]``
(``prior_strength``), ``[weights=evidence]`` (``belief_weighting`` of the
``PriorWeightedGPSampler``), ``[width=0.1]`` (``prior_width``), ``[horizon=10]``
(``prior_horizon``: no prior past 10 finished trials), ``[stated=off]`` (the prior ignores what
the user states in ``domain_knowledge``; the warm start still takes the stated values),
``[design=prior]`` / ``[design=random]`` (``initial_design``: the GP's start-up trials drawn
from the prior or uniformly), ``[startup=3]`` (the GP's ``n_startup_trials``: it proposes from
trial 3 on instead of trial 5; compare with ``gp-startup3``), ``[reliability=rank]`` and
``[reliability=density]`` (``reliability_estimate``: the rank or the density check of the beliefs
instead of the median check), ``[share=0.8]`` (``Trust.share``: the LLM's share at full trust),
``[first=on]`` (``evidence_first``: the prior weighs no more than the advice earns by its
rank), and for ``llm-trust`` ``[reask=0]`` (``Trust.reask_after=0``: asked again from the
first trial, not only once the start-up design is complete; ``[reask=startup]`` is the
default), ``[reward=off]`` (``Trust.reward_new_bests=False``: an LLM trial that beats every
other earns no more; ``[reward=on]`` is the default) and ``[llm_trials=3]``
(``Trust.max_llm_trials``: the in-process budget, for the stand-in advisors, which are served).
Runs of the design of 0.1 are archived as ``llm-trust[reask=0,reward=off]``. With
``+useless`` the options follow the suffix: ``llm-prior+useless[reliability=rank]``.

The suffix ``~<design>`` (e.g. ``llm-prior@qwen2.5-coder-1.5b~regular``) asks the warm start
in another way, for the warm-start probe's comparison of designs (:data:`WARM_START_DESIGNS`).

LLM samplers get ``timeout=300``: the benchmark shares two cores between the model and the
objective, and a timed-out call would change the result, not just the cost.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
import hashlib
import importlib
import os
from pathlib import Path
from typing import Any

import optuna

from benchmarks.core.peers import is_peer_sampler
from benchmarks.core.peers import PEER_SAMPLERS
from benchmarks.tasks.task_types import Task
from llm_guided_optuna import EmbeddedModelServer
from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings
from llm_guided_optuna import PriorOptions
from llm_guided_optuna import Trust
from llm_guided_optuna._prompt.request import DEFAULT_WARM_START_PROMPT
from llm_guided_optuna._prompt.request import REGULAR_PROMPT
from llm_guided_optuna._prompt.request import WarmStartPrompt
from llm_guided_optuna._sampler.strategies import DEFAULT_STRATEGY
from llm_guided_optuna._sampler.strategies import strategy_of
from llm_guided_optuna.embedded.registry import DEFAULT_PREFERENCE


BASELINE_SAMPLERS: tuple[str, ...] = ("random", "tpe", "gp", "cmaes", "seeded-default")
DEFAULT_SAMPLERS: tuple[str, ...] = BASELINE_SAMPLERS + ("llm",)
STAT_KEYS: tuple[str, ...] = ("llm_calls", "llm_seconds", "prompt_tokens", "completion_tokens")
GP_STARTUP_PREFIX = "gp-startup"
ADVISOR_SEPARATOR = "+"
USELESS = "useless"
USELESS_SUFFIX = ADVISOR_SEPARATOR + USELESS
#: The stand-in LLMs a ``+<advisor>`` suffix names: the useless control and the advisors of known
#: skill.
ADVISORS: tuple[str, ...] = (USELESS, "oracle-top1", "oracle-top10", "oracle-top30", "local-step")
ADVISOR_MODEL_PREFIX = "openai/advisor/"
MODEL_SEPARATOR = "@"
QWEN_05B = "qwen2.5-coder-0.5b"
QWEN_05B_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
_qwen_server: Any = None
LLM_TIMEOUT_S = 300.0
DESIGN_SEPARATOR = "~"
#: Options of ``llm-prior[key=value,...]``, for ablations of the prior strategy.
PRIOR_OPTIONS = (
    "beta",
    "weights",
    "width",
    "horizon",
    "stated",
    "design",
    "startup",
    "reliability",
    "share",
    "first",
    "reask",
    "reward",
    "llm_trials",
)
_useless_server: Any = None
_advisor_server: Any = None


def is_llm_sampler(name: str) -> bool:
    """Whether ``name`` denotes an ``LLMGuidedSampler`` strategy."""
    return name.startswith("llm")


def split_model(name: str) -> tuple[str, str | None]:
    """``(sampler name without [options], @model and ~design, model or None)``."""
    base, _, model = name.split(DESIGN_SEPARATOR, 1)[0].partition(MODEL_SEPARATOR)
    return base.split("[", 1)[0], (model or None)


def advisor_of(name: str) -> str | None:
    """The stand-in LLM a sampler name's ``+<advisor>`` suffix names, or ``None`` (a real model).

    Raises:
        ValueError: The suffix names no advisor of :data:`ADVISORS`.
    """
    _, separator, advisor = split_model(name)[0].partition(ADVISOR_SEPARATOR)
    if not separator:
        return None
    if advisor not in ADVISORS:
        raise ValueError(f"unknown advisor {advisor!r} in {name!r}; known: {', '.join(ADVISORS)}")
    return advisor


def split_options(text: str) -> tuple[dict[str, str], str]:
    """``(options, rest)`` of a text that may start with ``[key=value,...]``: the one place a
    name's options are parsed (a key given twice keeps its last value).

    Example:
        >>> split_options("[beta=3,strategy=trust]@smollm2-135m")
        ({'beta': '3', 'strategy': 'trust'}, '@smollm2-135m')
        >>> split_options("@smollm2-135m")
        ({}, '@smollm2-135m')
    """
    if not text.startswith("["):
        return {}, text
    inner, _, rest = text[1:].partition("]")
    return dict(item.split("=", 1) for item in inner.split(",") if item), rest


def format_options(options: dict[str, str]) -> str:
    """The ``[key=value,...]`` text of ``options`` (empty without options): the inverse of
    :func:`split_options`.

    Example:
        >>> format_options({"beta": "3"}), format_options({})
        ('[beta=3]', '')
    """
    return f"[{','.join(f'{key}={value}' for key, value in options.items())}]" if options else ""


def prior_options(name: str) -> dict[str, str]:
    """The ``[key=value,...]`` options of an LLM sampler name (ablations of the prior)."""
    head = name.split(MODEL_SEPARATOR, 1)[0].split(DESIGN_SEPARATOR, 1)[0]
    if "[" not in head:
        return {}
    options, _ = split_options(head[head.index("[") :])
    unknown = set(options) - set(PRIOR_OPTIONS)
    if unknown:
        raise ValueError(
            f"unknown options {sorted(unknown)} in {name!r}; known: {', '.join(PRIOR_OPTIONS)}"
        )
    return options


def warm_start_design(name: str) -> str:
    """The warm-start design a sampler name asks for (``default`` without ``~design``)."""
    _, _, design = name.partition(DESIGN_SEPARATOR)
    return design or "default"


def warm_start_trials_of(name: str) -> int:
    """How many configurations the warm start of the LLM sampler ``name`` asks for."""
    default = Trust().warm_start_trials  # the default strategy's
    return int(_warm_start_designs()[warm_start_design(name)][1].get("warm_start_trials", default))


def _warm_start_designs() -> dict[str, tuple[Any, dict[str, Any]]]:
    """Design name -> (``WarmStartPrompt``, extra sampler arguments)."""

    return {
        "default": (DEFAULT_WARM_START_PROMPT, {}),
        # Four configurations in one call (the warm start before the probe chose one).
        "regular": (REGULAR_PROMPT, {"warm_start_trials": 4}),
        "no-trials": (
            WarmStartPrompt(show_trials=False, rationale=True),
            {"warm_start_trials": 4},
        ),
        "terse": (WarmStartPrompt(show_trials=False, rationale=False), {"warm_start_trials": 4}),
        "analysis": (
            WarmStartPrompt(show_trials=False, rationale=False, analysis=True),
            {"warm_start_trials": 4},
        ),
        "one-per-call": (
            WarmStartPrompt(show_trials=True, rationale=True),
            {"warm_start_trials": 4, "proposals_per_call": 1},
        ),
        # The LLM fills only trial 1 of the initial design: its single best guess.
        "single": (WarmStartPrompt(show_trials=False, rationale=False), {"warm_start_trials": 1}),
        "single-analysis": (
            WarmStartPrompt(show_trials=False, rationale=False, analysis=True),
            {"warm_start_trials": 1},
        ),
        "single-regular": (
            WarmStartPrompt(show_trials=True, rationale=True),
            {"warm_start_trials": 1},
        ),
        "single-trials-analysis": (
            WarmStartPrompt(show_trials=True, rationale=False, analysis=True),
            {"warm_start_trials": 1},
        ),
        # Self-consistency (issue 28): five guesses of the one configuration in one call; the
        # warm-start trial is their consensus.
        "consensus5": (
            WarmStartPrompt(show_trials=False, rationale=False, analysis=True, guesses=5),
            {"warm_start_trials": 1},
        ),
    }


def default_llm_model() -> str:
    """The embedded model an LLM sampler without ``@model`` runs on: the library's first choice."""

    return DEFAULT_PREFERENCE[0]


def strategy_sampler(strategy: str) -> str:
    """The benchmark name of ``LLMGuidedSampler`` with ``strategy`` (``llm`` or ``llm-<x>``).

    Example:
        >>> strategy_sampler("llm"), strategy_sampler("prior")
        ('llm', 'llm-prior')
    """
    return "llm" if strategy == "llm" else f"llm-{strategy}"


def sampler_strategy(name: str) -> str:
    """The strategy of a benchmark sampler name made by :func:`strategy_sampler`.

    Example:
        >>> sampler_strategy("llm"), sampler_strategy("llm-trust")
        ('llm', 'trust')
    """
    return name.removeprefix("llm-")


def library_default_strategy() -> str:
    """The benchmark name of ``LLMGuidedSampler``'s default strategy (``llm`` or ``llm-<x>``)."""

    return strategy_sampler(DEFAULT_STRATEGY)


def llm_model_of(name: str) -> str:
    """The model an LLM sampler runs on, as recorded: ``embedded/<name>``, ``openai/useless``, or
    ``openai/advisor/<name>``."""
    advisor = advisor_of(name)
    if advisor == USELESS:
        return "openai/useless"
    if advisor is not None:
        return ADVISOR_MODEL_PREFIX + advisor
    model = split_model(name)[1] or default_llm_model()
    return model if model == QWEN_05B else "embedded/" + model


def llm_strategy(name: str) -> str:
    """The ``strategy`` argument for the sampler called ``name`` (``llm`` -> ``"llm"``)."""
    rest = split_model(name)[0][len("llm") :].partition(ADVISOR_SEPARATOR)[0]
    if not rest:
        return "llm"
    return rest.lstrip("-:_")


def llm_sampler_available() -> tuple[bool, str]:
    """Whether ``llm_guided_optuna.LLMGuidedSampler`` imports; the second item says why not."""
    try:
        module = importlib.import_module("llm_guided_optuna")
        getattr(module, "LLMGuidedSampler")
    except Exception as error:
        return (
            False,
            f"cannot import llm_guided_optuna.LLMGuidedSampler ({type(error).__name__}: {error})",
        )
    return True, ""


@dataclass(frozen=True)
class SamplerSetup:
    """A built sampler and whether the runner must enqueue the task's default configuration."""

    sampler: optuna.samplers.BaseSampler
    enqueue_default: bool = False


def build_sampler(
    name: str,
    seed: int,
    llm_kwargs: dict[str, Any] | None = None,
    task: Task | None = None,
) -> SamplerSetup:
    """Build the sampler called ``name`` seeded with ``seed``.

    Args:
        name: One of :data:`BASELINE_SAMPLERS`, a name starting with ``llm``, or a peer of
            :data:`benchmarks.core.peers.PEER_SAMPLERS` (``smac3``, ``autosampler``,
            ``llambo``).
        seed: The repetition's seed, shared by every sampler of that repetition.
        llm_kwargs: Extra ``LLMGuidedSampler`` keyword arguments (e.g. ``model``).
        task: The task the sampler will optimise: the peers that need the search space up
            front (SMAC3, LLAMBO) are built from it.
    """
    if is_peer_sampler(name):
        if task is None:
            raise ValueError(f"the peer sampler {name!r} is built for a task; none was given")
        # Lazy: each peer imports its own library (SMAC3, OptunaHub's packages) only when built.
        from benchmarks.core.peers import build_peer_sampler

        return SamplerSetup(
            build_peer_sampler(name, seed, task.space, task.direction, task.problem_description)
        )
    if name == "random":
        return SamplerSetup(optuna.samplers.RandomSampler(seed=seed))
    if name == "tpe":
        return SamplerSetup(optuna.samplers.TPESampler(seed=seed))
    if name == "gp":
        return SamplerSetup(optuna.samplers.GPSampler(seed=seed))
    if name.startswith(GP_STARTUP_PREFIX) and name[len(GP_STARTUP_PREFIX) :].isdigit():
        n_startup = int(name[len(GP_STARTUP_PREFIX) :])
        return SamplerSetup(optuna.samplers.GPSampler(seed=seed, n_startup_trials=n_startup))
    if name == "cmaes":
        return SamplerSetup(optuna.samplers.CmaEsSampler(seed=seed))
    if name == "seeded-default":
        return SamplerSetup(optuna.samplers.RandomSampler(seed=seed), enqueue_default=True)
    if is_llm_sampler(name):
        kwargs: dict[str, Any] = dict(llm_kwargs or {})
        connection: dict[str, Any] = {"timeout": LLM_TIMEOUT_S}
        base, model = split_model(name)
        advisor = advisor_of(name)
        if advisor == USELESS:
            kwargs["model"] = "openai/useless"
            connection.update(api_base=useless_llm_url(), api_key="sk-none")
        elif advisor is not None:
            # Its answer is a function of the request: nothing to record.
            kwargs.pop("cache_dir", None)
            kwargs["model"] = llm_model_of(name)
            connection.update(api_base=advisor_llm_url(), api_key="sk-none")
        elif model == QWEN_05B:
            server = qwen_server()
            kwargs["model"] = server.litellm_model
            connection.update(api_base=server.api_base, structured_output="llguidance")
        else:
            kwargs.setdefault("model", "embedded/" + (model or default_llm_model()))
        strategy, optimizer = _strategy_of_name(name, seed)
        sampler = LLMGuidedSampler(
            seed=seed,
            strategy=strategy,
            optimizer=optimizer,
            llm=LLMSettings(**connection),
            **kwargs,
        )
        return SamplerSetup(sampler)
    raise ValueError(
        f"unknown sampler {name!r}; known: {', '.join(BASELINE_SAMPLERS)}, "
        f"{GP_STARTUP_PREFIX}<K>, llm[-<strategy>], {', '.join(PEER_SAMPLERS)}"
    )


def _strategy_of_name(name: str, seed: int) -> tuple[Any, optuna.samplers.BaseSampler | None]:
    """The strategy object of the LLM sampler ``name`` (its warm-start design and its
    ``[key=value,...]`` options applied), and the optimizer its options ask for (``startup``
    under ``"hybrid"``: a GPSampler with that many start-up trials), if any."""
    designs = _warm_start_designs()
    design = warm_start_design(name)
    if design not in designs:
        raise ValueError(
            f"unknown warm-start design {design!r} in {name!r}; known: {', '.join(designs)}"
        )
    prompt, extra = designs[design]
    strategy = strategy_of(llm_strategy(name))
    owned = {field.name for field in dataclasses.fields(strategy)}
    changes: dict[str, Any] = {
        key: value for key, value in {"warm_start_prompt": prompt, **extra}.items() if key in owned
    }
    options = prior_options(name)
    if "share" in options:
        changes["share"] = float(options["share"])
    if "reask" in options:
        changes["reask_after"] = None if options["reask"] == "startup" else int(options["reask"])
    if "reward" in options:
        changes["reward_new_bests"] = _switch(options["reward"], "reward", name)
    if "llm_trials" in options:
        changes["max_llm_trials"] = int(options["llm_trials"])
    if "startup" in options and int(options["startup"]) <= warm_start_trials_of(name):
        raise ValueError(
            f"startup={options['startup']} in {name!r} must exceed the warm start's trials"
        )
    fields: dict[str, Any] = {
        "prior_strength": float(options["beta"]) if "beta" in options else None,
        "belief_weighting": options.get("weights"),
        "prior_width": float(options["width"]) if "width" in options else None,
        "prior_horizon": int(options["horizon"]) if "horizon" in options else None,
        "stated_beliefs": options["stated"] != "off" if "stated" in options else None,
        "initial_design": options.get("design"),
        "n_startup_trials": int(options["startup"]) if "startup" in options else None,
        "reliability_estimate": options.get("reliability"),
        "evidence_first": _switch(options["first"], "first", name) if "first" in options else None,
    }
    given = {key: value for key, value in fields.items() if value is not None}
    optimizer = None
    if strategy.name == "hybrid" and "n_startup_trials" in given:
        optimizer = optuna.samplers.GPSampler(
            seed=seed, n_startup_trials=given.pop("n_startup_trials")
        )
    try:
        if given:
            changes["prior"] = PriorOptions(**given)
        return dataclasses.replace(strategy, **changes), optimizer
    except (TypeError, ValueError) as error:
        raise ValueError(f"{error} (in {name!r})") from None


def _switch(value: str, option: str, name: str) -> bool:
    """``on`` or ``off`` of a name's ``[option=...]``."""
    if value not in ("on", "off"):
        raise ValueError(f"{option} must be on or off, got {value!r} (in {name!r})")
    return value == "on"


def useless_llm_url() -> str:
    """Base URL of a local OpenAI-compatible server that answers random valid configurations
    (started once per process, on 127.0.0.1; see ``tests/support/schema_responder.py``)."""
    global _useless_server
    if _useless_server is None:
        # Lazy: the test helpers' local servers; only these samplers need them.
        from tests.support.fault_server import FaultServer
        from tests.support.schema_responder import RandomConfigurationResponder

        _useless_server = FaultServer(responder=RandomConfigurationResponder(seed=0))
        _useless_server.__enter__()
    return str(_useless_server.base_url)


def advisor_llm_url() -> str:
    """Base URL of a local OpenAI-compatible server that answers as the advisors of known skill
    (started once per process, on 127.0.0.1; see :mod:`benchmarks.core.advisor_responder`)."""
    global _advisor_server
    if _advisor_server is None:
        # Lazy: it imports the test helpers; only the advisor stand-ins need it.
        from benchmarks.core.advisor_responder import AdvisorResponder
        from tests.support.fault_server import FaultServer

        _advisor_server = FaultServer(responder=AdvisorResponder())
        _advisor_server.__enter__()
    return str(_advisor_server.base_url)


def qwen_server() -> Any:
    """An in-process server of the hash-verified, opt-in Qwen2.5-Coder-0.5B GGUF (started once)."""
    global _qwen_server
    if _qwen_server is None:
        path = Path(os.environ.get("BENCHMARK_QWEN_GGUF", ""))
        if not path.is_file():
            raise RuntimeError(
                "set BENCHMARK_QWEN_GGUF to the Qwen2.5-Coder-0.5B-Instruct Q4_K_M GGUF file"
            )
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != QWEN_05B_SHA256:
            raise RuntimeError(
                f"{path} is not the expected Qwen GGUF (sha256 {digest.hexdigest()})"
            )
        _qwen_server = EmbeddedModelServer(str(path), alias="qwen2.5-coder-0.5b-instruct")
        _qwen_server.start()
    return _qwen_server


def llm_statistics(sampler: optuna.samplers.BaseSampler) -> dict[str, float]:
    """Cumulative LLM counters of ``sampler`` (zeros for samplers without an LLM).

    Reads ``sampler.get_statistics()["sampler_stats"]`` and tolerates missing keys.
    """
    zeros = {key: 0.0 for key in STAT_KEYS}
    get_statistics = getattr(sampler, "get_statistics", None)
    if get_statistics is None:
        return zeros
    try:
        stats = get_statistics().get("sampler_stats", {}) or {}
    except Exception:  # a broken statistics call must not abort a benchmark run
        return zeros
    return {key: float(stats.get(key, 0.0) or 0.0) for key in STAT_KEYS}


def full_statistics(sampler: optuna.samplers.BaseSampler) -> dict[str, Any] | None:
    """``sampler.get_statistics()`` made JSON-safe, or ``None`` if the sampler has none."""
    get_statistics = getattr(sampler, "get_statistics", None)
    if get_statistics is None:
        return None
    try:
        return _json_safe(get_statistics())
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"}


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)
