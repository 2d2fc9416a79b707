"""Summaries on the real models: one pass when the text fits, map-reduce when it does not."""

from __future__ import annotations

import pytest

from assistant.backends.factory import local_factory
from assistant.engine import Engine, Job, JobState
from assistant.faithfulness.grounding import SourceIndex, unsupported
from assistant.faithfulness.leaks import leaked
from assistant.tasks.summarize import SummaryRequest, as_bullets, examples, lengths, split_chunks, summarize
from assistant.text_units import sentences

STORY = [
    "The village of Larkmoor sits in a narrow valley where the river Wend bends twice before reaching the sea. "
    "For three hundred years its people lived from wool.",
    "In 1998 the mill closed, and half of the young families moved to the coast to find work. The school lost "
    "two of its four classes.",
    "Residents turned the mill into a workshop for repairing bicycles. Tourists who rode along the river began "
    "to stop, eat and sleep in the village.",
    "Today the workshop employs twelve people, the bakery is open every day again, and the school has reopened "
    "one of its classes.",
]


def engine_for(entry, n_ctx):
    eng = Engine()
    assert eng.load(local_factory(entry, n_ctx=n_ctx)).wait(120)
    assert eng.info is not None
    return eng


@pytest.fixture(scope="module")
def small(library):
    eng = engine_for(library.get(), 512)
    yield eng
    eng.shutdown()


def assert_checked(summary, source: str) -> None:
    """What holds whatever the model wrote: every line shown passed the checks, or is the source's own."""
    assert summary.lines and summary.text
    if summary.extracted:
        assert all(line in " ".join(source.split()) for line in summary.lines) and len(summary.rejected) == 2
        return
    index = SourceIndex.of(source, summary.language)
    assert all(unsupported(line, index) is None for line in summary.lines), summary.lines
    assert leaked("\n".join(summary.lines), examples(), summary.language, source) is None
    assert len(summary.sources) == len(summary.lines)


def run(engine, req, progress=None):
    h = engine.submit(Job("summarize", lambda ctx: summarize(ctx, req),
                          on_progress=(lambda *a: progress.append(a)) if progress is not None else None))
    assert h.wait(300), "summary did not finish"
    return h


def test_lengths_come_from_resources():
    assert set(lengths()) == {"sentence", "paragraph", "bullets"}


def test_chunks_respect_the_budget_and_keep_all_text(smol_backend):
    text = "\n\n".join(STORY * 6)
    chunks = split_chunks(text, 120, smol_backend.count_tokens)
    assert len(chunks) > 1
    assert all(smol_backend.count_tokens(c) <= 120 for c in chunks)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())


def test_overlong_paragraph_is_split_by_sentences(smol_backend):
    para = " ".join(STORY * 4)  # one paragraph, no blank lines
    chunks = split_chunks(para, 80, smol_backend.count_tokens)
    assert len(chunks) > 2 and all(smol_backend.count_tokens(c) <= 80 for c in chunks)


def test_document_longer_than_the_context_goes_through_chunks(small):
    text = "\n\n".join(STORY * 4)
    assert small.backend.count_tokens(text) > small.info.n_ctx
    progress, tokens = [], []
    req = SummaryRequest(text, "paragraph")
    h = small.submit(Job("summarize", lambda ctx: summarize(ctx, req), on_progress=lambda *a: progress.append(a),
                         on_token=tokens.append))
    assert h.wait(300) and h.state == JobState.DONE, h.error
    summary = h.result
    assert summary.chunks >= 2 and summary.levels >= 1
    assert summary.text and len(summary.text) < len(text) / 3
    messages = [m for _, _, m in progress]
    assert f"chunk 1 of {summary.chunks}" in messages and "writing the summary" in messages
    assert "checking it against the text" in messages
    assert tokens == []  # nothing is shown before it passed the checks
    assert_checked(summary, text)


def test_fitting_text_is_one_pass_and_one_sentence(small):
    text = " ".join(STORY[:2])
    h = small.submit(Job("summarize", lambda ctx: summarize(ctx, SummaryRequest(text, "sentence"))))
    assert h.wait(300) and h.state == JobState.DONE, h.error
    assert h.result.chunks == 1 and h.result.levels == 0
    # One sentence, whatever the model wrote (it is cut at the model's first sentence boundary).
    assert len(h.result.lines) == 1 and len(sentences(h.result.text)) == 1
    assert_checked(h.result, text)


def test_bullets_with_the_base_model(library):
    eng = engine_for(library.get("gemma-3-270m"), 1024)
    try:
        text = "\n\n".join(STORY)
        h = eng.submit(Job("summarize", lambda ctx: summarize(ctx, SummaryRequest(text, "bullets"))))
        assert h.wait(300) and h.state == JobState.DONE, h.error
        lines = h.result.text.splitlines()
        assert 1 <= len(lines) <= 5 and all(line.startswith("- ") for line in lines)
        assert [line[2:] for line in lines] == h.result.lines
        assert_checked(h.result, text)
    finally:
        eng.shutdown()


def test_cancel_midway(small):
    text = "\n\n".join(STORY * 12)
    progress = []
    h = small.submit(Job("summarize", lambda ctx: summarize(ctx, SummaryRequest(text)),
                         on_progress=lambda d, t, m: (progress.append(m), m == f"chunk 2 of {t}" and h.cancel())))
    assert h.wait(120)
    assert h.state == JobState.CANCELLED and "writing the summary" not in progress


def test_empty_text_and_unknown_length(small):
    assert run(small, SummaryRequest("  \n ")).state == JobState.ERROR
    h = run(small, SummaryRequest("Some text.", "haiku"))
    assert h.state == JobState.ERROR and "unknown summary length" in h.error


def test_as_bullets_turns_prose_into_bullets():
    assert as_bullets("One thing. Another thing.") == "- One thing.\n- Another thing."
    assert as_bullets("* a\n* b") == "- a\n- b"


def test_a_title_does_not_end_a_sentence():
    text = "I met Mr. Bacchan today. He said hi. Then Dr. Who came. It was St. Louis."
    assert [text[s.start:s.end] for s in sentences(text)] == [
        "I met Mr. Bacchan today.", "He said hi.", "Then Dr. Who came.", "It was St. Louis."]
