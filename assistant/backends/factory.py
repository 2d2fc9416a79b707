"""Builds the backend the settings ask for; the engine calls these on its worker thread."""

from __future__ import annotations

from collections.abc import Callable

from assistant.backends.base import Backend
from assistant.model_library import ModelEntry
from assistant.prompting import Strategy

BackendFactory = Callable[[Callable[[float], bool]], Backend]


def local_factory(entry: ModelEntry, n_ctx: int = 4096, n_threads: int | None = None,
                  batch_sequences: int = 0) -> BackendFactory:
    """``batch_sequences``: prompts a document task decodes together (0: chosen for the machine)."""
    def build(progress: Callable[[float], bool]) -> Backend:
        from assistant.backends.local import LocalBackend

        return LocalBackend(entry.path, name=entry.info.name, n_ctx=n_ctx, gpu_layers=entry.gpu_layers,
                            n_threads=n_threads, on_progress=progress, batch_sequences=batch_sequences,
                            languages=entry.declared_languages)

    return build


def remote_factory(url: str, model: str | None = None, api_key: str | None = None,
                   base_model: bool = False, concurrency: int = 4) -> BackendFactory:
    def build(_progress: Callable[[float], bool]) -> Backend:
        from assistant.backends.remote import RemoteBackend

        return RemoteBackend(url, model=model, api_key=api_key,
                             strategy=Strategy.BASE if base_model else Strategy.INSTRUCT, concurrency=concurrency)

    return build
