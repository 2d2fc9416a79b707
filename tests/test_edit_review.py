"""Review edits belong to the document they were made for: opening, creating or recovering
another document drops them, so "Accept all" can never write into the wrong text."""

from __future__ import annotations

import pytest

from assistant.text_diff import Edit
from ui.main_window import MainWindow


def review_with_edits(w: MainWindow, text: str):
    w.editor.setPlainText(text)
    scope = w.editor.scope()
    review = w.grammar_pane.review
    review.set_edits(scope, [Edit(3, 3, "", " very"), Edit(8, 11, "bad", "good", "grammar", "test")])
    assert len(review.edits) == 2
    return review


@pytest.mark.parametrize("how", ["new", "open"])
def test_edits_are_dropped_when_another_document_takes_the_editor(window, tmp_path, how):
    review = review_with_edits(window, "Its a bad day.")
    window.editor.document().setModified(False)
    if how == "new":
        window.documents.new_document()
    else:
        other = tmp_path / "other.txt"
        other.write_text("Another text, longer than the first one.")
        assert window.documents.open_path(other)
    assert review.edits == [] and review.list.count() == 0
    before = window.editor.toPlainText()
    review.accept_all()  # before the fix the insertion (its span is empty, so it "looked intact") landed here
    assert window.editor.toPlainText() == before


def test_a_scope_from_the_old_document_never_matches_the_new_one(window):
    window.editor.setPlainText("Same words.")
    scope = window.editor.scope()
    window.editor.document().setModified(False)
    window.documents.new_document()
    window.editor.setPlainText("Same words.")  # identical text, but another document
    assert window.editor.scope_text(scope) is None
    assert not window.editor.replace_scope(scope, "Changed.")
    assert window.editor.toPlainText() == "Same words."
