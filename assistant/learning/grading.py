"""Deterministic grading first: case, spacing, punctuation and accents, then partial credit.

The model is only asked to explain a mistake, on request; the grade never depends on it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from fsrs import Rating

PARTIAL = 0.85  # similarity above which a wrong answer earns partial credit ("almost")


@dataclass
class Grade:
    score: float  # 1 right, 0.5 almost, 0 wrong
    correct: bool
    hint: str
    rating: Rating

    @property
    def label(self) -> str:
        return "Right" if self.correct and self.score == 1 else ("Almost" if self.score > 0 else "Not quite")


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    text = re.sub(r"[^\w\s']", " ", text)
    return " ".join(text.split())


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def grade(given: str, expected: str, alternatives: tuple[str, ...] = (), unchanged: str = "") -> Grade:
    """``unchanged``: a 'find the mistake' item's own sentence, which given back as it is earns nothing
    however much it looks like the answer (one word apart, it read as "Almost")."""
    g = normalize(given)
    if not g:
        return Grade(0.0, False, "No answer given.", Rating.Again)
    if unchanged and g == normalize(unchanged):
        return Grade(0.0, False, f"The mistake is still there: the answer is “{expected.strip()}”.", Rating.Again)
    best = None
    for exp in (expected, *alternatives):
        e = normalize(exp)
        if g == e:
            hint = "" if given.strip() == exp.strip() else "Right (mind the capitals and punctuation)."
            return Grade(1.0, True, hint, Rating.Good)
        if strip_accents(g) == strip_accents(e):
            best = Grade(0.5, False, f"Accent missing or wrong: “{exp.strip()}”.", Rating.Hard)
            continue
        ratio = difflib.SequenceMatcher(a=g, b=e).ratio()
        if ratio >= PARTIAL and (best is None or best.score < 0.5):
            best = Grade(0.5, False, f"Almost: check the spelling — “{exp.strip()}”.", Rating.Hard)
    return best or Grade(0.0, False, f"The answer is “{expected.strip()}”.", Rating.Again)
