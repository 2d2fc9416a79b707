"""The Markdown a writer's text may carry, recognised once for every task: code fences, a line's
frame (heading, list, quote marks), tables, and the inline pieces no model or checker may change
(code, link targets, URLs, HTML, emphasis marks)."""

from __future__ import annotations

import re

FENCE = re.compile(r"^\s*(```|~~~)")
RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
FRAME = re.compile(r"^(\s*(?:#{1,6}\s+|(?:>\s?)+|(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?)*)(.*?)(\s*)$")
# The one mark a line of model output or of a source starts with (bullet, number, heading, quote), for the
# checks that read it as prose. Looser than FRAME: models also write "•" bullets.
LINE_MARK = re.compile(r"^\s*(?:[-*•+]|\d+[.)]|#+|>)\s+", re.MULTILINE)
# Inline pieces that must come back unchanged: code, images/links' targets, autolinks, URLs, HTML, emphasis marks.
PROTECT = re.compile(
    r"`+[^`]*`+"
    r"|\]\([^)]*\)"
    r"|<https?://[^>]+>|https?://\S+"
    r"|</?[A-Za-z][^>]*>"
    r"|!\["
    r"|\*\*|__|\*|~~"
    r"|\[|\]"
)
# What a checker must not read as words: the pieces above, plus bare domains, e-mail addresses,
# file paths and identifiers.
_NOT_WORDS = re.compile(
    PROTECT.pattern
    + r"|\b[\w.+-]+@[\w-]+\.[\w.-]+\b"
    + r"|\b(?:www\.)?[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|dev|edu|gov|de|fr|es|it|uk|ini|md|txt|py|json)\b"
    + r"|(?:~|\.{1,2})?/[\w./-]+"
    + r"|\b\w+_\w+\b|\b[a-z]+[A-Z]\w*\b"
)


def markup_pieces(text: str) -> list[str]:
    """Inline code, link targets, URLs, HTML and emphasis marks in a piece of prose."""
    return PROTECT.findall(text)


def split_frame(line: str) -> tuple[str, str, str]:
    """A line's Markdown frame (heading, list, quote marks), its prose, and trailing space."""
    m = FRAME.match(line)
    assert m is not None  # the pattern matches any line
    return m.group(1), m.group(2), m.group(3)


def protected_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of everything in ``text`` that is markup, code or an address, not prose."""
    return [(m.start(), m.end()) for m in _NOT_WORDS.finditer(text)]


def overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)
