"""Crash recovery: type in a real app process, kill -9 it, start again, get the text back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from assistant.document_io import Document
from assistant.recovery import RecoveryStore, parse_recovery
from ui.main_window import MainWindow

DRIVER = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from ui.main_window import MainWindow
    from ui.settings import Settings
    s = Settings(); s.set("autosave_seconds", 1)
    w = MainWindow(settings=s); w.show()
    w.editor.setFocus()
    ascii_part, rest = sys.argv[1].split("|")
    QTest.keyClicks(w.editor, ascii_part)
    w.editor.insertPlainText(rest)  # as an input method commits non-ASCII text
    def check():
        if w.recovery.slot.exists():
            print("AUTOSAVED", flush=True)
    t = QTimer(); t.timeout.connect(check); t.start(200)
    app.exec()
""")


def test_kill_9_then_recover(qtbot, library, monkeypatch):
    typed = "A paragraph typed just before the crash, with ünïcödé."
    arg = typed.replace(", with", ", with|", 1).replace("| ", " |", 1)
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, arg], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ), cwd=os.getcwd())
    try:
        line = proc.stdout.readline()
        assert line.strip() == "AUTOSAVED"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert any(o.text == typed for o in RecoveryStore().orphans())

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    w = MainWindow(library=library)
    qtbot.addWidget(w)
    assert w.offer_recovery()
    assert w.editor.toPlainText() == typed
    assert w.editor.is_modified()
    assert not any(o.text == typed for o in RecoveryStore().orphans())
    w.editor.document().setModified(False)
    w.close()


def orphan(store: RecoveryStore, pid: int, text: str, saved_at: float, **extra) -> Path:
    slot = store.root / f"{pid}-{pid:08x}.json"
    slot.write_text(json.dumps({"pid": pid, "text": text, "original_path": extra.pop("path", None),
                                "saved_at": saved_at, **extra}))
    return slot


@pytest.fixture(autouse=True)
def no_orphans_left():
    store = RecoveryStore()
    for o in store.orphans():
        store.discard(o.file)
    yield
    for o in store.orphans():
        store.discard(o.file)


def test_declining_keeps_the_text_for_later(window, monkeypatch):
    slot = orphan(RecoveryStore(), 999999, "old", 1)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    assert not window.offer_recovery()
    assert slot.exists() and window.editor.toPlainText() == ""
    assert window.recovery.menu.isEnabled()  # File › Recover Unsaved Text lists it


def test_discard_removes_only_the_one_offered(window, monkeypatch):
    store = RecoveryStore()
    older = orphan(store, 999997, "older text", 1)
    newest = orphan(store, 999998, "newest text", 2)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    assert not window.offer_recovery()
    assert not newest.exists() and older.exists()


def test_two_crashed_windows_lose_nothing(window, qtbot, library, monkeypatch):
    """Before the fix only the newest orphan was offered and every other one was deleted."""
    store = RecoveryStore()
    orphan(store, 999991, "first window's text", 1)
    orphan(store, 999992, "second window's text", 2)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert window.offer_recovery()
    assert window.editor.toPlainText() == "second window's text"
    left = store.orphans()
    assert [o.text for o in left] == ["first window's text"]
    actions = window.recovery.menu.actions()
    assert len(actions) == 1 and "untitled" in actions[0].text()
    other = MainWindow(library=library)
    try:
        assert other.recovery.recover(left[0], confirm=False)
        assert other.editor.toPlainText() == "first window's text"
        assert store.orphans() == []
    finally:
        other.editor.document().setModified(False)
        other.close()


def test_an_orphan_is_recovered_by_one_window_only(window, library):
    store = RecoveryStore()
    orphan(store, 999993, "contested", 1)
    found = store.orphans()[0]
    other = MainWindow(library=library)
    try:
        assert window.recovery.recover(found, confirm=False)
        assert not other.recovery.recover(found, confirm=False)  # the file was claimed first
        assert other.editor.toPlainText() == ""
    finally:
        other.close()


