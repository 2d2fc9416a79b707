"""GGUF models that other local tools already downloaded: the Hugging Face cache, LM Studio, GPT4All
and Ollama. Found files are offered to be added in place (no copy); the library validates and
trial-loads each one as it does any other file. Unreadable folders and symlink loops are skipped."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_DEPTH = 6
OLLAMA_MODEL_LAYER = "application/vnd.ollama.image.model"


@dataclass(frozen=True)
class FoundModel:
    path: Path  # the file to register (for the caches: the blob it resolves to)
    name: str
    source: str
    size: int


def _home() -> Path:
    return Path(os.path.expanduser("~"))


def default_locations() -> list[tuple[str, Path]]:
    """Where each tool keeps its models on this platform, environment overrides first."""
    home = _home()
    hf_home = Path(os.environ.get("HF_HOME") or home / ".cache" / "huggingface")
    hf = Path(os.environ.get("HF_HUB_CACHE") or hf_home / "hub")
    if sys.platform == "darwin":
        gpt4all = home / "Library" / "Application Support" / "nomic.ai" / "GPT4All"
    elif sys.platform == "win32":
        gpt4all = Path(os.environ.get("LOCALAPPDATA", home)) / "nomic.ai" / "GPT4All"
    else:
        gpt4all = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "nomic.ai" / "GPT4All"
    ollama = [Path(os.environ["OLLAMA_MODELS"])] if os.environ.get("OLLAMA_MODELS") else [
        home / ".ollama" / "models", Path("/usr/share/ollama/.ollama/models")]
    return [("Hugging Face cache", hf), ("LM Studio", home / ".lmstudio" / "models"),
            ("LM Studio", home / ".cache" / "lm-studio" / "models"), ("GPT4All", gpt4all),
            *[("Ollama", p) for p in ollama]]


def _walk_gguf(root: Path) -> Iterator[Path]:
    """*.gguf under root, not following directory links (loops), skipping what cannot be read."""
    root_depth = len(root.parts)
    for folder, dirs, files in os.walk(root, onerror=lambda _e: None, followlinks=False):
        if len(Path(folder).parts) - root_depth >= MAX_DEPTH:
            dirs[:] = []
        for name in files:
            if name.lower().endswith(".gguf") and not name.lower().startswith("mmproj"):
                yield Path(folder) / name


def _resolved_file(path: Path) -> Path | None:
    try:
        real = path.resolve(strict=True)
        return real if real.is_file() else None
    except (OSError, RuntimeError):  # dangling link, loop, no permission
        return None


def _scan_files(source: str, root: Path) -> Iterator[FoundModel]:
    for path in _walk_gguf(root):
        real = _resolved_file(path)
        if real is None:
            continue
        if source == "Hugging Face cache":
            # models--owner--name/snapshots/<commit>/file.gguf -> "owner/name: file.gguf"
            repo = next((p for p in path.parts if p.startswith("models--")), "")
            name = f"{repo[len('models--'):].replace('--', '/')}: {path.name}" if repo else path.name
        else:
            name = path.name
        yield FoundModel(real, name, source, real.stat().st_size)


def _scan_ollama(root: Path) -> Iterator[FoundModel]:
    """Ollama keeps blobs by digest; a manifest per name:tag says which blob is the GGUF model."""
    manifests = root / "manifests"
    for folder, _dirs, files in os.walk(manifests, onerror=lambda _e: None, followlinks=False):
        for tag in files:
            manifest = Path(folder) / tag
            try:
                data = json.loads(manifest.read_text(encoding="utf-8"))
                layer = next(x for x in data.get("layers", []) if x.get("mediaType") == OLLAMA_MODEL_LAYER)
                digest = str(layer["digest"]).replace(":", "-")
            except (OSError, ValueError, StopIteration, KeyError, TypeError, AttributeError):
                continue
            if "/" in digest or "\\" in digest:
                continue
            blob = _resolved_file(root / "blobs" / digest)
            if blob is None:
                continue
            try:
                with open(blob, "rb") as f:
                    if f.read(4) != b"GGUF":
                        continue
            except OSError:
                continue
            parts = manifest.relative_to(manifests).parts  # registry/namespace/model/tag
            model = parts[-2] if len(parts) >= 2 else "model"
            namespace = parts[-3] if len(parts) >= 3 and parts[-3] != "library" else ""
            name = f"{namespace + '/' if namespace else ''}{model}:{tag}"
            yield FoundModel(blob, name, "Ollama", blob.stat().st_size)


def scan(locations: list[tuple[str, Path]] | None = None, known: set[Path] | None = None) -> list[FoundModel]:
    """Every GGUF model found, once each (by real path), leaving out files in ``known``."""
    seen = {p.resolve() for p in known or set()}
    found: list[FoundModel] = []
    for source, root in locations if locations is not None else default_locations():
        if not root.is_dir():
            continue
        items = _scan_ollama(root) if source == "Ollama" else _scan_files(source, root)
        for item in items:
            if item.path not in seen:
                seen.add(item.path)
                found.append(item)
    return found
