"""Embedded models: LLMs that run inside the Python process, offline, with no key.

The sub-package has one module per concern:

- :mod:`~llm_guided_optuna.embedded.registry`: what each embedded model is (pinned sources,
  size, SHA-256, licence, chat template, threads) and which one ``model=None`` prefers;
- :mod:`~llm_guided_optuna.embedded.store`: where installed files live and the check that a
  file is exactly the pinned one before it is loaded;
- :mod:`~llm_guided_optuna.embedded.install`: download, assemble and verify a model
  (``llm-optuna models install NAME``);
- :mod:`~llm_guided_optuna.embedded.selection`: which local model a ``model`` argument means
  (``None``, ``"embedded/<name>"``, ``"gguf:<path>"``);
- :mod:`~llm_guided_optuna.embedded.server`: llama.cpp's OpenAI-compatible server, started in
  the process on loopback, one per model;
- :mod:`~llm_guided_optuna.embedded.gguf`: the metadata of a GGUF file (name, licence, template).

Example:
    >>> from llm_guided_optuna.embedded import EMBEDDED_MODELS
    >>> sorted(EMBEDDED_MODELS)
    ['qwen2.5-coder-1.5b', 'smollm2-135m']
"""

from llm_guided_optuna.embedded.registry import DEFAULT_PREFERENCE
from llm_guided_optuna.embedded.registry import EMBEDDED_MODELS
from llm_guided_optuna.embedded.registry import EmbeddedModelSpec
from llm_guided_optuna.embedded.registry import get_model_spec
from llm_guided_optuna.embedded.selection import default_embedded_model
from llm_guided_optuna.embedded.selection import LocalModel
from llm_guided_optuna.embedded.selection import resolve_local_model
from llm_guided_optuna.embedded.server import EmbeddedModelServer
from llm_guided_optuna.embedded.server import get_embedded_server
from llm_guided_optuna.embedded.store import find_installed_model
from llm_guided_optuna.embedded.store import models_dir
from llm_guided_optuna.exceptions import EmbeddedModelUnavailableError
from llm_guided_optuna.exceptions import UnknownEmbeddedModelError


__all__ = [
    "DEFAULT_PREFERENCE",
    "EMBEDDED_MODELS",
    "EmbeddedModelServer",
    "EmbeddedModelSpec",
    "EmbeddedModelUnavailableError",
    "LocalModel",
    "UnknownEmbeddedModelError",
    "default_embedded_model",
    "find_installed_model",
    "get_embedded_server",
    "get_model_spec",
    "models_dir",
    "resolve_local_model",
]
