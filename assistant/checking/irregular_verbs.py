"""An irregular verb given the regular ending: "dealed" → dealt, "thinked" → thought, "have spended" →
spent. Learners regularise the past of verbs they know; Harper's RegularIrregulars lists some
("buyed", "choosed", "teached") and the spelling layer offered look-alikes for the rest ("dealed" →
dialed). Here the verb comes from LemmInflect's lexicon: a word ending in -ed that no dictionary knows,
whose stem ("deal", "spend"; "stopp" undoubled) is a verb with an irregular past. Words the
dictionaries know are left alone ("hanged", "payed", "shined", "costed" are English too).

The past or the participle goes first by what comes before: a form of have or be wants the participle
("has runned" → run, "was writed" → written), anything else the past ("He runned" → ran).
"""

from __future__ import annotations

import re
from functools import cache

from assistant.checking.data import grammar_data
from assistant.checking.patterns import inflections, verb_lemma
from assistant.checking.spelling import is_misspelled, match_case, never_flagged
from assistant.text_diff import Edit

_PERFECT_OR_PASSIVE = re.compile(
    r"\b(?:have|has|had|having|'ve|is|are|was|were|be|been|being|am|get|got|gets)\s+(?:\w+\s+)?$", re.IGNORECASE)
_ED_WORD = re.compile(r"\b[A-Za-z]{4,}ed\b")


def _settings() -> dict:
    return grammar_data()["overregularised"]


@cache
def irregular_forms(word: str) -> tuple[str, ...]:
    """The past and participle ``word`` (lower case, ending in -ed) was meant as, when its stem is a verb
    whose past is irregular ("dealed": dealt; "choosed": chose, chosen); none otherwise."""
    from lemminflect import getAllInflections

    if len(word) < 6 or not word.endswith("ed"):
        return ()
    stems = [word[:-2], word[:-1]] + ([word[:-3]] if word[-3] == word[-4] else [])
    out: list[str] = []
    for stem in stems:
        forms = getAllInflections(stem, "VERB")
        if "VBD" not in forms:
            continue
        past, participle = forms["VBD"][0], forms.get("VBN", forms["VBD"])[0]
        if word in (past, participle):
            return ()
        out += [f for f in (past, participle) if not f.endswith("ed")]
    return tuple(dict.fromkeys(out))


def ordered(text: str, start: int, forms: list[str]) -> list[str]:
    """``forms`` of one verb, the one the words before ``start`` want first: the participle after a
    form of have or be, the past otherwise."""
    perfect = bool(_PERFECT_OR_PASSIVE.search(text[:start]))

    def key(form: str) -> tuple[int, str]:
        word = form.strip().lower()
        lemma = verb_lemma(word) or word
        fits = word in inflections(lemma, "VBN" if perfect else "VBD")
        return (0 if fits else 1, word)

    return sorted(forms, key=key)


def overregularised_edits(text: str) -> list[Edit]:
    """Each unknown -ed word of an English paragraph that is an irregular verb regularised."""
    settings = _settings()
    edits = []
    for m in _ED_WORD.finditer(text):
        word = m.group(0)
        if not word[1:].islower() or never_flagged(text, m.start(), word, "en", None) or not is_misspelled(word, "en"):
            continue  # a capital inside a sentence is a name's
        forms = irregular_forms(word.lower())
        if not forms:
            continue
        best, *rest = [match_case(f, word) for f in ordered(text, m.start(), list(forms))]
        edits.append(Edit(m.start(), m.end(), word, best, "tense",
                          settings["message"].format(word=word, form=best), "rules", settings["rule"], rest))
    return edits
