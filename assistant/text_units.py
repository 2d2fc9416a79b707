"""The units every task walks a document by: prose paragraphs (lines outside code blocks) and
sentences, as spans of the text they come from."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.markdown import FENCE

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“'(\[]?[A-Z0-9À-Ý])")


@dataclass
class Span:
    start: int
    end: int


def paragraphs(text: str) -> list[Span]:
    """Lines of prose, skipping fenced code blocks (Markdown) and blank lines."""
    spans, pos, in_code = [], 0, False
    for line in text.split("\n"):
        end = pos + len(line)
        if FENCE.match(line):
            in_code = not in_code
        elif not in_code and line.strip() and not line.startswith("    "):
            spans.append(Span(pos, end))
        pos = end + 1
    return spans


def sentences(text: str) -> list[Span]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append(Span(start, m.start()))
        start = m.end()
    spans.append(Span(start, len(text)))
    return [s for s in spans if text[s.start : s.end].strip()]


def chunks(text: str, size: int) -> list[Span]:
    """Runs of whole sentences of at most about ``size`` characters (one sentence may be longer)."""
    out: list[Span] = []
    for s in sentences(text):
        if out and s.end - out[-1].start <= size:
            out[-1] = Span(out[-1].start, s.end)
        else:
            out.append(Span(s.start, s.end))
    return out
