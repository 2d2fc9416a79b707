"""How far a typed word is from the word meant, in typing slips: the error model of the noisy
channel that ranks spelling candidates (with the word's frequency) and the judge's candidates
(with the model's likelihood).

A plain edit distance calls "wark" as near to "walk" as to "work" and "palce" two edits from
"place". Writers and learners slip in known ways: one vowel for another, two letters swapped, a
letter doubled or a double dropped, a vowel left out inside a word, an accent or an apostrophe or
hyphen left out. Those count for less than an arbitrary letter; a change of case for little. The
first letter is seldom wrong, as studies of spelling errors have found since Pollock and Zamora
(1983), so a slip there counts for more.
"""

from __future__ import annotations

from functools import cache, lru_cache

from assistant.checking.accents import bare
from assistant.checking.data import grammar_data

VOWELS = frozenset("aeiouy")
JOINERS = frozenset("'’-")
CASE = 0.1  # "i" → "I"
ACCENT = 0.3  # "etre" → "être", "fur" → "für": an accent left out, as on a keyboard without the letter
VOWEL_SWAP = 0.6  # "wark" → "work"
TRANSPOSE = 0.6  # "palce" → "place"
DOUBLE = 0.4  # "writting" → "writing", "ocasion" → "occasion"
JOINER = 0.3  # "dont" → "don't"; a space left out ("Forexample") is an ordinary slip
OMITTED_VOWEL = 0.6  # inside a word: "experinces" → "experiences", "rememberd" → "remembered"
FIRST_LETTER = 0.5  # added to a slip in the first letter: writers seldom get it wrong ("disking" is not "risking")


@cache
def spelled_out(lang: str | None = None) -> dict[str, str]:
    """Letters typed as two where the key is missing ("ü" → "ue"), for ``lang`` or every language."""
    table = grammar_data()["spelled_out_letters"]
    if lang is not None:
        return dict(table.get(lang, {}))
    return {k: v for letters in table.values() for k, v in letters.items()}


_base = cache(bare)  # a letter without its accent: "é" → "e"


def _substitution(a: str, b: str, first: bool = False) -> float:
    if a == b:
        return 0.0
    la, lb = a.lower(), b.lower()
    if la == lb:
        return CASE
    if _base(la) == _base(lb):
        return ACCENT
    if _base(la) in VOWELS and _base(lb) in VOWELS:
        return VOWEL_SWAP
    return 1.0 + (FIRST_LETTER if first else 0.0)


def _indel(word: str, i: int, omitted: bool = False) -> float:
    """Cost of word[i] being the letter added (``omitted``: the letter of the word meant, dropped)."""
    c = word[i]
    if c in JOINERS:
        return JOINER
    if (i > 0 and word[i - 1].lower() == c.lower()) or (i + 1 < len(word) and word[i + 1].lower() == c.lower()):
        return DOUBLE
    if omitted and c.lower() in VOWELS and 0 < i < len(word) - 1:
        return OMITTED_VOWEL
    return 1.0 + (FIRST_LETTER if i == 0 else 0.0)


@lru_cache(maxsize=100_000)  # rank() filters and scores by the same pairs; live checking repeats words
def typo_cost(typed: str, meant: str) -> float:
    """Weighted optimal-string-alignment distance from ``meant`` to ``typed`` (1.0 = an arbitrary
    letter added, dropped or replaced; a letter spelled out as two, "muede" for "müde", an accent)."""
    two = spelled_out()
    n, m = len(typed), len(meant)
    d = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        d[i][0] = d[i - 1][0] + _indel(typed, i - 1)
    for j in range(1, m + 1):
        d[0][j] = d[0][j - 1] + _indel(meant, j - 1, omitted=True)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            best = min(d[i - 1][j] + _indel(typed, i - 1), d[i][j - 1] + _indel(meant, j - 1, omitted=True),
                       d[i - 1][j - 1] + _substitution(typed[i - 1], meant[j - 1], first=i == 1 and j == 1))
            if (i > 1 and j > 1 and typed[i - 1].lower() == meant[j - 2].lower()
                    and typed[i - 2].lower() == meant[j - 1].lower() and typed[i - 1].lower() != typed[i - 2].lower()):
                best = min(best, d[i - 2][j - 2] + TRANSPOSE)
            pair = two.get(meant[j - 1].lower())
            if pair and i > 1 and typed[i - 2 : i].lower() == pair:
                best = min(best, d[i - 2][j - 1] + ACCENT)
            d[i][j] = best
    return d[n][m]
