"""Word-level alignment of a revised text against the original, as individual edits.

The model's rewrite is never pasted over the writer's text. It is aligned token by token
(words and punctuation; whitespace ignored) with the original, and each difference becomes
an Edit on the original's own characters, so untouched text keeps its exact spacing and
each change can be accepted or rejected on its own.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

# Clitics are tokens of their own, so "today's" and the corpus form "today 's" align as equal.
_TOKEN = re.compile(r"n['’]t\b|['’](?:s|re|ve|ll|d|m)\b|\w+?(?=n['’]t\b)|\w+|[^\w\s]", re.IGNORECASE)


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


@dataclass
class Edit:
    start: int  # character offsets into the original text
    end: int
    original: str
    replacement: str
    category: str = ""
    reason: str = ""
    layer: str = ""  # who proposed it: "rules", "spelling", "forms" (data the model judged), "model"; "" rewrites
    rule: str = ""  # the rule's name, for "Ignore rule"
    alternatives: list[str] = field(default_factory=list)  # other replacements, best first

    def to_dict(self) -> dict:
        return asdict(self)

    def shifted(self, offset: int) -> Edit:
        return replace(self, start=self.start + offset, end=self.end + offset, alternatives=list(self.alternatives))

    @property
    def is_flag(self) -> bool:
        """A problem without a replacement worth proposing (an unknown word the judge found no fix for)."""
        return self.replacement == self.original


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _spaced_punctuation(text: str) -> bool:
    """True for text tokenised with spaces around punctuation ('word , word .'), as in corpora."""
    return len(re.findall(r"\s[,.;:!?]", text)) > len(re.findall(r"\w[,.;:!?]", text))


def _join(tokens: list[Token], source: str, spaced: bool) -> str:
    """The tokens as they appear in ``source``, or re-spaced in the original's style."""
    if not tokens:
        return ""
    if not spaced:
        return source[tokens[0].start : tokens[-1].end]
    return " ".join(t.text for t in tokens)


def align(original: str, revised: str) -> list[Edit]:
    a, b = tokenize(original), tokenize(revised)
    spaced = _spaced_punctuation(original)
    matcher = difflib.SequenceMatcher(a=[t.text for t in a], b=[t.text for t in b], autojunk=False)
    edits: list[Edit] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        new = _join(b[j1:j2], revised, spaced)
        # The new text leans on the word before it in the revision ("boss's", "slides!"): no space between.
        leans = not spaced and 0 < j1 < len(b) and b[j1].start == b[j1 - 1].end
        if op in ("replace", "delete"):
            start, end = a[i1].start, a[i2 - 1].end
            if op == "delete" and i1 == 0:
                # At the start there is no space before: take the one after instead.
                while end < len(original) and original[end] in " \t":
                    end += 1
            elif op == "delete" or leans:
                # Take the whitespace before the deleted (or leaning) words with them.
                while start > 0 and original[start - 1] in " \t":
                    start -= 1
            edits.append(Edit(start, end, original[start:end], new if op == "replace" else ""))
        else:  # insert
            attach = leans or (not spaced and re.fullmatch(r"[,.;:!?]+", new) is not None)
            if i1 > 0 and (attach or i1 == len(a)):
                pos = a[i1 - 1].end
                edits.append(Edit(pos, pos, "", new if attach else " " + new))
            elif i1 < len(a):
                pos = a[i1].start
                edits.append(Edit(pos, pos, "", new + " "))
            else:
                edits.append(Edit(len(original), len(original), "", new))
    return edits


def common_ends(a: Sequence, b: Sequence) -> tuple[int, int]:
    """How many items ``a`` and ``b`` share at the start, and then at the end (never overlapping)."""
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    return head, tail


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (offsets into ``text``)."""
    out, last = [], 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < last:
            raise ValueError("overlapping edits")
        out.append(text[last : e.start])
        out.append(e.replacement)
        last = e.end
    out.append(text[last:])
    return "".join(out)


def changed_fraction(original: str, edits: list[Edit]) -> float:
    """Share of the original's words an edit set touches."""
    words = len(tokenize(original)) or 1
    touched = sum(max(len(tokenize(e.original)), 1 if e.replacement else 0) for e in edits)
    return touched / words
