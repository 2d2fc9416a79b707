"""Learner patterns: mistakes English learners make often that Harper has no rule for ("I am
agree", "look forward to see you", "he can sings", "there is many people").

The patterns are data (resources/grammar.json, "learner_patterns"): a regular expression with
named groups and a template that rebuilds the match, with the verb and noun forms from
LemmInflect's lexicon. A pattern whose words could be read another way ("the can holds": a noun,
not the modal) says so in its 'forms', 'not_after' and 'only_after' conditions. The edit covers
only the words that change, so the writer sees "see → seeing", not the whole phrase.
"""

from __future__ import annotations

import re
from functools import cache

from assistant.checking.data import grammar_data
from assistant.text_diff import Edit, common_ends
from assistant.text_units import CLAUSE_START

_FIELD = re.compile(r"\{(\w+)(?:\|(\w+))?\}")
_WORD_BEFORE = re.compile(r"([A-Za-z']+)\s*$")
_TOKEN = re.compile(r"[\w']+|\s+|[^\w\s]")


def _data() -> dict:
    return grammar_data()["learner_patterns"]


def indefinite_article(word: str) -> str:
    """"a" or "an" before ``word``, by its first sound as the data spells it ("an hour", "a university")."""
    low = word.lower()
    data = grammar_data()["indefinite_article"]
    if any(low.startswith(p) for p in data["an_before"]):
        return "an"
    if any(low.startswith(p) for p in data["a_before"]):
        return "a"
    return "an" if low[:1] in "aeiou" else "a"


@cache
def _compiled() -> tuple[tuple[dict, re.Pattern], ...]:
    return tuple((p, re.compile(p["find"], re.IGNORECASE)) for p in _data()["patterns"])


@cache
def winning_rules() -> frozenset[str]:
    """The patterns that replace Harper's lint on the same words ('wins')."""
    return frozenset(p["id"] for p in _data()["patterns"] if p.get("wins"))


@cache
def verb_lemma(word: str) -> str | None:
    from lemminflect import getAllLemmas

    lemmas = getAllLemmas(word.lower()).get("VERB")
    return lemmas[0] if lemmas else None


@cache
def _noun_lemma(word: str) -> str | None:
    from lemminflect import getAllLemmas

    lemmas = getAllLemmas(word.lower()).get("NOUN")
    return lemmas[0] if lemmas else None


@cache
def inflections(lemma: str, tag: str) -> tuple[str, ...]:
    from lemminflect import getInflection

    return tuple(getInflection(lemma, tag=tag))


COUNT_NOUN_GAP = 1.2  # zipf: a noun whose plural is this much rarer is uncountable ("moneys", "advices", "fishes")
# After "a lot of" a noun read as a mass is right ("a lot of food", "lots of skin", "lots of hardship"): only a
# noun whose plural is about as common as it ("scientists", "problems") and that has no abstract suffix is
# taken as counted there (stop 43: edited English 0 firings, JFLEG dev 2 of 2 as an annotator wrote).
CLEARLY_COUNTED_GAP = 0.3
ABSTRACT_SUFFIXES = ("ship", "ness", "ism", "ance", "ence", "ment", "hood", "dom")


def _plural(noun: str) -> str | None:
    """A singular noun's plural, if it has one of its own ("sheep" and "news" have none)."""
    return next((f for f in inflections(noun.lower(), "NNS") if f != noun.lower()), None)


def plural_rarity(noun: str) -> float | None:
    """How much rarer (zipf) a singular noun's plural is than the noun: small for a counted noun ("cars"),
    large for a mass noun ("informations", "advices"); None where it has no plural of its own."""
    from wordfreq import zipf_frequency

    plural = _plural(noun)
    return None if plural is None else zipf_frequency(noun.lower(), "en") - zipf_frequency(plural, "en")


