"""Summaries on the real models: one pass when the text fits, map-reduce when it does not."""

from __future__ import annotations

import pytest

from assistant.backends.factory import local_factory
from assistant.engine import Engine, Job, JobState
from assistant.tasks.summarize import SummaryRequest, as_bullets, lengths, split_chunks, summarize

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
    assert "".join(tokens).strip()  # the final summary streamed


def test_fitting_text_is_one_pass_and_the_models_first_sentence(small):
    tokens = []
    h = small.submit(Job("summarize", lambda ctx: summarize(ctx, SummaryRequest(" ".join(STORY[:2]), "sentence")),
                         on_token=tokens.append))
    assert h.wait(300) and h.state == JobState.DONE, h.error
    assert h.result.chunks == 1 and h.result.levels == 0
    streamed = "".join(tokens).strip()
    # The summary is what the model wrote, cut after its first sentence (small models run on).
    assert h.result.text and streamed.startswith(h.result.text)
    assert h.result.text.count(". ") == 0


def test_bullets_with_the_base_model(library):
    eng = engine_for(library.get("gemma-3-270m"), 1024)
    try:
        tokens = []
        h = eng.submit(Job("summarize", lambda ctx: summarize(ctx, SummaryRequest("\n\n".join(STORY), "bullets")),
                           on_token=tokens.append))
        assert h.wait(300) and h.state == JobState.DONE, h.error
        lines = h.result.text.splitlines()
        assert lines and all(line.startswith("- ") for line in lines)
        # Each bullet is the model's own words (prose or list, it is reshaped, not rewritten).
        streamed = " ".join("".join(tokens).split())
        assert all(" ".join(line[2:].split()) in streamed for line in lines)
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