def test_recovered_text_keeps_encoding_and_line_endings(window, tmp_path, monkeypatch):
    """Before the fix a recovered cp1252/CRLF document was saved back as UTF-8/LF without asking."""
    doc = tmp_path / "lettre.txt"
    doc.write_bytes("Déjà vu\r\nà bientôt\r\n".encode("cp1252"))
    assert window.documents.open_path(doc, "cp1252")
    window.editor.insertPlainText("Voilà. ")
    window.recovery.autosave()
    assert window.recovery.flush()
    saved = parse_recovery(window.recovery.slot, window.recovery.slot.read_bytes())
    assert (saved.encoding, saved.newline) == ("cp1252", "\r\n")
    # As a crash leaves it: the file stays, owned by a process that is gone.
    dead = window.recovery.slot.rename(window.recovery.store.root / "999994-deadbeef.json")
    assert dead.exists()
    window.editor.load(Document(""), None)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert window.offer_recovery()
    assert (window.editor.encoding, window.editor.newline, window.editor.path) == ("cp1252", "\r\n", doc)
    assert window.documents.save()
    assert doc.read_bytes() == "Voilà. Déjà vu\r\nà bientôt\r\n".encode("cp1252")


def test_unreadable_recovery_files_are_left_alone(window):
    store = RecoveryStore()
    junk = store.root / "999995-00000000.json"
    junk.write_bytes(b"\xff\xfe not json")
    bad_enc = orphan(store, 999996, "x", 1, encoding="no-such-codec")
    assert store.orphans() == []
    assert not window.offer_recovery()
    assert junk.exists() and bad_enc.exists()


def test_autosave_is_written_off_the_gui_thread(window, monkeypatch):
    threads = []
    real = RecoveryStore.save

    def spy(self, *args, **kwargs):  # a spy: records the thread, then does the real write
        threads.append(threading.current_thread())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(RecoveryStore, "save", spy)
    window.editor.insertPlainText("draft")
    window.recovery.autosave()
    assert window.recovery.flush()
    assert threads and threads[0] is not threading.main_thread()
    assert parse_recovery(window.recovery.slot, window.recovery.slot.read_bytes()).text == "draft"


@pytest.mark.parametrize("modified", [True, False])
def test_autosave_writes_only_unsaved_text(qtbot, library, modified):
    w = MainWindow(library=library)
    qtbot.addWidget(w)
    w.editor.setPlainText("draft")
    w.editor.document().setModified(modified)
    w.autosave()
    assert w.recovery.flush()
    assert w.recovery.slot.exists() is modified
    w.editor.document().setModified(False)
    w.close()
    assert w.recovery.flush()
    assert not w.recovery.slot.exists()


def test_autosave_waits_for_a_pause_in_typing_but_not_forever(window, qtbot, monkeypatch):
    import ui.recovery_controller as rc

    monkeypatch.setattr(rc, "IDLE_S", 0.3)
    monkeypatch.setattr(rc, "MAX_DEFER_S", 1.0)
    ctl = window.recovery
    ctl._retry.setInterval(300)
    window.editor.insertPlainText("typing")
    ctl.autosave(when_idle=True)  # a keystroke just now: the snapshot waits
    assert ctl.flush() and not ctl.slot.exists()
    qtbot.waitUntil(ctl.slot.exists, timeout=5000)  # the pause came: written
    keys = QTimer()
    keys.timeout.connect(lambda: window.editor.insertPlainText("x"))
    keys.start(50)  # a writer who never pauses
    try:
        ctl.autosave(when_idle=True)
        qtbot.waitUntil(lambda: "x" * 5 in parse_recovery(ctl.slot, ctl.slot.read_bytes()).text, timeout=5000)
    finally:
        keys.stop()


def test_the_earlier_recovery_format_is_still_read(tmp_path):
    legacy = tmp_path / "1-x.json"
    legacy.write_text(json.dumps({"pid": 1, "text": "line\nnext", "original_path": None, "saved_at": 3}))
    doc = parse_recovery(legacy, legacy.read_bytes())
    assert (doc.text, doc.encoding, doc.newline) == ("line\nnext", "utf-8", "\n")
