"""Read the metadata of a GGUF model file: its name, architecture, licence and chat template.

GGUF (llama.cpp's model format) starts with a header of typed key-value pairs. Only scalar
values and short arrays are kept; the tokenizer's vocabulary (arrays of many thousand items)
is skipped without being read into memory.

Example:
    >>> metadata = read_gguf_metadata("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")  # doctest: +SKIP
    >>> metadata["general.name"], "tokenizer.chat_template" in metadata  # doctest: +SKIP
    ('Qwen2.5 Coder 1.5B Instruct', True)
"""

from __future__ import annotations

import os
import struct
from typing import Any
from typing import BinaryIO

from llm_guided_optuna.exceptions import GGUFFormatError


GGUF_MAGIC = b"GGUF"
#: Arrays longer than this are skipped (their length is kept as ``"<array of N>"``).
MAX_ARRAY_ITEMS = 64
_SCALARS: dict[int, str] = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9


def _read(handle: BinaryIO, fmt: str) -> Any:
    size = struct.calcsize(fmt)
    data = handle.read(size)
    if len(data) != size:
        raise GGUFFormatError("the GGUF header ends early")
    return struct.unpack(fmt, data)[0]


def _read_string(handle: BinaryIO) -> str:
    length = _read(handle, "<Q")
    if length > 1 << 24:
        raise GGUFFormatError(f"a GGUF string of {length} bytes is not plausible")
    return handle.read(length).decode("utf-8", errors="replace")


def _skip_value(handle: BinaryIO, value_type: int) -> None:
    if value_type in _SCALARS:
        handle.seek(struct.calcsize(_SCALARS[value_type]), os.SEEK_CUR)
    elif value_type == _STRING:
        handle.seek(_read(handle, "<Q"), os.SEEK_CUR)
    elif value_type == _ARRAY:
        item_type, count = _read(handle, "<I"), _read(handle, "<Q")
        if item_type in _SCALARS:
            handle.seek(count * struct.calcsize(_SCALARS[item_type]), os.SEEK_CUR)
        else:
            for _ in range(count):
                _skip_value(handle, item_type)
    else:
        raise GGUFFormatError(f"unknown GGUF value type {value_type}")


def _read_value(handle: BinaryIO, value_type: int) -> Any:
    if value_type in _SCALARS:
        return _read(handle, _SCALARS[value_type])
    if value_type == _STRING:
        return _read_string(handle)
    if value_type == _ARRAY:
        item_type, count = _read(handle, "<I"), _read(handle, "<Q")
        if count > MAX_ARRAY_ITEMS:
            position = handle.tell()
            handle.seek(position - 12)  # Back to the array's own header, then skip it whole.
            _skip_value(handle, _ARRAY)
            return f"<array of {count}>"
        return [_read_value(handle, item_type) for _ in range(count)]
    raise GGUFFormatError(f"unknown GGUF value type {value_type}")


def read_gguf_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The key-value metadata of the GGUF file at ``path``.

    Raises:
        GGUFFormatError: The file does not start with a GGUF header.
    """
    with open(path, "rb") as handle:
        if handle.read(4) != GGUF_MAGIC:
            raise GGUFFormatError(f"{os.fspath(path)} is not a GGUF file")
        version = _read(handle, "<I")
        if version < 2:
            raise GGUFFormatError(f"GGUF version {version} is not supported")
        _read(handle, "<Q")  # tensor count
        n_keys = _read(handle, "<Q")
        metadata: dict[str, Any] = {"gguf.version": version}
        for _ in range(n_keys):
            key = _read_string(handle)
            metadata[key] = _read_value(handle, _read(handle, "<I"))
    return metadata
