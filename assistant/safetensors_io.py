"""A bounded reader (and a small writer) for .safetensors files, with numpy only.

Adapters arrive from other tools and may be truncated or hostile: every length and offset
is checked against the file before anything is read, and the messages name the problem.
bf16 is widened to float32 by hand, since numpy has no bfloat16.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from assistant.atomic import atomic_write_bytes

MAX_HEADER = 100 * 1024 * 1024
_NUMPY = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "F64": np.dtype("<f8")}
_SIZES = {"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}


def widen_bf16(raw: np.ndarray) -> np.ndarray:
    """bf16 values stored as uint16, as float32 (bf16 is the top half of a float32)."""
    return (raw.astype(np.uint32) << 16).view(np.float32)


class SafetensorsError(ValueError):
    """The file is not a readable safetensors file; the message says why."""


def read_header(path: Path) -> tuple[dict, int]:
    """The tensor table and where the data starts."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise SafetensorsError(f"{path.name} is too short to be a safetensors file")
        (n,) = struct.unpack("<Q", head)
        if n > min(MAX_HEADER, size - 8):
            raise SafetensorsError(f"{path.name}: header length {n} runs past the end of the file (truncated?)")
        try:
            header = json.loads(f.read(n))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SafetensorsError(f"{path.name}: the header is not valid JSON") from exc
    if not isinstance(header, dict):
        raise SafetensorsError(f"{path.name}: the header is not a table of tensors")
    data_size = size - 8 - n
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
            count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        except (KeyError, TypeError, ValueError) as exc:
            raise SafetensorsError(f"{path.name}: tensor {name} has a malformed entry") from exc
        if dtype not in _SIZES:
            raise SafetensorsError(f"{path.name}: tensor {name} has unknown type {dtype}")
        if not (0 <= begin <= end <= data_size):
            raise SafetensorsError(f"{path.name}: the data of {name} lies beyond the end of the file (truncated?)")
        if end - begin != count * _SIZES[dtype]:
            raise SafetensorsError(f"{path.name}: tensor {name} has {end - begin} bytes for shape {shape}")
    return header, 8 + n


def read_tensors(path: str | Path) -> dict[str, np.ndarray]:
    """Every floating-point tensor, as float32 arrays in the file's (PyTorch) shape."""
    path = Path(path)
    header, start = read_header(path)
    out: dict[str, np.ndarray] = {}
    with path.open("rb") as f:
        for name, info in header.items():
            if name == "__metadata__":
                continue
            begin, end = info["data_offsets"]
            f.seek(start + begin)
            raw = f.read(end - begin)
            dtype = info["dtype"]
            if dtype == "BF16":
                arr = widen_bf16(np.frombuffer(raw, dtype="<u2"))
            elif dtype in _NUMPY:
                arr = np.frombuffer(raw, dtype=_NUMPY[dtype]).astype(np.float32)
            else:
                raise SafetensorsError(f"{path.name}: tensor {name} is {dtype}, not floating point")
            out[name] = arr.reshape(info["shape"])
    return out


def write_tensors(path: str | Path, tensors: dict[str, np.ndarray], dtype: str = "F32",
                  metadata: dict[str, str] | None = None) -> None:
    """Write tensors as F32, F16 or BF16 (truncated), atomically."""
    header: dict = {"__metadata__": metadata} if metadata else {}
    blobs, offset = [], 0
    for name, arr in tensors.items():
        a = np.ascontiguousarray(arr, dtype=np.float32)
        if dtype == "BF16":
            raw = (a.view(np.uint32) >> 16).astype("<u2").tobytes()
        else:
            raw = a.astype(_NUMPY[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    atomic_write_bytes(path, struct.pack("<Q", len(head)) + head + b"".join(blobs))
