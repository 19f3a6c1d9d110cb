"""Record and replay LLM exchanges, for studies that can be rerun exactly.

With ``LLMGuidedSampler(..., cache_dir=PATH)`` every exchange with the LLM is stored on disk under
the fingerprint of its request: the model's name, the messages, the answer's JSON schema, the
temperature, the answer's token budget and the LLM's seed (never the key, nor the server's address,
which changes from run to run). Rerun with the same ``cache_dir`` and ``seed``, a deterministic
study sends the same requests and gets the stored answers back without contacting any LLM, even if
the model is unreachable; requests not seen before are sent and stored.

One JSON file per exchange (``<fingerprint>.json``), written atomically, so that threads and
worker processes can share a cache directory.

Example:
    >>> import tempfile
    >>> cache = ExchangeCache(tempfile.mkdtemp())
    >>> key = cache.fingerprint("m", [{"role": "user", "content": "hi"}], None, 0.3, 64)
    >>> cache.get(key) is None
    True
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
import tempfile
from typing import Any

from pydantic import BaseModel

from llm_guided_optuna._llm.client import LLMReply


FORMAT_VERSION = 2


class ExchangeCache:
    """A directory of recorded LLM exchanges, keyed by request fingerprint."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def fingerprint(
        model: str,
        messages: list[dict[str, str]],
        response_model: type[BaseModel] | None,
        temperature: float,
        max_tokens: int | None,
        seed: int | None = None,
    ) -> str:
        """A stable hash of what determines the answer (the LLM's sampling seed included: the
        same prompt under another seed is another draw)."""
        request = {
            "format": FORMAT_VERSION,
            "model": model,
            "messages": messages,
            "schema": response_model.model_json_schema() if response_model is not None else None,
            "temperature": temperature,
            "max_tokens": max_tokens,
            "seed": seed,
        }
        text = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        # "surrogatepass": a lone surrogate (a file name read with surrogateescape) hashes too;
        # any other text gives the same bytes as plain UTF-8.
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def _path(self, fingerprint: str) -> Path:
        return self.directory / f"{fingerprint}.json"

    def get(self, fingerprint: str) -> LLMReply | None:
        """The recorded reply, or ``None`` (also for an unreadable record)."""
        try:
            record = json.loads(self._path(fingerprint).read_text(encoding="utf-8"))
            reply = record["reply"]
            return LLMReply(
                content=reply["content"],
                model=str(reply["model"]),
                latency_s=0.0,
                attempts=0,
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(
        self, fingerprint: str, model: str, messages: list[dict[str, str]], reply: LLMReply
    ) -> None:
        """Store an exchange (atomically: readers never see half a file)."""
        record: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "request": {"model": model, "messages": messages},
            "reply": {
                "content": reply.content,
                "model": reply.model,
                "latency_s": reply.latency_s,
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
                "cost_usd": reply.cost_usd,
            },
        }
        text = json.dumps(record, ensure_ascii=False)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # A lone surrogate in an answer: kept as its JSON escape.
            text = json.dumps(record)
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, self._path(fingerprint))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
