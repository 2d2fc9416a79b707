"""The faithfulness checks: example leaks, grounding of summary lines, facts a rewrite must keep, the
extractive fallback. The checks are deterministic, so these tests assert exact outcomes; the runs
through the engine use fakes (named as such) to force the failures no real model makes on demand."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.engine import Job, JobState
from assistant.faithfulness.extractive import extract
from assistant.faithfulness.grounding import SourceIndex, lost_facts, sources_of, unsupported
from assistant.faithfulness.leaks import leaked
from assistant.faithfulness.words import names, negations, numbers
from assistant.languages import get_language
from assistant.learning.items import example
from assistant.tasks.rewrite import action_for, rewrite
from assistant.tasks.summarize import SummaryRequest, check, examples, extracted, summarize
from tests.fakes import fixed_answer_engine

README = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
# What gemma-3-270m answered for "summarize --length bullets" on part of the README: its prompt's example.
README_ANSWER = ("The council voted to turn the old rail yard into a park. It will have trees, a playground and "
                 "bike paths. It should open in two years.")
PARK = ("On Monday the town board agreed to build a park on the old rail yard by the station. Neighbours had "
        "asked for trees and a playground. The park should open in two years, the mayor said.")
STORY = ("The village of Larkmoor sits in a narrow valley where the river Wend bends twice. In 1998 the mill "
         "closed, and half of the young families moved to the coast. Residents turned the mill into a workshop "
         "for repairing bicycles. Tourists who rode along the river began to stop in the village. Today the "
         "workshop employs twelve people and the school has reopened one of its classes.")


# example leaks ---------------------------------------------------------------------------
@pytest.mark.parametrize("length", ["sentence", "paragraph", "bullets"])
def test_the_readme_answer_is_rejected_as_the_prompts_example(length):
    lines, _dropped, why = check(README_ANSWER, length, SourceIndex.of(README, "en"))
    assert lines == [] and "copied the prompt's example" in why and "rail yard" in why


APP = ("An offline desktop writing assistant: a document editor with panes for grammar, translation and "
       "summaries, driven by a language model that runs on your own machine.")


def test_a_near_copy_is_a_leak_too():
    # A fixed source, not the README: a README line that happens to say "turns" made "turning" the source's.
    near = "The town council approved turning the former rail yard into a public park with bike paths."
    assert leaked(near, examples(), "en", APP) == near


def test_a_text_about_a_park_may_be_summarised_as_one():
    # The same words, taken from the source this time: not a leak, and supported.
    summary = "The town board agreed to build a park on the old rail yard, to open in two years."
    assert leaked(summary, examples(), "en", PARK) is None
    assert check(summary, "sentence", SourceIndex.of(PARK, "en")) == ([summary], 0, "")


def test_translation_and_rewrite_examples_use_the_same_check():
    fr = get_language("fr")
    assert leaked(fr.samples[0], list(fr.samples), "fr") == fr.samples[0]
    formal = action_for("formal")
    out = "Please note that the meeting has been moved to Friday; there is no need to attend on Thursday."
    from assistant.tasks.rewrite import unfaithful
    assert "copied the prompt's example" in unfaithful(out, "Lunch is at noon in the big hall today.", formal, "en")
    # An exercise that is its prompt's example, reworded a little, is caught as well.
    _request, shown = example("translate", get_language("en"), fr)
    assert leaked(shown["sentence"].replace(".", " !"), [shown["sentence"]], "fr") is not None


# grounding -------------------------------------------------------------------------------
def test_a_bullet_with_a_number_not_in_the_source_is_dropped():
    out = "- Larkmoor lies in a narrow valley.\n- The workshop employs 40 people.\n- The mill closed in 1998."
    lines, dropped, why = check(out, "bullets", SourceIndex.of(STORY, "en"))
    assert lines == ["Larkmoor lies in a narrow valley.", "The mill closed in 1998."] and dropped == 1 and not why
    assert "40" in unsupported("The workshop employs 40 people.", SourceIndex.of(STORY, "en"))


def test_numbers_written_as_words_match_digits_and_names_must_occur():
    src = SourceIndex.of(STORY, "en")
    assert unsupported("The workshop employs 12 people.", src) is None  # "twelve" in the source
    assert "paris" in unsupported("Residents of Larkmoor moved to Paris.", src)
    assert unsupported("The village lies in a valley near the river Wend.", src) is None
    assert unsupported("Scientists discovered a new vaccine against malaria in the laboratory.", src) == \
        "says what the text does not"
    assert "gimle" in unsupported("The workshop uses a library called `gimle` for repairs.", src)
    assert numbers("twenty-five apples, 1,200 pears and 3.5 kg", "en") == {25.0, 1200.0, 3.5}
    assert names("Yesterday Maria met the UN envoy in Madrid.", "en") == {"maria", "un", "madrid"}


def test_a_two_sentence_one_sentence_summary_is_cut_to_its_first():
    lines, dropped, _ = check("The mill closed in 1998. Tourists came later.", "sentence", SourceIndex.of(STORY, "en"))
    assert lines == ["The mill closed in 1998."] and dropped == 0


def test_bullets_are_bounded_and_headings_are_not_bullets():
    out = "# Larkmoor\n" + "\n".join(f"- The mill closed in 1998, item {i}." for i in range(1, 9))
    lines, _, _ = check(out, "bullets", SourceIndex.of(STORY + " Items 1 2 3 4 5 6 7 8.", "en"))
    assert len(lines) == 5 and not any("#" in ln for ln in lines)


def test_sources_of_a_line_are_the_sentences_it_rests_on():
    src = SourceIndex.of(STORY, "en")
    spans = sources_of("The mill became a bicycle repair workshop.", src)
    assert [STORY[s.start : s.end] for s in spans][0].startswith("Residents turned the mill into a workshop")


# facts a rewrite keeps -------------------------------------------------------------------
@pytest.mark.parametrize("rewritten,why", [
    ("We can meet Anna on 12 May.", "negation"),
    ("We cannot meet Bob on 12 May.", "drops anna"),
    ("We cannot meet Anna on 13 May.", "number"),
    ("We cannot meet Anna and Carl on 12 May.", "adds carl"),
    ("Meeting Anna on 12 May is not possible for us.", None),
    ("We are unable to meet Anna on 12 May.", None),
])
def test_a_rewrite_keeps_names_numbers_dates_and_negations(rewritten, why):
    got = lost_facts("We cannot meet Anna on 12 May.", rewritten, "en")
    assert (got is None) if why is None else (why in got), got


def test_negations_are_counted_in_several_languages():
    assert negations("I don't know, and I never will.", "en") == 2
    assert negations("Il n'a pas de voiture.", "fr") == 2
    assert negations("Das ist kein Problem.", "de") == 1


# extractive fallback ---------------------------------------------------------------------
def test_textrank_picks_whole_central_sentences_in_order():
    src = SourceIndex.of(STORY, "en")
    spans = extract(src, 2)
    assert len(spans) == 2 and spans[0].start < spans[1].start
    assert all(STORY[s.start : s.end] in STORY.split(". ") or STORY[s.start : s.end].rstrip(".") in STORY
               for s in spans)
    assert extracted(src, "sentence")[0] in STORY


def test_a_model_that_copies_its_example_gives_a_labelled_extract():
    """The fake answers with the prompt's example every time: both tries are rejected and the summary is
    the text's own sentences, marked as extracted, with the sentences it came from."""
    eng = fixed_answer_engine(README_ANSWER)
    try:
        progress: list[str] = []
        h = eng.submit(Job("summarize", lambda ctx: summarize(ctx, SummaryRequest(STORY, "paragraph")),
                           on_progress=lambda d, t, m: progress.append(m)))
        assert h.wait(30) and h.state == JobState.DONE, h.error
        s = h.result
        assert s.extracted and len(s.rejected) == 2 and all("copied the prompt's example" in r for r in s.rejected)
        assert "rail yard" not in s.text and s.lines and all(line in STORY for line in s.lines)
        assert [STORY[sp[0].start : sp[0].end] for sp in s.sources] == s.lines
        assert progress[-1] == "extracting the text's central sentences" and "writing the summary again" in progress
    finally:
        eng.shutdown()


def test_an_unfaithful_rewrite_leaves_the_paragraph_as_written():
    """The fake's rewrite drops the negation; the paragraph is not offered and the result says why."""
    text = "We cannot meet Anna on Friday.\n\nThe hall is closed."
    eng = fixed_answer_engine("We can meet Anna on Friday.")
    try:
        h = eng.submit(Job("rewrite", lambda ctx: rewrite(ctx, text, action_for("formal"))))
        assert h.wait(30) and h.state == JobState.DONE, h.error
        r = h.result
        assert r.edits == [] or all(e.start > text.index("\n\n") for e in r.edits)
        assert r.unfaithful and r.unfaithful[0].startswith("paragraph 1:") and "negation" in r.unfaithful[0]
        assert r.text.startswith("We cannot meet Anna on Friday.")
    finally:
        eng.shutdown()
