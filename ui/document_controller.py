"""The document in the editor: new, open (asking which encoding a file that is not UTF-8 uses, never
guessing), save, save as, and the recent files. The writer's unsaved changes are never dropped without
asking, and a text that cannot be saved (a full disk, a folder gone) stays in the editor and in the
recovery file. Files are read and written by assistant.document_io; the window shows what this says.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox, QWidget

from assistant.document_io import Document, DocumentError, EncodingNeeded, read_document, save_document
from ui.editor import DocumentEditor
from ui.settings import Settings

FILE_FILTER = "Text and Markdown (*.txt *.md *.markdown);;All files (*)"


class DocumentController(QObject):
    loaded = Signal(bool)  # a text is in the editor: True for a new, untitled document, False for a file
    saved = Signal(str)  # the path saved to
    status = Signal(str, int)  # a status-bar message and how long it shows, in milliseconds

    def __init__(self, editor: DocumentEditor, settings: Settings, autosave: Callable[[], None],
                 parent: QWidget) -> None:
        super().__init__(parent)
        self.editor, self.settings, self._autosave, self._window = editor, settings, autosave, parent
        self.recent_menu: QMenu | None = None

    def maybe_save(self) -> bool:
        """True when the current text may be replaced: unmodified, saved now, or the writer discards it."""
        if not self.editor.is_modified():
            return True
        answer = QMessageBox.question(
            self._window, "Unsaved changes", "Save the changes to this document?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_document(self) -> None:
        if self.maybe_save():
            self._load_new()

    def _load_new(self) -> None:
        self.editor.load(Document(""), None)
        self.loaded.emit(True)

    def open_text_as_new_document(self, text: str) -> bool:
        """A result (a summary, say) as a new untitled document; the current one is saved or kept first
        (asked once: after "Discard" the old text is still marked modified, and new_document would ask again)."""
        if not text or not self.maybe_save():
            return False
        self._load_new()
        self.editor.setPlainText(text)
        self.editor.document().setModified(True)
        return True

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(self._window, "Open", "", FILE_FILTER)
        if path:
            self.open_path(path)

    def choose_encoding(self, error: EncodingNeeded) -> str | None:
        """Ask which encoding a non-UTF-8 file uses; never guess silently."""
        labels = [f"{enc} — {preview[:60]!r}" for enc, preview in error.candidates.items()]
        if not labels:
            return None
        choice, ok = QInputDialog.getItem(self._window, "Choose encoding",
                                          f"{error.path.name} is not UTF-8. Which encoding does it use?", labels, 0,
                                          False)
        return choice.split(" — ", 1)[0] if ok else None

    def open_path(self, path: str | Path, encoding: str | None = None) -> bool:
        path = Path(path)
        try:
            doc = read_document(path, encoding)
        except EncodingNeeded as exc:
            chosen = self.choose_encoding(exc)
            if chosen is None:
                self.status.emit(f"Not opened: {exc}", 10000)
                return False
            return self.open_path(path, chosen)
        except DocumentError as exc:
            QMessageBox.warning(self._window, "Cannot open", str(exc))
            return False
        self.editor.load(doc, path)
        self.settings.add_recent(str(path))
        self.refresh_recent()
        self.loaded.emit(False)
        if doc.encoding not in ("utf-8",):
            self.status.emit(f"Opened as {doc.encoding}; it will be saved in the same encoding", 10000)
        return True

    def save(self) -> bool:
        if self.editor.path is None:
            return self.save_as()
        return self.save_to(self.editor.path)

    def save_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self._window, "Save as", str(self.editor.path or ""), FILE_FILTER)
        return self.save_to(Path(path)) if path else False

    def save_to(self, path: Path) -> bool:
        try:
            save_document(path, self.editor.to_document())
        except DocumentError as exc:
            # The text stays in the editor and in the recovery file.
            QMessageBox.critical(self._window, "Not saved", str(exc))
            self._autosave()
            return False
        self.editor.path = path
        self.editor.document().setModified(False)
        self.settings.add_recent(str(path))
        self.refresh_recent()
        self.status.emit(f"Saved {path.name}", 4000)
        self.saved.emit(str(path))
        return True

    def refresh_recent(self) -> None:
        """Fill the recent-files menu (recent_menu, once the window has made it) from the settings."""
        if self.recent_menu is None:
            return
        self.recent_menu.clear()
        for p in self.settings.get("recent_files"):
            act = self.recent_menu.addAction(p)
            act.triggered.connect(lambda _c=False, path=p: self.maybe_save() and self.open_path(path))
        self.recent_menu.setEnabled(bool(self.settings.get("recent_files")))
