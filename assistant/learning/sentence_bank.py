"""Example sentences by topic, written and translated by people (resources/sentence_bank.json).

A 270M model's sentences on a topic read oddly often enough ("Mi familia es un lugar hermoso") that a
teacher would not sign a third of the items built on them (stop 45's benchmark). Items on a topic the
bank has are built on its sentences instead, as items from a document are built on the document's own:
the target-language sentence is right by construction, and where the learner's language is the one the
bank's translations are in, a translation drill's source and the translation a cloze's hint is checked
against are people's too (a learner of English reads the pairs the other way round). The model still
glosses a cloze's answer and scores a choice's distractors; on a topic the bank has no sentences for, a model
that writes well enough writes them (generation.generate)."""

from __future__ import annotations

import json
from functools import cache

from assistant.learning.lexicon import LETTER_RUN
from assistant.paths import resource


@cache
def _data() -> dict:
    return json.loads(resource("sentence_bank.json").read_text("utf-8"))


def _lemmas(text: str, langs: tuple[str, ...]) -> set[str]:
    import simplemma

    words = LETTER_RUN.findall(text.casefold())
    return set(words) | {simplemma.lemmatize(w, lang=lang).casefold() for w in words for lang in langs}


def topic_of(topic: str, lang: str) -> str | None:
    """The bank's topic that the learner's ``topic`` names by one of its words (in English or in ``lang``,
    by lemma: "cooking dinner" is food, "my parents" family), the one it names most where it names
    several, None where it names none."""
    said = _lemmas(topic, ("en", lang))
    best, hits = None, 0
    for name, words in _data()["topics"].items():
        named = len(said & (set(words.get("en", ())) | set(words.get(lang, ()))))
        if named > hits:
            best, hits = name, named
    return best


def topic_names() -> list[str]:
    """The bank's topics, as the learner might name them."""
    return list(_data()["topics"])


def pairs(topic: str, lang: str) -> list[tuple[str, str]]:
    """(sentence in ``lang``, its translation) for the bank's topic that ``topic`` names; [] where the bank
    has no such topic or no sentences in ``lang``."""
    name = topic_of(topic, lang)
    found = _data()["sentences"].get(lang, {}).get(name or "", [])
    return [(s, t) for s, t in found]


def every_pair(lang: str) -> list[tuple[str, str]]:
    """(sentence in ``lang``, its translation) of every topic of the bank."""
    return [(s, t) for found in _data()["sentences"].get(lang, {}).values() for s, t in found]


def bank_language(target: str, native: str) -> str:
    """The language of the bank's sentences a learner of ``target`` reads: the learner's own where they learn
    the language the translations are in (for_learner)."""
    return native if target == translations_in() else target


def for_learner(topic: str | None, target: str, native: str) -> tuple[list[tuple[str, str]], bool]:
    """(sentence in ``target``, its translation) on the bank's topic that ``topic`` names (every topic for
    None), and whether the translations are in the learner's language ``native``. A learner of the language
    the translations are in (English) reads the bank the other way round: the English sentences, with the
    sentences of the learner's language as what people wrote them from."""
    lang = bank_language(target, native)
    found = every_pair(lang) if topic is None else pairs(topic, lang)
    if target == translations_in():
        return [(t, s) for s, t in found], True
    return found, native == translations_in()


def translations_in() -> str:
    """The language code the bank's translations are written in."""
    return str(_data()["translations"])
