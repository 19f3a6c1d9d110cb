"""A sampler's state as bytes that pickle and ``copy.deepcopy`` can carry, without its locks.

Optuna's recipe to resume a study pickles the sampler (``pickle.dump(study.sampler, f)``). The
sampler's parts guard their counters with locks, which Python refuses to pickle: here each lock
becomes a new, unlocked one and each thread-local cache a new, empty one. Nothing else changes
(the LLM settings drop their key themselves:
:class:`~llm_guided_optuna._llm.settings.LLMSettings`).

Example:
    >>> import threading
    >>> state = state_bytes({"lock": threading.Lock(), "n": 3})
    >>> sorted(state_from_bytes(state))
    ['lock', 'n']
"""

from __future__ import annotations

import io
import pickle
import threading
from typing import Any


_FRESH = {
    type(threading.Lock()): threading.Lock,
    type(threading.RLock()): threading.RLock,
    threading.local: threading.local,
}


class _LockFreePickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        fresh = _FRESH.get(type(obj))
        if fresh is not None:
            return fresh, ()
        return NotImplemented


def state_bytes(state: Any) -> bytes:
    """``state`` pickled, each lock and thread-local object replaced by a fresh one."""
    buffer = io.BytesIO()
    _LockFreePickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
    return buffer.getvalue()


def state_from_bytes(data: bytes) -> Any:
    """The state that :func:`state_bytes` pickled."""
    return pickle.loads(data)
