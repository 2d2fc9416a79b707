"""Present-tense verb slots in a language the conjugator does not serve, built by rule.

German has no conjugator here (verbecc serves French, Spanish, Italian, Portuguese), yet after "ich" its
present tense is the stem and -e for every verb but sein, wissen and the modals, and after "wir" it is
the infinitive. That is enough for a multiple choice whose gap follows "Ich": "Ich ___ als Gastarbeiter"
had "arbeite" among the infinitives "unternehmen", "bringen", "bekommen" (stop 39's benchmark), and only
one option agreed with "ich". Now the options are the answer's verb for the other persons ("arbeite"
among "arbeitest", "arbeitet", "arbeiten"), so only one can follow the pronoun; other verbs in the
answer's form let a second one fit ("Ich ___ die Straßen": "kenne" and "sehe", stop 42's benchmark).
The rules are data (resources/subject_pronouns.json, "present_rules").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from assistant.learning import agreement, conjugation, lexicon, parts_of_speech

PRESENT = ("indicative", "present")
_LAST_WORD = re.compile(r"(\w+)\W*$")
_BEFORE_GAP = re.compile(r"(?:^|,|\b(?P<opener>\w+)\s)\s*(?P<pronoun>\w+)\s+$")


def _rules(lang: str) -> dict | None:
    return agreement.present_rules().get(lang)


def has_rules(lang: str) -> bool:
    return _rules(lang) is not None


def _key(person: tuple[str, str]) -> str:
    return "".join(person)


def form(lang: str, infinitive: str, person: tuple[str, str]) -> str | None:
    """The verb's present form for ``person`` ("1", "s"), or None where the rules build none."""
    rules = _rules(lang)
    if rules is None:
        return None
    key = _key(person)
    irregular = rules["irregular"].get(infinitive, {})
    if key in irregular:
        return irregular[key]
    for ending, replacement in rules["endings"].get(key, ()):
        if infinitive.endswith(ending) and len(infinitive) > len(ending) + 1:
            return infinitive[: len(infinitive) - len(ending)] + replacement
    return None


@cache
def is_verb(word: str, lang: str) -> bool:
    """An infinitive: a real word of the language, its own lemma, tagged a verb ("arbeiten"; not the
    participle "gefahren", whose lemma is "fahren"); an auxiliary too ("sein", "können")."""
    import simplemma

    return bool(word.islower() and parts_of_speech.tags(word, lang) & {"VERB", "AUX"}
                and lexicon.is_real_word(word, lang) and simplemma.lemmatize(word, lang=lang) == word)


def infinitives_of(word: str, lang: str, person: tuple[str, str]) -> list[str]:
    """The infinitives whose form for ``person`` is ``word`` ("arbeite": arbeiten; "ändere": ändern)."""
    rules = _rules(lang)
    if rules is None:
        return []
    low = word.lower()  # not casefold: that spells "weiß" "weiss"
    key = _key(person)
    guesses = [v for v, forms in rules["irregular"].items() if forms.get(key) == low]
    for ending, replacement in rules["endings"].get(key, ()):
        if low.endswith(replacement):
            guesses.append(low[: len(low) - len(replacement)] + ending)
    return [g for g in dict.fromkeys(guesses) if form(lang, g, person) == low and is_verb(g, lang)]


@dataclass(frozen=True)
class PresentSlot:
    """A gap right after a subject pronoun whose answer is that pronoun's present form (agreement.VerbSlot's
    counterpart where there is no conjugator)."""
    lang: str
    pronoun: str
    verbs: tuple[str, ...]  # the answer's infinitives
    cell: agreement.Cell

    @property
    def lemma(self) -> str:
        return self.verbs[0]

    def form_of(self, infinitive: str) -> str | None:
        return form(self.lang, infinitive, self.cell[1])

    def verb_of(self, word: str) -> str | None:
        found = infinitives_of(word, self.lang, self.cell[1])
        return found[0] if found else None

    def other_forms(self) -> list[str]:
        """The answer's verb for the other persons ("arbeitest", "arbeitet", "arbeiten" for "ich arbeite"), as
        agreement.VerbSlot gives them: none can follow the pronoun. A form the endings build is kept only
        where the frequency list knows it well ('min_zipf'): a stem-changer the data does not list builds
        "fahrst" (1.7), and no option may be a non-word."""
        rules = _rules(self.lang)
        own = form(self.lang, self.lemma, self.cell[1])
        out: list[str] = []
        for person in conjugation.persons_drilled():
            found = form(self.lang, self.lemma, person)
            if found is None or found == own or found in out:
                continue
            listed = _key(person) in rules["irregular"].get(self.lemma, {})
            if listed or lexicon.zipf(found, self.lang) >= rules["min_zipf"]:
                out.append(found)
        return out


def verb_slot(gapped: str, answer: str, lang: str) -> PresentSlot | None:
    """Where the gap of ``gapped`` follows one of the rules' subject pronouns at a clause's start and
    ``answer`` is that pronoun's present form of a verb ("Ich ___ Kleider", "kaufe"); None otherwise."""
    rules = _rules(lang)
    at = gapped.find("___")
    if rules is None or at < 0 or not answer.islower():
        return None
    m = _BEFORE_GAP.search(gapped[:at])
    if m is None:
        return None
    pronoun = m.group("pronoun").lower()
    person = rules["pronouns"].get(pronoun)
    opener = m.group("opener")
    if person is None or (opener is not None and opener.lower() not in rules["clause_openers"]):
        return None
    last = _LAST_WORD.search(gapped)
    if last is not None and last.group(1).lower() in rules["separable_prefixes"]:
        return None  # "Ich ___ gut aus": the answer is a separable verb's ("aussehen"), which others cannot share
    person = tuple(person)
    verbs = infinitives_of(answer, lang, person)
    return PresentSlot(lang, pronoun, tuple(verbs), (PRESENT, person)) if verbs else None
