"""Summaries at a chosen length, including of documents far longer than the model's context.

A text that fits is summarised in one streamed pass. A longer one is split on paragraph
(then sentence) boundaries into chunks that fit the token budget; each chunk is condensed
into notes (map), and the notes are summarised at the chosen length (reduce), recursing
when the notes themselves are too long. Progress reads "chunk i of n".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.backends.base import BackendError
from assistant.engine import JobContext
from assistant.prompting import Strategy, build_prompt, load_prompt_spec

MAX_DEPTH = 4  # reduce levels; each shrinks the text by roughly chunk/notes tokens (~10x)
_BULLET = re.compile(r"^([-*•]|\d+[.)])\s+")
_SENTENCE = re.compile(r"(?<=[.!?…。！？])\s+")


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


def _prompt(ctx: JobContext, length: str, text: str):
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
    ex1, ex2 = ls["base_examples"]
    return build_prompt("summarize", strategy, overrides, text=text, instruction=ls["instruction"],
                        base_label=ls["base_label"], example1=ex1, example2=ex2)


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
        for sent in _SENTENCE.split(para):
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
    chunks = [text] if backend.count_tokens(text) <= final_budget else split_chunks(text, notes_budget,
                                                                                    backend.count_tokens)
    first_chunks = len(chunks)
    levels = 0
    while len(chunks) > 1:
        levels += 1
        if levels > MAX_DEPTH:
            raise BackendError("the notes do not get shorter; the model cannot summarise this text")
        notes = []
        for i, chunk in enumerate(chunks):
            ctx.check()
            where = f"chunk {i + 1} of {len(chunks)}" + (f" (pass {levels})" if levels > 1 else "")
            ctx.progress(i, len(chunks), where)
            out = ctx.generate(_prompt(ctx, "notes", chunk), stream=False).text.strip()
            if out:
                notes.append(out)
        joined = "\n\n".join(notes)
        if backend.count_tokens(joined) <= final_budget:
            chunks = [joined]
        else:
            chunks = split_chunks(joined, notes_budget, backend.count_tokens)
    ctx.progress(first_chunks, first_chunks, "writing the summary")
    result = ctx.generate(_prompt(ctx, req.length, chunks[0]))
    out = result.text.strip()
    if req.length == "bullets":
        out = as_bullets(out)
    elif req.length == "sentence":
        out = _SENTENCE.split(out, maxsplit=1)[0]  # small models run on; the writer asked for one
    return Summary(out, first_chunks, levels)


def as_bullets(text: str) -> str:
    """Bullet points the writer asked for, even when the model answered in prose."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) > 1 and all(_BULLET.match(ln) for ln in lines):
        return "\n".join("- " + _BULLET.sub("", ln) for ln in lines)
    items = [s.strip() for ln in lines for s in _SENTENCE.split(_BULLET.sub("", ln))]
    return "\n".join(f"- {s}" for s in items if s)