def _is_count_noun(word: str, also_verb: bool) -> bool:
    """A lower-case singular noun that is counted ("car", not "money" or "information": its plural is not
    much rarer than it) and, by the tagger's reading, nothing else ("car", "book"), or, with ``also_verb``,
    also a verb and nothing else ("place", "lecture", "work"); never an adjective ("subject", "kind")."""
    from assistant.learning import parts_of_speech

    if not word.islower() or _noun_lemma(word) != word:
        return False
    tags = parts_of_speech.tags(word, "en")
    if tags != ({"NOUN", "VERB"} if also_verb else {"NOUN"}):
        return False
    rarity = plural_rarity(word)
    return rarity is not None and rarity <= COUNT_NOUN_GAP


def is_form(word: str, tag: str) -> bool:
    """Whether ``word`` is in the form ``tag``: a verb's VB, VBZ or VBD (and not only another of its
    forms), VBP (the base form, and not also a past: "go", not "put" or "read"), a noun's plural
    (NNS, not a word whose plural is itself: "news", "means"; NNS_NOUN: and nothing else), a singular
    count noun (NN: only a noun; NN_VB: a noun that may also be a verb; NN_ANY: either; NN_COUNTED: only a
    noun, its plural about as common and no abstract suffix: "scientist", not "food" or "hardship"), an adjective
    that is never a verb (ADJ; ADJ_NOT_NOUN: nor a noun), a past that is no participle, base form or noun
    (VBD_ONLY: "went", not "bought" or "spoke"), a base form that is only a verb and not its own participle
    (VB_ONLY: "generate", not "use" or "become"), or a noun in any reading (NOUN; also "own")."""
    low = word.lower()
    if tag in ("NN", "NN_VB"):
        return _is_count_noun(word, also_verb=tag == "NN_VB")
    if tag == "NN_ANY":  # either: "student", "doctor"
        return _is_count_noun(word, also_verb=False) or _is_count_noun(word, also_verb=True)
    if tag == "NN_COUNTED":  # a noun-only count noun almost always counted: "scientist", not "food"
        rarity = plural_rarity(word) if _is_count_noun(word, also_verb=False) else None
        return rarity is not None and rarity <= CLEARLY_COUNTED_GAP and not low.endswith(ABSTRACT_SUFFIXES)
    if tag in ("ADJ", "ADJ_NOT_NOUN", "VBD_ONLY"):  # an adjective, never a verb ("hard"), nor with
        from assistant.learning import parts_of_speech  # ADJ_NOT_NOUN a noun ("true", not "kind"); a past

        tags = parts_of_speech.tags(low, "en")
        if tag == "ADJ":
            return "ADJ" in tags and tags <= {"ADJ", "ADV", "NOUN"}
        if tag == "ADJ_NOT_NOUN":
            return "ADJ" in tags and tags <= {"ADJ", "ADV"}
        lemma = verb_lemma(word)  # "went", "ate", "saw"; not "bought" (a participle too) nor "spoke" (a noun)
        return tags == {"VERB"} and lemma is not None and low != lemma and low in inflections(lemma, "VBD") \
            and low not in inflections(lemma, "VBN")
    if tag == "NOUN":  # a noun by the tagger, or "own" ("on it's own"), and no -ing form ("for it's raining")
        from assistant.learning import parts_of_speech

        return low == "own" or ("NOUN" in parts_of_speech.tags(low, "en") and not low.endswith("ing"))
    if tag == "NNS_NOUN":  # a plural that is nothing else ("books", not "works" or "helps")
        from assistant.learning import parts_of_speech

        return is_form(word, "NNS") and parts_of_speech.tags(word, "en") == {"NOUN"}
    if tag == "NNS":
        lemma = _noun_lemma(word)
        return lemma is not None and low != lemma and low in inflections(lemma, "NNS")
    lemma = verb_lemma(word)
    if lemma is None:
        return False
    if tag == "VB":
        return low == lemma
    if tag == "VB_ONLY":  # a base form that is nothing else and has a participle of its own ("generate", not
        from assistant.learning import parts_of_speech  # "use", "close" or "become")

        return is_form(word, "VBP") and parts_of_speech.tags(low, "en") == {"VERB"}
    if tag == "VBP":
        return low == lemma and low not in inflections(lemma, "VBD") + inflections(lemma, "VBN")
    return low != lemma and low in inflections(lemma, tag)


