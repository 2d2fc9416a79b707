"""Alternatives the model judges, for the slips learners make most and rules miss: a noun's number,
a verb's form, an article, a preposition (in the manner of Bryant and Briscoe, "Language Model Based
Grammatical Error Correction without Annotated Training Data", BEA 2018).

The candidates come from language data, not from the model: each word's other inflections
(LemmInflect's lexicon, kept when the frequency list knows the form), the articles, and a small
table of confusable prepositions (resources/grammar.json, "confusions"). The model only scores
them: a candidate is kept when the sentence is more likely with it than without it by its kind's
margin, and of candidates that touch the same or neighbouring words only the best is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from assistant.checking.data import grammar_data
from assistant.checking.patterns import indefinite_article
from assistant.markdown import overlaps, protected_spans
from assistant.text_units import CLAUSE_START, cased_like

_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Candidate:
    start: int  # offsets into the sentence
    end: int
    original: str
    replacement: str
    kind: str  # a key of the data's margins: "number", "verb form", "article", ...

    def apply(self, sentence: str) -> str:
        return sentence[: self.start] + self.replacement + sentence[self.end :]


def _data() -> dict:
    return grammar_data()["confusions"]


@cache
def _forms(word: str) -> tuple[tuple[str, str], ...]:
    """(form, kind) for the other inflections of ``word`` a learner may have meant."""
    from lemminflect import getAllInflections, getAllLemmas
    from wordfreq import zipf_frequency

    data = _data()
    out: dict[str, str] = {}
    for family in data["verb_families"]:
        if word in family:
            return tuple((f, "verb form") for f in family if f != word)
    lemmas = getAllLemmas(word)
    for upos, kind in (("VERB", "verb form"), ("NOUN", "number")):  # "goes": the verb's, not go's plural
        for lemma in lemmas.get(upos, ()):
            for forms in getAllInflections(lemma, upos=upos).values():
                for form in forms:
                    if (form != word and form.isalpha() and form not in out
                            and zipf_frequency(form, "en") >= data["min_form_zipf"]):
                        out[form] = kind
    return tuple(out.items())


@cache
def _is_noun(word: str) -> bool:
    from lemminflect import getAllLemmas

    lemmas = getAllLemmas(word)
    return "NOUN" in lemmas and word in lemmas["NOUN"]  # singular: its own lemma


def candidates(sentence: str, skip: list[tuple[int, int]] | None = None) -> list[Candidate]:
    """The alternatives to judge in an English ``sentence``; none inside ``skip`` (spans another layer
    already changed), code or addresses, and none for a capitalised word inside the sentence (a name)."""
    data = _data()
    determiners = grammar_data()["articles"]
    prepositions = data["prepositions"]
    never = set(data["never_inflect"])
    blocked = list(skip or []) + protected_spans(sentence)
    words = [m for m in _WORD.finditer(sentence) if not overlaps(blocked, m.start(), m.end())]
    out: list[Candidate] = []
    for i, m in enumerate(words):
        word, low = m.group(), m.group().lower()
        first = bool(CLAUSE_START.search(sentence[: m.start()]))
        if word[:1].isupper() and not first:
            continue
        if sentence[m.end() : m.end() + 1] == "'" or sentence[m.start() - 1 : m.start()] == "'":
            continue  # part of a contraction or a quote
        previous = words[i - 1].group().lower() if i else ""
        if low in determiners:
            out += [Candidate(m.start(), m.end(), word, cased_like(d, word), "article")
                    for d in determiners if d != low]
            continue
        if low in prepositions:
            out += [Candidate(m.start(), m.end(), word, cased_like(p, word), "preposition") for p in prepositions[low]]
            continue
        if low in never or len(low) < 2 or (first and data["leave_first_word"]):
            continue
        out += [Candidate(m.start(), m.end(), word, cased_like(f, word), kind) for f, kind in _forms(low)]
        if not first and previous not in determiners and _is_noun(low):
            out += [Candidate(m.start(), m.start(), "", f"{a} ", "missing article")
                    for a in ("the", indefinite_article(low))]
    return out


def choose(found: list[Candidate], gains: list[float | None], margins: dict[str, float] | None = None
           ) -> list[Candidate]:
    """The candidates that win their margin (``margins``: the data's, unless a tuning run tries
    others), best first, none touching a better one's words."""
    margins = margins or _data()["margins"]
    winners = sorted(((g - margins[c.kind], c) for c, g in zip(found, gains, strict=True)
                      if g is not None and g >= margins[c.kind]), key=lambda x: -x[0])
    kept: list[Candidate] = []
    for _, c in winners:
        # Neighbours interact ("a apples"): each was judged alone, so only one of them is taken.
        if all(c.end + 1 < k.start or k.end + 1 < c.start for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)


def applied(sentence: str, chosen: list[Candidate]) -> str:
    """``sentence`` with each of ``chosen`` (none overlapping) in place."""
    for c in sorted(chosen, key=lambda c: -c.start):
        sentence = c.apply(sentence)
    return sentence


def together(sentence: str, chosen: list[Candidate], gains: dict[Candidate, float],
             gain: Callable[[str, str], float | None], margins: dict[str, float] | None = None) -> list[Candidate]:
    """Of ``chosen`` (choose's winners, each judged alone), those that still win their margin with the
    better ones in place, best first: "The students who wants" has two winners alone, "student" and
    "want", and together they make it wrong again. ``gain(before, after)``: the model's nats."""
    margins = margins or _data()["margins"]
    ranked = sorted(chosen, key=lambda c: -(gains[c] - margins[c.kind]))
    kept = ranked[:1]
    for c in ranked[1:]:
        before = applied(sentence, kept)
        won = gain(before, applied(sentence, [*kept, c]))
        if won is not None and won >= margins[c.kind]:
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)


def window() -> int:
    """Tokens after a change the comparison also reads (data; bench/bench_grammar.py measures it)."""
    return int(_data()["window"])
