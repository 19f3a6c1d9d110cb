"""A stand-in LLM for tests: answers with random *valid* configurations.

:class:`RandomConfigurationResponder` reads the JSON schema that the sampler sent as
``response_format`` and returns a configuration drawn at random inside it. Served by
:class:`~tests.support.fault_server.FaultServer`, it is an LLM that always answers well-formed
and never usefully: the right stand-in for "a weak LLM must never make users lose".

Example:
    >>> responder = RandomConfigurationResponder(seed=0)
    >>> with FaultServer(responder=responder) as server:  # doctest: +SKIP
    ...     sampler = LLMGuidedSampler(model="openai/test", api_base=server.base_url)
"""

from __future__ import annotations

import json
import math
import random
import threading
from typing import Any


def resolve_ref(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$ref`` (a pointer into ``root``, e.g. ``#/$defs/X``) followed."""
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        node: Any = root
        for part in ref[2:].split("/"):
            node = node[part]
        return resolve_ref(node, root)
    return schema


def request_schema(request: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema in an OpenAI-style ``response_format`` or a llama.cpp ``grammar``."""
    grammar = request.get("grammar")
    if isinstance(grammar, str) and "%json " in grammar:
        return json.loads(grammar.split("%json ", 1)[1])
    response_format = request.get("response_format")
    if not isinstance(response_format, dict):
        return None
    json_schema = response_format.get("json_schema")
    if isinstance(json_schema, dict) and isinstance(json_schema.get("schema"), dict):
        return json_schema["schema"]
    return None


class RandomConfigurationResponder:
    """Random valid configurations from the request's schema; records what it proposed."""

    def __init__(
        self,
        seed: int = 0,
        fixed: dict[str, Any] | None = None,
        related_used: str = "none of them",
    ) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.fixed = dict(fixed or {})
        #: The answer's ``related_used``, where the schema asks for it.
        self.related_used = related_used
        self.proposals: list[dict[str, Any]] = []

    def draw(self, schema: dict[str, Any]) -> Any:
        if "enum" in schema:
            return self._rng.choice(schema["enum"])
        low: Any = schema.get("minimum")
        high: Any = schema.get("maximum")
        if schema.get("type") == "integer":
            return self._rng.randint(int(low), int(high))
        if schema.get("type") == "number":
            if schema.get("description") == "log scale" and low and low > 0:
                return math.exp(self._rng.uniform(math.log(low), math.log(high)))
            return self._rng.uniform(low, high)
        return None

    def _configuration(self, schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
        parameters_schema = resolve_ref(
            resolve_ref(schema, root)["properties"]["parameters"], root
        )
        parameters = {
            name: self.fixed.get(name, self.draw(resolve_ref(sub, root)))
            for name, sub in parameters_schema["properties"].items()
        }
        self.proposals.append(parameters)
        return {"parameters": parameters, "rationale": "random but valid"}

    def __call__(self, request: dict[str, Any]) -> str:
        schema = request_schema(request)
        if schema is None:
            return json.dumps({"parameters": {}, "rationale": "no schema"})
        opening = (
            {"related_used": self.related_used} if "related_used" in schema["properties"] else {}
        )
        with self._lock:
            batch = schema["properties"].get("configurations")
            if batch is None:
                return json.dumps({**opening, **self._configuration(schema, schema)})
            count = int(batch.get("minItems", 1))
            return json.dumps(
                {
                    **opening,
                    "configurations": [
                        self._configuration(batch["items"], schema) for _ in range(count)
                    ],
                }
            )
