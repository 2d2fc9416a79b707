"""The main window, driven with qtbot on the offscreen platform, with the real default model."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from assistant import atomic


@pytest.fixture
def loaded(window, qtbot):
    with qtbot.waitSignal(window.bridge.model_loaded, timeout=60_000):
        window.load_configured_model()
    return window


def test_window_has_editor_panes_and_model_status(loaded):
    w = loaded
    assert w.centralWidget() is w.editor
    assert [w.panes.tabText(i) for i in range(w.panes.count())] == ["Grammar", "Summary", "Translate", "Rewrite",
                                                                    "Learn", "Models"]
    assert w.models_pane.table.rowCount() >= 2
    assert w.model_label.text().startswith("SmolLM2")
    assert w.backend_label.text() == "CPU"


def test_counts_words_and_tokens(loaded, qtbot):
    w = loaded
    w.editor.setPlainText("Four little words here")
    assert w.count_label.text().startswith("4 words")
    qtbot.waitUntil(lambda: "tokens" in w.count_label.text(), timeout=10_000)
    n = int(w.count_label.text().split("·")[1].split()[0])
    assert n == w.bridge.engine.backend.count_tokens("Four little words here")


def test_open_save_and_recent(window, tmp_path):
    p = tmp_path / "essay.md"
    p.write_text("# Essay\n\nFirst draft.\n", encoding="utf-8")
    assert window.documents.open_path(p)
    assert window.editor.toPlainText() == "# Essay\n\nFirst draft.\n"
    assert window.windowTitle().startswith("essay.md")
    window.editor.appendPlainText("Second line.")
    assert "•" in window.windowTitle()
    assert window.documents.save()
    assert p.read_text(encoding="utf-8") == "# Essay\n\nFirst draft.\n\nSecond line."
    assert "•" not in window.windowTitle()
    assert window.settings.get("recent_files")[0] == str(p)
    assert window.recent_menu.actions()[0].text() == str(p)


def test_non_utf8_file_asks_for_encoding(window, tmp_path, monkeypatch):
    p = tmp_path / "old.txt"
    p.write_bytes("Très bien, ça marche.".encode("cp1252"))
    asked = []

    def choose(err):
        asked.append(sorted(err.candidates))
        return "cp1252"

    monkeypatch.setattr(window.documents, "choose_encoding", choose)
    assert window.documents.open_path(p)
    assert asked and "cp1252" in asked[0]
    assert window.editor.toPlainText() == "Très bien, ça marche."
    assert window.editor.encoding == "cp1252"


def test_declining_the_encoding_opens_nothing(window, tmp_path, monkeypatch):
    window.editor.setPlainText("keep me")
    p = tmp_path / "old.txt"
    p.write_bytes(b"caf\xe9")
    monkeypatch.setattr(window.documents, "choose_encoding", lambda err: None)
    assert not window.documents.open_path(p)
    assert window.editor.toPlainText() == "keep me"


def test_failed_save_keeps_text_and_says_why(window, tmp_path, monkeypatch):
    """FAKE full disk (fsync raises ENOSPC) to force the fault."""
    p = tmp_path / "doc.txt"
    p.write_text("saved before")
    window.documents.open_path(p)
    window.editor.setPlainText("precious new text")
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: shown.append(text))

    def fake_full_disk(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", fake_full_disk)
    assert not window.documents.save()
    assert shown and "No space left" in shown[0]
    assert window.editor.toPlainText() == "precious new text"
    assert p.read_text() == "saved before"


def test_a_text_opened_as_a_new_document_asks_about_unsaved_changes_once(window, monkeypatch):
    """The writer answers the unsaved-changes question (here Discard, a stand-in for the click) once; the old
    text stays modified after Discard, and asking again would put the same question twice. Cancel keeps it."""
    window.editor.setPlainText("unsaved draft")
    window.editor.document().setModified(True)  # as typing leaves it
    asked: list[str] = []

    def answer(*_a, **_k):
        asked.append("unsaved")
        return QMessageBox.StandardButton.Cancel if len(asked) == 1 else QMessageBox.StandardButton.Discard
    monkeypatch.setattr(QMessageBox, "question", answer)
    assert not window.documents.open_text_as_new_document("A summary.")
    assert window.editor.toPlainText() == "unsaved draft" and asked == ["unsaved"]
    assert window.documents.open_text_as_new_document("A summary.")
    assert asked == ["unsaved", "unsaved"]
    assert window.editor.toPlainText() == "A summary." and window.editor.path is None and window.editor.is_modified()


def test_undo_redo_actions(window, qtbot):
    window.editor.setFocus()
    qtbot.keyClicks(window.editor, "abc")
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    assert window.editor.toPlainText() == ""
    window.redo_action.trigger()
    assert window.editor.toPlainText() == "abc"


def test_models_pane_rejects_bad_file_with_message(window, qtbot, tmp_path, monkeypatch):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\xff" * 100)
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    rows = window.models_pane.table.rowCount()
    window.models_pane.add_path(str(bad))
    qtbot.waitUntil(lambda: bool(warned), timeout=10_000)
    assert "not a usable GGUF" in warned[0]
    assert window.models_pane.table.rowCount() == rows
    assert window.models_pane.add_button.isEnabled()


def test_models_pane_load_switches_model(loaded, qtbot):
    w = loaded
    pane = w.models_pane
    row = next(r for r in range(pane.table.rowCount())
               if pane.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == "gemma-3-270m")
    pane.table.selectRow(row)
    with qtbot.waitSignal(w.bridge.model_loaded, timeout=60_000):
        pane.load_button.click()
    assert w.model_label.text().startswith("Gemma")


def test_models_pane_says_and_takes_what_a_model_writes(window, qtbot):
    pane = window.models_pane
    row = next(r for r in range(pane.table.rowCount())
               if pane.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == "gemma-3-270m")
    pane.table.selectRow(row)
    assert pane.writes.text() == "" and pane.writes.placeholderText() == "it writes every app language (Gemma 3)"
    statuses: list[str] = []
    pane.status.connect(statuses.append)
    pane.writes.setText("fr, xx")
    pane.writes.editingFinished.emit()
    assert "Unknown language code “xx”" in statuses[-1] and window.library.get("gemma-3-270m").languages is None
    pane.writes.setText("fr, de")
    pane.writes.editingFinished.emit()
    assert window.library.get("gemma-3-270m").languages == ["fr", "de"]
    pane.writes.setText("")
    pane.writes.editingFinished.emit()
    assert window.library.get("gemma-3-270m").languages is None


def test_pyside_signal_emit_keeps_bool_refcounts():
    """PySide6 6.12.0 dropped a reference to True on every emit() and crashed after a few thousand."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class S(QObject):
        s = Signal(int)

    o = S()
    o.s.connect(lambda _v: None)
    before = sys.getrefcount(True)
    for _ in range(200):
        o.s.emit(1)
    assert sys.getrefcount(True) - before in range(-5, 6)


def test_recent_file_missing_shows_message(window, tmp_path, monkeypatch):
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    assert not window.documents.open_path(Path(tmp_path / "gone.md"))
    assert warned and "cannot open" in warned[0]
