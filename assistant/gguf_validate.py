"""Strict, bounded validation of a GGUF file before llama.cpp sees it.

llama.cpp trusts the header: a hostile count or string length can make it allocate
gigabytes or abort the whole process. This parser walks the header over a read-only
mmap with every length checked against the file's size and against sane limits, and
checks that every tensor's data lies inside the file. It never allocates in proportion
to a number read from the file.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path

from gguf import GGML_QUANT_SIZES, GGMLQuantizationType

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
MAX_TENSORS = 200_000
MAX_KV = 100_000
MAX_STRING = 16 * 1024 * 1024
MAX_KEY = 65_535
MAX_ARRAY = 50_000_000
MAX_DIMS = 4
DEFAULT_ALIGNMENT = 32

# value type id -> (struct format, size) for fixed-size scalars
_SCALARS: dict[int, tuple[str, int]] = {
    0: ("<B", 1), 1: ("<b", 1), 2: ("<H", 2), 3: ("<h", 2), 4: ("<I", 4), 5: ("<i", 4),
    6: ("<f", 4), 7: ("<?", 1), 10: ("<Q", 8), 11: ("<q", 8), 12: ("<d", 8),
}
_STRING = 8
_ARRAY = 9


class GGUFValidationError(ValueError):
    """The file is not a GGUF model llama.cpp can safely load; the message says why."""


@dataclass
class GGUFSummary:
    version: int
    tensor_count: int
    kv_count: int
    file_size: int
    data_offset: int
    scalars: dict[str, object] = field(default_factory=dict)
    array_lengths: dict[str, int] = field(default_factory=dict)
    tensor_names: list[str] = field(default_factory=list)
    tensor_shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    tensor_types: dict[str, int] = field(default_factory=dict)

    @property
    def file_type(self) -> str:
        return str(self.scalars.get("general.type", "model"))


class _Reader:
    def __init__(self, buf: mmap.mmap | bytes, size: int) -> None:
        self.buf = buf
        self.size = size
        self.pos = 0

    def need(self, n: int, what: str) -> None:
        if n < 0 or self.pos + n > self.size:
            raise GGUFValidationError(
                f"file is truncated: {what} needs {n} bytes at offset {self.pos}, file has {self.size}"
            )

    def unpack(self, fmt: str, size: int, what: str):
        self.need(size, what)
        (value,) = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return value

    def u32(self, what: str) -> int:
        return self.unpack("<I", 4, what)

    def u64(self, what: str) -> int:
        return self.unpack("<Q", 8, what)

    def string(self, what: str, limit: int = MAX_STRING, keep: bool = True) -> str:
        length = self.u64(f"length of {what}")
        if length > limit:
            raise GGUFValidationError(f"{what} claims {length} bytes, more than the limit of {limit}")
        self.need(length, what)
        raw = bytes(self.buf[self.pos : self.pos + length]) if keep else b""
        self.pos += length
        if not keep:
            return ""
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise GGUFValidationError(f"{what} is not valid UTF-8") from exc

    def skip(self, n: int, what: str) -> None:
        self.need(n, what)
        self.pos += n


def _read_value(r: _Reader, vtype: int, key: str, summary: GGUFSummary) -> None:
    if vtype in _SCALARS:
        fmt, size = _SCALARS[vtype]
        summary.scalars[key] = r.unpack(fmt, size, f"value of {key}")
    elif vtype == _STRING:
        summary.scalars[key] = r.string(f"value of {key}")
    elif vtype == _ARRAY:
        etype = r.u32(f"element type of {key}")
        count = r.u64(f"length of {key}")
        if count > MAX_ARRAY:
            raise GGUFValidationError(f"array {key} claims {count} elements, more than {MAX_ARRAY}")
        summary.array_lengths[key] = count
        if etype in _SCALARS:
            r.skip(count * _SCALARS[etype][1], f"array {key}")
        elif etype == _STRING:
            for _ in range(count):
                r.string(f"element of {key}", keep=False)
        else:
            # Nested arrays are legal in the spec but no model uses them; refusing is safer.
            raise GGUFValidationError(f"array {key} has unsupported element type {etype}")
    else:
        raise GGUFValidationError(f"key {key} has unknown value type {vtype}")


def _tensor_nbytes(name: str, dims: tuple[int, ...], ttype: int) -> int:
    try:
        qtype = GGMLQuantizationType(ttype)
        block, type_size = GGML_QUANT_SIZES[qtype]
    except (ValueError, KeyError) as exc:
        raise GGUFValidationError(f"tensor {name} has unknown type {ttype}") from exc
    if dims[0] % block:
        raise GGUFValidationError(f"tensor {name}: first dimension {dims[0]} is not a multiple of {block}")
    n = 1
    for d in dims:
        n *= d
    return n // block * type_size


def validate_gguf(path: str | Path) -> GGUFSummary:
    """Validate ``path``; return what was read, or raise GGUFValidationError with the reason."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise GGUFValidationError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not path.is_file():
        raise GGUFValidationError(f"{path} is not a file")
    if size < 24:
        raise GGUFValidationError(f"file is too small to be GGUF ({size} bytes)")
    try:
        with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _validate(_Reader(buf, size))
    except OSError as exc:
        raise GGUFValidationError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _validate(r: _Reader) -> GGUFSummary:
    if bytes(r.buf[0:4]) != GGUF_MAGIC:
        raise GGUFValidationError("not a GGUF file (wrong magic bytes)")
    r.pos = 4
    version = r.u32("version")
    if version not in SUPPORTED_VERSIONS:
        raise GGUFValidationError(f"unsupported GGUF version {version} (supported: 2, 3)")
    n_tensors = r.u64("tensor count")
    n_kv = r.u64("metadata count")
    if n_tensors > MAX_TENSORS:
        raise GGUFValidationError(f"absurd tensor count {n_tensors}")
    if n_kv > MAX_KV:
        raise GGUFValidationError(f"absurd metadata count {n_kv}")
    summary = GGUFSummary(version, n_tensors, n_kv, r.size, 0)
    for i in range(n_kv):
        key = r.string(f"key #{i}", limit=MAX_KEY)
        if key in summary.scalars or key in summary.array_lengths:
            raise GGUFValidationError(f"duplicate metadata key {key}")
        _read_value(r, r.u32(f"type of {key}"), key, summary)
    alignment = summary.scalars.get("general.alignment", DEFAULT_ALIGNMENT)
    if not isinstance(alignment, int) or alignment <= 0 or alignment & (alignment - 1) or alignment > 1 << 20:
        raise GGUFValidationError(f"invalid alignment {alignment!r}")
    extents: list[tuple[str, int, int]] = []
    for i in range(n_tensors):
        name = r.string(f"tensor name #{i}", limit=4096)
        if name in summary.tensor_shapes:
            raise GGUFValidationError(f"duplicate tensor {name}")
        n_dims = r.u32(f"dimension count of {name}")
        if not 1 <= n_dims <= MAX_DIMS:
            raise GGUFValidationError(f"tensor {name} has {n_dims} dimensions")
        dims = tuple(r.u64(f"dimension of {name}") for _ in range(n_dims))
        if any(d == 0 or d > 1 << 40 for d in dims):
            raise GGUFValidationError(f"tensor {name} has invalid shape {dims}")
        ttype = r.u32(f"type of {name}")
        offset = r.u64(f"offset of {name}")
        if offset % alignment:
            raise GGUFValidationError(f"tensor {name} data is misaligned")
        extents.append((name, offset, _tensor_nbytes(name, dims, ttype)))
        summary.tensor_names.append(name)
        summary.tensor_shapes[name] = dims
        summary.tensor_types[name] = ttype
    data_offset = (r.pos + alignment - 1) // alignment * alignment
    summary.data_offset = data_offset
    available = r.size - data_offset
    for name, offset, nbytes in extents:
        if offset + nbytes > available:
            raise GGUFValidationError(
                f"tensor {name} data lies beyond the end of the file (file truncated?)"
            )
    if summary.file_type == "model":
        if n_tensors == 0:
            raise GGUFValidationError("model file has no tensors")
        if "general.architecture" not in summary.scalars:
            raise GGUFValidationError("model file does not name its architecture")
    return summary
