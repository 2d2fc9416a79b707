"""An extractive summary: the source's most central sentences, word for word (TextRank).

TextRank (Mihalcea and Tarau, 2004) ranks sentences by PageRank over a graph whose edges are
their similarity: shared content words, normalised by the sentences' lengths so long sentences
do not win by size alone. The chosen sentences are returned in document order.
"""

from __future__ import annotations

import math

import numpy as np

from assistant.faithfulness.grounding import SourceIndex
from assistant.text_units import Span

DAMPING = 0.85
MIN_WORDS = 4  # headings, captions and "Thanks!" are not summary sentences


def _similarity(a: set[str], b: set[str]) -> float:
    if len(a) < 2 or len(b) < 2:
        return 0.0
    return len(a & b) / (math.log(len(a)) + math.log(len(b)))


def rank(source: SourceIndex, max_words: int = 45) -> list[int]:
    """Indices of the source's sentences, most central first (ties keep document order); sentences
    shorter than MIN_WORDS or longer than ``max_words`` words come last."""
    n = len(source.sentences)
    if n == 0:
        return []
    eligible = [MIN_WORDS <= len(source.text[s.start : s.end].split()) <= max_words for s in source.sentences]
    w = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            if eligible[i] and eligible[j]:
                w[i, j] = w[j, i] = _similarity(source.sentence_lemmas[i], source.sentence_lemmas[j])
    out = w.sum(axis=1)
    trans = np.divide(w, out[:, None], out=np.zeros_like(w), where=out[:, None] > 0)
    # Teleporting favours early sentences (position-biased PageRank, as in PositionRank): writers state
    # their point early, and the lead sentence is the classic baseline that is hard to beat.
    teleport = 1.0 / np.arange(1, n + 1)
    teleport /= teleport.sum()
    score = teleport.copy()
    for _ in range(100):
        new = (1 - DAMPING) * teleport + DAMPING * trans.T @ score
        if np.abs(new - score).sum() < 1e-9:
            score = new
            break
        score = new
    # A sentence too short or too long to be a summary sentence goes last, whatever its score.
    return sorted(range(n), key=lambda i: (not eligible[i], -round(float(score[i]), 12), i))


def extract(source: SourceIndex, count: int, max_words: int = 45) -> list[Span]:
    """The ``count`` most central sentences, in document order."""
    return [source.sentences[i] for i in sorted(rank(source, max_words)[:count])]
