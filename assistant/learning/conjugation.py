"""Conjugation drills built from a conjugator, never from the model: verbecc (LGPL-3.0, offline) for
French, Spanish, Italian and Portuguese.

verbecc knows several thousand verbs per language from its own tables. For a verb outside them it
can predict a conjugation with a machine-learned model that it trains on first use and pickles into
the working directory; that path is switched off here, so a verb it does not know is refused, never
invented, and nothing is trained, written or unpickled. Its logging set-up (a log file in the
working directory, the root logger's level) is not applied either.

Which tenses a level drills and which persons are asked for is data (resources/learning_data.json).
The verbs are those of the conjugator that the frequency list puts within the learner's level.
"""

from __future__ import annotations

import json
import logging.config
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from assistant.learning import lexicon

_lock = threading.Lock()


class ConjugationError(ValueError):
    """No conjugator for the language, or a verb it does not know; meant for the learner."""


def languages() -> tuple[str, ...]:
    return tuple(lexicon.data()["conjugation"]["tenses"])


def has_conjugator(lang: str) -> bool:
    return lang in languages()


@cache
def _verbecc():
    real = logging.config.dictConfig
    logging.config.dictConfig = lambda _config: None  # verbecc configures logging on import
    try:
        import verbecc
        from verbecc.src.defs.types.data import verbs
        from verbecc.src.utils.logging_utils import LoggingUtils
    finally:
        logging.config.dictConfig = real
    LoggingUtils._logger = logging.getLogger("verbecc")
    # Without a handler, its errors on verbs it cannot conjugate ("conjugation is empty") went to stderr
    # through logging's last resort; the app's own logging set-up, where there is one, still gets them.
    LoggingUtils._logger.addHandler(logging.NullHandler())
    verbs.config.ENABLE_ML_PREDICTION = False  # unknown verbs are refused, not guessed
    return verbecc


@cache
def _conjugator(lang: str):
    if not has_conjugator(lang):
        raise ConjugationError(f"there is no conjugator for {lang}")
    with _lock:
        vb = _verbecc()
        return vb.CompleteConjugator(vb.LangCodeISO639_1(lang))


@dataclass(frozen=True)
class Form:
    infinitive: str
    mood: str
    tense: str
    person: str  # the subject pronoun verbecc gives ("nous", "ellos")
    answer: str  # the form with its pronoun where the language writes one ("nous allons")
    bare: str  # the form alone ("allons")

    @property
    def label(self) -> str:
        """What the drill asks for, in the target language's own grammar terms: "nous · présent (indicatif)"."""
        tense = f"{self.tense.replace('-', ' ')} ({self.mood})"
        return f"{self.person} · {tense}" if self.person else tense


@cache
def table(lang: str, infinitive: str, pronouns: bool = True) -> dict:
    """verbecc's full table for a verb it knows (forms with or without their pronoun); ConjugationError
    otherwise."""
    cg = _conjugator(lang)
    try:
        with _lock:
            return json.loads(cg.conjugate(infinitive.strip().casefold(), conjugate_pronouns=pronouns).to_json())
    except Exception as exc:  # verbecc raises its own VerbNotFoundError and others without a message
        raise ConjugationError(f"the conjugator does not know the verb “{infinitive}”") from exc


def form(lang: str, infinitive: str, mood: str, tense: str, person: tuple[str, str]) -> Form:
    """One form of the table; ConjugationError when the verb has none there (a defective verb)."""
    found = [_entry(table(lang, infinitive, pronouns), infinitive, mood, tense, person) for pronouns in (True, False)]
    entry, bare = found
    return Form(infinitive, mood, tense, entry.get("pr", ""), entry["c"][0], bare["c"][0])


def _entry(data: dict, infinitive: str, mood: str, tense: str, person: tuple[str, str]) -> dict:
    entries = data["moods"].get(mood, {}).get(tense)
    if not entries:
        raise ConjugationError(f"“{infinitive}” has no {tense} ({mood}) in the conjugator")
    p, n = person
    matches = [e for e in entries if e.get("p") == p and e.get("n") == n and e.get("c")]
    matches.sort(key=lambda e: e.get("g", "m") != "m")  # the masculine where there are two
    if not matches:
        raise ConjugationError(f"“{infinitive}” has no form for that person in the {tense}")
    return matches[0]


def tenses_for(lang: str, level: str) -> list[tuple[str, str]]:
    """The tenses drilled up to and including ``level``."""
    by_level = lexicon.data()["conjugation"]["tenses"].get(lang)
    if by_level is None:
        raise ConjugationError(f"there is no conjugator for {lang}")
    out: list[tuple[str, str]] = []
    for lv, tenses in by_level.items():
        out += [tuple(t) for t in tenses]
        if lv == level:
            break
    return out


@cache
def infinitives(lang: str) -> frozenset[str]:
    """Every verb the conjugator knows."""
    return frozenset(_conjugator(lang).get_infinitives())


@cache
def verbs_for(lang: str, level: str) -> tuple[str, ...]:
    """Infinitives the conjugator knows that the frequency list puts within ``level`` (or below)."""
    known = infinitives(lang)
    depth = lexicon.band(level)[1]
    return tuple(w for w in lexicon.ranked_lemmas(lang, depth) if w in known)


def persons_drilled() -> list[tuple[str, str]]:
    """The (person, number) cells a drill asks for, in the table's order."""
    return [tuple(p) for p in lexicon.data()["conjugation"]["persons"]]


def drill(lang: str, level: str, rng: random.Random, fresh: Callable[[Form], bool] = lambda _f: True,
          tries: int = 50) -> Form:
    """A random form of a verb and tense for ``level`` for which ``fresh`` holds (not yet in the bank)."""
    verbs = verbs_for(lang, level)
    tenses = tenses_for(lang, level)
    persons = persons_drilled()
    if not verbs:
        raise ConjugationError(f"no verbs for level {level} in the conjugator")
    for _ in range(tries):
        try:
            f = form(lang, rng.choice(verbs), *rng.choice(tenses), rng.choice(persons))
        except ConjugationError:
            continue  # a defective verb (no such tense or person): another one
        if fresh(f):
            return f
    raise ConjugationError("every drill tried for this level is already in the bank")
