"""Real language data for exercises: which words a language has, and which a learner of a level meets.

A word is real when the language's spelling dictionary knows it, or (where the app has no
dictionary) when wordfreq's frequency list holds it often enough; names, acronyms and the like
pass as the spelling checker lets them pass. Vocabulary for a CEFR level comes from the frequency
list's band for that level (resources/learning_data.json), reduced to lemmas with simplemma, so
an A1 learner meets the ~1,000 most common words and a B2 learner goes deeper.

Languages whose words wordfreq cannot split without extra packages (Chinese, Japanese, Korean)
have no word check here: `can_check` says so, and the learning pane hides the types that need it.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache

from assistant.checking.spelling import SpellingChecker, has_dictionary
from assistant.paths import resource

MIN_ZIPF = 3.0  # where no dictionary exists, a word the frequency list holds less often is not taken as real
_UNSPLIT = ("zh", "ja", "ko")  # wordfreq needs jieba / MeCab to split these; neither is a dependency
_WORD = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+(?:['’-](?:[^\W\d_]|[\u0300-\u036f])+)*")
LETTER_RUN = re.compile(r"[^\W\d_]+")  # letters only: "l'enculé" holds "l" and "enculé"


class NoLanguageData(ValueError):
    """The app has no word list for this language; meant for the learner."""


@cache
def data() -> dict:
    return json.loads(resource("learning_data.json").read_text("utf-8"))


@cache
def _wordfreq_languages() -> frozenset[str]:
    from wordfreq import available_languages

    return frozenset(available_languages())


def can_check(lang: str) -> bool:
    """Whether the words of a sentence in ``lang`` can be checked against real language data."""
    return lang not in _UNSPLIT and (has_dictionary(lang) or lang in _wordfreq_languages())


@lru_cache(maxsize=100_000)
def zipf(word: str, lang: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, lang)


def unknown_words(text: str, lang: str) -> list[str]:
    """The words of ``text`` that ``lang`` does not have ("bricard", "ouleur"), in order of appearance.

    Raises NoLanguageData when the app cannot tell (see `can_check`)."""
    if not can_check(lang):
        raise NoLanguageData(f"there is no word list to check {lang} text against")
    if has_dictionary(lang):
        return list(dict.fromkeys(e.original for e in _speller().check(text, lang)))
    from assistant.checking.spelling import never_flagged

    out = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        parts = re.split(r"['’-]", word)
        if never_flagged(text, m.start(), word, lang, None):
            continue
        if zipf(word.casefold(), lang) < MIN_ZIPF and any(zipf(p.casefold(), lang) < MIN_ZIPF for p in parts):
            out.append(word)
    return list(dict.fromkeys(out))


def unseen_names(text: str, lang: str) -> list[str]:
    """The names in ``text`` (capitalised inside a sentence, which the spelling check lets pass) that the
    frequency list has never seen: a real place or person ("Paris", "Marie") is in it, a model's invention
    ("la meilleure école d'Écossie", for Écosse) is not."""
    from assistant.checking.spelling import never_flagged

    found = []
    for m in LETTER_RUN.finditer(text):
        word = m.group(0)
        if word[:1].isupper() and never_flagged(text, m.start(), word, lang, None) and not zipf(word.casefold(), lang):
            found.append(word)
    return list(dict.fromkeys(found))


@cache
def _speller() -> SpellingChecker:
    return SpellingChecker(None)  # no personal dictionary: a learner's item must be real for everyone


def is_real_word(phrase: str, lang: str) -> bool:
    """Every word of ``phrase`` (an answer, an option: "sommes allés") is a word of ``lang``."""
    words = _WORD.findall(phrase)
    if not words:
        return False
    # Checked in lower case: alone, a capitalised answer would pass as a name.
    return not unknown_words(" ".join(w.lower() for w in words), lang)


@cache
def _offensive(lang: str) -> frozenset[str]:
    return frozenset(json.loads(resource("offensive_words.json").read_text("utf-8"))["words"].get(lang, ()))


def is_offensive(word: str, lang: str) -> bool:
    """A vulgar or offensive word (resources/offensive_words.json): the frequency lists rank "putain" among
    everyday French, and it was drawn as a multiple choice's distractor."""
    return word.casefold() in _offensive(lang)


ENGLISH_GAP = 1.5  # zipf: "the" is 2.3 more common in English than in the Spanish list, "hotel" 0.2, "baby" 1.1


def is_english_intruder(word: str, lang: str) -> bool:
    """An English word the frequency list of another language holds from English text on its web pages
    ("the", "and", "you" rank among Spanish and German words; "the" was drawn as a Spanish distractor); a
    loanword ("hotel", "football", "computer") is about as common in both and stays."""
    return lang != "en" and zipf(word.casefold(), "en") - zipf(word.casefold(), lang) > ENGLISH_GAP


