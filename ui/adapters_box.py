"""Adapters of the selected model: import (GGUF LoRA or PEFT folder, converted in the background
with progress and Cancel; a full Hugging Face fine-tune folder becomes a new model), remove,
a scale each, and which panes use them.

Assignments are stored per model in the settings; a pane's jobs carry their adapters and the
engine switches them on the loaded context, without reloading the model.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from assistant.adapters import AdapterInfo, Cancelled
from assistant.convert.quantize import DEFAULT_QUANT
from assistant.fine_tune_import import ImportResult, import_fine_tune
from assistant.model_library import ModelLibrary
from ui.convert_dialog import ConversionOptionsDialog
from ui.settings import Settings
from ui.task_pane import capitalized

PANES = {"complete": "Completion", "grammar": "Grammar", "summary": "Summary", "translate": "Translate",
         "rewrite": "Rewrite"}


def assignments(settings: Settings) -> dict[str, dict[str, list[list]]]:
    try:
        data = json.loads(settings.get("pane_adapters") or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def adapters_for(settings: Settings, model_id: str | None, pane: str) -> tuple[tuple[str, float], ...]:
    """The adapters (path, scale) a pane uses with a model; () for none."""
    if model_id is None:
        return ()
    chosen = assignments(settings).get(model_id, {}).get(pane, [])
    return tuple((str(p), float(s)) for p, s in chosen)


class _ImportSignals(QObject):
    progress = Signal(int, int, str)
    done = Signal(object)
    error = Signal(str)
    cancelled = Signal()


class AdaptersBox(QGroupBox):
    status = Signal(str)
    changed = Signal()  # the adapters changed
    models_changed = Signal()  # an import added a model (a GGUF file, or a converted fine-tune)

    def __init__(self, library: ModelLibrary, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__("Adapters", parent)
        self.setObjectName("adaptersBox")
        self.library = library
        self.settings = settings
        self.model_id: str | None = None
        self._stop: threading.Event | None = None
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("adaptersTable")
        self.table.setHorizontalHeaderLabels(["Adapter", "Rank", "Alpha", "Modules", "Source", "Scale"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.setMaximumHeight(130)
        layout.addWidget(self.table)
        use = QHBoxLayout()
        use.addWidget(QLabel("Use in:"))
        self.pane_boxes: dict[str, QCheckBox] = {}
        for key, label in PANES.items():
            box = QCheckBox(label)
            box.setObjectName(f"adapterUse_{key}")
            box.toggled.connect(lambda on, k=key: self._use_toggled(k, on))
            self.pane_boxes[key] = box
            use.addWidget(box)
        use.addStretch(1)
        layout.addLayout(use)
        row = QHBoxLayout()
        self.import_file_button = QPushButton("Import fine-tune (.gguf)…")
        self.import_folder_button = QPushButton("Import folder (PEFT or full model)…")
        self.remove_button = QPushButton("Remove adapter")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.import_file_button.clicked.connect(self._import_file_dialog)
        self.import_folder_button.clicked.connect(self._import_folder_dialog)
        self.remove_button.clicked.connect(self.remove_selected)
        self.cancel_button.clicked.connect(self.cancel_import)
        for b in (self.import_file_button, self.import_folder_button, self.remove_button, self.cancel_button):
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        self.progress = QProgressBar()
        self.progress.hide()
        layout.addWidget(self.progress)

    # content ---------------------------------------------------------------------------
    def show_model(self, model_id: str | None) -> None:
        self.model_id = model_id
        self.setTitle(f"Adapters of {model_id}" if model_id else "Adapters")
        self.refresh()

    def adapters(self) -> list[AdapterInfo]:
        return self.library.adapters(self.model_id) if self.model_id else []

    def refresh(self) -> None:
        adapters = self.adapters()
        self.table.setRowCount(len(adapters))
        for row, a in enumerate(adapters):
            for col, text in enumerate((a.name, str(a.rank), f"{a.alpha:g}", ", ".join(a.target_modules), a.source)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, a.path)
                item.setToolTip(a.path)
                self.table.setItem(row, col, item)
            scale = QDoubleSpinBox()
            scale.setRange(-4.0, 4.0)
            scale.setSingleStep(0.1)
            scale.setValue(self._scale_of(a.path))
            scale.valueChanged.connect(lambda v, p=a.path: self._scale_changed(p, v))
            self.table.setCellWidget(row, 5, scale)
        if adapters and not self.table.selectedItems():
            self.table.selectRow(0)
        self._selection_changed()

    def selected_path(self) -> str | None:
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _selection_changed(self) -> None:
        path = self.selected_path()
        self.remove_button.setEnabled(path is not None)
        current = assignments(self.settings).get(self.model_id or "", {})
        for key, box in self.pane_boxes.items():
            box.blockSignals(True)
            box.setEnabled(path is not None)
            box.setChecked(path is not None and any(p == path for p, _ in current.get(key, [])))
            box.blockSignals(False)

    # assignments -----------------------------------------------------------------------
    def _save(self, data: dict) -> None:
        self.settings.set("pane_adapters", json.dumps(data))
        self.changed.emit()

    def _scale_of(self, path: str) -> float:
        for chosen in assignments(self.settings).get(self.model_id or "", {}).values():
            for p, s in chosen:
                if p == path:
                    return float(s)
        return 1.0

    def use_in(self, pane: str, path: str, on: bool, scale: float | None = None) -> None:
        if self.model_id is None:
            return
        data = assignments(self.settings)
        chosen = [c for c in data.setdefault(self.model_id, {}).get(pane, []) if c[0] != path]
        if on:
            chosen.append([path, self._scale_of(path) if scale is None else scale])
        data[self.model_id][pane] = chosen
        self._save(data)

    def _use_toggled(self, pane: str, on: bool) -> None:
        path = self.selected_path()
        if path is not None:
            self.use_in(pane, path, on)

    def _scale_changed(self, path: str, value: float) -> None:
        data = assignments(self.settings)
        for chosen in data.get(self.model_id or "", {}).values():
            for c in chosen:
                if c[0] == path:
                    c[1] = value
        self._save(data)

    def remove_selected(self) -> None:
        path = self.selected_path()
        if path is None or self.model_id is None:
            return
        self.library.remove_adapter(self.model_id, path)
        data = assignments(self.settings)
        for pane, chosen in data.get(self.model_id, {}).items():
            data[self.model_id][pane] = [c for c in chosen if c[0] != path]
        self._save(data)
        self.refresh()

    # importing -------------------------------------------------------------------------
    def _import_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a fine-tuned model or LoRA adapter", "",
                                              "GGUF files (*.gguf);;All files (*)")
        if path:
            self.import_path(path)

    def _import_folder_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Import a PEFT adapter or a Hugging Face model folder")
        if path:
            self.import_path(path)

    def import_path(self, path: str, quantization: str | None = None, keep_f16: bool = False) -> None:
        """Import in a background thread; progress and the result come back as signals. A model folder
        to convert asks for its quantization first, unless ``quantization`` is given."""
        if self._stop is not None:
            return
        if quantization is None and Path(path, "config.json").is_file():
            dialog = ConversionOptionsDialog(Path(path), self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            quantization, keep_f16 = dialog.quantization(), dialog.keep_f16()
        stop = threading.Event()
        self._stop = stop
        sig = _ImportSignals(self)
        sig.progress.connect(self._on_progress)
        sig.done.connect(self._imported)
        sig.error.connect(self._failed)
        sig.cancelled.connect(lambda: self._failed("Import cancelled; nothing was written."))
        base = self.model_id

        def work() -> None:
            try:
                result = import_fine_tune(path, self.library, base, sig.progress.emit, stop.is_set,
                                          quantization=quantization or DEFAULT_QUANT, keep_f16=keep_f16)
            except Cancelled:
                sig.cancelled.emit()
            except Exception as exc:  # shown to the user; the library is unchanged
                sig.error.emit(str(exc))
            else:
                sig.done.emit(result)

        for b in (self.import_file_button, self.import_folder_button):
            b.setEnabled(False)
        self.cancel_button.show()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.emit(f"Importing {path}…")
        threading.Thread(target=work, name="fine-tune-import", daemon=True).start()

    def cancel_import(self) -> None:
        if self._stop is not None:
            self._stop.set()

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(message)

    def _end_import(self) -> None:
        self._stop = None
        for b in (self.import_file_button, self.import_folder_button):
            b.setEnabled(True)
        self.cancel_button.hide()
        self.progress.hide()

    def _imported(self, result: ImportResult) -> None:
        self._end_import()
        self.status.emit(capitalized(result.describe()))
        if result.adapter is None:
            self.models_changed.emit()
        else:
            self.changed.emit()
        self.refresh()

    def _failed(self, message: str) -> None:
        self._end_import()
        self.status.emit(message)

    @property
    def importing(self) -> bool:
        return self._stop is not None
