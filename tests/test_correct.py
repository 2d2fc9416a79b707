"""Grammar correction on the real default model: correct text stays unchanged, rewrites are refused."""

from __future__ import annotations

import pytest

from assistant.engine import Job, JobState
from assistant.tasks.correct import (
    GrammarChecker,
    candidate_edits,
    categorize,
    edit_gains,
    is_correction,
    paragraphs,
)
from assistant.text_diff import Edit, apply_edits


@pytest.fixture(scope="module")
def engine(default_engine):
    return default_engine


def check(engine, checker, text):
    progress = []
    h = engine.submit(Job("correct", lambda ctx: checker.check(ctx, text), on_progress=lambda *a: progress.append(a)))
    assert h.wait(300) and h.state == JobState.DONE, h.error
    return h.result, progress


def test_unchanged_paragraphs_come_from_the_cache(engine):
    checker = GrammarChecker()
    text = "The meeting has been moved to Thursday.\n\nPlease bring your notes and a pen."
    result, progress = check(engine, checker, text)
    assert result.paragraphs == 2 and result.from_cache == 0
    assert progress[-1][:2] == (2, 2)
    again, _ = check(engine, checker, text)
    # How often the model leaves correct text alone is bench_grammar.py's false-edit rate; here: the cache.
    assert again.from_cache == 2 and again.edits == result.edits


def test_a_hard_wrapped_paragraph_is_checked_as_one_where_its_lines_join(engine):
    """Each line is a paragraph to the checker; where one wraps into the next (text_units.wraps) neither the
    full stop at the first's end nor the capital at the second's start is proposed, whatever the model judges.
    A list item's or heading's text gets no full stop either (split off from its frame, it looked like prose)."""
    text = ("We stayed at home all day because it\nrained and the roads were closed.\n\n"
            "- we went to the park when it was dry\n# We must trust ourselves")
    result, _ = check(engine, GrammarChecker(model_edits=False), text)
    join = text.index("\nrained")
    rules = {e.rule for e in result.edits if e.start <= join + 1 <= e.end + 1}
    assert not rules & {"ParagraphEnd", "SentenceCapitalization"}, result.edits
    assert [e for e in result.edits if e.rule == "ParagraphEnd"] == []


def test_a_proposal_becomes_located_categorised_edits():
    text = "The results was good and we was happy ."
    edits, rejected = candidate_edits(text, "The results were good and we were happy.")
    edits = [categorize(e) for e in edits]
    assert not rejected
    assert [(text[e.start:e.end], e.replacement, e.category) for e in edits] == [
        ("was", "were", "agreement"), ("was", "were", "agreement")]
    assert all(e.reason == "Agreement: “was” → “were”" for e in edits)


def test_a_rewrite_proposal_is_rejected_whole():
    assert candidate_edits("We was late.", "Unfortunately the whole team arrived after the start.") == ([], True)
    assert candidate_edits("Fine as it is.", "Fine as it is.") == ([], False)


def test_edits_from_the_model_point_into_the_document(engine):
    text = "Intro line.\n\nThe results was good and we was happy."
    result, progress = check(engine, GrammarChecker(), text)
    assert result.paragraphs == 2 and progress[-1][:2] == (2, 2)
    for e in result.edits:  # whatever the model proposed and the critic kept
        assert text[e.start : e.end] == e.original
        assert e.category and e.reason
        assert is_correction(e, text)


def test_rewrites_of_meaning_are_not_corrections():
    assert not is_correction(Edit(0, 0, "apple", "banana"))
    assert not is_correction(Edit(0, 0, "I think they", "They"))
    assert not is_correction(Edit(0, 0, "n't", "not"))
    assert is_correction(Edit(0, 0, "recieved", "received"))
    assert is_correction(Edit(0, 0, "a", "an"))
    assert is_correction(Edit(0, 0, "", ","))


def test_proposals_may_not_drop_a_negation_an_opening_word_or_respell_into_no_word():
    """What SmolLM2 proposed on JFLEG dev and its critic let through."""
    assert candidate_edits("But I can not use it .", "I can use it .") == ([], False)
    assert candidate_edits("Menhadens are fish .", "Menadens are fish .") == ([], False)
    edits, _ = candidate_edits("He go home. So I think we was late.", "He goes home. I think we were late.")
    assert [(e.original, e.replacement) for e in edits] == [("go", "goes"), ("was", "were")]
    edits, _ = candidate_edits("We saw the the dog.", "We saw the dog.")  # a repeated word still goes
    assert [e.original.strip() for e in edits] == ["the"]


def test_code_blocks_are_skipped():
    text = "Prose line.\n```\ncode is not prose\n```\nMore prose."
    assert [text[s.start : s.end] for s in paragraphs(text)] == ["Prose line.", "More prose."]


def test_each_proposed_edit_is_scored_as_the_whole_sentence_with_it_alone(smol_backend):
    # The critic's gains come from one pass over the sentence and each variant's changed tail; they
    # must equal the difference of whole-sentence scores, or the critic's thresholds mean something else.
    text = "She go to school every days and dont like it."
    edits, _ = candidate_edits(text, "She goes to school every day and doesn't like it.")
    assert len(edits) == 3
    gains = edit_gains(smol_backend, text, edits)
    base, *scores = smol_backend.logprobs([text] + [apply_edits(text, [e]) for e in edits])
    assert gains == pytest.approx([s - base for s in scores], abs=0.05)
