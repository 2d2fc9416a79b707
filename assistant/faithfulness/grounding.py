"""Does a line of a summary rest on its source, and does a rewrite keep the original's facts?

A summary sentence is supported when its names and numbers occur in the source and most of its
content words (lemmatised, so "voted" finds "vote") do too; words a summary uses about a text
("the article describes") are allowed. The sentences a line rests on are those that share the most
content words with it, so the editor can show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.faithfulness.words import (
    content_lemmas,
    frame_lemmas,
    lemma,
    names,
    negations,
    number_texts,
    numbers,
    spec,
    unknown_word,
    words,
)
from assistant.markdown import LINE_MARK
from assistant.text_units import Span, paragraphs, sentences


@dataclass
class SourceIndex:
    """What the checks need to know of a source text, computed once."""

    text: str
    lang: str
    lemmas: set[str] = field(default_factory=set)
    forms: set[str] = field(default_factory=set)
    numbers: set[float] = field(default_factory=set)
    sentences: list[Span] = field(default_factory=list)
    sentence_lemmas: list[set[str]] = field(default_factory=list)

    def mentions(self, word: str) -> bool:
        """The source has this word (casefolded), or its lemma, singular or plural."""
        return bool({word, lemma(word, self.lang), word + "s", word.removesuffix("s")} & self.lemmas)

    @classmethod
    def of(cls, text: str, lang: str) -> SourceIndex:
        idx = cls(text, lang)
        idx.forms = {t.casefold().replace("’", "'") for t in words(text)}
        idx.forms |= {f[:-2] for f in idx.forms if f.endswith("'s")}
        idx.lemmas = {lemma(f, lang) for f in idx.forms} | idx.forms
        idx.numbers = numbers(text, lang)
        for para in blocks(text):
            body = text[para.start : para.end]
            for s in sentences(body):
                span = Span(para.start + s.start, para.start + s.end)
                idx.sentences.append(span)
                idx.sentence_lemmas.append(content_lemmas(text[span.start : span.end], lang))
        return idx


def blocks(text: str) -> list[Span]:
    """Paragraphs as a reader sees them: hard-wrapped lines joined, a list item or heading on its own."""
    out: list[Span] = []
    after_heading = False
    for line in paragraphs(text):
        body = text[line.start : line.end]
        if out and out[-1].end + 1 == line.start and not LINE_MARK.match(body) and not after_heading:
            out[-1] = Span(out[-1].start, line.end)
            after_heading = False
        else:
            out.append(Span(line.start, line.end))
            after_heading = body.lstrip().startswith("#")
    return out


def unsupported(line: str, source: SourceIndex) -> str | None:
    """Why a summary line is not supported by the source, or None when it is."""
    lang = source.lang
    missing = sorted(n for n in names(line, lang) if not source.mentions(n))
    if missing:
        return f"names {', '.join(missing)}, which the text does not mention"
    coined = [t for t in words(line) if not t[:1].isdigit() and unknown_word(t, lang)
              and not source.mentions(t.casefold().replace("’", "'"))]
    if coined:
        return f"uses {coined[0]!r}, a word neither the text nor the language has"
    invented = numbers(line, lang) - source.numbers
    if invented:
        shown = [t for t in number_texts(line) if numbers(t, lang) & invented] or [f"{min(invented):g}"]
        return f"gives the number {shown[0]}, which the text does not"
    content = content_lemmas(line, lang) - frame_lemmas(lang)
    if len(content) >= 2:
        found = sum(1 for c in content if c in source.lemmas)
        if found / len(content) < spec()["support"]["min_share"]:
            return "says what the text does not"
    return None


def sources_of(line: str, source: SourceIndex, limit: int = 3) -> list[Span]:
    """The source sentences a line rests on: greedily, each adding the most of its content words not yet
    covered, in document order."""
    want = content_lemmas(line, source.lang) - frame_lemmas(source.lang)
    chosen: list[int] = []
    while want and len(chosen) < limit:
        best, gain = -1, 0
        for i, lem in enumerate(source.sentence_lemmas):
            g = len(want & lem)
            if g > gain and i not in chosen:
                best, gain = i, g
        if best < 0:
            break
        chosen.append(best)
        want -= source.sentence_lemmas[best]
    return [source.sentences[i] for i in sorted(chosen)]


def lost_facts(original: str, rewritten: str, lang: str) -> str | None:
    """What a rewrite changed that a rewrite must not: a name or number dropped or invented, or a
    negation lost or added. None when it kept them all."""
    before, after = names(original, lang), names(rewritten, lang)
    after_forms = {t.casefold() for t in words(rewritten)}
    before_forms = {t.casefold() for t in words(original)}
    dropped = sorted(n for n in before if n not in after_forms)
    if dropped:
        return f"drops {dropped[0]}"
    added = sorted(n for n in after if n not in before_forms)
    if added:
        return f"adds {added[0]}, which the original does not name"
    n_before, n_after = numbers(original, lang), numbers(rewritten, lang)
    if n_before - n_after:
        return "drops a number"
    if n_after - n_before:
        return "adds a number the original does not give"
    if negations(original, lang) != negations(rewritten, lang):
        return "changes a negation (not, never, no…)"
    return None
