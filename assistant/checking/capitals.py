"""Sentences that begin with a lower-case word ("he went home.", "It rained. we stayed."), in every
language the checker serves: Harper flags only some English ones, and the other languages have no
rule layer. The data (the rule's name and message, abbreviations whose full stop ends no
sentence) is grammar.json's "sentence_capitals"."""

from __future__ import annotations

import re
from functools import cache

from assistant.checking.data import grammar_data
from assistant.checking.personal import PersonalDictionary
from assistant.checking.spelling import is_known_word
from assistant.markdown import overlaps, protected_spans
from assistant.text_diff import Edit
from assistant.text_units import after_title

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
