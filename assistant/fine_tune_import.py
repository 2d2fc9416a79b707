"""One entry point for "Import fine-tune…": a GGUF model, a GGUF LoRA, a PEFT adapter folder,
or a full Hugging Face fine-tune (config.json + safetensors).

A PEFT folder is converted into the data folder's adapters/ directory; a full fine-tune is
converted to f16 GGUF and quantized into models/imported/. Files appear there only when
their step finished, and anything a failed or cancelled import wrote is removed, so the
library and the folder stay as they were.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.adapters import AdapterError, AdapterInfo, Cancelled, convert_peft, inspect_gguf_adapter
from assistant.convert.hf_folder import ConversionError
from assistant.convert.hf_to_gguf import convert_hf_folder
from assistant.convert.quantize import DEFAULT_QUANT, STORAGE_CHOICES, quantize
from assistant.gguf_validate import GGUFValidationError, validate_gguf
from assistant.model_library import LibraryError, ModelEntry, ModelLibrary
from assistant.paths import data_dir, models_dir

Progress = Callable[[int, int, str], None]


@dataclass
class ImportResult:
    kind: str  # "model", "adapter", "peft" or "converted"
    model: ModelEntry  # the model added, or the base the adapter was attached to
    adapter: AdapterInfo | None = None
    kept_f16: str = ""  # the intermediate f16 GGUF, when the user asked to keep it

    def describe(self) -> str:
        if self.adapter is None:
            base = f"; it names its base: {self.model.info.base_model}" if self.model.info.base_model else ""
            how = "converted and added model" if self.kind == "converted" else "added model"
            quant = f" ({self.model.info.quantization})" if self.kind == "converted" else ""
            kept = f"; the f16 file is kept at {self.kept_f16}" if self.kept_f16 else ""
            return f"{how} {self.model.id}{quant}{base}{kept}"
        how = "converted PEFT adapter" if self.kind == "peft" else "added adapter"
        a = self.adapter
        return f"{how} {a.name} to {self.model.id} (rank {a.rank}, alpha {a.alpha:g}, {', '.join(a.target_modules)})"


def adapters_dir() -> Path:
    path = data_dir() / "adapters"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _free_name(folder: Path, stem: str) -> Path:
    out, n = folder / f"{stem}.gguf", 2
    while out.exists():
        out, n = folder / f"{stem}-{n}.gguf", n + 1
    return out


def detect_kind(path: Path) -> str:
    if path.is_dir():
        if (path / "adapter_config.json").is_file():
            return "peft"
        if (path / "config.json").is_file():
            return "hf-model"
        raise LibraryError(f"{path.name} is neither a PEFT adapter folder (adapter_config.json) nor a Hugging Face "
                           "model folder (config.json)")
    try:
        summary = validate_gguf(path)
    except (GGUFValidationError, OSError) as exc:
        raise LibraryError(f"{path.name} is not a usable GGUF file: {exc}") from exc
    return "adapter" if summary.file_type == "adapter" else "model"


def imported_models_dir() -> Path:
    path = models_dir() / "imported"
    path.mkdir(parents=True, exist_ok=True)
    return path


def import_hf_model(folder: Path, library: ModelLibrary, quantization: str = DEFAULT_QUANT, keep_f16: bool = False,
                    progress: Progress | None = None, should_stop: Callable[[], bool] | None = None) -> ImportResult:
    """Convert a full fine-tune to GGUF, quantize it, trial-load and register it; nothing is left on failure."""
    if quantization not in STORAGE_CHOICES:
        raise LibraryError(f"unknown quantization {quantization!r} (choose {', '.join(STORAGE_CHOICES)})")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", folder.name).strip("-.") or "model"
    target = imported_models_dir()
    f16 = _free_name(target, f"{stem}-F16")
    final = f16 if quantization == "F16" else _free_name(target, f"{stem}-{quantization}")
    written: list[Path] = []
    try:
        convert_hf_folder(folder, f16, progress, should_stop)
        written.append(f16)
        if final != f16:
            quantize(f16, final, quantization, progress, should_stop)
            written.append(final)
        if progress is not None:
            progress(0, 0, "checking that llama.cpp loads it")
        entry = library.add(final, origin={"source": "converted", "folder": str(folder), "quantization": quantization})
    except BaseException as exc:  # failed, cancelled or interrupted: nothing of it stays
        for p in written:
            p.unlink(missing_ok=True)
        if isinstance(exc, ConversionError):
            raise LibraryError(str(exc)) from exc
        raise
    kept = ""
    if final != f16:
        if keep_f16:
            kept = str(f16)
        else:
            f16.unlink(missing_ok=True)
    return ImportResult("converted", entry, kept_f16=kept)


def import_fine_tune(path: str | Path, library: ModelLibrary, base: str | None = None,
                     progress: Progress | None = None,
                     should_stop: Callable[[], bool] | None = None,
                     quantization: str = DEFAULT_QUANT, keep_f16: bool = False) -> ImportResult:
    """``quantization`` and ``keep_f16`` apply to a full Hugging Face fine-tune only."""
    path = Path(path).expanduser().resolve()
    if not path.exists():
        raise LibraryError(f"{path} does not exist")
    kind = detect_kind(path)
    if kind == "hf-model":
        return import_hf_model(path, library, quantization, keep_f16, progress, should_stop)
    if kind == "model":
        return ImportResult("model", library.add(path))
    entry = library.get(base)  # the default model when no base is named
    try:
        if kind == "adapter":
            inspect_gguf_adapter(path)
            return ImportResult("adapter", entry, library.add_adapter(entry.id, path))
        out = _free_name(adapters_dir(), f"{entry.id}--{path.name}")
        convert_peft(path, entry.path, out, progress, should_stop)
    except AdapterError as exc:
        raise LibraryError(str(exc)) from exc
    except Cancelled:
        raise
    try:
        return ImportResult("peft", entry, library.add_adapter(entry.id, out))
    except LibraryError:
        out.unlink(missing_ok=True)
        raise
