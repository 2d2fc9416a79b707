"""Aligning a revision with the original into edits that keep the original's spacing."""

from __future__ import annotations

import pytest

from assistant.text_diff import Edit, align, apply_edits, tokenize


@pytest.mark.parametrize("original,revised", [
    ("She go to school every day.", "She goes to school every day."),
    ("I have a apple , and he have two.", "I have an apple, and he has two."),
    ("This is is a test.", "This is a test."),
    ("Hello world", "Hello, world!"),
])
def test_edits_reproduce_the_revision_word_for_word(original, revised):
    edits = align(original, revised)
    assert edits
    result = apply_edits(original, edits)
    assert [t.text for t in tokenize(result)] == [t.text for t in tokenize(revised)]


def test_corpus_spacing_is_kept():
    assert apply_edits("I have a apple , he said .", align("I have a apple , he said .", "I have an apple, he said.")) \
        == "I have an apple , he said ."


def test_clitics_align_across_spacing():
    assert align("In today 's world", "In today's world") == []
    assert align("do n't", "don't") == []


def test_overlapping_edits_refused():
    with pytest.raises(ValueError):
        apply_edits("abc", [Edit(0, 2, "ab", "x"), Edit(1, 3, "bc", "y")])