def offensive_words(text: str, lang: str) -> list[str]:
    return [w for w in LETTER_RUN.findall(text) if is_offensive(w, lang)]


def english_words(text: str, lang: str) -> list[str]:
    return [w for w in LETTER_RUN.findall(text) if is_english_intruder(w, lang)]


def unwanted(word: str, lang: str) -> bool:
    """A word never drawn from the frequency list for a learner: vulgar, or English in another language."""
    return is_offensive(word, lang) or is_english_intruder(word, lang)


@cache
def _given_names(lang: str) -> frozenset[str]:
    names = json.loads(resource("given_names.json").read_text("utf-8"))["names"]
    return frozenset(names.get(lang, ()))


def is_given_name(word: str, lang: str) -> bool:
    """Whether ``word`` is a first name in ``lang``'s list (resources/given_names.json, from Faker).

    The frequency lists are in lower case, so "michel" ranks among French nouns; a word drawn from
    them to stand beside the learner's answer must not be a name. Only the languages whose
    part-of-speech data cannot tell a name have a list (packaging/extract_given_names.py)."""
    return word.casefold() in _given_names(lang)


def band(level: str) -> tuple[int, int]:
    """Ranks [start, end) of the frequency list that belong to ``level``."""
    ranks = data()["vocabulary_ranks"]
    if level not in ranks:
        raise ValueError(f"unknown level {level!r}; choose one of: {', '.join(ranks)}")
    order = list(ranks)
    i = order.index(level)
    return (ranks[order[i - 1]] if i else 0), ranks[level]


@lru_cache(maxsize=64)
def ranked_lemmas(lang: str, depth: int) -> tuple[str, ...]:
    """The language's lemmas by frequency, most common first, to ``depth`` ranks of its word list:
    inflected forms folded into their lemma (at the lemma's first place); one-letter words, numbers,
    names and abbreviations (words simplemma's lexicon lacks: "mike", "vgl") left out."""
    if not can_check(lang):
        raise NoLanguageData(f"there is no frequency list for {lang}")
    import simplemma
    from wordfreq import top_n_list

    out: dict[str, None] = {}
    for w in top_n_list(lang, depth):
        if len(w) < 2 or not w.isalpha():
            continue
        lemma = simplemma.lemmatize(w, lang=lang).casefold()
        if lemma == w and lemma not in out and simplemma.is_known(lemma, lang=lang) and not unknown_words(lemma, lang):
            out[lemma] = None
    return tuple(out)


def words_for_level(lang: str, level: str) -> tuple[str, ...]:
    """Lemmas in the level's own frequency band (an A2 learner gets the words after A1's)."""
    start, end = band(level)
    within = ranked_lemmas(lang, end)
    before = set(ranked_lemmas(lang, start)) if start else set()
    return tuple(w for w in within if w not in before)


def level_of(word: str, lang: str) -> str | None:
    """The first level whose band holds ``word`` (as a lemma), or None beyond C2."""
    import simplemma

    lemma = simplemma.lemmatize(word.casefold(), lang=lang)
    for level in data()["vocabulary_ranks"]:
        if lemma in ranked_lemmas(lang, band(level)[1]):
            return level
    return None


def reach_level(word: str, lang: str) -> str | None:
    """The first level whose band holds ``word`` as a form or as its lemma ("sommes" is A1 as a form,
    though simplemma reads it as the noun "somme"), or None beyond C2."""
    import simplemma

    low = word.casefold()
    lemma = simplemma.lemmatize(low, lang=lang)
    for level in data()["vocabulary_ranks"]:
        within = _within(lang, band(level)[1])
        if low in within or lemma in within:
            return level
    return None


def words_above(text: str, lang: str, level: str) -> list[str]:
    """The words of ``text`` beyond ``level``'s frequency band (by their own form or their lemma; names,
    numbers and one-letter words aside), in order of appearance."""
    import simplemma

    from assistant.checking.spelling import never_flagged

    within = _within(lang, band(level)[1])

    def reached(w: str) -> bool:
        low = w.casefold()
        return len(low) < 2 or low in within or simplemma.lemmatize(low, lang=lang) in within

    out = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        if never_flagged(text, m.start(), word, lang, None) or reached(word):
            continue  # "aujourd'hui" as a whole
        out += [p for p in re.split(r"['’-]", word) if not reached(p)]  # "l'école", "grand-mère" by part
    return list(dict.fromkeys(out))


@lru_cache(maxsize=16)
def _within(lang: str, depth: int) -> frozenset[str]:
    from wordfreq import top_n_list

    return frozenset(top_n_list(lang, depth)) | frozenset(ranked_lemmas(lang, depth))
