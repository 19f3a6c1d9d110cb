"""Configurations proposed in one LLM call but not used yet, kept for the next trials.

One call may return several configurations (``proposals_per_call``): the first new one goes
to the current trial, and, when ``max_proposal_age > 0``, the others wait here to serve the
next trials without another call. A waiting configuration is discarded when it is stale: the
search space changed, or more than ``max_proposal_age`` trials finished since it was proposed
(its context no longer reflects the study), or a trial already has it.

Example:
    >>> pool = ProposalPool(max_age=2)
    >>> pool.put([PendingProposal({"x": 1}, None, ("x",), finished_at=0, origin={})])
    >>> pool.take(("x",), n_finished=1, is_new=lambda params: True).params
    {'x': 1}
    >>> len(pool)
    0
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
import threading
from typing import Any


@dataclass(frozen=True)
class PendingProposal:
    """A validated configuration waiting for a trial."""

    params: dict[str, Any]
    rationale: str | None
    space_key: tuple[str, ...]
    finished_at: int
    origin: dict[str, Any]


class ProposalPool:
    """A thread-safe first-in, first-out pool of pending proposals."""

    def __init__(self, max_age: int) -> None:
        if max_age < 0:
            raise ValueError("max_proposal_age must be >= 0")
        self.max_age = max_age
        self._pending: deque[PendingProposal] = deque()
        self._lock = threading.Lock()
        self.discarded = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)

    def put(self, proposals: list[PendingProposal]) -> None:
        """Keep ``proposals`` for later trials (nothing is kept when ``max_age`` is 0)."""
        if self.max_age == 0:
            return
        with self._lock:
            self._pending.extend(proposals)

    def take(
        self,
        space_key: tuple[str, ...],
        n_finished: int,
        is_new: Callable[[dict[str, Any]], bool],
    ) -> PendingProposal | None:
        """The oldest fresh proposal for ``space_key``; stale ones are dropped on the way."""
        with self._lock:
            while self._pending:
                proposal = self._pending.popleft()
                fresh = (
                    proposal.space_key == space_key
                    and n_finished - proposal.finished_at <= self.max_age
                )
                if fresh and is_new(proposal.params):
                    return proposal
                self.discarded += 1
            return None
