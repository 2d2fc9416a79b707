"""Summaries at a chosen length, including of documents far longer than the model's context.

A text that fits is summarised in one pass. A longer one is split on paragraph (then sentence)
boundaries into chunks that fit the token budget; each chunk is condensed into notes (map), and
the notes are summarised at the chosen length (reduce), recursing when the notes themselves are
too long. Progress reads "chunk i of n".

Nothing the model writes is shown unchecked (assistant/faithfulness): an answer close to the
prompt's worked example is rejected, a line the source does not support (a name or number it
lacks, words it does not use) is dropped, and the length is held to what was asked. An answer
that fails is written once more with sampling; when that fails too, the summary is extracted:
the source's most central sentences, word for word, and labelled as such.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from assistant.backends.base import BackendError
from assistant.engine import JobContext
from assistant.faithfulness.extractive import extract
from assistant.faithfulness.grounding import SourceIndex, sources_of, unsupported
from assistant.faithfulness.leaks import leaked
from assistant.faithfulness.words import words
from assistant.languages import detect_language
from assistant.markdown import LINE_MARK
from assistant.prompting import Strategy, build_prompt, load_prompt_spec
from assistant.text_units import Span, sentences

MAX_DEPTH = 4  # reduce levels; each shrinks the text by roughly chunk/notes tokens (~10x)
MIN_LINE_WORDS = 3
ATTEMPTS = 2  # greedy, then sampled; then the extractive summary
_BULLET = re.compile(r"^([-*•]|\d+[.)])\s+")


def lengths() -> dict[str, str]:
    """Length keys the writer can choose, with their labels (the map step's 'notes' excluded)."""
    return {k: v["label"] for k, v in load_prompt_spec("summarize")["lengths"].items() if k != "notes"}


@dataclass
class SummaryRequest:
    text: str
    length: str = "paragraph"


@dataclass
class Summary:
    text: str
    chunks: int  # chunks of the source text: 1 when it fitted in one pass
    levels: int  # reduce passes over notes
    dropped: int = 0  # lines of the model's answer left out: the source does not support them
    extracted: bool = False  # the source's own sentences: the model's answers failed the checks twice
    rejected: list[str] = field(default_factory=list)  # why each rejected answer was rejected
    answers: list[str] = field(default_factory=list)  # the model's answers as written, one per try
    lines: list[str] = field(default_factory=list)  # the checked lines the text is made of
    sources: list[list[Span]] = field(default_factory=list)  # per line: the request text's sentences it rests on
    language: str = "en"  # the language the checks read the text as


def _prompt(ctx: JobContext, length: str, text: str, attempt: int = 0):
    spec = load_prompt_spec("summarize")["lengths"]
    if length not in spec:
        raise ValueError(f"unknown summary length {length!r}; choose one of: {', '.join(lengths())}")
    ls = spec[length]
    strategy = ctx.backend.info.strategy
    max_tokens = ls["max_tokens"]
    if length == "notes":
        # Notes must be much shorter than their chunk, or the reduce step never converges
        # in a small context.
        max_tokens = max(48, min(max_tokens, ctx.backend.info.n_ctx // 8))
    overrides: dict = {"max_tokens": max_tokens}
    if strategy is Strategy.BASE:
        # The model may start another "label:" line of its own instead of ending.
        overrides["stop"] = [*load_prompt_spec("summarize")["stop"], *ls.get("base_stop", []), f"{ls['base_label']}:"]
        text = " ".join(text.split())  # the few-shot frame is one line per text
    if attempt:
        overrides.update(load_prompt_spec("summarize")["retry"])
    ex1, ex2 = ls["base_examples"]
    text1, text2 = load_prompt_spec("summarize")["base"]["example_texts"]
    return build_prompt("summarize", strategy, overrides, text=text, instruction=ls["instruction"],
                        base_label=ls["base_label"], example1=ex1, example2=ex2, example_text1=text1,
                        example_text2=text2)


def examples() -> list[str]:
    """Every worked example the prompts show, inputs and answers: what no summary may be."""
    spec = load_prompt_spec("summarize")
    return [*spec["base"]["example_texts"], *(ex for ls in spec["lengths"].values() for ex in ls["base_examples"])]


def _overhead(ctx: JobContext, length: str) -> int:
    """Tokens the prompt takes besides the text, plus the answer it may produce."""
    backend = ctx.backend
    prompt = _prompt(ctx, length, "")
    frame = "\n".join(m["content"] for m in prompt.messages) if prompt.is_chat else prompt.text or ""
    # Chat templates add a few tokens of markup per message; 32 covers the ones we ship.
    return backend.count_tokens(frame) + 32 + prompt.params.max_tokens


def split_chunks(text: str, budget: int, count: Callable[[str], int]) -> list[str]:
    """Pack paragraphs (or, for an overlong paragraph, sentences) into chunks of <= budget tokens."""
    pieces: list[tuple[str, int]] = []
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        if not para:
            continue
        n = count(para)
        if n <= budget:
            pieces.append((para, n))
            continue
        for span in sentences(para):
            sent = para[span.start : span.end]
            m = count(sent)
            while m > budget:  # one enormous "sentence": cut it by characters
                cut = max(1, len(sent) * budget // m)
                pieces.append((sent[:cut], count(sent[:cut])))
                sent = sent[cut:]
                m = count(sent)
            if sent.strip():
                pieces.append((sent, m))
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for piece, n in pieces:
        if current and used + n + 2 > budget:
            chunks.append("\n\n".join(current))
            current, used = [], 0
        current.append(piece)
        used += n + 2
    if current:
        chunks.append("\n\n".join(current))
    return chunks


def summarize(ctx: JobContext, req: SummaryRequest) -> Summary:
    text = req.text.strip()
    if not text:
        raise ValueError("there is no text to summarise")
    backend = ctx.backend
    n_ctx = backend.info.n_ctx
    final_budget = n_ctx - _overhead(ctx, req.length)
    notes_budget = n_ctx - _overhead(ctx, "notes")
    if min(final_budget, notes_budget) < 64:
        raise BackendError(f"the model's context ({n_ctx} tokens) is too small to summarise with")
    ctx.progress(0, 0, "measuring the text")
    source = SourceIndex.of(req.text, detect_language(text[:2000]).code or "en")
    chunks = [text] if backend.count_tokens(text) <= final_budget else split_chunks(text, notes_budget,
                                                                                    backend.count_tokens)
    first_chunks = len(chunks)
    levels = 0
    step = ctx.prefetch_window(PREFETCH_CHUNKS)
    while len(chunks) > 1:
        levels += 1
        if levels > MAX_DEPTH:
            raise BackendError("the notes do not get shorter; the model cannot summarise this text")
        notes = []
        for i, chunk in enumerate(chunks):
            ctx.check()
            _chunk_progress(ctx, i, len(chunks), levels)
            if i % step == 0:
                # A chunk's notes take long: progress follows each answer of the window as it is ready.
                ctx.prefetch([_prompt(ctx, "notes", c) for c in chunks[i : i + step]],
                             partial(_chunk_progress, ctx, chunks=len(chunks), level=levels, base=i))
            notes.append(_notes(ctx, chunk, source.lang))
        joined = "\n\n".join(n for n in notes if n)
        if backend.count_tokens(joined) <= final_budget:
            chunks = [joined]
        else:
            chunks = split_chunks(joined, notes_budget, backend.count_tokens)
    summary = Summary("", first_chunks, levels, language=source.lang)
    for attempt in range(ATTEMPTS):
        ctx.check()
        ctx.progress(first_chunks, first_chunks, "writing the summary" + (" again" if attempt else ""))
        out = ctx.generate(_prompt(ctx, req.length, chunks[0], attempt), stream=False).text
        summary.answers.append(out)
        ctx.progress(first_chunks, first_chunks, "checking it against the text")
        lines, dropped, problem = check(out, req.length, source)
        if lines:
            summary.dropped = dropped
            return _finish(summary, lines, req.length, source)
        summary.rejected.append(problem)
    ctx.progress(first_chunks, first_chunks, "extracting the text's central sentences")
    summary.extracted = True
    return _finish(summary, extracted(source, req.length), req.length, source)


def _finish(summary: Summary, lines: list[str], length: str, source: SourceIndex) -> Summary:
    summary.text = "\n".join(f"- {ln}" for ln in lines) if length == "bullets" else " ".join(lines)
    summary.lines = lines
    summary.sources = [sources_of(ln, source) for ln in lines]
    return summary


def _shape(out: str, length: str) -> list[str]:
    """The model's answer as the lines the writer asked for: one sentence, bullets, or sentences of a
    paragraph, cut to the length's bounds at the boundaries the model wrote."""
    ls = load_prompt_spec("summarize")["lengths"][length]
    out = out.strip()
    if length == "bullets":
        lines = [ln[2:] for ln in as_bullets(out).splitlines()]
    else:
        flat = " ".join(out.split())
        lines = [flat[s.start : s.end].strip() for s in sentences(flat)]
    # A heading or a two-word fragment copied from the text is not a line of a summary.
    lines = [LINE_MARK.sub("", ln).strip() for ln in lines if not ln.lstrip().startswith("#")]
    return _within(ls["max_words"], [ln for ln in lines if len(words(ln)) >= MIN_LINE_WORDS][: ls["max_lines"]])


def _within(max_words: int, lines: list[str]) -> list[str]:
    """The first lines that together stay within the word budget."""
    kept, used = [], 0
    for ln in lines:
        used += len(words(ln))
        if used > max_words:
            break
        kept.append(ln)
    return kept


def check(out: str, length: str, source: SourceIndex) -> tuple[list[str], int, str]:
    """The lines of an answer that may be shown, how many were dropped as unsupported, and why none may
    be shown when the list is empty."""
    lines = _shape(out, length)
    if not lines:
        return [], 0, "it was empty or longer than asked" if out.strip() else "it was empty"
    leak = leaked("\n".join(lines), examples(), source.lang, source.text)
    if leak:
        return [], 0, f"it copied the prompt's example (\"{leak}\")"
    reasons = [unsupported(ln, source) for ln in lines]
    kept = [ln for ln, why in zip(lines, reasons, strict=True) if why is None]
    if not kept:
        return [], len(lines), f"none of its lines rests on the text (the first {reasons[0]})"
    return kept, len(lines) - len(kept), ""


def extracted(source: SourceIndex, length: str) -> list[str]:
    """The extractive summary's lines: the most central sentences within the length's bounds."""
    ls = load_prompt_spec("summarize")["lengths"][length]
    spans = extract(source, ls["extract"], max_words=ls["max_words"] // ls["extract"])
    lines = [LINE_MARK.sub("", " ".join(source.text[s.start : s.end].split())) for s in spans]
    return _within(ls["max_words"], lines) or lines[:1]  # the most central sentence even when it is long


PREFETCH_CHUNKS = 4  # chunks whose notes are written together (chunks too long for a batch slot run alone)


def _chunk_progress(ctx: JobContext, done: int, chunks: int, level: int, base: int = 0) -> None:
    """Progress of the map step: ``base + done`` chunks have their notes; the next one is being written."""
    done += base
    where = f"chunk {min(done + 1, chunks)} of {chunks}" + (f" (pass {level})" if level > 1 else "")
    ctx.progress(done, chunks, where)


def _notes(ctx: JobContext, chunk: str, lang: str) -> str:
    """A chunk's notes, checked like a summary; its central sentences when the model's notes fail."""
    source = SourceIndex.of(chunk, lang)
    lines, _dropped, _problem = check(ctx.generate(_prompt(ctx, "notes", chunk), stream=False).text, "notes", source)
    return " ".join(lines or extracted(source, "notes"))


def as_bullets(text: str) -> str:
    """Bullet points the writer asked for, even when the model answered in prose."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) > 1 and all(_BULLET.match(ln) for ln in lines):
        return "\n".join("- " + _BULLET.sub("", ln) for ln in lines)
    items = []
    for ln in lines:
        prose = _BULLET.sub("", ln)
        items += [prose[s.start : s.end].strip() for s in sentences(prose)]
    return "\n".join(f"- {s}" for s in items if s)
