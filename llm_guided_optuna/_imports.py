"""Optional dependencies, imported where they are first needed and in one way.

The library's hard dependencies are imported at the top of each module, except LiteLLM, whose
import takes seconds and is done once, on the first call (``_llm.client.import_litellm``). The
optional ones (the ``extras`` of ``pyproject.toml``) are imported by :func:`import_optional`
inside the function that needs them, so that a missing one fails there, with an error that
says what to install, and costs nothing to those who never call it.

Example:
    >>> json = import_optional("json", RuntimeError, "unreachable: json ships with Python")
    >>> json.dumps([1])
    '[1]'
    >>> import_optional("no_such_module_here", RuntimeError, "pip install it")
    Traceback (most recent call last):
    ...
    RuntimeError: pip install it
"""

from __future__ import annotations

import importlib
from types import ModuleType


#: The modules Optuna's ``GPSampler`` needs beyond Optuna itself (the ``gp`` extra).
GP_MODULES = ("scipy", "torch")


def import_optional(name: str, error: type[Exception], message: str) -> ModuleType:
    """Import the module ``name`` now; if it cannot be imported, raise ``error(message)``.

    The :class:`ImportError` is kept as the new error's cause.
    """
    try:
        return importlib.import_module(name)
    except ImportError as cause:
        raise error(message) from cause


def gp_available() -> bool:
    """Whether PyTorch and SciPy import (Optuna's GPSampler needs both).

    Each is imported to find out: an installed module that fails to import counts as missing.
    """
    for name in GP_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            return False
    return True
