"""A Hugging Face model folder as saved by transformers, Unsloth, axolotl or TRL, read lazily.

Every shard's header is checked against its file (and the shard index against the shards)
before the first byte of weights is read, so a truncated or mismatched download is refused
with the name of the file at fault. Tensors are read one at a time through a memory map, so
converting a model needs about one tensor of extra memory, not a second copy of the model.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.safetensors_io import SafetensorsError, read_header, widen_bf16


class ConversionError(ValueError):
    """The folder cannot be converted; the message says why in one line."""


@dataclass(frozen=True)
class TensorRef:
    file: Path
    dtype: str  # safetensors dtype: F32, F16 or BF16
    shape: tuple[int, ...]
    offset: int  # absolute byte offset of the data in the file
    nbytes: int


FLOAT_TYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "BF16": np.dtype("<u2")}
CHUNK_ELEMENTS = 1 << 22  # widen bf16 in pieces of 16 MB of float32, never a whole tensor at once


def require_free_space(folder: Path, need: int, what: str) -> None:
    free = shutil.disk_usage(folder).free
    if free < need:
        raise ConversionError(f"{what} needs {need / 1e9:.1f} GB free in {folder}; it has {free / 1e9:.1f} GB")


def _json(path: Path, what: str) -> dict:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ConversionError(f"{path.parent.name} has no {path.name}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ConversionError(f"{path.name} is not readable {what} ({exc.__class__.__name__})") from exc
    if not isinstance(data, dict):
        raise ConversionError(f"{path.name} is not a JSON object")
    return data


def read_json(folder: Path, name: str) -> dict | None:
    """An optional JSON file of the folder: None when absent, ConversionError when damaged."""
    path = folder / name
    return _json(path, "JSON") if path.is_file() else None


class HFFolder:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise ConversionError(f"{self.path} is not a folder")
        self.config = _json(self.path / "config.json", "model configuration")
        archs = self.config.get("architectures")
        if not (isinstance(archs, list) and archs and isinstance(archs[0], str)):
            raise ConversionError("config.json does not name the model's architecture (\"architectures\")")
        self.architecture = archs[0]
        text = self.config.get("text_config")
        # A multimodal checkpoint (Gemma 3 4B+) keeps the language model's settings in text_config.
        self.hparams = {**self.config, **text} if isinstance(text, dict) else dict(self.config)
        self.tensors = self._index()

    def _index(self) -> dict[str, TensorRef]:
        index_path = self.path / "model.safetensors.index.json"
        if index_path.is_file():
            weight_map = _json(index_path, "shard index").get("weight_map")
            if not isinstance(weight_map, dict) or not weight_map:
                raise ConversionError("model.safetensors.index.json has no weight_map")
            files = sorted({str(f) for f in weight_map.values()})
            for f in files:
                if Path(f).name != f:
                    raise ConversionError(f"the shard index names a file outside the folder: {f!r}")
        else:
            weight_map = None
            files = sorted(p.name for p in self.path.glob("*.safetensors"))
            if not files:
                raise ConversionError(f"{self.path.name} has no .safetensors weights "
                                      "(.bin checkpoints need torch; save the model with safetensors)")
        tensors: dict[str, TensorRef] = {}
        for name in files:
            file = self.path / name
            if not file.is_file():
                raise ConversionError(f"the shard index lists {name}, which is not in the folder "
                                      "(incomplete download?)")
            try:
                header, start = read_header(file)
            except SafetensorsError as exc:
                raise ConversionError(str(exc)) from exc
            except OSError as exc:
                raise ConversionError(f"cannot read {name}: {exc.strerror or exc}") from exc
            for tname, info in header.items():
                if tname == "__metadata__":
                    continue
                if tname in tensors:
                    raise ConversionError(f"tensor {tname} is stored twice ({tensors[tname].file.name} and {name})")
                if weight_map is not None and weight_map.get(tname) != name:
                    where = weight_map.get(tname)
                    raise ConversionError(f"the shard index does not match the shards: {tname} is in {name} but the "
                                          f"index says {where or 'nothing'}")
                begin, end = info["data_offsets"]
                tensors[tname] = TensorRef(file, info["dtype"], tuple(int(d) for d in info["shape"]),
                                           start + begin, end - begin)
        if weight_map is not None:
            missing = sorted(set(weight_map) - set(tensors))
            if missing:
                raise ConversionError(f"the shard index lists {len(missing)} tensor(s) no shard holds, "
                                      f"e.g. {missing[0]}")
        return tensors

    def raw(self, name: str) -> np.ndarray:
        """The tensor as stored (bf16 as uint16), memory-mapped and read-only."""
        ref = self.tensors[name]
        if ref.dtype not in FLOAT_TYPES:
            raise ConversionError(f"tensor {name} is {ref.dtype}; only F32, F16 and BF16 weights can be converted "
                                  "(a quantized checkpoint, e.g. bitsandbytes, must be merged and saved in 16 bits)")
        count = int(np.prod(ref.shape, dtype=np.int64)) if ref.shape else 1
        return np.memmap(ref.file, dtype=FLOAT_TYPES[ref.dtype], mode="r", offset=ref.offset,
                         shape=(count,)).reshape(ref.shape)

    def read(self, name: str, dtype: np.dtype) -> np.ndarray:
        """The tensor converted to float16 or float32, in its stored (PyTorch) shape."""
        src = self.raw(name)
        # Values beyond f16's range become infinities here; the converter refuses them by name afterwards.
        with np.errstate(over="ignore", invalid="ignore"):
            if self.tensors[name].dtype != "BF16":
                return np.array(src, dtype=dtype)
            out = np.empty(src.shape, dtype=dtype)
            flat_src, flat_out = src.reshape(-1), out.reshape(-1)
            for start in range(0, flat_src.size, CHUNK_ELEMENTS):
                flat_out[start:start + CHUNK_ELEMENTS] = widen_bf16(flat_src[start:start + CHUNK_ELEMENTS])
            return out
