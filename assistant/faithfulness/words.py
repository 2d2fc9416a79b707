"""Words as the faithfulness checks see them: content lemmas, names, numbers and negations.

Lemmas come from simplemma (offline, 50+ languages), function words from wordfreq's most frequent
words of the language, and the few word lists of our own (frame words, negations, number words)
from resources/faithfulness.json.
"""

from __future__ import annotations

import json
import re
from functools import cache

from assistant.paths import resource

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;]\s+|\n\s*(?:[-*•]\s+|\d+[.)]\s+|#+\s+)?)$")
RARE_ZIPF = 3.5  # a capitalised first word rarer than this is read as a name (wordfreq's scale)


@cache
def spec() -> dict:
    return json.loads(resource("faithfulness.json").read_text("utf-8"))


def words(text: str) -> list[str]:
    return WORD.findall(text)


@cache
def _lemmatizer(lang: str):
    import simplemma

    try:
        simplemma.lemmatize("test", lang=lang)
    except ValueError:
        return None  # a language simplemma has no data for: words stand as they are
    return simplemma.lemmatize


@cache
def lemma(word: str, lang: str) -> str:
    low = word.casefold().replace("’", "'")
    fn = _lemmatizer(lang)
    return fn(low, lang=lang).casefold() if fn else low


@cache
def stopwords(lang: str) -> frozenset[str]:
    """The language's most frequent words (function words, mostly); none for a language wordfreq lacks."""
    import wordfreq

    try:
        top = wordfreq.top_n_list(lang, spec()["support"]["stopword_rank"])
    except LookupError:
        return frozenset()
    return frozenset(w.casefold() for w in top)


@cache
def frame_lemmas(lang: str) -> frozenset[str]:
    """Words a summary may say about its source ("the article describes") that the source need not contain."""
    return frozenset(lemma(w, lang) for w in spec()["frame_words"].get(lang, []))


_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u0e00-\u0e7f]")  # Chinese, Japanese, Thai


def content_lemmas(text: str, lang: str) -> set[str]:
    """The words that carry content, as lemmas. Scripts written without spaces have no words to split,
    so their runs count by character pairs."""
    stop = stopwords(lang)
    out = set()
    for w in words(text):
        if _UNSPACED.search(w):
            out |= {w[i : i + 2] for i in range(len(w) - 1)}
        elif len(w) >= 3 and not w.isdigit() and w.casefold() not in stop:
            out.add(lemma(w, lang))
    return out


def _is_rare(word: str, lang: str) -> bool:
    import wordfreq

    try:
        return wordfreq.zipf_frequency(word.casefold(), lang) < RARE_ZIPF
    except LookupError:
        return False


def unknown_word(word: str, lang: str) -> bool:
    """A word wordfreq has never seen in the language ("gimle", "bricard"): coined, unless the source has it.
    False for a language wordfreq lacks (nothing to tell by)."""
    import wordfreq

    try:
        return len(word) >= 3 and wordfreq.zipf_frequency(word.casefold(), lang) == 0
    except LookupError:
        return False


def names(text: str, lang: str) -> set[str]:
    """Proper names, casefolded: capitalised words inside a sentence, acronyms, and a capitalised first
    word that is rare as an ordinary word. Without case (most scripts but Latin, Greek, Cyrillic) none."""
    found = set()
    for m in WORD.finditer(text):
        w = m.group()
        if not w[:1].isupper() or w.casefold() == "i":
            continue
        bare = re.sub(r"'s$", "", w.replace("’", "'"))
        if len(w) >= 2 and w.isupper() and w.isalpha():
            found.add(bare.casefold())  # an acronym
        elif not _SENTENCE_START.search(text[: m.start()]) or _is_rare(bare, lang):
            found.add(bare.casefold())
    return found


def _number_value(token: str) -> float | None:
    if _THOUSANDS.fullmatch(token):
        token = token.replace(",", "")
    try:
        return float(token.replace(",", "."))
    except ValueError:
        return None


def numbers(text: str, lang: str) -> set[float]:
    """Numbers written in digits or (for languages with a list) as words; "twenty-five" is 25."""
    table = spec()["number_words"].get(lang, {})
    found = {v for v in (_number_value(t) for t in _DIGITS.findall(text)) if v is not None}
    for m in re.finditer(r"[^\W\d_]+(?:-[^\W\d_]+)*", text):
        parts = [table.get(p) for p in m.group().casefold().split("-")]
        if parts and all(p is not None for p in parts):
            found.add(float(sum(parts)))
    return found


def number_texts(text: str) -> list[str]:
    """The numbers of a text as written, to name them in a message."""
    return _DIGITS.findall(text)


def negations(text: str, lang: str) -> int:
    """How many negation markers a text has ("not", "n't", "never", "ne … pas" counts two)."""
    marks = spec()["negations"].get(lang, [])
    whole = {m for m in marks if not m.startswith("n'") and not m.endswith("'")}
    count = 0
    for w in words(text.replace("’", "'")):
        low = w.casefold()
        if low in whole:
            count += 1
        elif "n't" in marks and low.endswith("n't"):
            count += 1
        elif "n'" in marks and low.startswith("n'"):
            count += 1
    return count
