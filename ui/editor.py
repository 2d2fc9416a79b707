"""The document editor: a plain-text editor that knows its file, encoding and line endings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QFont,
    QFontDatabase,
    QInputMethodEvent,
    QKeyEvent,
    QPaintEvent,
    QTextCursor,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from assistant.document_io import Document
from ui.ghost_text import paint_ghost
from ui.text_positions import py_index, utf16_len

_WORD = re.compile(r"\w+(?:['’-]\w+)*")


@dataclass(frozen=True)
class Scope:
    """What a pane works on: the selection, or the whole document. Positions are Qt's."""

    start: int
    end: int
    text: str
    is_selection: bool
    generation: int = 0  # the editor's document it was taken from

    def describe(self) -> str:
        return "the selection" if self.is_selection else "the whole document"


class DocumentEditor(QPlainTextEdit):
    # Another document took this one's place (open, new, recover): positions into the old text are void.
    replaced = Signal()

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
        self.generation = 0  # counts documents loaded into this editor; a scope belongs to one of them
        self._marks: dict[str, list[QTextEdit.ExtraSelection]] = {}
        self.context_menu_hook = None  # the window adds its actions to the context menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.createStandardContextMenu()
        if self.context_menu_hook is not None:
            self.context_menu_hook(menu, self.cursorForPosition(event.pos()).position())
        menu.exec(event.globalPos())

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
        self.generation += 1
        self.replaced.emit()

    def toPlainText(self) -> str:
        """The text exactly as written. Qt's own toPlainText turns no-break spaces (French typography:
        « oui », 10 h) into plain spaces and U+2028 into newlines, so saving would change the text."""
        return self.document().toRawText().replace("\u2029", "\n")

    def to_document(self) -> Document:
        return Document(self.toPlainText(), self.encoding, self.newline)

    def is_modified(self) -> bool:
        return self.document().isModified()

    def word_count(self) -> int:
        return len(_WORD.findall(self.toPlainText()))

    # what panes work on ----------------------------------------------------------------
    def scope(self) -> Scope:
        cursor = self.textCursor()
        text = self.toPlainText()
        if cursor.hasSelection():
            start, end = cursor.selectionStart(), cursor.selectionEnd()
            return Scope(start, end, text[py_index(text, start) : py_index(text, end)], True, self.generation)
        return Scope(0, utf16_len(text), text, False, self.generation)

    def scope_text(self, scope: Scope) -> str | None:
        """The text now at a scope's place (to tell whether it changed since a job started); None once
        another document has replaced the one the scope was taken from."""
        if scope.generation != self.generation:
            return None
        text = self.toPlainText()
        return text[py_index(text, scope.start) : py_index(text, scope.end)]

    def cursor_for(self, scope: Scope, start: int, end: int) -> QTextCursor:
        """A cursor over [start, end) of the scope's text (Python indices); it follows later edits."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(scope.start + utf16_len(scope.text[:start]))
        cursor.setPosition(scope.start + utf16_len(scope.text[:end]), QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def replace_scope(self, scope: Scope, text: str) -> bool:
        """Replace a scope's text as one undo step; False (and nothing changed) if it was edited meanwhile."""
        if self.scope_text(scope) != scope.text:
            return False
        cursor = QTextCursor(self.document())
        cursor.setPosition(scope.start)
        cursor.setPosition(scope.end, QTextCursor.MoveMode.KeepAnchor)
        cursor.beginEditBlock()
        cursor.insertText(text)
        cursor.endEditBlock()
        return True

    def set_marks(self, group: str, selections: list[QTextEdit.ExtraSelection]) -> None:
        """Underlines and highlights by group (grammar, rewrite, ...), drawn together."""
        self._marks[group] = selections
        self.setExtraSelections([s for group_marks in self._marks.values() for s in group_marks])
