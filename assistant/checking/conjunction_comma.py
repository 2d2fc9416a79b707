"""A comma before "but" where it joins two clauses: "I am really sorry to continue like this, but right
now I am taking the test", "Cars will not be replaced completely, but they will be fewer".

Both sides must read as clauses: before "but", at least a few words since the last punctuation with a
finite auxiliary among them; after it, within three words, a subject (a pronoun, or a determiner's
noun phrase) and its finite auxiliary. "Nothing but", "not only ... but also", "not red but blue" and a
"but" between two short phrases are left alone. "So" and "yet" were measured the same way and left out:
"so" is as often "so that" or "so soft" as a conjunction (JFLEG dev: 9 firings, none an annotator's).
On JFLEG dev the rule fired 9 times, 6 as an annotator wrote; on 5,757 sentences of edited English 9
times, each a comma a style guide asks for between independent clauses
(bench/bench_rule_firings.py). The words are data (grammar.json's "conjunction_comma", which borrows
the pronouns, determiners and auxiliaries of "opening_comma").
"""

from __future__ import annotations

from functools import cache

from assistant.checking.data import grammar_data
from assistant.checking.opening_comma import TOKEN
from assistant.text_diff import Edit
from assistant.text_units import sentences


@cache
def _word_sets() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """The words that begin a subject, the finite auxiliaries and the subject contractions (opening_comma's,
    with this rule's own subjects), built once."""
    data, shared = grammar_data()["conjunction_comma"], grammar_data()["opening_comma"]
    subjects = frozenset(shared["subjects"]) | frozenset(shared["determiners"]) | frozenset(data["subjects"])
    return subjects, frozenset(shared["finite"]), frozenset(shared["subject_contractions"])


def _clause_before(words: list[str], j: int, min_words: int, finite: frozenset[str]) -> bool:
    start = j
    while start > 0 and words[start - 1][:1].isalnum():
        start -= 1
    before = words[start:j]
    return len(before) >= min_words and any(w in finite for w in before)


def _clause_after(words: list[str], j: int, subjects: frozenset[str], finite: frozenset[str],
                  contractions: frozenset[str]) -> bool:
    for a in range(j + 1, min(len(words), j + 4)):
        if not words[a][:1].isalnum():
            return False
        if words[a] in contractions or (words[a] in subjects and any(w in finite for w in words[a + 1 : a + 4])):
            return True
    return False


def conjunction_comma_edits(text: str) -> list[Edit]:
    """The commas an English paragraph lacks before a conjunction that joins two clauses, each as an
    edit of the word before the conjunction."""
    data = grammar_data()["conjunction_comma"]
    subjects, finite, contractions = _word_sets()
    edits = []
    for span in sentences(text):
        tokens = list(TOKEN.finditer(text, span.start, span.end))
        words = [t.group().lower().replace("’", "'") for t in tokens]
        for j in range(1, len(words) - 1):
            if words[j] not in data["conjunctions"] or not words[j - 1][:1].isalnum() or \
                    words[j - 1] in data["not_after"] or words[j + 1] in data["not_before"]:
                continue
            if _clause_before(words, j, data["min_words"], finite | contractions) and \
                    _clause_after(words, j, subjects, finite, contractions):
                last = tokens[j - 1]
                edits.append(Edit(last.start(), last.end(), last.group(), last.group() + ",", "punctuation",
                                  data["message"].format(conjunction=tokens[j].group()), "rules", data["rule"]))
    return edits