def _field(groups: dict[str, str], name: str, how: str | None) -> str | None:
    value = groups.get(name) or ""
    if how is None:
        return value
    if how == "NN":
        return _noun_lemma(value)
    if how == "NNS":
        return _plural(value)
    if how == "A":
        return f"{indefinite_article(value)} {value}"
    if how in ("VB", "VBG", "VBN", "VBD", "VBZ"):
        lemma = verb_lemma(value)
        if lemma is None:
            return None
        forms = (lemma,) if how == "VB" else inflections(lemma, how)
        return forms[0] if forms else None
    return _data()["maps"][how].get(value.lower())


def _fill(template: str, groups: dict[str, str]) -> str | None:
    """The template with each {name} or {name|how} filled; None when a form is unknown."""
    parts, last = [], 0
    for m in _FIELD.finditer(template):
        value = _field(groups, m.group(1), m.group(2))
        if value is None:
            return None
        parts += [template[last : m.start()], value]
        last = m.end()
    return "".join([*parts, template[last:]])


def _narrowed(start: int, old: str, new: str) -> tuple[int, int, str]:
    """(start, end, replacement) for the words that differ between ``old`` and ``new``; a word
    removed or added is shown with the word after it ("am agree" → "agree", not "am " → ""), a comma
    with the word before it."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    head, tail = common_ends(a, b)
    if head and head < len(b) and b[head] in ",;:" and not "".join(a[head : len(a) - tail]).strip():
        head -= 1  # a comma put in is shown on the word it follows: "example" → "example,"
        tail = min(tail, len(a) - head - 1)
    elif tail and not ("".join(a[head : len(a) - tail]).strip() and "".join(b[head : len(b) - tail]).strip()):
        tail -= 1
    offset = start + len("".join(a[:head]))
    return offset, offset + len("".join(a[head : len(a) - tail])), "".join(b[head : len(b) - tail])


def _opening_conjunction(text: str, before: re.Match) -> bool:
    """A conjunction that opens a sentence ("And", "But": the data's opening_conjunctions): the clause starts
    after it, as at the sentence's start ("And details is the key"; "bread and butters is" is not)."""
    return before.group(1).lower() in _data()["opening_conjunctions"] and \
        bool(CLAUSE_START.search(text, 0, before.start(1)))


def pattern_edits(text: str) -> list[Edit]:
    """The learner patterns' edits for an English paragraph, in text order."""
    edits = []
    for pattern, regex in _compiled():
        for m in regex.finditer(text):
            groups = {k: v for k, v in m.groupdict().items() if v is not None}
            if any(not is_form(groups.get(g, ""), tag) for g, tag in pattern.get("forms", {}).items()):
                continue
            before = _WORD_BEFORE.search(text, 0, m.start())
            if before and before.group(1).lower() in pattern.get("not_after", ()):
                continue
            if "only_after" in pattern and not (
                    before.group(1).lower() in pattern["only_after"] or _opening_conjunction(text, before) if before
                    else CLAUSE_START.search(text, 0, m.start())):
                continue
            new = _fill(pattern["replace"], groups)
            if new is None:
                continue
            old = m.group(0)
            if old[:1].isupper() and not (new[:1].isupper() or new.startswith(("I ", "I'"))):
                new = new[:1].upper() + new[1:]
            if new == old:
                continue
            start, end, replacement = _narrowed(m.start(), old, new)
            reason = _fill(pattern["reason"], groups) or pattern["reason"]
            edits.append(Edit(start, end, text[start:end], replacement, pattern["category"], reason, "rules",
                              pattern["id"]))
    return sorted(edits, key=lambda e: (e.start, e.end))
