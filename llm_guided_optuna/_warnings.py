"""Warnings that point at the user's code, not at the line of this package that raised them.

Python 3.12 skips the package's own frames by file prefix; before 3.12 the first frame outside
the package is found by walking the stack, so no call site has to tune a ``stacklevel``.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     llm_warn("the LLM is switched off")
    >>> filename = caught[0].filename
    >>> caught[0].category.__name__, filename == __file__ or "doctest" in filename
    ('LLMSamplerWarning', True)
"""

from __future__ import annotations

import os
import sys
import warnings

from llm_guided_optuna.exceptions import LLMSamplerWarning


_PACKAGE_ROOT = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _frames_inside_package() -> int:
    depth = 1
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _PACKAGE_ROOT
    ):
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    return depth


def llm_warn(message: str, category: type[Warning] = LLMSamplerWarning) -> None:
    """Warn with ``category``, attributed to the first caller outside this package."""
    if sys.version_info >= (3, 12):
        warnings.warn(message, category, stacklevel=2, skip_file_prefixes=(_PACKAGE_ROOT,))
    else:
        warnings.warn(message, category, stacklevel=_frames_inside_package())
