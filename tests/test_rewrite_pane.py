"""The Rewrite pane with qtbot on the real default model: review changes, keep some, undo; own actions."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from assistant.tasks.rewrite import custom_action
from ui.main_window import MainWindow
from ui.rewrite_pane import ActionDialog

TEXT = "Due to the fact that it was raining, the game was postponed until a later time.\n\nWe will play next week."


@pytest.fixture
def window(open_window):
    w = open_window(rewrite_actions="[]")
    yield w
    w.settings.set("rewrite_actions", "[]")


def set_text(w, text: str) -> None:
    w.editor.setPlainText(text)
    w.editor.moveCursor(QTextCursor.MoveOperation.End)


def run_and_wait(qtbot, pane) -> None:
    qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    assert pane.handle is not None, pane.message.text()
    qtbot.waitUntil(lambda: pane.handle.finished and pane.run_button.isEnabled(), timeout=120_000)


def select(w, start: int, end: int) -> None:
    cursor = w.editor.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    w.editor.setTextCursor(cursor)


def test_rewrite_selection_review_keep_some_and_undo(qtbot, window):
    w, pane = window, window.rewrite_pane
    set_text(w, TEXT)
    first = TEXT.split("\n")[0]
    select(w, 0, len(first))
    pane.action.setCurrentIndex(pane.action.findData("concise"))
    run_and_wait(qtbot, pane)
    edits = list(pane.review.edits)
    assert edits, pane.message.text()
    assert pane.preview.toPlainText().strip()  # the rewrite streamed into the preview
    assert all(t.cursor.selectionEnd() <= len(first) for t in edits)  # only the selection
    assert w.editor.toPlainText() == TEXT
    assert "More concise" in pane.message.text()
    # Keep the first change only, reject the rest.
    pane.review.list.setCurrentRow(0)
    qtbot.mouseClick(pane.review.accept_button, Qt.MouseButton.LeftButton)
    e = edits[0].edit
    assert w.editor.toPlainText() == TEXT[: e.start] + e.replacement + TEXT[e.end :]
    qtbot.mouseClick(pane.review.reject_all_button, Qt.MouseButton.LeftButton)
    assert pane.review.edits == [] and w.editor.extraSelections() == []
    w.editor.undo()
    assert w.editor.toPlainText() == TEXT


def test_accept_all_is_one_undo_step(qtbot, window):
    w, pane = window, window.rewrite_pane
    set_text(w, TEXT)
    pane.action.setCurrentIndex(pane.action.findData("simple"))
    run_and_wait(qtbot, pane)
    assert pane.review.edits, pane.message.text()
    qtbot.mouseClick(pane.review.accept_all_button, Qt.MouseButton.LeftButton)
    assert w.editor.toPlainText() != TEXT
    w.editor.undo()
    assert w.editor.toPlainText() == TEXT


def test_own_action_saved_in_settings_exported_and_imported(qtbot, window, tmp_path):
    w, pane = window, window.rewrite_pane
    pane.add_action(custom_action("Announcement", "Make this sound like a product announcement."))
    assert pane.action.currentText() == "★ Announcement"
    assert "Announcement" in w.settings.get("rewrite_actions")
    assert "Announcement" in [a.text() for a in w.rewrite_menus[0].actions()]  # Tools > Rewrite as
    path = tmp_path / "mine.json"
    assert pane.export_to(str(path))
    pane.delete_action()
    assert pane.custom == [] and pane.action.findData("custom:Announcement") == -1
    assert pane.import_from(str(path)) == 1
    assert [a.name for a in pane.custom] == ["Announcement"]
    # A fresh window reads it back from the settings.
    w2 = MainWindow(library=w.library)
    try:
        assert [a.name for a in w2.rewrite_pane.custom] == ["Announcement"]
    finally:
        w2.close()
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    assert pane.import_from(str(bad)) == 0
    assert "Not imported" in pane.message.text() and len(pane.custom) == 1


def test_own_action_runs_from_the_context_menu_hook(qtbot, window):
    w, pane = window, window.rewrite_pane
    pane.add_action(custom_action("Kid", "Rewrite for a 10-year-old."))
    set_text(w, TEXT)
    from PySide6.QtWidgets import QMenu

    menu = QMenu()
    w._extend_context_menu(menu, 0)
    sub = next(a.menu() for a in menu.actions() if a.menu() is not None and a.text() == "Rewrite as")
    kid = next(a for a in sub.actions() if a.text() == "Kid")
    kid.trigger()
    assert w.panes.currentWidget() is pane and pane.handle is not None
    qtbot.waitUntil(lambda: pane.handle.finished and pane.run_button.isEnabled(), timeout=120_000)
    assert pane.message.text().startswith("Kid:")
    assert w.editor.toPlainText() == TEXT


def test_action_dialog_refuses_empty_and_long_instructions(qtbot):
    dialog = ActionDialog()
    qtbot.addWidget(dialog)
    dialog.name.setText("Mine")
    dialog._check()
    assert dialog.result_action is None and "empty" in dialog.error.text()
    dialog.instruction.setPlainText("x" * 900)
    dialog._check()
    assert dialog.result_action is None and "under 500" in dialog.error.text()
    dialog.instruction.setPlainText("Make it rhyme.")
    dialog._check()
    assert dialog.result_action is not None and dialog.result_action.instruction == "Make it rhyme."


def test_empty_selection_of_blank_text(qtbot, window):
    w, pane = window, window.rewrite_pane
    set_text(w, "\n\n   ")
    qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    assert pane.handle is None and "no text to rewrite" in pane.message.text()
