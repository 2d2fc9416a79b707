"""From a catalog entry or a Hub repo to a model in the library: choose the file, download it, validate
and trial-load it, register it. Shared by the CLI and the window."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

from assistant.hub.catalog import Catalog, CatalogFile, CatalogModel
from assistant.hub.client import Hub, HubError, HubFile
from assistant.hub.download import DownloadError, DownloadRecord, Progress, download
from assistant.model_library import LibraryError, ModelEntry, ModelLibrary

DEFAULT_QUANT = "Q4_K_M"
SPLIT = re.compile(r"-\d{5}-of-\d{5}\.gguf$", re.IGNORECASE)


def installed_files(library: ModelLibrary) -> set[tuple[str, str]]:
    """(repo, file) of every model in the library that came from the Hub: what the catalog marks installed."""
    return {(e.origin.get("repo", ""), e.origin.get("file", "")) for e in library.list()}


def record_for(model: CatalogModel, f: CatalogFile) -> DownloadRecord:
    return DownloadRecord(model.repo_of(f), f.file, f.sha256, f.size, f"{model.name} ({f.quant})", model.id)


def choose_file(files: list[HubFile], quant: str | None) -> HubFile:
    """The single-file GGUF of that quantisation (default Q4_K_M); HubError listing what there is."""
    whole = [f for f in files if not SPLIT.search(f.path) and "mmproj" not in f.path.lower()]
    if not whole:
        raise HubError("The repository has only split (multi-part) or projector GGUF files; the app needs a "
                       "single-file model.")
    wanted = (quant or DEFAULT_QUANT).lower()
    matches = [f for f in whole if wanted in Path(f.path).name.lower()]
    if len(matches) == 1:
        return matches[0]
    if not matches and quant is None and len(whole) == 1:
        return whole[0]
    names = ", ".join(Path(f.path).name for f in whole)
    if not matches:
        raise HubError(f"No {quant or DEFAULT_QUANT} file; choose one with --file: {names}")
    raise HubError(f"Several files match {wanted}; choose one with --file: "
                   + ", ".join(Path(f.path).name for f in matches))


def record_for_repo(repo: str, catalog: Catalog, hub: Hub, filename: str | None = None,
                    quant: str | None = None) -> DownloadRecord:
    """A download record for a Hub repo file, with the catalog's checksum when the catalog lists it."""
    if filename is None:
        filename = choose_file(hub.gguf_files(repo), quant).path
    elif not filename.lower().endswith(".gguf"):
        raise HubError(f"{filename} is not a .gguf file; the app runs GGUF models only.")
    listed = catalog.find_file(repo, filename)
    if listed is not None:
        return record_for(*listed)
    return DownloadRecord(repo, filename, None, 0, Path(filename).stem)


def install(record: DownloadRecord, library: ModelLibrary, report: Callable[[Progress], None],
            stop: threading.Event, hub: Hub | None = None, **download_kw) -> ModelEntry:
    """Download (or resume), check, register. A file the library refuses is deleted with the reason."""
    path = download(record, report, stop, hub, **download_kw)
    report(Progress("checking", 0, 0))
    origin = {"source": "Hugging Face", "repo": record.repo, "file": record.filename}
    if record.catalog_id:
        origin["catalog"] = record.catalog_id
    try:
        return library.add(path, probe=True, name=record.name or None, origin=origin)
    except LibraryError as exc:
        path.unlink(missing_ok=True)
        raise DownloadError(f"{record.filename} was downloaded but cannot be used ({exc}); it was deleted.") from exc
