"""One LLM call of the sampler: the client made on first use, recorded exchanges replayed,
progress lines while it runs, and the call counted in the sampler's statistics.

A server at ``api_base`` gets the key given as ``api_key=`` (or in ``completion_kwargs``), never
one LiteLLM would read from the environment: an ``OPENAI_API_KEY`` meant for OpenAI is not sent to
whatever host ``api_base`` names. Such a server gets a placeholder key instead, and one warning
names the variable that was not sent; pass ``api_key=os.environ["OPENAI_API_KEY"]`` to send it.

A copied or pickled caller holds no client (it is made again on first use) and, through
:class:`~llm_guided_optuna._llm.settings.LLMSettings`, no key.

Example:
    >>> caller = LLMCaller("openai/my-model", None, {"api_base": "http://127.0.0.1:8000/v1",
    ...     "api_key": None, "completion_kwargs": {}, "structured_output": "auto"},
    ...     seed=0, stats=SamplerStatistics())  # doctest: +SKIP
    >>> reply = caller.call(messages, response_model, max_tokens=400, trial_number=1,
    ...                     n_configurations=1)  # doctest: +SKIP
"""

from __future__ import annotations

import os
import threading
from typing import Any

from llm_guided_optuna._llm.client import import_litellm
from llm_guided_optuna._llm.client import LLMClient
from llm_guided_optuna._llm.client import LLMReply
from llm_guided_optuna._llm.errors import mask_url
from llm_guided_optuna._llm.progress import CallProgress
from llm_guided_optuna._llm.replay import ExchangeCache
from llm_guided_optuna._llm.settings import LLMSettings
from llm_guided_optuna._stats import SamplerStatistics
from llm_guided_optuna._warnings import llm_warn
from llm_guided_optuna.embedded.selection import LocalModel
from llm_guided_optuna.embedded.server import get_embedded_server
from llm_guided_optuna.exceptions import LLMCallError


#: The key sent to servers at ``api_base`` when none is given (they ignore it).
NO_KEY_PLACEHOLDER = "sk-no-key-required"
#: Providers whose LiteLLM client reads ``OPENAI_API_KEY`` when no key is given.
_OPENAI_LIKE_PROVIDERS = ("openai", "custom_openai", "text-completion-openai", "openai_like")


class LLMCaller:
    """Makes the sampler's LLM calls (thread-safe).

    Args:
        model_name: The model as the sampler names it (``embedded/<name>``, a LiteLLM string).
        local_model: The embedded model or GGUF file to serve in-process, or ``None``.
        settings: The connection: where, with which key, temperature, timeout, retries, ...
        seed: Sent to the LLM as its seed where the provider takes one.
        stats: The sampler's counters; every call, failed or not, is recorded there.
        replay: Recorded exchanges to answer from (and record into), or ``None``.
    """

    def __init__(
        self,
        model_name: str,
        local_model: LocalModel | None,
        settings: LLMSettings,
        *,
        seed: int | None,
        stats: SamplerStatistics,
        replay: ExchangeCache | None = None,
    ) -> None:
        self.model_name = model_name
        self._local_model = local_model
        self._settings = settings
        self._seed = seed
        self._stats = stats
        self._replay = replay
        self._client: LLMClient | None = None
        self._lock = threading.Lock()

    def client(self) -> LLMClient:
        """The LiteLLM client, made on first use (an embedded model is loaded then)."""
        with self._lock:
            if self._client is None:
                settings = self._settings.client_arguments()
                model = self.model_name
                if self._local_model is not None:
                    server = get_embedded_server(self._local_model.server_key)
                    model, settings["api_base"] = server.litellm_model, server.api_base
                    if settings["structured_output"] == "auto":
                        settings["structured_output"] = "llguidance"
                if (
                    settings["api_base"] is not None
                    and settings["api_key"] is None
                    and "api_key" not in settings["completion_kwargs"]
                ):
                    # Servers at api_base get the key given for them, never one LiteLLM would
                    # read from the environment for its provider's own host. A placeholder also
                    # satisfies LiteLLM's OpenAI client, which refuses to send a request
                    # without a key; local servers ignore it.
                    if self._local_model is None:
                        _warn_of_environment_key(model, settings["api_base"])
                    settings["api_key"] = NO_KEY_PLACEHOLDER
                if self._seed is not None:
                    settings["completion_kwargs"].setdefault("seed", self._seed)
                import_litellm()  # Seconds, once: not to be counted as the first call's wait.
                self._client = LLMClient(model, **settings)
            return self._client

    def __getstate__(self) -> dict[str, Any]:
        """A copy or pickle holds no client and no lock (made again on first use)."""
        state = self.__dict__.copy()
        state["_client"] = None
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def call(
        self,
        messages: list[dict[str, str]],
        response_model: type[Any],
        max_tokens: int,
        trial_number: int,
        n_configurations: int,
    ) -> LLMReply:
        """The reply to ``messages``: a recorded one, or a new call (with progress lines).

        Raises:
            LLMCallError: The call failed (after its retries); it is counted all the same.
        """
        messages = sendable_messages(messages)
        fingerprint = None
        if self._replay is not None:
            llm_seed = self._settings.completion_kwargs.get("seed", self._seed)
            fingerprint = self._replay.fingerprint(
                self.model_name,
                messages,
                response_model,
                self._settings.temperature,
                max_tokens,
                llm_seed,
            )
            recorded = self._replay.get(fingerprint)
            if recorded is not None:
                self._stats.increment("replay_hits")
                return recorded
            self._stats.increment("replay_misses")
        client = self.client()  # Outside the progress lines: loading a model logs itself.
        try:
            with CallProgress(self.model_name, trial_number, n_configurations) as progress:
                reply = client.complete(messages, response_model, max_tokens)
                progress.answered(reply.prompt_tokens, reply.completion_tokens)
        except LLMCallError as failure:
            self._stats.record_call(
                attempts=failure.attempts,
                seconds=failure.elapsed_s,
                prompt_tokens=0,
                completion_tokens=0,
                cost_usd=0.0,
            )
            raise
        self._stats.record_call(
            attempts=reply.attempts,
            seconds=reply.latency_s,
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
            cost_usd=reply.cost_usd,
        )
        if self._replay is not None and fingerprint is not None:
            self._replay.put(fingerprint, self.model_name, messages, reply)
        return reply


def sendable_messages(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """``messages`` with any text that UTF-8 cannot encode (a lone surrogate such as
    ``"\\udce9"``, which a file name read with ``surrogateescape`` may hold) written as its
    escape: it could neither be sent nor recorded."""
    return [{key: _encodable(value) for key, value in message.items()} for message in messages]


def _encodable(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


def environment_key_names(model: str) -> list[str]:
    """The environment variables LiteLLM reads a key from for ``model`` when none is given."""
    provider = model.split("/", 1)[0].lower() if "/" in model else "openai"
    names = [f"{provider.upper().replace('-', '_')}_API_KEY"]
    if provider in _OPENAI_LIKE_PROVIDERS:
        names.append("OPENAI_API_KEY")
    return list(dict.fromkeys(names))


def _warn_of_environment_key(model: str, api_base: str) -> None:
    """One warning naming the environment key that is *not* sent to ``api_base``."""
    held = [name for name in environment_key_names(model) if os.environ.get(name)]
    if held:
        llm_warn(
            f"{held[0]} is set but not sent to {mask_url(api_base)} (api_base): pass "
            f"api_key=os.environ[{held[0]!r}] to send that key there"
        )
