"""A French adjective right after its noun that does not agree with it: "une maison blanc" → blanche, "les
voitures rapide" → rapides, "un homme grande" → grand. The determiner says the noun's number (and, in the
singular, its gender), DELA the noun's genders and the adjective's forms (assistant.learning.dela).

Only a determiner, its noun and the adjective in a row are judged: further on, an adjective may go with
another noun ("une tasse de café chaud"), or, after a coordination, with two ("des costumes et un maquillage
colorés"). Left alone: a participle (it may be a verb's: "une femme marchant"), a word that is also a
preposition or adverb ("sur"), and a noun the determiner does not agree with (the determiner's slip,
assistant.learning.determiners).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from assistant.learning import dela, determiners
from assistant.text_units import words_and_marks

_COORDINATING = {"et", "ou", "ni"}


@dataclass(frozen=True)
class AdjectiveSlip:
    adjective: str  # as written
    noun: str
    start: int  # the adjective's place in the text
    end: int
    wanted: tuple[str, ...]  # its forms that agree, the most frequent first
    gender: str  # the noun's: "m", "f", or "" where it may be either
    plural: bool


def can_check(lang: str | None) -> bool:
    return bool(lang) and determiners.can_check(lang) and determiners.by_gender(lang)


@cache
def _determiner_bits(lang: str) -> dict[str, int]:
    """Each determiner that says its noun's number → the noun's readings it allows, as DELA's bits."""
    out = {word: dela.PLURAL for word in determiners.plural_determiners(lang)}
    for family in determiners.determiner_families(lang).values():
        for word in family:
            if " " not in word:
                gender = determiners.gender_of(word, lang)
                out[word] = dela.bit("ms") if gender == "m" else dela.bit("fs")
    return out


def _most_frequent(forms: list[str], lang: str) -> list[str]:
    from wordfreq import zipf_frequency

    return sorted(dict.fromkeys(forms), key=lambda f: -zipf_frequency(f, lang))


def slips(text: str, lang: str) -> list[AdjectiveSlip]:
    """Each adjective of ``text`` right after a determiner and its noun that does not agree with the noun."""
    if not can_check(lang):
        return []
    allowed = _determiner_bits(lang)
    lexicon = dela.lexicon()
    tokens = words_and_marks(text)
    invariable_before = determiners.adjective_data(lang)["invariable_before"]
    found = []
    for k in range(len(tokens) - 2):
        says = allowed.get(tokens[k].group().lower())
        noun, adjective = tokens[k + 1].group(), tokens[k + 2].group()
        if says is None or not (noun.islower() and adjective.islower()):
            continue
        agreed = lexicon.nouns.get(noun, 0) & says
        written = lexicon.adjectives.get(adjective, 0)
        if not agreed or not written or written & agreed or adjective in lexicon.verbal or adjective in lexicon.other:
            continue  # a participle may be a verb's ("une femme marchant"), "sur" a preposition
        if lexicon.nouns.get(adjective, 0) & agreed:
            continue  # a noun in apposition may agree: "des hommes torses nus"
        if k and tokens[k - 1].group().lower() in _COORDINATING:
            continue  # "des costumes et un maquillage colorés": the adjective may go with both
        if k + 3 < len(tokens) and tokens[k + 3].group().lower() in invariable_before:
            continue  # "une voiture bleu foncé": a colour with its shade does not agree
        wanted = [form for lemma in lexicon.lemmas[adjective] for b in dela.CODES
                  if agreed & dela.bit(b) for form in lexicon.forms[lemma].get(dela.bit(b), ())]
        if not wanted:
            continue
        gender = "f" if not agreed & dela.MASCULINE else "m" if not agreed & dela.FEMININE else ""
        t = tokens[k + 2]
        found.append(AdjectiveSlip(adjective, noun, t.start(), t.end(), tuple(_most_frequent(wanted, lang)), gender,
                                   bool(agreed & dela.PLURAL)))
    return found
