"""The Models pane: the library with its metadata, adding and removing models, GPU layers, the backend."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from assistant.languages import languages
from assistant.model_languages import model_languages
from assistant.model_library import ModelEntry, ModelLibrary
from ui.adapters_box import AdaptersBox
from ui.background import run_in_background
from ui.download_controller import DownloadController
from ui.settings import Settings
from ui.task_models_box import TaskModelsBox

COLUMNS = ("Model", "Architecture", "Size", "Quant", "Context", "Prompting", "File", "Memory")


def _mb(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


class ModelsPane(QWidget):
    load_requested = Signal(object)  # ModelEntry
    remote_requested = Signal()
    status = Signal(str)

    def __init__(self, library: ModelLibrary, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.settings = settings
        self.setObjectName("modelsPane")
        layout = QVBoxLayout(self)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _i: self._load_selected())
        self.table.setMaximumHeight(190)  # room below for the selected model's adapters
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add model…")
        self.remove_button = QPushButton("Remove")
        self.default_button = QPushButton("Make default")
        self.load_button = QPushButton("Load")
        for b in (self.add_button, self.remove_button, self.default_button, self.load_button):
            buttons.addWidget(b)
        get = QHBoxLayout()
        self.get_button = QPushButton("Get models…")
        self.get_button.setToolTip("Download a model from the catalog or the Hugging Face Hub")
        self.scan_button = QPushButton("Scan for models…")
        self.scan_button.setToolTip("Find models that LM Studio, Ollama, GPT4All or the Hugging Face cache "
                                    "already downloaded")
        self.get_button.clicked.connect(self.open_get_models)
        self.scan_button.clicked.connect(self.open_scan)
        get.addWidget(self.get_button)
        get.addWidget(self.scan_button)
        get.addStretch(1)
        self.downloads = DownloadController(library, self)
        self.downloads.finished.connect(self._downloaded)
        self.downloads.failed.connect(lambda _k, msg: self.status.emit(msg))
        self.get_dialog = None
        self.add_button.clicked.connect(self._add_dialog)
        self.remove_button.clicked.connect(self._remove_selected)
        self.default_button.clicked.connect(self._default_selected)
        self.load_button.clicked.connect(self._load_selected)
        layout.addLayout(buttons)
        layout.addLayout(get)

        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)
        self.adapters_box = AdaptersBox(library, settings)
        self.adapters_box.status.connect(self.status.emit)
        self.adapters_box.models_changed.connect(self.refresh)
        layout.addWidget(self.adapters_box)

        gpu = QHBoxLayout()
        gpu.addWidget(QLabel("GPU layers:"))
        self.gpu_layers = QSpinBox()
        self.gpu_layers.setRange(-1, 999)
        self.gpu_layers.setSpecialValueText("all that fit")
        self.gpu_layers.setToolTip("Layers to offload to the GPU for this model; used on the next load")
        self.gpu_layers.valueChanged.connect(self._gpu_layers_changed)
        gpu.addWidget(self.gpu_layers)
        gpu.addStretch(1)
        layout.addLayout(gpu)

        writes = QHBoxLayout()
        writes.addWidget(QLabel("Writes:"))
        self.writes = QLineEdit()
        self.writes.setObjectName("modelLanguages")
        self.writes.setToolTip("The languages this model writes well, as codes (en, fr, de…). Translation and "
                               "the Learn pane use it only for these. Empty: as its metadata or family says.")
        self.writes.editingFinished.connect(self._languages_changed)
        writes.addWidget(self.writes, 1)
        layout.addLayout(writes)

        self.task_models = TaskModelsBox(library, settings)
        self.task_models.status.connect(self.status.emit)
        layout.addWidget(self.task_models)

        remote = QGroupBox("Server (optional)")
        form = QFormLayout(remote)
        self.use_server = QCheckBox("Use an OpenAI-compatible server instead of the local model")
        self.server_url = QLineEdit(settings.get("server_url"))
        self.server_url.setPlaceholderText("http://127.0.0.1:8080")
        self.server_model = QLineEdit(settings.get("server_model"))
        self.server_model.setPlaceholderText("server's first model")
        self.server_base = QCheckBox("The server's model is a base model (few-shot prompts)")
        self.server_base.setChecked(settings.get("server_is_base_model"))
        self.use_server.setChecked(settings.get("backend") == "remote")
        connect = QPushButton("Connect")
        connect.clicked.connect(self._connect_remote)
        form.addRow(self.use_server)
        form.addRow("URL:", self.server_url)
        form.addRow("Model:", self.server_model)
        form.addRow(self.server_base)
        form.addRow(connect)
        self.use_server.toggled.connect(self._backend_toggled)
        layout.addWidget(remote)
        self.refresh()

    # list ---------------------------------------------------------------------------
    def refresh(self) -> None:
        entries = self.library.list()
        self.table.setRowCount(len(entries))
        for row, e in enumerate(entries):
            i = e.info
            name = ("★ " if e.id == self.library.default_id else "") + i.name
            cells = (name, i.architecture, i.size_label, i.quantization, f"{i.context_length:,}",
                     "chat template" if i.has_chat_template else "few-shot", _mb(i.file_size), _mb(i.memory_estimate))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, e.id)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.task_models.refresh()
        if entries and not self.table.selectedItems():
            self.table.selectRow(0)
        self._selection_changed()

    def selected(self) -> ModelEntry | None:
        items = self.table.selectedItems()
        if not items:
            return None
        return self.library.get(items[0].data(Qt.ItemDataRole.UserRole))

    def _selection_changed(self) -> None:
        e = self.selected()
        for b in (self.remove_button, self.default_button, self.load_button):
            b.setEnabled(e is not None)
        self.gpu_layers.setEnabled(e is not None)
        self.writes.setEnabled(e is not None)
        self.adapters_box.show_model(e.id if e is not None else None)
        if e is None:
            self.details.setText("No model selected.")
            return
        i = e.info
        self.gpu_layers.blockSignals(True)
        self.gpu_layers.setValue(-1 if e.gpu_layers is None else e.gpu_layers)
        self.gpu_layers.blockSignals(False)
        ml = model_languages(i.name, i.architecture, e.declared_languages)
        self.writes.setText(", ".join(e.languages) if e.languages is not None else "")
        self.writes.setPlaceholderText(ml.describe("it") + (f" ({ml.family})" if ml.family else "")
                                       if ml.codes is not None else "unknown: type the codes it writes, e.g. en, fr")
        self.details.setText(
            f"<b>{i.name}</b><br>{i.path}<br>{i.parameter_count:,} parameters · {i.block_count} layers · "
            f"vocabulary {i.vocab_size:,} · needs about {_mb(i.memory_estimate)}"
            + (" · bundled" if e.bundled else "")
            + (f"<br>Fine-tune of {html.escape(i.base_model)}" if i.base_model else "")
            + (f"<br>Converted from {html.escape(str(e.origin.get('folder', '')))}"
               if e.origin.get("source") == "converted" else ""))

    # actions ------------------------------------------------------------------------
    def _add_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Add a GGUF model", "", "GGUF models (*.gguf);;All files (*)")
        if path:
            self.add_path(path)

    def add_path(self, path: str) -> None:
        """Validate and probe-load in the background; the result arrives as a status message."""
        self.add_button.setEnabled(False)
        self.status.emit(f"Checking {path}…")
        run_in_background(lambda: self.library.add(path), self._added, self._add_failed)

    def _added(self, entry: ModelEntry) -> None:
        self.add_button.setEnabled(True)
        self.refresh()
        self.status.emit(f"Added {entry.info.name}")

    def _add_failed(self, message: str) -> None:
        self.add_button.setEnabled(True)
        self.status.emit(message)
        QMessageBox.warning(self, "Model not added", message)

    def open_get_models(self) -> None:
        """The catalog and Hub search; one dialog, kept while downloads run behind it."""
        from ui.get_models_dialog import GetModelsDialog

        if self.get_dialog is None:
            self.get_dialog = GetModelsDialog(self.library, self.downloads, self.settings.get("context_size"), self)
            self.get_dialog.use_requested.connect(self._use_downloaded)
        self.get_dialog.show()
        self.get_dialog.raise_()

    def open_scan(self) -> None:
        from ui.scan_dialog import ScanDialog

        dialog = ScanDialog(self.library, self)
        dialog.added.connect(lambda e: (self.refresh(), self.status.emit(f"Added {e.info.name}")))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def _downloaded(self, _key: str, entry: ModelEntry) -> None:
        self.refresh()
        self.status.emit(f"Downloaded and added {entry.info.name}; Load it (or Make default) to use it.")

    def _use_downloaded(self, entry: ModelEntry) -> None:
        self.refresh()
        self.use_server.setChecked(False)
        self.load_requested.emit(entry)

    def _remove_selected(self) -> None:
        e = self.selected()
        if e is not None:
            self.library.remove(e.id)
            self.refresh()

    def _default_selected(self) -> None:
        e = self.selected()
        if e is not None:
            self.library.set_default(e.id)
            self.refresh()

    def _load_selected(self) -> None:
        e = self.selected()
        if e is not None:
            self.use_server.setChecked(False)
            self.load_requested.emit(e)

    def _languages_changed(self) -> None:
        e = self.selected()
        if e is None:
            return
        text = self.writes.text().strip()
        codes = [c.strip().lower() for c in text.replace(";", ",").split(",") if c.strip()]
        unknown = [c for c in codes if c not in languages()]
        if unknown:
            self.status.emit(f"Unknown language code “{unknown[0]}”; use: {', '.join(languages())}")
            return
        if (codes or None) != e.languages:
            self.library.set_languages(e.id, codes or None)
            self.task_models.refresh()
            self.status.emit(f"{e.info.name}: " + (f"writes {', '.join(codes)}" if codes else "languages as its "
                                                   "metadata or family says") + " (used from the next load)")

    def _gpu_layers_changed(self, value: int) -> None:
        e = self.selected()
        if e is not None:
            self.library.set_gpu_layers(e.id, None if value < 0 else value)

    def _backend_toggled(self, on: bool) -> None:
        self.settings.set("backend", "remote" if on else "local")

    def _connect_remote(self) -> None:
        self.settings.set("server_url", self.server_url.text().strip())
        self.settings.set("server_model", self.server_model.text().strip())
        self.settings.set("server_is_base_model", self.server_base.isChecked())
        self.use_server.setChecked(True)
        self.remote_requested.emit()
