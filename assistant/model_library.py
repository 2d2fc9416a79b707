"""The user's model library: which GGUF files the app knows, their metadata, the default.

Stored as one JSON file in the data folder, written atomically. A file is admitted only
after the strict header validation and a trial load in a throwaway process, because
llama.cpp may abort the whole process on a malformed file.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from assistant.adapters import AdapterError, AdapterInfo, check_against_base
from assistant.atomic import atomic_write_text
from assistant.bundled import bundled_models
from assistant.gguf_validate import GGUFValidationError
from assistant.model_info import ModelInfo, read_model_info
from assistant.paths import data_dir
from assistant.probe import ProbeError, run_probe
from assistant.records import record_from_dict

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
    origin: dict = field(default_factory=dict)  # where it came from: {"source", "repo", "file", "sha256"}
    languages: list[str] | None = None  # the writer's own statement of what it writes; None: not said

    @property
    def declared_languages(self) -> list[str] | None:
        """What the writer, else the GGUF's metadata, says the model writes; None when neither says."""
        return self.languages if self.languages is not None else (self.info.languages or None)

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
            "origin": self.origin,
            "languages": self.languages,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ModelEntry:
        """As stored in the library file; ValueError naming what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("a model entry is not a JSON object")
        entry = record_from_dict(cls, {**data, "info": ModelInfo.from_dict(data.get("info"))})
        if not entry.id:
            raise ValueError("a model entry has an empty id")
        entry.adapters = [AdapterInfo.from_dict(a).to_dict() for a in entry.adapters]
        return entry


def parse_library(raw: bytes) -> tuple[dict[str, ModelEntry], str | None]:
    """The library file's entries and default; ValueError (with the reason) for anything else."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(f"not readable as JSON ({exc.__class__.__name__})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("models", []), list):
        raise ValueError("not a model library (no list of models)")
    default = data.get("default")
    if default is not None and not isinstance(default, str):
        raise ValueError("the default model is not a name")
    entries: dict[str, ModelEntry] = {}
    for item in data.get("models", []):
        entry = ModelEntry.from_dict(item)
        if entry.id in entries:
            raise ValueError(f"model {entry.id!r} is listed twice")
        entries[entry.id] = entry
    return entries, default


def unique_sibling(path: Path, suffix: str) -> Path:
    """``path`` + ``suffix``, or + ``suffix-2``, ``-3``…: a name no existing file has."""
    candidate, n = path.with_name(path.name + suffix), 2
    while candidate.exists() or candidate.is_symlink():
        candidate, n = path.with_name(f"{path.name}{suffix}-{n}"), n + 1
    return candidate


def probe_load(path: Path, timeout: float = PROBE_TIMEOUT_S) -> None:
    """Load the model once in a child process; raise LibraryError if llama.cpp refuses or dies."""
    try:
        run_probe(["model", str(path)], path.name, timeout)
    except ProbeError as exc:
        raise LibraryError(f"{exc}; not added") from exc


def probe_adapter(model: Path, adapter: Path, timeout: float = PROBE_TIMEOUT_S) -> None:
    """Attach the adapter to its base once in a child process, as models are tried before use."""
    try:
        run_probe(["adapter", str(model), str(adapter)], adapter.name, timeout)
    except ProbeError as exc:
        raise LibraryError(f"{exc}; not added") from exc


class ModelLibrary:
    """Thread-safe access to the library file. Bundled models are registered on first use."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or data_dir()
        self.file = self.root / "library.json"
        self._lock = threading.RLock()
        self._entries: dict[str, ModelEntry] = {}
        self._default: str | None = None
        self.load_warning = ""  # shown to the user when the library file had to be set aside
        self._read_only = False
        self._load()
        self._register_bundled()

    # persistence -------------------------------------------------------------------
    def _load(self) -> None:
        if not self.file.exists():
            return
        try:
            self._entries, self._default = parse_library(self.file.read_bytes())
        except (OSError, ValueError) as exc:
            # Keep the damaged file for the user, under a name no later damage can take; start
            # from the bundled models.
            self._entries, self._default = {}, None
            try:
                backup = unique_sibling(self.file, f".damaged-{time.strftime('%Y%m%d-%H%M%S')}")
                os.link(self.file, backup)  # never replaces an existing file
                self.file.unlink()
            except OSError as move_exc:
                self.load_warning = (f"The model library {self.file} is damaged ({exc}) and could not be set aside "
                                     f"({move_exc.strerror or move_exc}); it is left as it is.")
                self._read_only = True
                return
            self.load_warning = f"The model library was damaged ({exc}); it was kept as {backup.name}."

    def _save(self) -> None:
        if self._read_only:
            raise LibraryError(self.load_warning or "the model library cannot be written")
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
        if changed and not self._read_only:
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
    def add(self, path: str | Path, probe: bool = True, name: str | None = None,
            origin: dict | None = None) -> ModelEntry:
        """Validate, trial-load and register the file where it is (never copied). ``name`` replaces the
        file's own title (a cache blob is named by its hash); ``origin`` records where it came from."""
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
            if name:
                info.name = name
            base = re.sub(r"[^a-z0-9._-]+", "-", (name or path.stem).lower()).strip("-") or "model"
            model_id, n = base, 2
            while model_id in self._entries:
                model_id, n = f"{base}-{n}", n + 1
            entry = ModelEntry(model_id, info, origin=dict(origin or {}))
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

    def set_languages(self, model_id: str, codes: list[str] | None) -> None:
        """The languages the writer says this model writes (None: as its metadata or family says)."""
        with self._lock:
            self.get(model_id).languages = codes
            self._save()

    # adapters ----------------------------------------------------------------------
    def adapters(self, model_id: str) -> list[AdapterInfo]:
        return [AdapterInfo.from_dict(a) for a in self.get(model_id).adapters]

    def add_adapter(self, model_id: str, path: str | Path, probe: bool = True) -> AdapterInfo:
        """Register a GGUF LoRA under its base model after checking it against the base."""
        entry = self.get(model_id)
        path = Path(path).expanduser().resolve()
        try:
            info = check_against_base(path, entry.path)
        except AdapterError as exc:
            raise LibraryError(str(exc)) from exc
        if probe:
            probe_adapter(entry.path, path)
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
