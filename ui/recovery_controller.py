"""The window's crash safety: autosave of unsaved text, and recovery of what crashed sessions left.

The text is snapshotted on the GUI thread (it lives there) and written by the core's
RecoveryWriter thread. Recovery offers the newest orphan at start-up; the others are never
discarded silently and stay in File › Recover Unsaved Text until recovered or discarded one
by one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from assistant.document_io import Document
from assistant.recovery import RawText, RecoveredDocument, RecoveryStore, RecoveryWriter
from ui.editor import DocumentEditor

IDLE_S = 1.0  # the snapshot waits for a pause in typing: on a 20 MB document it costs ~80 ms
MAX_DEFER_S = 60.0  # but never longer than this: a writer who never pauses is still covered


class RecoveryController(QObject):
    message = Signal(str)  # for the status bar
    _write_failed = Signal(str)  # from the writer thread, delivered on the GUI thread

    def __init__(self, editor: DocumentEditor, parent_widget: QWidget, interval_s: int,
                 confirm_replace: Callable[[], bool], store: RecoveryStore | None = None) -> None:
        super().__init__(parent_widget)
        self.editor = editor
        self.parent_widget = parent_widget
        self.confirm_replace = confirm_replace
        self.store = store or RecoveryStore()
        self.slot = self.store.new_slot()
        self.writer = RecoveryWriter(self.store, on_error=self._write_failed.emit)
        self._write_failed.connect(self._failed)
        self._autosaved_revision = -1
        self._last_edit = 0.0
        self._waiting_since: float | None = None
        editor.document().contentsChange.connect(self._edited)
        self.menu: QMenu | None = None
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(int(IDLE_S * 1000))
        self._retry.timeout.connect(lambda: self.autosave(when_idle=True))
        self.timer = QTimer(self)
        self.timer.setInterval(max(1, interval_s) * 1000)
        self.timer.timeout.connect(lambda: self.autosave(when_idle=True))
        self.timer.start()

    # autosave -----------------------------------------------------------------------
    def _edited(self, *_args) -> None:
        self._last_edit = time.monotonic()

    def autosave(self, when_idle: bool = False) -> None:
        doc = self.editor.document()
        revision = doc.revision()
        if revision == self._autosaved_revision:
            self._waiting_since = None
            return
        now = time.monotonic()
        if when_idle and self.editor.is_modified():
            self._waiting_since = self._waiting_since or now
            if now - self._last_edit < IDLE_S and now - self._waiting_since < MAX_DEFER_S:
                # Try again the moment the pause will have lasted IDLE_S, not at the next tick
                # (which may fall just as the writer starts typing again).
                self._retry.start(max(20, int((IDLE_S - (now - self._last_edit)) * 1000) + 20))
                return
        self._waiting_since = None
        if not self.editor.is_modified():
            self.writer.discard(self.slot)
        else:
            # The raw text is the cheapest copy Qt makes; its block separators become newlines on the
            # writer thread.
            self.writer.save(self.slot, RawText(self.editor.document().toRawText()),
                             str(self.editor.path) if self.editor.path else None, self.editor.encoding,
                             self.editor.newline)
        self._autosaved_revision = revision

    def flush(self, timeout: float | None = 10.0) -> bool:
        return self.writer.flush(timeout)

    def _failed(self, message: str) -> None:
        self._autosaved_revision = -1  # try again at the next tick
        self.message.emit(message)

    def close(self) -> None:
        """The window closes cleanly: its text was saved or discarded by the writer."""
        self.timer.stop()
        self._retry.stop()
        self.writer.discard(self.slot)
        self.writer.close()

    # recovery -----------------------------------------------------------------------
    def orphans(self) -> list[RecoveredDocument]:
        return self.store.orphans()

    def offer(self, ask: bool = True) -> bool:
        """At start-up: offer the newest text a crashed session left. Nothing is discarded unasked."""
        orphans = self.orphans()
        self.refresh_menu()
        if not orphans:
            return False
        newest = orphans[0]
        if ask:
            more = (f"\n\n{len(orphans) - 1} more document(s) with unsaved text stay available under "
                    "File › Recover Unsaved Text." if len(orphans) > 1 else "")
            answer = QMessageBox.question(
                self.parent_widget, "Recover unsaved text?",
                f"The app closed unexpectedly while {newest.title} had unsaved changes. Recover them?"
                f"\n\nNo keeps the text for later; Discard deletes it.{more}",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No | QMessageBox.StandardButton.Discard,
                QMessageBox.StandardButton.Yes)
            if answer == QMessageBox.StandardButton.Discard:
                self.store.discard(newest.file)
                self.refresh_menu()
                return False
            if answer != QMessageBox.StandardButton.Yes:
                self.message.emit("Unsaved text kept: File › Recover Unsaved Text brings it back.")
                return False
        return self.recover(newest, confirm=False)

    def recover(self, orphan: RecoveredDocument, confirm: bool = True) -> bool:
        if confirm and not self.confirm_replace():
            return False
        # Ours first, so no other window or instance can take the same text.
        self.writer.flush()
        if not self.store.claim(orphan, self.slot):
            self.message.emit(f"The unsaved text of {orphan.title} was recovered elsewhere.")
            self.refresh_menu()
            return False
        path = Path(orphan.original_path) if orphan.original_path else None
        self.editor.load(Document(orphan.text, orphan.encoding, orphan.newline), path)
        self.editor.document().setModified(True)
        self._autosaved_revision = -1
        self.autosave()
        self.refresh_menu()
        return True

    def discard(self, orphan: RecoveredDocument) -> None:
        answer = QMessageBox.question(
            self.parent_widget, "Discard unsaved text?",
            f"Delete the unsaved text of {orphan.title} for good?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Discard:
            self.store.discard(orphan.file)
        self.refresh_menu()

    def attach_menu(self, menu: QMenu) -> None:
        self.menu = menu
        self.refresh_menu()

    def refresh_menu(self) -> None:
        if self.menu is None:
            return
        self.menu.clear()
        orphans = self.orphans()
        for o in orphans:
            sub = self.menu.addMenu(f"{o.title} ({len(o.text):,} characters)")
            sub.addAction("Recover", lambda o=o: self.recover(o))
            sub.addAction("Discard…", lambda o=o: self.discard(o))
        self.menu.setEnabled(bool(orphans))
