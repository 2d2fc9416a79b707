"""Metadata of a GGUF model or adapter, read with the ``gguf`` package after validation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from gguf import GGUFReader, GGUFValueType, LlamaFileType

from assistant.gguf_validate import validate_gguf
from assistant.records import record_from_dict

KV_ESTIMATE_TOKENS = 4096  # memory_estimate counts a KV cache of at most this many tokens
RUNTIME_ESTIMATE_BYTES = 64 * 1024 * 1024


@dataclass
class ModelInfo:
    path: str
    name: str
    kind: str  # "model" or "adapter"
    architecture: str
    size_label: str
    parameter_count: int
    quantization: str
    context_length: int
    has_chat_template: bool
    file_size: int
    memory_estimate: int  # bytes for weights + a KV cache of min(context_length, 4096) tokens
    block_count: int
    embedding_length: int
    vocab_size: int
    base_model: str
    languages: list[str] = field(default_factory=list)  # general.languages, as the model's card declares them

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def kv_bytes_per_token(self) -> int:
        """The KV cache's bytes per token of context (f16 K and V), as memory_estimate counted it."""
        kv = self.memory_estimate - self.file_size - RUNTIME_ESTIMATE_BYTES
        return max(0, kv) // min(self.context_length or KV_ESTIMATE_TOKENS, KV_ESTIMATE_TOKENS)

    @classmethod
    def from_dict(cls, data: dict) -> ModelInfo:
        """As stored in the library file; ValueError when a field is missing or of the wrong type."""
        return record_from_dict(cls, data)


def kv_bytes_per_token(n_layer: int, n_head_kv: int, head_dim: int) -> int:
    """Bytes one token takes in the KV cache: K and V, f16, in every layer."""
    return 2 * n_layer * n_head_kv * head_dim * 2


def _field_value(reader: GGUFReader, key: str):
    field = reader.get_field(key)
    if field is None or not field.types:
        return None
    if field.types[0] == GGUFValueType.STRING:
        return bytes(field.parts[field.data[0]]).decode("utf-8", errors="replace")
    if field.types[0] == GGUFValueType.ARRAY:
        return len(field.data)
    value = field.parts[field.data[0]]
    return value.item() if isinstance(value, np.ndarray) else value


def _quant_name(file_type: int | None) -> str:
    if file_type is None:
        return "unknown"
    try:
        name = LlamaFileType(file_type).name
    except ValueError:
        return f"type {file_type}"
    return name.removeprefix("MOSTLY_").removeprefix("ALL_")


def human_count(n: int) -> str:
    for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= scale:
            return f"{n / scale:.0f}{unit}" if n / scale >= 10 else f"{n / scale:.1f}{unit}"
    return str(n)


def read_model_info(path: str | Path) -> ModelInfo:
    """Validate then read metadata; raises GGUFValidationError for a bad file."""
    path = Path(path)
    summary = validate_gguf(path)
    reader = GGUFReader(str(path), "r")
    arch = _field_value(reader, "general.architecture") or "unknown"
    kind = "adapter" if (_field_value(reader, "general.type") or "model") == "adapter" else "model"
    params = int(sum(int(np.prod(t.shape)) for t in reader.tensors))

    def arch_int(key: str) -> int:
        value = _field_value(reader, f"{arch}.{key}")
        return int(value) if isinstance(value, (int, float, np.integer)) else 0

    n_ctx = arch_int("context_length")
    n_layer = arch_int("block_count")
    n_embd = arch_int("embedding_length")
    n_head = arch_int("attention.head_count") or 1
    n_head_kv = arch_int("attention.head_count_kv") or n_head
    head_dim = arch_int("attention.key_length") or (n_embd // n_head if n_head else 0)
    kv_tokens = min(n_ctx or KV_ESTIMATE_TOKENS, KV_ESTIMATE_TOKENS)
    kv_bytes = kv_bytes_per_token(n_layer, n_head_kv, head_dim) * kv_tokens
    name = _field_value(reader, "general.name") or path.stem
    base = _field_value(reader, "general.base_model.0.name") or _field_value(reader, "adapter.base_model") or ""
    return ModelInfo(
        path=str(path),
        name=str(name),
        kind=kind,
        architecture=str(arch),
        size_label=str(_field_value(reader, "general.size_label") or human_count(params)),
        parameter_count=params,
        quantization=_quant_name(_field_value(reader, "general.file_type")),
        context_length=n_ctx,
        has_chat_template=reader.get_field("tokenizer.chat_template") is not None,
        file_size=summary.file_size,
        memory_estimate=summary.file_size + kv_bytes + RUNTIME_ESTIMATE_BYTES,
        block_count=n_layer,
        embedding_length=n_embd,
        vocab_size=int(_field_value(reader, "tokenizer.ggml.tokens") or 0),
        base_model=str(base),
        languages=_languages(reader),
    )


def _languages(reader: GGUFReader) -> list[str]:
    """general.languages (ISO codes from the model card, written by llama.cpp's converter), if any."""
    f = reader.get_field("general.languages")
    if f is None or not f.types or f.types[0] != GGUFValueType.ARRAY:
        return []
    out = []
    for i in f.data:
        try:
            out.append(bytes(f.parts[i]).decode("utf-8").strip().lower())
        except (UnicodeDecodeError, IndexError):
            continue
    return [c for c in out if c][:200]
