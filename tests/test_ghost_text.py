"""Ghost-text suggestions in the real editor with the real default model."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from assistant.engine import JobState
from ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, library):
    w = MainWindow(library=library)
    w.show()
    with qtbot.waitSignal(w.bridge.model_loaded, timeout=60_000):
        w.load_configured_model()
    w.inline.set_delay(50)
    yield w
    w.editor.document().setModified(False)
    w.close()


def type_and_wait(qtbot, w, text: str) -> str:
    w.editor.setFocus()
    with qtbot.waitSignal(w.inline.suggestion_changed, timeout=30_000,
                          check_params_cb=lambda s: bool(s)) as blocker:
        qtbot.keyClicks(w.editor, text)
    return blocker.args[0]


def test_suggestion_appears_and_tab_accepts(qtbot, window):
    w = window
    suggestion = type_and_wait(qtbot, w, "The quick brown fox jumps over the")
    assert w.inline.ghost.active and w.inline.ghost.text == suggestion
    assert w.editor.toPlainText() == "The quick brown fox jumps over the"  # ghost text is not document text
    qtbot.keyClick(w.editor, Qt.Key.Key_Tab)
    assert w.editor.toPlainText() == "The quick brown fox jumps over the" + suggestion
    assert not w.inline.ghost.active
    w.editor.undo()
    assert w.editor.toPlainText() == "The quick brown fox jumps over the"


def test_escape_dismisses(qtbot, window):
    type_and_wait(qtbot, window, "Dear Sir or Madam, I am writing to")
    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)
    assert not window.inline.ghost.active
    assert window.editor.toPlainText() == "Dear Sir or Madam, I am writing to"


def test_ctrl_right_accepts_next_word(qtbot, window):
    w = window
    suggestion = type_and_wait(qtbot, w, "Once upon a time, there was a")
    first_word = suggestion.split()[0]
    qtbot.keyClick(w.editor, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert w.editor.toPlainText().endswith(first_word)
    rest = suggestion[suggestion.index(first_word) + len(first_word):]
    if rest.strip():
        assert w.inline.ghost.active and w.inline.ghost.text == rest


def test_typing_the_suggestion_keeps_the_rest(qtbot, window):
    w = window
    suggestion = type_and_wait(qtbot, w, "The capital of France is")
    first = suggestion[0]
    qtbot.keyClicks(w.editor, first)
    assert w.editor.toPlainText() == "The capital of France is" + first
    assert w.inline.ghost.text == suggestion[1:]


def test_other_edit_or_cursor_move_drops_it(qtbot, window):
    w = window
    type_and_wait(qtbot, w, "My favourite food is")
    qtbot.keyClick(w.editor, Qt.Key.Key_Backspace)
    assert not w.inline.ghost.active
    type_and_wait(qtbot, w, "s")
    cursor = w.editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.Start)
    w.editor.setTextCursor(cursor)
    assert not w.inline.ghost.active


def test_no_suggestion_with_a_selection(qtbot, window):
    w = window
    w.editor.setPlainText("Some text that is selected")
    w.editor.selectAll()
    assert w.inline.request() is None


def test_stale_requests_are_superseded(qtbot, window):
    w = window
    w.editor.setPlainText("The history of science")
    w.editor.moveCursor(QTextCursor.MoveOperation.End)
    first = w.inline.request()
    w.editor.insertPlainText(" is long")
    w.inline.timer.stop()  # this test issues the requests itself
    second = w.inline.request()
    qtbot.waitUntil(lambda: second.finished, timeout=30_000)
    assert first.state == JobState.CANCELLED
    assert second.state == JobState.DONE


def test_turned_off_means_no_requests(qtbot, window, tmp_path):
    w = window
    w.inline_action.trigger()  # off
    assert not w.inline.enabled
    w.editor.setPlainText("Nothing should be suggested here")
    assert w.inline.request() is None
    w.inline_action.trigger()  # on again
    doc = tmp_path / "quiet.md"
    doc.write_text("Quiet document")
    w.documents.open_path(doc)
    w.inline_doc_action.trigger()  # off for this document only
    assert not w.inline.enabled
    assert str(doc) in w.settings.get("inline_off_documents")
    w.documents.new_document()
    assert w.inline.enabled or not w.settings.get("inline_completion")
    w.documents.open_path(doc)
    assert not w.inline.enabled
    w.inline_doc_action.trigger()
