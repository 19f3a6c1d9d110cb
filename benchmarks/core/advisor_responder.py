"""Advisors of known skill: a stand-in LLM that answers from the task's reference configurations.

The skill ladder (``python -m benchmarks.advisors``) asks how much of an advisor's skill each
strategy of the sampler turns into lower regret. Real models give only a few rungs (a 135M and a
1.5B model on this machine); these advisors give the others, at a skill fixed by construction:

- ``oracle-top1``, ``oracle-top10``, ``oracle-top30``: each configuration is drawn uniformly
  from the best 1 %, 10 % or 30 % of the task's 500 stored random configurations
  (``benchmarks/reference/<task>.json``, ranked by their cross-validated score), whatever the
  history shown: a fixed-skill advisor;
- ``local-step``: a step around the best trial the prompt shows (every numeric parameter moved
  by a Gaussian step of :data:`LOCAL_STEP_SCALE` of its range, on the log scale for a log-scaled
  one; a categorical one kept with probability :data:`LOCAL_KEEP_CHOICE`), as a strong LLM
  refining the incumbent would; with no trial shown (the warm start) it answers uniformly.

The uniform advisor, ``useless``, is
:class:`tests.support.schema_responder.RandomConfigurationResponder` (its own server, unchanged, so
that the archived ``+useless`` runs replay bit for bit).

The advisor is named by the request's model (``advisor/<name>``, i.e. the sampler's
``model="openai/advisor/<name>"``) and the task is recognised by its problem description in the
prompt. Each answer is drawn from a generator seeded by the advisor, the request's ``seed`` (the
sampler's) and its messages: the same request gets the same answer in any order and process, so
runs reproduce without recording the exchanges. The answer fills the JSON schema of the
request's ``response_format`` (one configuration, or ``configurations`` with ``minItems``), with
a short text in every other string field it requires (``analysis``, ``rationale``).

Example:
    >>> from tests.support.fault_server import FaultServer
    >>> responder = AdvisorResponder()
    >>> with FaultServer(responder=responder) as server:  # doctest: +SKIP
    ...     sampler = LLMGuidedSampler(
    ...         model="openai/advisor/oracle-top10", api_base=server.base_url
    ...     )
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from pathlib import Path
import random
import re
from typing import Any

from benchmarks._paths import DEFAULT_REFERENCE_DIR
from benchmarks.tasks.bayesmark import BAYESMARK_TASK_NAMES
from benchmarks.tasks.reference import read_reference_file
from benchmarks.tasks.registry import get_task
from tests.support.schema_responder import request_schema
from tests.support.schema_responder import resolve_ref


#: Advisor name -> the best fraction of the reference its configurations are drawn from.
ORACLE_FRACTIONS: dict[str, float] = {
    "oracle-top1": 0.01,
    "oracle-top10": 0.10,
    "oracle-top30": 0.30,
}
LOCAL_STEP = "local-step"
SKILLED_ADVISORS: tuple[str, ...] = tuple(ORACLE_FRACTIONS) + (LOCAL_STEP,)
MODEL_PREFIX = "advisor/"
LOCAL_STEP_SCALE = 0.1
LOCAL_KEEP_CHOICE = 0.8
_TRIAL_LINE = re.compile(r"^#(\d+) value=([^:]+): (.*)$", re.MULTILINE)


@functools.lru_cache(maxsize=None)
def _task_descriptions() -> dict[str, str]:
    """Problem description -> task name, for the suite's tasks (no data is loaded)."""

    return {get_task(name).problem_description: name for name in BAYESMARK_TASK_NAMES}


def task_of_prompt(text: str) -> str:
    """The task whose problem description ``text`` contains.

    Raises:
        ValueError: No task of the suite, or several, are described in ``text``.
    """
    found = [name for description, name in _task_descriptions().items() if description in text]
    if len(found) != 1:
        raise ValueError(
            f"the prompt describes {len(found)} tasks of the suite ({found}); an advisor needs one"
        )
    return found[0]


@functools.lru_cache(maxsize=None)
def ranked_configurations(
    task: str, reference_dir: Path = DEFAULT_REFERENCE_DIR
) -> tuple[dict[str, Any], ...]:
    """The task's stored random configurations, best first (ties in stored order)."""
    record = read_reference_file(task, reference_dir)
    if record is None:
        raise ValueError(
            f"no reference configurations for {task!r}: run python -m benchmarks.reference"
        )
    sign = -1.0 if record["direction"] == "maximize" else 1.0
    order = sorted(
        range(len(record["random_values"])), key=lambda i: (sign * record["random_values"][i], i)
    )
    return tuple(record["random_params"][i] for i in order)


def oracle_pool(
    task: str, advisor: str, reference_dir: Path = DEFAULT_REFERENCE_DIR
) -> tuple[dict[str, Any], ...]:
    """The configurations ``advisor`` (an ``oracle-top<K>``) draws from: the best ``K`` %."""
    ranked = ranked_configurations(task, reference_dir)
    return ranked[: max(1, math.ceil(ORACLE_FRACTIONS[advisor] * len(ranked)))]


def _unit(value: float, schema: dict[str, Any]) -> float:
    low, high = float(schema["minimum"]), float(schema["maximum"])
    if _is_log(schema):
        value, low, high = math.log(max(value, low)), math.log(low), math.log(high)
    return 0.5 if high == low else (value - low) / (high - low)


