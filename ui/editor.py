"""The document editor: a plain-text editor that knows its file, encoding and line endings."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from assistant.document_io import Document

_WORD = re.compile(r"\w+(?:['’-]\w+)*")


class DocumentEditor(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None, font_size: int = 12) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.encoding = "utf-8"
        self.newline = "\n"
        self.setObjectName("editor")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont)
        font.setPointSize(font_size)
        font.setStyleHint(QFont.StyleHint.SansSerif)
        self.setFont(font)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setPlaceholderText("Start writing…")
        self.document().setDocumentMargin(16)
        # Styling the document above counts as a modification in Qt; a new editor is clean.
        self.document().setModified(False)
        self.document().clearUndoRedoStacks()

    def load(self, doc: Document, path: Path | None) -> None:
        # setPlainText clears the undo stack: opening a file is not an undoable edit.
        self.setPlainText(doc.text)
        self.path = path
        self.encoding = doc.encoding
        self.newline = doc.newline
        self.document().setModified(False)

    def to_document(self) -> Document:
        return Document(self.toPlainText(), self.encoding, self.newline)

    def is_modified(self) -> bool:
        return self.document().isModified()

    def word_count(self) -> int:
        return len(_WORD.findall(self.toPlainText()))
