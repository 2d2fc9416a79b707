"""Scan for models: GGUF files other tools (Hugging Face cache, LM Studio, GPT4All, Ollama) already
downloaded, offered with a check box each; the chosen ones are validated, trial-loaded and added in place,
one after the other, off the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assistant.hub.scan import FoundModel, default_locations, scan
from assistant.model_library import ModelLibrary
from ui.background import run_in_background


class ScanDialog(QDialog):
    added = Signal(object)  # ModelEntry

    def __init__(self, library: ModelLibrary, parent: QWidget | None = None,
                 locations: list | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Scan for models")
        self.resize(720, 420)
        self.library = library
        self.locations = locations if locations is not None else default_locations()
        self.found: list[FoundModel] = []
        self._queue: list[FoundModel] = []
        layout = QVBoxLayout(self)
        self.message = QLabel("Looking in the Hugging Face cache and the LM Studio, GPT4All and Ollama folders…")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.list = QListWidget()
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.add_button = QPushButton("Add selected")
        self.add_button.setEnabled(False)
        self.add_button.clicked.connect(self.add_checked)
        buttons.addButton(self.add_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        known = {e.path for e in library.list()}
        run_in_background(lambda: scan(self.locations, known), self._scanned, self.message.setText)

    def _scanned(self, found: list[FoundModel]) -> None:
        self.found = found
        if not found:
            self.message.setText("No models found that the app does not already have.")
            return
        self.message.setText(f"{len(found)} model file(s) found. They are added where they are (not copied), "
                             "after the same checks as any model.")
        for f in found:
            item = QListWidgetItem(f"{f.name} — {f.source}, {f.size / 1e9:.2f} GB\n{f.path}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.list.addItem(item)
        self.add_button.setEnabled(True)

    def add_checked(self) -> None:
        self._queue = [f for i, f in enumerate(self.found)
                       if self.list.item(i).checkState() == Qt.CheckState.Checked]
        self.add_button.setEnabled(False)
        self._results: list[str] = []
        self._next()

    def _next(self) -> None:
        if not self._queue:
            self.message.setText(" ".join(self._results) or "Nothing was chosen.")
            return
        item = self._queue.pop(0)
        self.message.setText(f"Checking {item.name}…")
        run_in_background(
            lambda: self.library.add(item.path, name=item.name, origin={"source": item.source}),
            self._added, lambda msg: self._refused(item, msg))

    def _added(self, entry) -> None:
        self._results.append(f"Added {entry.info.name}.")
        self.added.emit(entry)
        self._next()

    def _refused(self, item: FoundModel, message: str) -> None:
        self._results.append(f"Not added: {item.name} ({message}).")
        self._next()
