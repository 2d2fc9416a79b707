"""One entry point for "Import fine-tune…": a GGUF model, a GGUF LoRA, or a PEFT adapter folder.

A PEFT folder is converted into the data folder's adapters/ directory; the file appears
there only when the conversion finished (see assistant.adapters.convert_peft), so a failed
or cancelled import leaves the library and the folder as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.adapters import AdapterError, AdapterInfo, Cancelled, convert_peft, inspect_gguf_adapter
from assistant.gguf_validate import GGUFValidationError, validate_gguf
from assistant.model_library import LibraryError, ModelEntry, ModelLibrary
from assistant.paths import data_dir


@dataclass
class ImportResult:
    kind: str  # "model", "adapter" or "peft"
    model: ModelEntry  # the model added, or the base the adapter was attached to
    adapter: AdapterInfo | None = None

    def describe(self) -> str:
        if self.adapter is None:
            base = f"; it names its base: {self.model.info.base_model}" if self.model.info.base_model else ""
            return f"added model {self.model.id}{base}"
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
        if (path / "config.json").is_file() and any(path.glob("*.safetensors")):
            return "hf-model"
        raise LibraryError(f"{path.name} is neither a PEFT adapter folder (adapter_config.json) nor a GGUF file")
    try:
        summary = validate_gguf(path)
    except (GGUFValidationError, OSError) as exc:
        raise LibraryError(f"{path.name} is not a usable GGUF file: {exc}") from exc
    return "adapter" if summary.file_type == "adapter" else "model"


def import_fine_tune(path: str | Path, library: ModelLibrary, base: str | None = None,
                     progress: Callable[[int, int, str], None] | None = None,
                     should_stop: Callable[[], bool] | None = None) -> ImportResult:
    path = Path(path).expanduser().resolve()
    if not path.exists():
        raise LibraryError(f"{path} does not exist")
    kind = detect_kind(path)
    if kind == "hf-model":
        raise LibraryError("full Hugging Face fine-tunes (config.json + safetensors) cannot be converted yet; "
                           "convert them with llama.cpp's convert_hf_to_gguf.py and import the .gguf")
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
