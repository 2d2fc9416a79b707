"""Crash recovery: type in a real app process, kill -9 it, start again, get the text back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtWidgets import QMessageBox

from assistant.recovery import RecoveryStore
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
        if w.recovery.root.joinpath(w._slot.name).exists():
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


def test_declined_recovery_discards(qtbot, library, monkeypatch):
    store = RecoveryStore()
    slot = store.root / "999999-dead.json"
    slot.write_text('{"pid": 999999, "text": "old", "original_path": null, "saved_at": 1}')
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    w = MainWindow(library=library)
    qtbot.addWidget(w)
    assert not w.offer_recovery()
    assert not slot.exists() and w.editor.toPlainText() == ""
    w.close()


@pytest.mark.parametrize("modified", [True, False])
def test_autosave_writes_only_unsaved_text(qtbot, library, modified):
    w = MainWindow(library=library)
    qtbot.addWidget(w)
    w.editor.setPlainText("draft")
    w.editor.document().setModified(modified)
    w.autosave()
    assert w._slot.exists() is modified
    w.editor.document().setModified(False)
    w.close()
    assert not w._slot.exists()
