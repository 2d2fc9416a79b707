"""Sentences that begin with a lower-case word ("he went home.", "It rained. we stayed."), in every
language the checker serves: Harper flags only some English ones, and the other languages have no
rule layer. The data (the rule's name and message, abbreviations whose full stop ends no
sentence) is grammar.json's "sentence_capitals".

And, in German, a noun written in lower case ("ich habe einen hund" → Hund), which the dictionaries do
not flag (they know words in any case): a word the tagger reads only as a noun in lower case whose
capitalised form is a noun of Wiktionary's (assistant.learning.determiners' nouns). Grammar.json's
"noun_capitals"."""

from __future__ import annotations

import re
from functools import cache

from assistant.checking.data import grammar_data
from assistant.checking.personal import PersonalDictionary
from assistant.checking.spelling import is_known_word
from assistant.markdown import overlaps, protected_spans
from assistant.text_diff import Edit
from assistant.text_units import WORD, after_title

# A paragraph's first word, after any opening quote or bracket; or a word after a sentence's end
# mark and a space. The mark's group tells which.
_START = re.compile(r"(?:^|(?P<mark>[.!?])\s+)[\"“‘«(\[]*(?P<word>[^\W\d_]+)\b")
_INITIALS = re.compile(r"[^\W\d_](?:\.[^\W\d_])+")  # "D.C", "U.N", "L.A": initials, whose stop ends no sentence
_BEFORE_STOP = re.compile(r"([^\W\d_.]+(?:\.[^\W\d_]+)*)\.$")


@cache
def _abbreviations() -> frozenset[str]:
    return frozenset(a.lower() for a in grammar_data()["sentence_capitals"]["abbreviations"])


def _ends_sentence(text: str, mark_at: int) -> bool:
    """Whether the mark at ``mark_at`` ends a sentence: not an ellipsis, a title ("Mr.") or an
    abbreviation ("etc.", "e.g.")."""
    if text[mark_at] != ".":
        return True
    if mark_at > 0 and text[mark_at - 1] == ".":
        return False
    before = _BEFORE_STOP.search(text, 0, mark_at + 1)
    if before is None:
        return False  # "3. item", "(a). ": a number or a mark before the stop
    word = before.group(1)
    return not (len(word) == 1 or word.lower() in _abbreviations() or _INITIALS.fullmatch(word)
                or after_title(text, mark_at + 1))


def sentence_start_edits(text: str, lang: str, personal: PersonalDictionary | None = None) -> list[Edit]:
    """Edits capitalising the lower-case words that begin ``text`` (a paragraph) or one of its
    sentences; only words the language's dictionary knows, as written, and never in code."""
    data = grammar_data()["sentence_capitals"]
    if personal is not None and personal.ignores(data["rule"]):
        return []
    shielded = protected_spans(text)
    out = []
    for m in _START.finditer(text):
        word = m.group("word")
        start, end = m.span("word")
        if not word.islower() or word.upper() == word or overlaps(shielded, start, end):
            continue  # no case in this script, or code, an address
        if word in _abbreviations() or re.match(r"\.[^\W\d_]", text[end:]):
            continue  # "e.g. this", "etc." opening a sentence: written as the writer's style guide wants
        if m.group("mark") and not _ends_sentence(text, m.start("mark")):
            continue
        if not is_known_word(word, lang):
            continue  # "npm", "iOS" written in lower case; a misspelling is the spelling layer's
        if personal is not None and personal.knows(word):
            continue
        out.append(Edit(start, end, word, word[0].upper() + word[1:], "capitalization", data["message"], "rules",
                        data["rule"]))
    return out


def noun_capital_edits(text: str, lang: str, personal: PersonalDictionary | None = None) -> list[Edit]:
    """Edits capitalising the nouns of ``text`` (a paragraph) written in lower case after a determiner, in
    a language whose nouns are capitalised; never in code, nor a word of the writer's dictionary. Not
    before a capitalised word: there it is an adjective ("einem orangen Pullover")."""
    data = grammar_data()["noun_capitals"]
    if lang not in data["languages"] or (personal is not None and personal.ignores(data["rule"])):
        return []
    from assistant.learning import determiners, parts_of_speech

    if not determiners.can_check(lang):
        return []
    nouns, families = determiners.noun_forms(lang), determiners.determiner_families(lang)
    shielded = protected_spans(text)
    words = list(WORD.finditer(text))
    out = []
    for k, m in enumerate(words[1:], start=1):
        word = m.group(0)
        capital = word[0].upper() + word[1:]
        if not word.islower() or len(word) < 3 or capital not in nouns or overlaps(shielded, m.start(), m.end()):
            continue
        between = 0
        while k - 1 - between > 0 and between < data["max_adjectives"] and \
                "ADJ" in parts_of_speech.tags(words[k - 1 - between].group(0), lang):
            between += 1
        if words[k - 1 - between].group(0).lower() not in families:
            continue
        following = words[k + 1] if k + 1 < len(words) else None
        if following is not None and following.group(0)[:1].isupper() and not text[m.end():following.start()].strip():
            continue  # "einem orangen Pullover": an adjective before its noun
        if not parts_of_speech.tags(word, lang) <= {"NOUN", "PROPN"} or (personal is not None and personal.knows(word)):
            continue  # "essen", "morgen", "gute": a verb, adverb or adjective in lower case
        out.append(Edit(m.start(), m.end(), word, capital, "capitalization",
                        data["message"].format(word=capital), "rules", data["rule"]))
    return out
