"""The curated catalog of downloadable models (resources/model_catalog.json), read strictly: a damaged
catalog must never stop the app; it is reported and the installed models stay usable."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from assistant.hub.client import SHA256
from assistant.paths import resource
from assistant.records import record_from_dict

REPO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class CatalogFile:
    quant: str
    file: str
    size: int
    sha256: str | None = None
    repo: str = ""  # empty: the model's repo


@dataclass
class CatalogModel:
    id: str
    name: str
    repo: str
    parameters: str
    context: int
    kv_bytes_per_token: int
    languages: list[str]
    license: str
    files: list[CatalogFile] = field(default_factory=list)

    def file_for(self, quant: str | None = None) -> CatalogFile:
        """The file of that quantisation (case-insensitive), or the first one listed."""
        if quant is None:
            return self.files[0]
        for f in self.files:
            if f.quant.lower() == quant.lower():
                return f
        raise KeyError(f"{self.name} has no {quant} file; it has {', '.join(f.quant for f in self.files)}")

    def repo_of(self, f: CatalogFile) -> str:
        return f.repo or self.repo


@dataclass
class Catalog:
    models: list[CatalogModel]
    error: str = ""  # why the catalog could not be read; the app goes on without it

    def get(self, model_id: str) -> CatalogModel:
        for m in self.models:
            if m.id == model_id:
                return m
        raise KeyError(f"no model {model_id!r} in the catalog")

    def find_file(self, repo: str, filename: str) -> tuple[CatalogModel, CatalogFile] | None:
        """The catalog's entry for a repo file, so a download by repo still gets the published checksum."""
        for m in self.models:
            for f in m.files:
                if m.repo_of(f).lower() == repo.lower() and f.file == filename:
                    return m, f
        return None


def _model(data: object) -> CatalogModel:
    if not isinstance(data, dict):
        raise ValueError("a catalog entry is not a JSON object")
    files = data.get("files")
    if not isinstance(files, list) or not files:
        raise ValueError(f"catalog entry {data.get('id')!r} lists no files")
    model = record_from_dict(CatalogModel, {**data, "files": [record_from_dict(CatalogFile, f) for f in files]})
    if not REPO_ID.fullmatch(model.repo) or any(f.repo and not REPO_ID.fullmatch(f.repo) for f in model.files):
        raise ValueError(f"catalog entry {model.id!r} names a repository that is not owner/name")
    for f in model.files:
        if f.sha256 is not None and not SHA256.fullmatch(f.sha256):
            raise ValueError(f"catalog entry {model.id!r}: {f.file} has a malformed sha256")
        if "/" in f.file or "\\" in f.file or not f.file.endswith(".gguf") or f.size <= 0:
            raise ValueError(f"catalog entry {model.id!r}: {f.file!r} is not a plain .gguf file name with a size")
    if model.context <= 0 or model.kv_bytes_per_token <= 0:
        raise ValueError(f"catalog entry {model.id!r} has no positive context or KV size")
    return model


def parse_catalog(raw: bytes) -> list[CatalogModel]:
    """The catalog's models; ValueError with the reason for anything malformed."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(f"not readable as JSON ({exc.__class__.__name__})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise ValueError("no list of models")
    models = [_model(m) for m in data["models"]]
    ids = [m.id for m in models]
    if len(set(ids)) != len(ids):
        raise ValueError("a model id is listed twice")
    return models


def load_catalog(path: Path | None = None) -> Catalog:
    path = path or resource("model_catalog.json")
    try:
        return Catalog(parse_catalog(path.read_bytes()))
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Catalog([], f"The model catalog is unreadable ({reason}); installed models still work.")
