"""A word's possible parts of speech, from real language data (resources/parts_of_speech.json).

A multiple choice is only a test of the language when its distractors are the same kind of word
as the answer: offered "maison" among "mangeons", "rapidement" and "vers", a learner picks the
noun without knowing what it means. So each option's parts of speech, out of context, must share
one with the answer's.

German, English and Dutch words are tagged by HanTa (the Hanover Tagger, trained on treebanks;
every reading within a margin of its best counts, so "laufen" is a verb and "gestern" an adverb,
"mit" a preposition or particle). French, Spanish and Italian come from spaCy's lemma tables,
extracted into resources/pos/: a form has a part of speech when the table lists it, when it or its
simplemma lemma is a lemma of it, or when one of its suffix rules turns it into such a lemma
("mangeons" → "manger", a verb); the conjugator's infinitives are verbs, and closed classes
(prepositions, determiners, pronouns, conjunctions, common adverbs) are listed in the resource.
Where those leave only nouns and adjectives for a real word the data does not place, the word is
taken as either (Spanish's tables hold few nouns; Portuguese has no table, only the rest).
Coarse tags follow Universal Dependencies (NOUN, VERB, ADJ ...). A language with none of these
has no check, and the multiple-choice type is not offered for it (`can_tag`).
"""

from __future__ import annotations

import gzip
import json
from functools import cache, lru_cache
from pathlib import Path

import simplemma

from assistant.paths import resource


@cache
def data() -> dict:
    return json.loads(resource("parts_of_speech.json").read_text("utf-8"))


def can_tag(lang: str) -> bool:
    return lang in data()["sources"]


def names(found: frozenset[str]) -> str:
    """How the learner reads tags: "a noun or a verb"."""
    return " or ".join(data()["names"].get(tag, tag) for tag in sorted(found))


@lru_cache(maxsize=50_000)
def tags(word: str, lang: str) -> frozenset[str]:
    """The coarse parts of speech ``word`` can have in ``lang``; empty when the data does not know it.
    A multiword unit has those of its words together ("sommes allés": auxiliary, verb)."""
    words = word.split()
    if not words or not can_tag(lang):
        return frozenset()
    look = _tagged if "tagger" in data()["sources"][lang] else _looked_up
    return frozenset().union(*(look(w, lang) for w in words))


def _tagged(word: str, lang: str) -> frozenset[str]:
    readings = _tagger(lang).tag_word(word)
    if not readings:
        return frozenset()
    best = max(logp for _, logp in readings)
    margin = data()["margin"]
    mapping = data()["tag_maps"][data()["sources"][lang]["tags"]]
    found = set()
    for tag, logp in readings:
        if logp >= best - margin:
            prefix = max((p for p in mapping if tag.startswith(p)), key=len, default=None)
            if prefix:
                found.add(mapping[prefix])
    return frozenset(found)


@cache
def _tagger(lang: str):
    from HanTa import HanoverTagger  # loaded on first use: a model takes 0.2 s (Dutch 3.5 s)

    # The full path: given a bare name, HanTa first unpickles a file of that name in the working
    # directory, which could be anyone's file; its own models lie beside its module.
    return HanoverTagger.HanoverTagger(str(Path(HanoverTagger.__file__).parent / data()["sources"][lang]["tagger"]))


def placed(word: str, lang: str) -> bool:
    """Whether the data itself gives ``word`` a part of speech, not the noun-or-adjective guess for a
    real word it does not place (French "michel" and Spanish "pedro" are placed by that guess only)."""
    if not can_tag(lang):
        return False
    if "tagger" in data()["sources"][lang]:
        return bool(_tagged(word, lang))
    return bool(_looked_up(word, lang, guess=False))


@cache
def _closed(lang: str) -> dict[str, str]:
    return {w: tag for tag, words in data().get("closed_classes", {}).get(lang, {}).items() for w in words}


def closed_class(word: str, lang: str) -> frozenset[str]:
    """The closed classes the data lists ``word`` in (preposition, determiner, pronoun, conjunction, common
    adverb), or none. Whatever else the tables' suffix rules read into such a word ("desde" and "según" a
    noun, "yo" a noun), it is no noun, verb or adjective a learner would mistake for one."""
    tag = _closed(lang).get(word.lower())
    return frozenset({tag}) if tag else frozenset()


def capitalises_nouns(lang: str) -> bool:
    """German writes every noun with a capital: a capitalised word is no name for that alone, and a
    lower-case word of the frequency list may be a noun to capitalise."""
    return lang in data()["capitalised_nouns"]


def only_a_name(word: str, lang: str) -> bool:
    """The data reads ``word`` as a proper noun and nothing else: German's list holds "york", "bonn",
    "wilhelm" in lower case, and "york" became a vocabulary card."""
    found = tags(word, lang) | (tags(word[:1].upper() + word[1:], lang) if capitalises_nouns(lang) else frozenset())
    return bool(found) and found <= {"PROPN"}


def dictionary_form(word: str, lang: str) -> str:
    """``word`` as a dictionary writes it: a German word the tagger reads only as a noun is capitalised
    ("veranstaltung" from the lower-case frequency list is "Veranstaltung"); "essen", also a verb, stays."""
    if capitalises_nouns(lang) and word[:1].islower():
        upper = word[:1].upper() + word[1:]
        if "NOUN" in tags(upper, lang) and not tags(word, lang) - {"NOUN", "PROPN"}:
            return upper
    return word


def _looked_up(word: str, lang: str, guess: bool = True) -> frozenset[str]:
    lex = _lexicon(lang)
    found = set()
    lemma = simplemma.lemmatize(word.lower(), lang=lang)
    for form in dict.fromkeys((word, word.lower())):
        for tag, forms in lex["forms"].items():
            if form in forms:
                found.add(tag)
        for tag, lemmas in lex["lemmas"].items():
            if form in lemmas or lemma in lemmas:
                found.add(tag)
        for tag, rules in lex["rules"].items():
            if _by_rule(form, rules, lex["lemmas"].get(tag, ())):
                found.add(tag)
        for tag, derived in lex["derived"].items():
            if _by_rule(form, derived["rules"], lex["lemmas"].get(derived["from"], ())):
                found.add(tag)
    return frozenset(found or (data()["sources"][lang].get("otherwise", ()) if guess else ()))


def _by_rule(form: str, rules: list[list[str]], lemmas: frozenset[str]) -> bool:
    return any(form.endswith(old) and form[: len(form) - len(old)] + new in lemmas
               for old, new in rules if len(form) > len(old))


@cache
def _lexicon(lang: str) -> dict:
    """The extracted tables as sets, with the closed classes (prepositions, determiners ...) the
    tables lack added as forms."""
    source = data()["sources"][lang]
    raw = {"forms": {}, "lemmas": {}, "rules": {}}
    if "lexicon" in source:
        raw = json.loads(gzip.decompress(resource("pos", f"{source['lexicon']}.json.gz").read_bytes()))
    forms = {tag: set(words) for tag, words in raw["forms"].items()}
    for tag, words in data().get("closed_classes", {}).get(lang, {}).items():
        forms.setdefault(tag, set()).update(words)
    lemmas = {tag: set(words) for tag, words in raw["lemmas"].items()}
    if source.get("conjugator_verbs"):
        from assistant.learning import conjugation

        lemmas.setdefault("VERB", set()).update(conjugation.infinitives(lang))
    return {"forms": {t: frozenset(w) for t, w in forms.items()},
            "lemmas": {t: frozenset(w) for t, w in lemmas.items()}, "rules": raw["rules"],
            "derived": data().get("derived", {}).get(lang, {})}
