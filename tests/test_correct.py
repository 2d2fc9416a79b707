"""Grammar correction on the real default model: correct text stays unchanged, rewrites are refused."""

from __future__ import annotations

import pytest

from assistant.engine import Job, JobState
from assistant.tasks.correct import GrammarChecker, is_correction, paragraphs
from assistant.text_diff import Edit


@pytest.fixture(scope="module")
def engine(default_engine):
    return default_engine


def check(engine, checker, text):
    progress = []
    h = engine.submit(Job("correct", lambda ctx: checker.check(ctx, text), on_progress=lambda *a: progress.append(a)))
    assert h.wait(300) and h.state == JobState.DONE, h.error
    return h.result, progress


def test_correct_text_gets_no_edits_and_cache_is_used(engine):
    checker = GrammarChecker()
    text = "The meeting has been moved to Thursday.\n\nPlease bring your notes and a pen."
    result, progress = check(engine, checker, text)
    assert result.edits == [] and result.paragraphs == 2
    assert progress[-1][:2] == (2, 2)
    again, _ = check(engine, checker, text)
    assert again.from_cache == 2


def test_edits_have_offsets_categories_and_reasons(engine):
    text = "Intro line.\n\nThe results was good and we was happy."
    result, _ = check(engine, GrammarChecker(), text)
    for e in result.edits:
        assert text[e.start : e.end] == e.original
        assert e.category and e.reason


def test_rewrites_of_meaning_are_not_corrections():
    assert not is_correction(Edit(0, 0, "apple", "banana"))
    assert not is_correction(Edit(0, 0, "I think they", "They"))
    assert not is_correction(Edit(0, 0, "n't", "not"))
    assert is_correction(Edit(0, 0, "recieved", "received"))
    assert is_correction(Edit(0, 0, "a", "an"))
    assert is_correction(Edit(0, 0, "", ","))


def test_code_blocks_are_skipped():
    text = "Prose line.\n```\ncode is not prose\n```\nMore prose."
    assert [text[s.start : s.end] for s in paragraphs(text)] == ["Prose line.", "More prose."]
