"""The document editor: a plain-text editor that knows its file, encoding and line endings."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QInputMethodEvent, QKeyEvent, QPaintEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from assistant.document_io import Document
from ui.ghost_text import paint_ghost

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
        self.inline = None  # ui.ghost_text.InlineCompletion, attached by the window

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.inline is not None and self.inline.handle_key(event):
            event.accept()
            return
        super().keyPressEvent(event)

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:
        # While an input method composes (CJK, dead keys) no suggestion may appear or be requested.
        if self.inline is not None:
            self.inline.composing = bool(event.preeditString())
            if self.inline.composing:
                self.inline.dismiss()
                self.inline.timer.stop()
        super().inputMethodEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.inline is not None:
            paint_ghost(self, self.inline.ghost)

    def focusNextPrevChild(self, next: bool) -> bool:
        # Tab must reach keyPressEvent (to accept a suggestion) instead of moving focus.
        if self.inline is not None and self.inline.ghost.active:
            return False
        return super().focusNextPrevChild(next)

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
