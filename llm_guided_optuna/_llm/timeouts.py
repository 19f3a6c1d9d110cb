"""How long one LLM request may take when the user gives no ``timeout``.

A hosted model answers in seconds, so a short timeout catches a stalled connection early. A
model on this machine (the embedded models, served in-process) or on a server of yours
(``api_base``) runs on whatever hardware it has, and on a CPU whose cores other processes use it
writes a few tokens a second or fewer (``benchmarks/results/model_speed.json`` has its speeds
on an idle machine). A fixed 30 s made a busy machine lose its one LLM call, so the timeout of
such a model grows with the answer it may write.

Whatever its length, a timeout is a deadline for the whole request, kept here and not by the
HTTP client, whose timeout bounds each read only (a server that sends a byte a second would
hold a request for ever): :func:`call_within_deadline`.

Example:
    >>> request_timeout(192, self_hosted=False)
    30.0
    >>> request_timeout(192, self_hosted=True)  # the warm start of four parameters
    252.0
    >>> call_within_deadline(1.0, dict, {"answer": 42})
    {'answer': 42}
"""

from __future__ import annotations

from collections.abc import Callable
import contextvars
import threading
from typing import Any


#: Seconds allowed for one request to a hosted model (no ``api_base``).
HOSTED_TIMEOUT_S = 30.0
#: Seconds allowed to a self-hosted or embedded model before it writes its first token ...
SELF_HOSTED_BASE_S = 60.0
#: ... and for each token of the answer's budget (about 1 token/s: a 1.5B model on a CPU
#: whose cores other processes are using).
SELF_HOSTED_S_PER_TOKEN = 1.0
#: The answer length assumed when a request sets no ``max_tokens``.
UNBOUNDED_ANSWER_TOKENS = 512


def request_timeout(max_tokens: int | None, *, self_hosted: bool) -> float:
    """The default timeout in seconds of one request whose answer may have ``max_tokens`` tokens.

    Args:
        max_tokens: The answer's token budget (``None``: unbounded).
        self_hosted: The model runs on this machine or on a server at ``api_base``.
    """
    if not self_hosted:
        return HOSTED_TIMEOUT_S
    tokens = UNBOUNDED_ANSWER_TOKENS if max_tokens is None else max_tokens
    return SELF_HOSTED_BASE_S + SELF_HOSTED_S_PER_TOKEN * tokens


class DeadlineExceeded(Exception):
    """The request's deadline passed before its answer was complete."""


def call_within_deadline(
    deadline_s: float, function: Callable[..., Any], kwargs: dict[str, Any]
) -> Any:
    """``function(**kwargs)`` in a daemon thread, waited for at most ``deadline_s`` seconds.

    Raises:
        DeadlineExceeded: The call had not returned by then; it goes on in the background,
            its result discarded.
        Exception: What ``function`` raised.
    """
    outcome: dict[str, Any] = {}
    done = threading.Event()
    context = contextvars.copy_context()

    def run() -> None:
        try:
            outcome["value"] = context.run(function, **kwargs)
        except BaseException as error:  # noqa: BLE001 - handed to the waiting thread.
            outcome["error"] = error
        finally:
            done.set()

    threading.Thread(target=run, name="llm-guided-optuna-request", daemon=True).start()
    if not done.wait(deadline_s):
        raise DeadlineExceeded
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