def _from_unit(position: float, schema: dict[str, Any]) -> float | int:
    low, high = float(schema["minimum"]), float(schema["maximum"])
    position = min(1.0, max(0.0, position))
    value = (
        math.exp(math.log(low) + position * (math.log(high) - math.log(low)))
        if _is_log(schema)
        else low + position * (high - low)
    )
    value = min(high, max(low, value))
    return int(round(value)) if schema.get("type") == "integer" else value


def _is_log(schema: dict[str, Any]) -> bool:
    return schema.get("description") == "log scale" and float(schema.get("minimum", 0)) > 0


def shown_trials(text: str) -> list[tuple[float, dict[str, str]]]:
    """``(value, {name: written value})`` of every trial line of a prompt (``#3 value=0.62: a=1,
    b=2``)."""
    trials = []
    for match in _TRIAL_LINE.finditer(text):
        try:
            value = float(match.group(2))
        except ValueError:
            continue
        pairs = dict(item.split("=", 1) for item in match.group(3).split(", ") if "=" in item)
        trials.append((value, pairs))
    return trials


def best_shown_trial(text: str) -> dict[str, str] | None:
    """The parameters of the best trial a prompt shows (by its goal line), or ``None``."""
    trials = shown_trials(text)
    if not trials:
        return None
    maximize = "Maximize the objective" in text
    return (max if maximize else min)(trials, key=lambda item: item[0])[1]


class AdvisorResponder:
    """The answers of the advisors of :data:`SKILLED_ADVISORS`, served by a ``FaultServer``.

    Args:
        reference_dir: Where the tasks' reference configurations are stored.
    """

    def __init__(self, reference_dir: Path = DEFAULT_REFERENCE_DIR) -> None:
        self.reference_dir = Path(reference_dir)

    def __call__(self, request: dict[str, Any]) -> str:
        model = str(request.get("model", ""))
        advisor = model.split(MODEL_PREFIX, 1)[1] if MODEL_PREFIX in model else model
        if advisor not in SKILLED_ADVISORS:
            raise ValueError(
                f"unknown advisor {advisor!r} (model {model!r}); known: "
                f"{', '.join(SKILLED_ADVISORS)}"
            )
        messages = request.get("messages") or []
        text = "\n".join(str(m.get("content", "")) for m in messages if isinstance(m, dict))
        schema = request_schema(request)
        if schema is None:
            raise ValueError(
                "the request names no JSON schema: an advisor answers structured requests only"
            )
        key = json.dumps(
            [advisor, request.get("seed"), messages], sort_keys=True, ensure_ascii=False
        )
        rng = random.Random(int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:16], 16))
        batch = schema.get("properties", {}).get("configurations")
        count = 1 if batch is None else int(batch.get("minItems", 1))
        drawn = self._draw(advisor, text, count, rng, self._parameter_schemas(schema))
        if batch is None:
            return json.dumps(self._fill(schema, schema, drawn[0]))
        items = resolve_ref(batch["items"], schema)
        return json.dumps(
            self._fill(
                schema,
                schema,
                None,
                {"configurations": [self._fill(items, schema, c) for c in drawn]},
            )
        )

    @staticmethod
    def _parameter_schemas(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
        node = schema
        batch = schema.get("properties", {}).get("configurations")
        if batch is not None:
            node = resolve_ref(batch["items"], schema)
        parameters = resolve_ref(resolve_ref(node, schema)["properties"]["parameters"], schema)
        return {name: resolve_ref(sub, schema) for name, sub in parameters["properties"].items()}

    def _draw(
        self,
        advisor: str,
        text: str,
        count: int,
        rng: random.Random,
        parameters: dict[str, dict[str, Any]],
    ) -> list[dict[str, Any]]:
        if advisor in ORACLE_FRACTIONS:
            pool = oracle_pool(task_of_prompt(text), advisor, self.reference_dir)
            missing = set(parameters) - set(pool[0])
            if missing:
                raise ValueError(
                    f"the reference configurations lack the parameters {sorted(missing)}"
                )
            chosen = rng.sample(range(len(pool)), min(count, len(pool)))
            chosen += [rng.randrange(len(pool)) for _ in range(count - len(chosen))]
            return [{name: pool[i][name] for name in parameters} for i in chosen]
        best = best_shown_trial(text)
        return [self._local_step(best, parameters, rng) for _ in range(count)]

    @staticmethod
    def _local_step(
        best: dict[str, str] | None, parameters: dict[str, dict[str, Any]], rng: random.Random
    ) -> dict[str, Any]:
        configuration: dict[str, Any] = {}
        for name, schema in parameters.items():
            written = None if best is None else best.get(name)
            if "enum" in schema:
                choices = schema["enum"]
                current = next((c for c in choices if str(c) == written), None)
                keep = current is not None and rng.random() < LOCAL_KEEP_CHOICE
                configuration[name] = current if keep else rng.choice(choices)
                continue
            try:
                position = _unit(float(written), schema) + rng.gauss(0.0, LOCAL_STEP_SCALE)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                position = rng.random()  # nothing to step from: uniform
            configuration[name] = _from_unit(position, schema)
        return configuration

    @staticmethod
    def _fill(
        schema: dict[str, Any],
        root: dict[str, Any],
        parameters: dict[str, Any] | None,
        given: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An object of ``schema``: the parameters, ``given`` fields, and a text in every other
        required string field."""
        node = resolve_ref(schema, root)
        answer: dict[str, Any] = dict(given or {})
        if parameters is not None:
            answer["parameters"] = parameters
        for name in node.get("required", []):
            if (
                name not in answer
                and resolve_ref(node["properties"][name], root).get("type") == "string"
            ):
                answer[name] = "advice of known skill"
        return answer
