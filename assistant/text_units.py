"""The units every task walks a document by: prose paragraphs (lines outside code blocks) and
sentences, as spans of the text they come from."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.markdown import FENCE, split_frame
from assistant.paths import resource

# A word as the agreement rules read it: letters, hyphenated runs one word ("grand-mère", "Obst-").
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_WORD_OR_MARK = re.compile(WORD.pattern + r"|[^\w\s]")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“'(\[]?[A-Z0-9À-Ý])")
# Matches at the end of the text before a word that opens a sentence or a clause: nothing, or an end
# mark, colon, semicolon, opening quote or bracket (and spaces). For rules about a clause's first word.
CLAUSE_START = re.compile(r"(?:^|[.!?:;\"“(]\s*)$")


@dataclass
class Span:
    start: int
    end: int


_OPEN_END = re.compile(r"[^\W_]\s*$")  # a line that ends in a letter or digit, no mark


def wraps(line: str, next_line: str) -> bool:
    """Whether ``next_line`` carries on ``line``'s sentence, as in a hard-wrapped paragraph: ``line`` ends in
    a word with no mark after it and ``next_line`` begins with a lower-case word, no Markdown frame (a list
    item or heading is a block of its own). Such lines are one paragraph: the first does not end it (no full
    stop is missing) and the second does not begin a sentence (no capital is)."""
    if not _OPEN_END.search(line):
        return False
    frame, body, _ = split_frame(next_line)
    return not frame and body[:1].islower()


def bounds_between(previous: str, line: str, following: str) -> tuple[bool, bool]:
    """(starts, ends) for ``line`` between its neighbours: whether it begins its paragraph and whether it ends
    it, false where the line before wraps into it or it wraps into the next (a hard-wrapped paragraph)."""
    return not wraps(previous, line), not wraps(line, following)


def line_bounds(text: str, span: Span) -> tuple[bool, bool]:
    """bounds_between for the line ``span`` of ``text``, its neighbours read from the text."""
    previous = text[text.rfind("\n", 0, span.start - 1) + 1 : span.start - 1] if span.start > 0 else ""
    after = text.find("\n", span.end + 1)  # find, not a slice of the rest: a long document has many lines
    following = text[span.end + 1 : after if after >= 0 else len(text)] if span.end < len(text) else ""
    return bounds_between(previous, text[span.start : span.end], following)


def cased_like(word: str, like: str) -> str:
    """``word`` with a capital first letter where ``like`` has one ("The" → "A", "Prend" → "Prends")."""
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


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


@lru_cache(maxsize=1)
def _titles() -> frozenset[str]:
    return frozenset(json.loads(resource("languages.json").read_text("utf-8"))["titles"])


def after_title(text: str, pos: int) -> bool:
    """``text[:pos]`` ends with a title and its full stop ("… Mr. "): what follows is a name, not a
    new sentence."""
    i = pos
    while i > 0 and text[i - 1].isspace():
        i -= 1
    if i == 0 or text[i - 1] != ".":
        return False
    j = i - 1
    while j > 0 and text[j - 1].isalpha() and i - j < 8:
        j -= 1
    return (j == 0 or not text[j - 1].isalnum()) and text[j : i - 1] in _titles()


def sentences(text: str) -> list[Span]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if after_title(text, m.start()):
            continue
        spans.append(Span(start, m.start()))
        start = m.end()
    spans.append(Span(start, len(text)))
    return [s for s in spans if text[s.start : s.end].strip()]


def chunks(text: str, size: int) -> list[Span]:
    """Runs of whole sentences of at most ``size`` characters; a sentence longer than that (a megabyte with no
    full stop) is cut at spaces into pieces of at most ``size``, since a checker's cost grows faster than the
    text it sees at once."""
    out: list[Span] = []
    for s in sentences(text):
        for piece in _pieces(text, s, size):
            if out and piece.end - out[-1].start <= size:
                out[-1] = Span(out[-1].start, piece.end)
            else:
                out.append(piece)
    return out


def _pieces(text: str, s: Span, size: int) -> list[Span]:
    """``s`` cut at the last space before every ``size`` characters (mid-word where a run has no space)."""
    out, start = [], s.start
    while s.end - start > size:
        cut = max(text.rfind(" ", start + 1, start + size), text.rfind("\t", start + 1, start + size))
        cut = cut if cut > start else start + size
        out.append(Span(start, cut))
        start = cut
    out.append(Span(start, s.end))
    return out


@lru_cache(maxsize=16)
def words_and_marks(text: str) -> tuple[re.Match, ...]:
    """``text``'s words (as WORD) and punctuation marks, in order; cached because the French agreement
    rules (determiners, number, adjectives) each walk the same paragraph."""
    return tuple(_WORD_OR_MARK.finditer(text))
