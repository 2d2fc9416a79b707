"""The Models pane's "Model for each task": automatic (the best installed model that writes the languages
involved) or the writer's own pick, for the tasks that depend on a language."""

from __future__ import annotations

import json

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QWidget

from assistant.model_library import ModelLibrary
from assistant.model_routing import entry_languages, parse_choices
from ui.settings import Settings

TASKS = {"translate": "Translate:", "learn": "Learn:", "grammar": "Grammar (model layers):"}
AUTOMATIC = "Automatic: the best model that writes the languages"


class TaskModelsBox(QGroupBox):
    status = Signal(str)

    def __init__(self, library: ModelLibrary, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__("Model for each task", parent)
        self.library = library
        self.settings = settings
        form = QFormLayout(self)
        self.route = QCheckBox("Keep a second model loaded for what the loaded one cannot write")
        self.route.setObjectName("routeModels")
        self.route.setToolTip("Translation and exercises in a language the loaded model does not write run on "
                              "another installed model that does, loaded beside it in the background")
        self.route.setChecked(settings.get("route_models"))
        self.route.toggled.connect(lambda on: settings.set("route_models", on))
        form.addRow(self.route)
        self.combos: dict[str, QComboBox] = {}
        for task, label in TASKS.items():
            combo = QComboBox()
            combo.setObjectName(f"taskModel_{task}")
            combo.currentIndexChanged.connect(lambda _i, t=task: self._chosen(t))
            self.combos[task] = combo
            form.addRow(label, combo)
        self.refresh()

    def refresh(self) -> None:
        """Refill from the library; a chosen model that was removed reads as automatic."""
        choices = parse_choices(self.settings.get("task_models"))
        for task, combo in self.combos.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(AUTOMATIC, "")
            for e in self.library.list():
                ml = entry_languages(e)
                combo.addItem(e.info.name + (f" ({ml.describe('').strip()})"
                                             if ml.codes is not None else ""), e.id)
            combo.setCurrentIndex(max(0, combo.findData(choices.get(task, ""))))
            combo.blockSignals(False)

    def _chosen(self, task: str) -> None:
        choices = parse_choices(self.settings.get("task_models"))
        model_id = self.combos[task].currentData() or ""
        if model_id:
            choices[task] = model_id
        else:
            choices.pop(task, None)
        self.settings.set("task_models", json.dumps(choices))
        self.status.emit(f"{TASKS[task].rstrip(':')} runs on "
                         + (self.combos[task].currentText() if model_id else "the best model for the languages"))
