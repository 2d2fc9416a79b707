"""Runs a pane's job on a model that can do it: the writer's loaded model, or a second one kept loaded
beside it on an engine of its own (one worker per llama.cpp context), loaded in the background.

Which model is the core's choice (assistant.model_routing); this object only holds the second engine,
loads into it without blocking the window, and tells the panes when it is ready.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from assistant.backends.factory import local_factory
from assistant.hub.fit import Machine, this_machine
from assistant.model_library import ModelLibrary
from assistant.model_routing import Route, choose, parse_choices
from ui.engine_bridge import EngineBridge
from ui.settings import Settings


class ModelRouter(QObject):
    ready = Signal(str)  # library id of the model now loaded on the second engine
    failed = Signal(str, str)  # library id, why it did not load
    changed = Signal()  # the second engine's model changed (loaded, unloaded)

    def __init__(self, library: ModelLibrary, settings: Settings, main: EngineBridge,
                 loaded_id: Callable[[], str | None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.settings = settings
        self.main = main
        self._loaded_id = loaded_id
        self.second = EngineBridge(parent=self)
        self.second_id: str | None = None  # the model the second engine holds, once loaded
        self.loading_id: str | None = None
        self._gpu: tuple[str, int] | None = None
        self._closed = False
        self.second.model_loaded.connect(self._loaded)
        self.second.model_failed.connect(self._failed)

    @property
    def enabled(self) -> bool:
        return bool(self.settings.get("route_models"))

    def machine(self) -> Machine:
        """Free memory now (it changes as models load); the GPU's is read once."""
        if self._gpu is None:
            m = this_machine()
            self._gpu = (m.gpu_name, m.free_vram)
            return m
        m = this_machine(with_gpu=False)
        return Machine(m.free_ram, m.total_ram, m.cores, *self._gpu)

    def route(self, task: str, codes: list[str]) -> Route:
        chosen = parse_choices(self.settings.get("task_models")).get(task)
        return choose(self.library.list(), codes, self.main.engine.info, self._loaded_id(), chosen, self._fit_machine(),
                      self.settings.get("context_size"))

    def _fit_machine(self) -> Machine:
        m = self.machine()
        if self.second_id is not None:
            # A model on the second engine would be replaced, so its memory counts as free.
            held = next((e.info.memory_estimate for e in self.library.list() if e.id == self.second_id), 0)
            m = Machine(m.free_ram + held, m.total_ram, m.cores, m.gpu_name, m.free_vram)
        return m

    def bridge_for(self, route: Route) -> EngineBridge | None:
        """The bridge a routed job runs on; None while its model loads (``ready`` follows)."""
        entry = route.entry
        if entry is None:
            return self.main
        if entry.id == self.second_id and self.second.engine.backend is not None and self.loading_id is None:
            return self.second
        if self.loading_id != entry.id and not self._closed:
            self.loading_id = entry.id
            self.second.load(local_factory(entry, n_ctx=self.settings.get("context_size"),
                                           batch_sequences=self.settings.get("batch_sequences")))
        return None

    def model_name(self) -> str | None:
        """The second engine's model, when one is loaded."""
        info = self.second.engine.info
        return info.model_name if info is not None and self.second_id is not None else None

    def main_changed(self, model_id: str | None) -> None:
        """The writer loaded ``model_id``: the same model twice would waste its memory."""
        if model_id is not None and model_id == self.second_id:
            self.unload()

    def unload(self) -> None:
        if self.second_id is not None or self.loading_id is not None:
            self.second_id = self.loading_id = None
            if not self._closed:
                self.second.engine.unload()
            self.changed.emit()

    def _loaded(self, _info: object) -> None:
        if self._closed:
            return
        if self.loading_id is None:  # unloaded while it loaded
            self.second.engine.unload()
            return
        self.second_id, self.loading_id = self.loading_id, None
        self.changed.emit()
        self.ready.emit(self.second_id)

    def _failed(self, message: str) -> None:
        model_id, self.loading_id = self.loading_id or "", None
        self.second_id = None
        self.changed.emit()
        self.failed.emit(model_id, message)

    def shutdown(self, wait: bool = True) -> bool:
        self._closed = True
        return self.second.shutdown(wait)

    def join(self, timeout: float) -> bool:
        return self.second.engine.join(timeout)
