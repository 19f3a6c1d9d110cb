"""What the user sees while the LLM works: INFO lines through the library's logger.

An LLM call can take a minute on a laptop's CPU. :class:`CallProgress` logs when a call
starts (the model, the trial, how many configurations were asked for), every
``heartbeat_s`` seconds while it runs, and when it ends (seconds and tokens), so that a
working call is never mistaken for a hang. The lines go through Optuna's logging
(``optuna.llm_guided_optuna.*`` loggers): ``optuna.logging.set_verbosity`` shows or hides
them, or :func:`llm_guided_optuna.show_llm_progress` alone.

Example:
    >>> with CallProgress("embedded/smollm2-135m", trial_number=1, n_configurations=4) as progress:
    ...     progress.answered(prompt_tokens=400, completion_tokens=120)
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

from llm_guided_optuna._logging import get_logger


_logger = get_logger(__name__)

HEARTBEAT_S = 15.0


class CallProgress:
    """Logs the start, the wait and the end of one LLM call (a context manager).

    Args:
        model: The model's name as statistics give it.
        trial_number: The trial the call is made for.
        n_configurations: How many configurations the call asks for.
        heartbeat_s: Seconds between "still waiting" lines.
    """

    def __init__(
        self,
        model: str,
        trial_number: int,
        n_configurations: int,
        heartbeat_s: float = HEARTBEAT_S,
    ) -> None:
        self.model = model
        self.trial_number = trial_number
        self.n_configurations = n_configurations
        self.heartbeat_s = heartbeat_s
        self._done = threading.Event()
        self._started = 0.0
        self._answered = False
        self._thread: threading.Thread | None = None

    def __enter__(self) -> CallProgress:
        self._started = time.perf_counter()
        plural = "s" if self.n_configurations != 1 else ""
        _logger.info(
            "Trial %d: asking %s for %d configuration%s...",
            self.trial_number,
            self.model,
            self.n_configurations,
            plural,
        )
        if self.heartbeat_s > 0:
            self._thread = threading.Thread(
                target=self._heartbeat, name="llm-call-progress", daemon=True
            )
            self._thread.start()
        return self

    def _heartbeat(self) -> None:
        while not self._done.wait(self.heartbeat_s):
            _logger.info(
                "Trial %d: still waiting for %s (%.0f s)",
                self.trial_number,
                self.model,
                time.perf_counter() - self._started,
            )

    def answered(self, prompt_tokens: int, completion_tokens: int) -> None:
        """Log the end of a call that answered."""
        self._answered = True
        self._stop()
        _logger.info(
            "Trial %d: %s answered in %.1f s (%d prompt and %d completion tokens)",
            self.trial_number,
            self.model,
            time.perf_counter() - self._started,
            prompt_tokens,
            completion_tokens,
        )

    def _stop(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop()
        if not self._answered and error is not None:
            _logger.info(
                "Trial %d: %s gave no answer after %.1f s",
                self.trial_number,
                self.model,
                time.perf_counter() - self._started,
            )
