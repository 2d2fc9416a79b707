"""Inline completion: ghost text after the cursor while the writer types.

After a pause in typing the controller asks the engine for a continuation of the text
before the cursor (a superseding job: a newer request cancels the older one). The
suggestion is drawn in a muted colour after the cursor. Tab accepts all, Ctrl+Right the
next word, Esc dismisses; typing the suggestion's own next characters keeps the rest;
any other edit or cursor move drops it. It never fires with a selection or while an
input method is composing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPalette, QTextLayout, QTextOption
from PySide6.QtWidgets import QPlainTextEdit

from assistant.engine import Job, JobHandle, Priority
from assistant.tasks.complete import CompletionRequest, run_completion
from ui.engine_bridge import EngineBridge
from ui.text_positions import py_index

_NEXT_WORD = re.compile(r"\s*\S+")


class GhostText:
    """What is shown: a suggestion anchored at a document position."""

    def __init__(self) -> None:
        self.text = ""
        self.position = -1

    def clear(self) -> None:
        self.text, self.position = "", -1

    @property
    def active(self) -> bool:
        return bool(self.text) and self.position >= 0


def paint_ghost(editor: QPlainTextEdit, ghost: GhostText) -> None:
    """Draw the suggestion from the cursor, wrapping within the viewport."""
    if not ghost.active or editor.textCursor().position() != ghost.position:
        return
    rect = editor.cursorRect()
    viewport = editor.viewport()
    margin = editor.document().documentMargin()
    painter = QPainter(viewport)
    color = QColor(editor.palette().color(QPalette.ColorRole.Text))
    color.setAlphaF(0.45)
    painter.setPen(color)
    painter.setFont(editor.font())
    layout = QTextLayout(ghost.text, editor.font())
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.beginLayout()
    first_width = max(10.0, viewport.width() - rect.right() - margin)
    full_width = max(10.0, viewport.width() - 2 * margin)
    y = float(rect.top())
    first = True
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(first_width if first else full_width)
        line.setPosition(QPointF(rect.right() + 1 if first else margin, y))
        y += line.height()
        first = False
    layout.endLayout()
    layout.draw(painter, QPointF(0, 0))
    painter.end()


class InlineCompletion(QObject):
    """Connects an editor to the engine for ghost text. The editor forwards keys and paints via it."""

    suggestion_changed = Signal(str)

    def __init__(self, editor: QPlainTextEdit, bridge: EngineBridge, delay_ms: int = 300,
                 max_tokens: int = 24) -> None:
        super().__init__(editor)
        self.editor = editor
        self.bridge = bridge
        self.ghost = GhostText()
        self.enabled = True
        self.max_tokens = max_tokens
        self.composing = False
        self._handle: JobHandle | None = None
        self._request_pos = -1
        self._request_revision = -1
        self._applying = False
        # Set by the window: returns the LoRA adapters completion uses with the loaded model.
        self.adapter_source: Callable[[], tuple[tuple[str, float], ...]] | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.request)
        editor.document().contentsChange.connect(self._contents_changed)
        editor.cursorPositionChanged.connect(self._cursor_moved)
        editor.selectionChanged.connect(self._selection_changed)

    # state --------------------------------------------------------------------------
    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        if not on:
            self.dismiss()
            self.timer.stop()

    def set_delay(self, ms: int) -> None:
        self.timer.setInterval(ms)

    def dismiss(self) -> None:
        if self._handle is not None and not self._handle.finished:
            self._handle.cancel("dismissed")
        self._handle = None
        if self.ghost.active:
            self.ghost.clear()
            self.suggestion_changed.emit("")
            self.editor.viewport().update()

    def _contents_changed(self, _pos: int, _removed: int, _added: int) -> None:
        if self._applying:
            return
        self.dismiss()
        if self.enabled and not self.composing:
            self.timer.start()

    def _cursor_moved(self) -> None:
        if self.ghost.active and self.editor.textCursor().position() != self.ghost.position:
            self.dismiss()

    def _selection_changed(self) -> None:
        if self.editor.textCursor().hasSelection():
            self.dismiss()
            self.timer.stop()

    # request ------------------------------------------------------------------------
    def can_request(self) -> bool:
        cursor = self.editor.textCursor()
        return (self.enabled and not self.composing and not cursor.hasSelection()
                and self.bridge.engine.backend is not None and bool(self.editor.toPlainText().strip()))

    def adapters(self) -> tuple[tuple[str, float], ...]:
        """LoRA adapters for completion jobs; the window sets the source of truth."""
        return self.adapter_source() if self.adapter_source is not None else ()

    def request(self) -> JobHandle | None:
        if not self.can_request():
            return None
        cursor = self.editor.textCursor()
        text = self.editor.toPlainText()
        pos = cursor.position()
        cut = py_index(text, pos)  # Qt counts UTF-16 units; an emoji before the cursor would shift it
        req = CompletionRequest(text[:cut], text[cut:], self.max_tokens)
        self._request_pos = pos
        self._request_revision = self.editor.document().revision()
        job = Job("ghost", lambda ctx: run_completion(ctx, req), Priority.INTERACTIVE, supersede=True,
                  adapters=self.adapters())
        holder: list[JobHandle] = []
        handle, _ = self.bridge.submit(
            job, lambda sig: sig.done.connect(lambda result: self._arrived(holder[0], result)))
        holder.append(handle)  # before the queued done signal can be delivered on this thread
        self._handle = handle
        return handle

    def _arrived(self, handle: JobHandle, suggestion: str) -> None:
        # A result for text that has changed since the request is stale.
        if (handle is not self._handle or self.editor.document().revision() != self._request_revision
                or self.editor.textCursor().position() != self._request_pos
                or self.editor.textCursor().hasSelection()):
            return
        if not suggestion.strip():
            return
        self.ghost.text = suggestion
        self.ghost.position = self._request_pos
        self.suggestion_changed.emit(suggestion)
        self.editor.viewport().update()

    # keys ---------------------------------------------------------------------------
    def _insert(self, text: str) -> None:
        self._applying = True
        try:
            cursor = self.editor.textCursor()
            # An edit block of its own: undo takes back the accepted text, not what was typed before it.
            cursor.beginEditBlock()
            cursor.insertText(text)
            cursor.endEditBlock()
            self.editor.setTextCursor(cursor)
        finally:
            self._applying = False

    def _take(self, n: int) -> None:
        """Insert the suggestion's first ``n`` characters; the rest stays on screen after them."""
        taken, rest = self.ghost.text[:n], self.ghost.text[n:]
        self.ghost.clear()
        self._insert(taken)
        if rest:
            self.ghost.text, self.ghost.position = rest, self.editor.textCursor().position()
        self.suggestion_changed.emit(self.ghost.text)
        self.editor.viewport().update()

    def accept_all(self) -> None:
        self._take(len(self.ghost.text))

    def accept_word(self) -> None:
        m = _NEXT_WORD.match(self.ghost.text)
        if m:
            self._take(m.end())

    def handle_key(self, event: QKeyEvent) -> bool:
        """Called by the editor before its own handling; True when the key was used here."""
        if not self.ghost.active or self.editor.textCursor().position() != self.ghost.position:
            return False
        key, mods = event.key(), event.modifiers()
        if key == Qt.Key.Key_Tab and mods == Qt.KeyboardModifier.NoModifier:
            self.accept_all()
            return True
        if key == Qt.Key.Key_Right and mods & Qt.KeyboardModifier.ControlModifier:
            self.accept_word()
            return True
        if key == Qt.Key.Key_Escape:
            self.dismiss()
            return True
        typed = event.text()
        if typed and typed.isprintable() and self.ghost.text.startswith(typed):
            # The writer types what was suggested: keep the rest on screen.
            self._take(len(typed))
            return True
        return False
