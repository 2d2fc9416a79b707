"""The user's model library: which GGUF files the app knows, their metadata, the default.

Stored as one JSON file in the data folder, written atomically. A file is admitted only
after the strict header validation and a trial load in a throwaway process, because
llama.cpp may abort the whole process on a malformed file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from assistant.adapters import AdapterError, AdapterInfo, check_against_base
from assistant.atomic import atomic_write_text
from assistant.bundled import bundled_models
from assistant.gguf_validate import GGUFValidationError
from assistant.model_info import ModelInfo, read_model_info
from assistant.paths import data_dir

PROBE_TIMEOUT_S = 120


class LibraryError(ValueError):
    """A library operation failed; the message is meant for the user."""


@dataclass
class ModelEntry:
    id: str
    info: ModelInfo
    bundled: bool = False
    gpu_layers: int | None = None  # None = offload all layers that fit
    adapters: list[dict] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return Path(self.info.path)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "info": self.info.to_dict(),
            "bundled": self.bundled,
            "gpu_layers": self.gpu_layers,
            "adapters": self.adapters,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ModelEntry:
        return cls(
            id=data["id"],
            info=ModelInfo.from_dict(data["info"]),
            bundled=bool(data.get("bundled", False)),
            gpu_layers=data.get("gpu_layers"),
            adapters=list(data.get("adapters", [])),
        )


def probe_load(path: Path, timeout: float = PROBE_TIMEOUT_S) -> None:
    """Load the model once in a child process; raise LibraryError if llama.cpp refuses or dies."""
    code = (
        "import sys, llama_cpp\n"
        "llama_cpp.llama_backend_init()\n"
        "p = llama_cpp.llama_model_default_params()\n"
        "p.n_gpu_layers = 0\n"
        "m = llama_cpp.llama_model_load_from_file(sys.argv[1].encode(), p)\n"
        "sys.exit(0 if m else 3)\n"
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, str(path)],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise LibraryError(f"loading {path.name} took longer than {timeout:.0f} s; not added") from exc
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if "error" in ln.lower() or "failed" in ln.lower()]
        detail = lines[-1].strip() if lines else f"exit status {proc.returncode}"
        raise LibraryError(f"llama.cpp cannot load {path.name}: {detail}")


class ModelLibrary:
    """Thread-safe access to the library file. Bundled models are registered on first use."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or data_dir()
        self.file = self.root / "library.json"
        self._lock = threading.RLock()
        self._entries: dict[str, ModelEntry] = {}
        self._default: str | None = None
        self._load()
        self._register_bundled()

    # persistence -------------------------------------------------------------------
    def _load(self) -> None:
        if not self.file.exists():
            return
        try:
            data = json.loads(self.file.read_text("utf-8"))
            self._entries = {e["id"]: ModelEntry.from_dict(e) for e in data.get("models", [])}
            self._default = data.get("default")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # Keep the damaged file for the user; start from the bundled models.
            backup = self.file.with_suffix(".json.damaged")
            self.file.replace(backup)
            self._entries, self._default = {}, None
            self.load_warning = f"The model library was damaged ({exc}); it was moved to {backup.name}."

    def _save(self) -> None:
        data = {"default": self._default, "models": [e.to_dict() for e in self._entries.values()]}
        atomic_write_text(self.file, json.dumps(data, indent=2))

    def _register_bundled(self) -> None:
        changed = False
        for bm in bundled_models():
            if bm.path is None:
                continue
            existing = self._entries.get(bm.key)
            if existing and existing.path == bm.path and bm.path.exists():
                continue
            try:
                info = read_model_info(bm.path)
            except GGUFValidationError:
                continue
            info.name = bm.title
            self._entries[bm.key] = ModelEntry(bm.key, info, bundled=True)
            changed = True
        if self._default not in self._entries:
            self._default = "smollm2-135m-instruct" if "smollm2-135m-instruct" in self._entries else (
                next(iter(self._entries), None))
            changed = True
        if changed:
            self._save()

    # queries -----------------------------------------------------------------------
    def list(self) -> list[ModelEntry]:
        with self._lock:
            return list(self._entries.values())

    def get(self, model_id: str | None = None) -> ModelEntry:
        with self._lock:
            key = model_id or self._default
            if key is None:
                raise LibraryError("no model is installed; add a .gguf file first")
            if key in self._entries:
                return self._entries[key]
            matches = [e for e in self._entries.values() if key in (e.path.name, str(e.path))]
            if matches:
                return matches[0]
            raise LibraryError(f"no model named {key!r} in the library")

    @property
    def default_id(self) -> str | None:
        return self._default

    # changes -----------------------------------------------------------------------
    def add(self, path: str | Path, probe: bool = True) -> ModelEntry:
        path = Path(path).expanduser().resolve()
        if not path.exists():
            raise LibraryError(f"{path} does not exist")
        try:
            info = read_model_info(path)
        except GGUFValidationError as exc:
            raise LibraryError(f"{path.name} is not a usable GGUF model: {exc}") from exc
        if info.kind != "model":
            raise LibraryError(f"{path.name} is a LoRA adapter, not a model; import it as an adapter")
        if probe:
            probe_load(path)
        with self._lock:
            for entry in self._entries.values():
                if entry.path == path:
                    return entry
            base = path.stem.lower().replace(" ", "-")
            model_id, n = base, 2
            while model_id in self._entries:
                model_id, n = f"{base}-{n}", n + 1
            entry = ModelEntry(model_id, info)
            self._entries[model_id] = entry
            if self._default is None:
                self._default = model_id
            self._save()
            return entry

    def remove(self, model_id: str) -> None:
        with self._lock:
            entry = self.get(model_id)
            del self._entries[entry.id]
            if self._default == entry.id:
                self._default = next(iter(self._entries), None)
            self._save()

    def set_default(self, model_id: str) -> None:
        with self._lock:
            self._default = self.get(model_id).id
            self._save()

    def set_gpu_layers(self, model_id: str, layers: int | None) -> None:
        with self._lock:
            self.get(model_id).gpu_layers = layers
            self._save()

    # adapters ----------------------------------------------------------------------
    def adapters(self, model_id: str) -> list[AdapterInfo]:
        return [AdapterInfo.from_dict(a) for a in self.get(model_id).adapters]

    def add_adapter(self, model_id: str, path: str | Path) -> AdapterInfo:
        """Register a GGUF LoRA under its base model after checking it against the base."""
        entry = self.get(model_id)
        path = Path(path).expanduser().resolve()
        try:
            info = check_against_base(path, entry.path)
        except AdapterError as exc:
            raise LibraryError(str(exc)) from exc
        with self._lock:
            entry.adapters = [a for a in entry.adapters if a["path"] != str(path)] + [info.to_dict()]
            self._save()
        return info

    def remove_adapter(self, model_id: str, path: str | Path) -> None:
        with self._lock:
            entry = self.get(model_id)
            before = len(entry.adapters)
            entry.adapters = [a for a in entry.adapters if a["path"] != str(path)]
            if len(entry.adapters) == before:
                raise LibraryError(f"{Path(path).name} is not an adapter of {entry.id}")
            self._save()
