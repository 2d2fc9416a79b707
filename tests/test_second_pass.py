"""The second look at changed sentences: folding (pure, on given edits) and the layers with it."""

from __future__ import annotations

import pytest

from assistant.checking.checker import LayeredChecker, merge
from assistant.checking.rules import harper_spellings
from assistant.checking.second_pass import compose, recheck
from assistant.text_diff import Edit, apply_edits


def edit(text: str, old: str, new: str, rule: str = "R", at: int = 0) -> Edit:
    start = text.index(old, at)
    return Edit(start, start + len(old), old, new, "grammar", f"{rule} says so", "rules", rule)


def test_a_finding_in_untouched_words_maps_back_to_the_original():
    text = "a bb ccc dddd"
    first = [edit(text, "bb", "b")]
    fixed = apply_edits(text, first)  # "a b ccc dddd"
    (out_first, second) = compose(text, first, [edit(fixed, "dddd", "DDDD")])
    assert (second.start, second.end, second.original, second.replacement) == (9, 13, "dddd", "DDDD")
    assert out_first is first[0]


def test_a_finding_in_the_words_an_edit_wrote_is_folded_into_it():
    text = "She discuss about the plan."
    first = [edit(text, "discuss about", "discuss", "Discuss")]
    fixed = apply_edits(text, first)
    (folded,) = compose(text, first, [edit(fixed, "discuss", "discusses", "Agreement")])
    assert (folded.original, folded.replacement, folded.rule) == ("discuss about", "discusses", "Discuss")
    assert folded.reason == "Discuss says so. Agreement says so."
    assert apply_edits(text, [folded]) == "She discusses the plan."


def test_a_second_look_that_undoes_the_first_or_reaches_a_flag_changes_nothing():
    text = "Teh cat sat."
    first = [edit(text, "cat", "cats")]
    fixed = apply_edits(text, first)
    assert compose(text, first, [edit(fixed, "cats", "cat")]) == first
    flag = edit(text, "Teh", "Teh")  # an unknown word with no suggestion: flagged, not applied
    assert compose(text, [flag, *first], [edit(fixed, "Teh", "The")]) == [flag, *first]


def test_a_finding_beside_an_edit_is_folded_into_it():
    text = "It is a very good idea."
    first = [edit(text, "very good", "excellent")]
    fixed = apply_edits(text, first)
    (folded,) = compose(text, first, [edit(fixed, "a", "an", at=fixed.index("a excellent"))])
    assert (folded.original, folded.replacement) == ("a very good", "an excellent")


@pytest.mark.parametrize("text,fixed", [
    ("She discuss about the plan.", "She discusses the plan."),
    ("becaese when we learn about it, we grow.", "Because when we learn about it, we grow."),
    ("I like it. She discuss about the plan.", "I like it. She discusses the plan."),
])
def test_the_layers_take_a_second_look(text, fixed):
    edits = LayeredChecker().check(text, "en").edits
    assert apply_edits(text, [e for e in edits if not e.is_flag]) == fixed
    assert all(text[e.start : e.end] == e.original for e in edits)


def test_spelling_fixes_alone_get_no_second_look():
    """A respelt word keeps its place in the sentence: only sentences with another kind of change
    are checked again (half the second look's cost on learner text)."""
    layers = LayeredChecker()
    looked: list[str] = []

    def check(sentence: str) -> list[Edit]:
        looked.append(sentence)
        return merge(layers.rules.check(sentence), layers.spelling.check(sentence, "en"))

    text = "I like teh house. She discuss about the plan."
    first = merge(layers.rules.check(text), layers.spelling.check(text, "en"))
    assert {e.original for e in first} >= {"teh", "discuss about"}
    recheck(text, first, check)
    assert looked == ["She discuss the plan."]


def test_the_warm_up_loads_every_layer():
    """Live checking warms up with one sentence: it must reach Harper's grammar and spelling, the
    learner patterns and LemmInflect (and the tagger the plural patterns ask), and the dictionaries, or the
    writer's first paragraph pays."""
    harper_spellings.cache_clear()
    found = LayeredChecker().warm_up()
    assert found.language == "en" and found.detected and found.searched
    assert {e.layer for e in found.edits} == {"rules", "spelling"}
    rules = {e.rule for e in found.edits if e.layer == "rules"}
    assert {"EveryPlural", "RegularIrregulars", "PronounVerbAgreement", "PluralAfterQuantifier"} <= rules
    assert "SpellCheck" in {e.rule for e in found.edits if e.layer == "spelling"}
    # Harper's spelling search ran on a long unknown word: its first such search takes 0.7 s.
    assert harper_spellings.cache_info().misses >= 1
