"""Proposed edits shown as underlines in the editor and as a list: accept or reject each, or all.

Each edit holds a QTextCursor over its span, so it follows the writer's typing elsewhere
in the document. An edit whose text the writer changed by hand is dropped, never applied
to the wrong words. Accepting goes through the editor's undo stack: one step per edit,
one step for "accept all".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from assistant.text_diff import Edit
from ui.editor import DocumentEditor, Scope

COLOURS = {"spelling": "#d0342c", "capitalization": "#d0342c", "punctuation": "#2f6fd6"}
DEFAULT_COLOUR = "#2f6fd6"
STYLE_COLOUR = "#8e44ad"


@dataclass
class TrackedEdit:
    edit: Edit
    cursor: QTextCursor

    def current_text(self) -> str:
        return self.cursor.selectedText().replace("\u2029", "\n")

    def still_valid(self) -> bool:
        if self.edit.original:
            return self.current_text() == self.edit.original
        return not self.cursor.hasSelection()


def colour_of(edit: Edit) -> QColor:
    """Red for spelling, blue for grammar, purple for style changes (rewrites carry no category)."""
    if not edit.category:
        return QColor(STYLE_COLOUR)
    return QColor(COLOURS.get(edit.category, DEFAULT_COLOUR))


def describe(edit: Edit) -> str:
    old = edit.original.strip() or "∅"
    if edit.is_flag:
        label = f"“{old}”: unknown word, no suggestion"
        return f"{label}   · {edit.category}"
    new = edit.replacement.strip() or "(remove)"
    label = f"“{old}” → “{new}”"
    return f"{label}   · {edit.category}" if edit.category else label


class EditReview(QWidget):
    """The list and the underlines for one pane's edits."""

    changed = Signal(int)  # edits left
    applied = Signal(int)  # edits just accepted

    def __init__(self, editor: DocumentEditor, group: str, parent: QWidget | None = None,
                 order: Callable[[Edit], int] | None = None, moves_cursor: bool = True) -> None:
        super().__init__(parent)
        self.editor = editor
        self.group = group
        # A review the writer walks (a pane's list) takes the cursor to its current edit; live checking's
        # marks, refreshed as the writer types, must never move it: the text typed next went where the mark was.
        self.moves_cursor = moves_cursor
        self.order = order  # listed by this key (a kind), then by position
        self.edits: list[TrackedEdit] = []
        self._applying = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setObjectName(f"{group}Edits")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setWordWrap(True)
        self.list.currentRowChanged.connect(self._show_current)
        self.list.itemActivated.connect(lambda _i: self.accept_current())  # Enter or double-click
        reject = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.list, context=Qt.ShortcutContext.WidgetShortcut)
        reject.activated.connect(self.reject_current)
        layout.addWidget(self.list, 1)
        self.detail = QLabel()
        self.detail.setObjectName(f"{group}Detail")
        self.detail.setWordWrap(True)
        layout.addWidget(self.detail)
        row = QHBoxLayout()
        self.accept_button = QPushButton("Accept")
        self.accept_button.setObjectName(f"{group}Accept")
        self.accept_button.setToolTip("Apply this change (Enter or double-click in the list; Delete rejects)")
        self.reject_button = QPushButton("Reject")
        self.reject_button.setObjectName(f"{group}Reject")
        self.accept_all_button = QPushButton("Accept all")
        self.accept_all_button.setObjectName(f"{group}AcceptAll")
        self.reject_all_button = QPushButton("Reject all")
        self.reject_all_button.setObjectName(f"{group}RejectAll")
        for b, slot in ((self.accept_button, self.accept_current), (self.reject_button, self.reject_current),
                        (self.accept_all_button, self.accept_all), (self.reject_all_button, self.clear)):
            b.clicked.connect(slot)
            row.addWidget(b)
        layout.addLayout(row)
        editor.document().contentsChanged.connect(self._document_changed)
        # Edits point into the text they were made for; in another document they would land on
        # whatever sits at the same offsets (an insertion's empty span always looks intact).
        editor.replaced.connect(self.clear)
        self._update_buttons()

    # content ---------------------------------------------------------------------------
    def set_edits(self, scope: Scope, edits: list[Edit]) -> None:
        if self.order is not None:
            edits = sorted(edits, key=lambda e: (self.order(e), e.start))
        self.edits = [TrackedEdit(e, self.editor.cursor_for(scope, e.start, e.end)) for e in edits]
        self._refresh()
        if self.edits:
            self.list.setCurrentRow(0)

    def update_range(self, scope: Scope, edits: list[Edit]) -> None:
        """Replace the edits inside a scope (one paragraph, re-checked) with new ones."""
        start, end = scope.start, scope.end
        kept = [t for t in self.edits if not (start <= t.cursor.selectionStart() <= end)]
        self.edits = kept + [TrackedEdit(e, self.editor.cursor_for(scope, e.start, e.end)) for e in edits]
        self.edits.sort(key=lambda t: t.cursor.selectionStart())
        self._refresh()

    def clear(self) -> None:
        self.edits = []
        self._refresh()

    def _refresh(self) -> None:
        current = self.list.currentRow()
        self.list.blockSignals(True)
        self.list.clear()
        for t in self.edits:
            item = QListWidgetItem(describe(t.edit))
            item.setToolTip(t.edit.reason or describe(t.edit))
            item.setForeground(colour_of(t.edit))
            self.list.addItem(item)
        self.list.blockSignals(False)
        if self.edits:
            self.list.setCurrentRow(min(max(current, 0), len(self.edits) - 1))
        self._underline()
        self._update_buttons()
        self.changed.emit(len(self.edits))

    def _underline(self) -> None:
        marks = []
        for i, t in enumerate(self.edits):
            sel = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            colour = colour_of(t.edit)
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(colour)
            if i == self.list.currentRow():
                fmt.setBackground(QColor(colour.red(), colour.green(), colour.blue(), 40))
            cursor = QTextCursor(t.cursor)
            if not cursor.hasSelection():  # an insertion: mark the character before it
                cursor.movePosition(QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor)
            sel.cursor = cursor
            sel.format = fmt
            marks.append(sel)
        self.editor.set_marks(self.group, marks)

    def _update_buttons(self) -> None:
        has = bool(self.edits)
        for b in (self.accept_button, self.reject_button, self.accept_all_button, self.reject_all_button):
            b.setEnabled(has)

    def _document_changed(self) -> None:
        if self._applying:
            return
        valid = [t for t in self.edits if t.still_valid()]
        if len(valid) != len(self.edits):
            self.edits = valid
            self._refresh()

    def _show_current(self, row: int) -> None:
        self.detail.setText(self.edits[row].edit.reason if 0 <= row < len(self.edits) else "")
        if 0 <= row < len(self.edits) and self.moves_cursor:
            # Move to the edit without selecting it: a selection would narrow the next check to it.
            cursor = QTextCursor(self.editor.document())
            cursor.setPosition(self.edits[row].cursor.selectionStart())
            self.editor.setTextCursor(cursor)
            self.editor.ensureCursorVisible()
        self._underline()

    # accepting -------------------------------------------------------------------------
    def edit_at(self, position: int) -> TrackedEdit | None:
        """The edit whose underline covers a document position (Qt's), for the editor's context menu."""
        for t in self.edits:
            start, end = t.cursor.selectionStart(), t.cursor.selectionEnd()
            if start <= position <= max(end, start + 1):
                return t
        return None

    def accept(self, tracked: TrackedEdit, replacement: str | None = None) -> None:
        """Apply one edit, with another of its candidates when given."""
        if tracked not in self.edits:
            return
        self.edits.remove(tracked)
        if replacement is not None:
            tracked = TrackedEdit(replace(tracked.edit, replacement=replacement), tracked.cursor)
        n = self._apply([tracked])
        self._document_changed()
        self._refresh()
        self.applied.emit(n)

    def dismiss(self, tracked: TrackedEdit) -> None:
        if tracked in self.edits:
            self.edits.remove(tracked)
            self._refresh()

    def dismiss_where(self, keep: Callable[[Edit], bool]) -> None:
        """Drop every edit ``keep`` says no to (a rule ignored, a word added to the dictionary)."""
        left = [t for t in self.edits if keep(t.edit)]
        if len(left) != len(self.edits):
            self.edits = left
            self._refresh()

    def _apply(self, tracked: list[TrackedEdit]) -> int:
        valid = [t for t in tracked if t.still_valid() and not t.edit.is_flag]
        if not valid:
            return 0
        self._applying = True
        try:
            # Back to front, so no edit moves another's span; one edit block = one undo step.
            valid.sort(key=lambda t: t.cursor.selectionStart(), reverse=True)
            first = valid[0].cursor
            first.beginEditBlock()
            for t in valid:
                t.cursor.insertText(t.edit.replacement)
            first.endEditBlock()
        finally:
            self._applying = False
        return len(valid)

    def accept_current(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.edits):
            return
        t = self.edits.pop(row)
        n = self._apply([t])
        self._document_changed()
        self._refresh()
        self.applied.emit(n)

    def reject_current(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.edits):
            self.edits.pop(row)
            self._refresh()

    def accept_all(self) -> None:
        todo, self.edits = self.edits, []
        n = self._apply(todo)
        self._refresh()
        self.applied.emit(n)
