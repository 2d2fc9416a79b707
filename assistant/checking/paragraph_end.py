"""A paragraph whose last sentence has no end mark ("We must trust ourselves"): the full stop is put in.

Only where the paragraph is prose: not a heading, list item, quote, table or code (its Markdown frame),
not a line that reads as a title (most of its words capitalised) or a label too short to be a sentence,
and only when the sentence has a word that makes it a clause (a subject pronoun or a finite auxiliary:
"The history of Rome" is a heading, "Rome was not built in a day" a sentence). On JFLEG dev 13 learner
sentences ended without a mark and at least two annotators put one in every time. The words and the
message are data (grammar.json's "paragraph_end"), for each language that lists its clause words.
"""

from __future__ import annotations

import json
import re
from functools import cache

from assistant.checking.data import grammar_data
from assistant.checking.personal import PersonalDictionary
from assistant.checking.spelling import PLAIN_WORD
from assistant.markdown import FENCE, overlaps, protected_spans, split_frame
from assistant.paths import resource
from assistant.text_diff import Edit
from assistant.text_units import sentences

_LAST_WORD = re.compile(r"([^\W_]+)$")


@cache
def _dangling(lang: str) -> frozenset[str]:
    """Words no sentence ends with ("and", "the"): a line that ends with one is unfinished, not unstopped
    (exercises.json's dangling_words, which refuse such a sentence from a model too)."""
    return frozenset(json.loads(resource("exercises.json").read_text("utf-8"))["dangling_words"].get(lang, ()))


def _is_title(words: list[str], lang: str) -> bool:
    """Most of the longer words capitalised, as in a title; not in German, whose nouns all are."""
    from assistant.learning.parts_of_speech import capitalises_nouns

    long = [w for w in words if len(w) > 3]
    return not capitalises_nouns(lang) and bool(long) and sum(w[:1].isupper() for w in long) * 2 > len(long)


def paragraph_end_edits(text: str, lang: str, personal: PersonalDictionary | None = None) -> list[Edit]:
    """The full stop a prose paragraph in ``lang`` lacks at its end, as an edit of its last word; [] for a
    language without the data, or when the paragraph ends as it should."""
    data = grammar_data()["paragraph_end"]
    clause_words = data["clause_words"].get(lang)
    if clause_words is None or (personal is not None and personal.ignores(data["rule"])):
        return []
    body = text.rstrip()
    if "\n" in body or "|" in body or FENCE.match(body) or split_frame(body)[0]:
        return []  # lines of verse or an address, a table, code, a heading or list item
    last = _LAST_WORD.search(body)
    if last is None or overlaps(protected_spans(body), last.start(), last.end()):
        return []
    spans = sentences(body)
    if not spans:
        return []
    words = PLAIN_WORD.findall(body[spans[-1].start : spans[-1].end])
    if len(words) < data["min_words"] or _is_title(words, lang) or not {w.lower() for w in words} & set(clause_words):
        return []
    word = last.group(1)
    if word.lower() in _dangling(lang):
        return []
    return [Edit(last.start(), last.end(), word, word + ".", "punctuation", data["message"], "rules", data["rule"])]
