"""Spelling for every app language that has a dictionary: pyspellchecker's word-frequency
dictionaries (en, es, fr, de, it, pt, ru, nl), with wordfreq to tell a real word the dictionary
lacks from a misspelling and to rank the candidates.

Never flagged: words in the personal dictionary, capitalised words inside a sentence (names),
words with digits or inner capitals (code, products), and anything inside code, links, URLs or
e-mail addresses. A word is flagged only when neither the dictionary nor the frequency lists
know it (see is_misspelled), or when it is a real word written without the accents its language
wants ("tres" for "très", accents.py). Candidates are words one edit away, words that sound alike
(English: "bisnes" → "business", sounds_like.py), plus splits into two real words ("Forexample" →
"For example"), English's common misspellings first where people commonly mean one word ("wich":
which; common_misspellings.py), and where those convince no one, another source's (Harper's
spelling search, for English); the model judge (judge.py) chooses among them.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache, lru_cache

from assistant.checking import common_misspellings
from assistant.checking.accents import bare, restored
from assistant.checking.data import grammar_data
from assistant.checking.personal import PersonalDictionary
from assistant.checking.sounds_like import sound_alikes
from assistant.checking.typos import spelled_out, typo_cost
from assistant.markdown import overlaps, protected_spans
from assistant.text_diff import Edit
from assistant.text_units import after_title

DICTIONARIES = ("en", "es", "fr", "de", "it", "pt", "ru", "nl")
MAX_CANDIDATES = 4
CLITICS = {"n't", "'s", "'re", "'ve", "'ll", "'d", "'m", "s", "t", "re", "ve", "ll", "d", "m"}
CAPITALISED_NOUNS = {"de"}  # a capital inside a sentence is no sign of a name there
_LETTERS = r"(?:[^\W\d_]|[\u0300-\u036f])+"  # combining accents belong to their word
_WORD = {"en": re.compile(rf"{_LETTERS}(?:['’]{_LETTERS})*")}  # English contractions are one word
PLAIN_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")  # letters, with inner apostrophes ("don't")
_WORD_ELIDED = re.compile(_LETTERS)  # l'ouleur, dell'anno: the word after the apostrophe on its own
_SENTENCE_START = re.compile(r"(?:^|[.!?…:]\s+|[\"“«(]\s*)$")
_lock = threading.Lock()


@cache
def _speller(lang: str):
    from spellchecker import SpellChecker

    with _lock:
        return SpellChecker(language=lang, distance=1, case_sensitive=False)


@lru_cache(maxsize=200_000)
def _zipf(word: str, lang: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, lang)


def zipf(word: str, lang: str) -> float:
    """How common ``word`` is (wordfreq's zipf scale; 0 for a word it does not know), any case."""
    return _zipf(_key(word), lang)


def has_dictionary(lang: str | None) -> bool:
    return lang in DICTIONARIES


def _key(word: str) -> str:
    """A word as the dictionaries store it: lowercased (not casefolded: that turns ß into ss), with a
    straight apostrophe."""
    return word.lower().replace("’", "'")


def is_known_word(word: str, lang: str) -> bool:
    """In the language's dictionary (any case)."""
    return _key(word) in _speller(lang)


RARE = 3.0  # zipf below which a word the dictionary lacks is taken for a misspelling
COMMON = 3.5  # zipf from which a word counts as real, dictionary or not
MUCH_MORE_COMMON = 1.5  # zipf by which a word one edit away must beat a frequent unknown word
ZIPF_PER_SLIP = 2.0  # how much more common a candidate one slip further away must be to rank first
MAX_SLIPS = 2.5  # a word further from every candidate is flagged without a suggestion
UNLISTED_DOUBT = 1.0  # zipf taken from a word no dictionary lists: its count includes names and slips
SPLIT_DOUBT = 1.0  # zipf taken from two words run apart: wordfreq rates any pair of common words as common


@lru_cache(maxsize=50_000)
def is_misspelled(word: str, lang: str) -> bool:
    """Not in the dictionary, and either rare in the frequency lists or a frequent misspelling: one
    edit away from a far more common dictionary word ("teh", "recieve", "dont"). New words that
    are common and near no other ("emoji", "GitHub") pass."""
    low = _key(word)
    sp = _speller(lang)
    if low in sp or ("'" in low[:-1] and low.endswith("s") and low[:-1] in sp):
        return False  # "don'ts": a contraction used as a noun, in the plural ("the dos and don'ts")
    if any(f"{low[:i]}'{low[i:]}" in sp for i in range(1, len(low))):
        return True  # "dont", "theyre": a contraction with its apostrophe left out, however common
    z = _zipf(low, lang)
    if z >= COMMON:
        return False  # "intro", "etc", "emoji": common enough to be words, whatever a list lacks
    if z >= RARE:
        near = sp.known(sp.edit_distance_1(low))
        if max((_zipf(c, lang) for c in near), default=0.0) - z < MUCH_MORE_COMMON:
            return False
    return not _conjugated(low, lang)


def _conjugated(word: str, lang: str) -> bool:
    """A form of a verb the conjugator knows, which the word lists may lack or rate rare: "Los perros ladran"
    had "ladran" → ladrón, and French and Spanish verbs have some fifty forms each. In English, a form
    LemmInflect's lexicon gives first for a word of the dictionary ("disking", a farmer's word: disk, not
    dishing); its lexicon holds no overregularised forms ("writed", "childs")."""
    if lang == "en":
        return _english_inflection(word)
    from assistant.learning import agreement

    return agreement.is_verb_form(word, lang)


def _english_inflection(word: str) -> bool:
    from lemminflect import getAllInflections, getAllLemmas

    sp = _speller("en")  # each tag's first form only: the lexicon lists slips after it ("occurring", "occuring")
    return any(lemma in sp and any(forms[:1] == (word,) for forms in getAllInflections(lemma, upos).values())
               for upos, lemmas in getAllLemmas(word).items() for lemma in lemmas)


def match_case(candidate: str, original: str, lang: str = "") -> str:
    if original.isupper() and len(original) > 1:
        return candidate.upper()
    if lang == "en" and (candidate == "i" or candidate.startswith("i'")):
        return "I" + candidate[1:]  # "im" → "I'm"
    if original[:1].isupper():
        return candidate[:1].upper() + candidate[1:]
    return candidate


def candidates(word: str, lang: str) -> list[str]:
    """Likely intended words, best first, in the original's case."""
    return [match_case(c, word, lang) for c in _candidates(word.lower(), lang)]


SHORT_WORD_ZIPF = 5.0  # a piece of three letters or fewer must be this common ("all day", not "stud ing")


def is_candidate(option: str, lang: str) -> bool:
    """Every word of ``option`` a real, common-enough word: Harper and the split search offer
    pieces such as "hearted ly", "problem es" and "stud ing"."""
    parts = _key(option).split()
    if not parts:
        return False
    if len(parts) == 1:
        return parts[0] in _speller(lang)
    return all(p in _speller(lang) and _zipf(p, lang) >= (SHORT_WORD_ZIPF if len(p) <= 3 else RARE)
               and (len(p) > 3 or _short_word(p, lang)) for p in parts)


@cache
def _short_word(piece: str, lang: str) -> bool:
    """A piece of three letters or fewer that is a word of its own, not a name's or another language's
    that the frequency lists count ("fashion al", "de sport"): in English, a function word or a word
    of LemmInflect's lexicon ("all day", "bus stop")."""
    if lang != "en":
        return True
    from lemminflect import getAllLemmas

    return piece in grammar_data()["function_words"] or bool(getAllLemmas(piece))


def _ending_lost(typed: str, meant: str, lang: str) -> float:
    """Slips counted against ``meant`` for losing a grammatical ending ``typed`` has: a writer who
    typed "rememberd" or "probles" meant the ending (grammar.json's typed_endings)."""
    data = grammar_data()["typed_endings"]
    if len(typed) < data["min_length"]:
        return 0.0
    lost = any(typed.endswith(end) and not meant.endswith(end) for end in data.get(lang, ()))
    return data["doubt"] if lost else 0.0


def _variants() -> dict:
    return grammar_data()["spelling_variants"]


def _regional(typed: str, meant: str, lang: str) -> bool:
    """``meant`` is ``typed`` in the dictionary's dialect: "theorise" → "theorize", "colour" → "color"."""
    return any(british in typed and typed.replace(british, american) == meant
               for british, american in _variants()["regional"].get(lang, ()))


def _turned_round(typed: str, meant: str, lang: str) -> bool:
    """``meant`` is ``typed`` with a negative prefix dropped or added ("unmeaningful" → "meaningful")."""
    for prefix in _variants()["negative_prefixes"].get(lang, ()):
        if typed.startswith(prefix) == meant.startswith(prefix):
            continue
        longer, shorter = (typed, meant) if typed.startswith(prefix) else (meant, typed)
        rest = longer[len(prefix):]
        if len(rest) >= 4 and typo_cost(rest, shorter) <= 1.0:
            return True
    return False


def _channel(word: str, option: str, lang: str) -> float:
    """How likely ``option`` was meant when ``word`` was typed, on wordfreq's zipf scale (log10):
    its frequency less ZIPF_PER_SLIP for each typing slip between the two (typos.typo_cost) and
    for a typed ending it drops."""
    low, meant = word.lower(), option.lower()
    slips = typo_cost(low, meant) + _ending_lost(low, meant, lang)
    return _zipf(meant, lang) - ZIPF_PER_SLIP * slips - (SPLIT_DOUBT if " " in option.strip() else 0.0)


def rank(word: str, options: list[str], lang: str) -> list[str]:
    """``options`` for the unknown ``word``, best first by the noisy channel: "wark": "work"
    before "walk"; "writting": "writing" before "writhing". The word in the dictionary's dialect
    goes first whatever its frequency ("theorise": theorize, not theories). Options more than
    MAX_SLIPS away are guesses ("zorblax" → "relax") and left out, and so are those that turn its
    meaning round ("unmeaningful": not meaningful)."""
    low = word.lower()
    scored = {o: _channel(word, o, lang) for o in dict.fromkeys(options)
              if typo_cost(low, o.lower()) <= MAX_SLIPS and not _turned_round(low, o.lower(), lang)}
    return sorted(scored, key=lambda o: (not _regional(low, o.lower(), lang), -scored[o]))


def ranked_pool(word: str, options: list[str], lang: str) -> list[str]:
    """``options`` from several sources for the unknown ``word``: once each, real words only
    (is_candidate), best first (rank)."""
    return rank(word, [c for c in dict.fromkeys(options) if is_candidate(c, lang)], lang)


def meant_as_written(word: str, best: str | None, lang: str) -> bool:
    """A rare word the frequency lists know, likelier as written than as a slip for the best
    candidate: "perseverant" (not "perseverance"), "endothermy". Common misspellings are far
    likelier slips for a common word ("becuase", "exemple")."""
    z = _zipf(_key(word), lang)
    if best is not None and best.lower() == word.lower():
        return False  # "italian": the frequency lists do not tell cases apart
    return z > 0 and (best is None or _channel(word, best, lang) <= z - UNLISTED_DOUBT)


def _respelled(low: str, lang: str) -> list[str]:
    """``low`` with letters spelled out as two written as one ("muede" → "müde"): each pair alone, and all."""
    out, whole = [], low
    for letter, pair in spelled_out(lang).items():
        out += [low[:k] + letter + low[k + 2 :] for k in range(len(low) - 1) if low.startswith(pair, k)]
        whole = whole.replace(pair, letter)
    return [*out, whole] if whole != low else out


@lru_cache(maxsize=20_000)
def _candidates(low: str, lang: str) -> tuple[str, ...]:
    sp = _speller(lang)
    found = set(sp.known(sp.edit_distance_1(low))) if len(low) < 24 else set()
    # No distance-2 search: at 0.2 s a word it would stall live checking, and a word that far from
    # every real one is better flagged without a suggestion than given a guess.
    found = {c for c in found if c != low} | set(sp.known(_respelled(low, lang)))
    splits = [f"{low[:i]} {low[i:]}" for i in range(2, len(low) - 1)
              if _zipf(low[:i], lang) >= 3.0 and _zipf(low[i:], lang) >= 3.0]
    splits.sort(key=lambda s: -min(_zipf(p, lang) for p in s.split()))
    common = common_misspellings.meant(low) if lang == "en" else None
    pool = sorted(found) + splits[:1] + list(common.words if common else ())
    near = ranked_pool(low, pool, lang)
    if near and min(_zipf(p, lang) for p in _key(near[0]).split()) < RARE:
        # only a rare word one slip away ("cigarrets": "cigarets"): one spelt by ear may be further off.
        # With nothing one slip away, the wider search pools them (SpellingChecker._options).
        near = ranked_pool(low, pool + list(sound_alikes(low, lang)), lang)
    if common and common.sure and is_candidate(common.words[0], lang):
        # a misspelling people commonly make for this word ("wich": which, not the nearer "with")
        near = [common.words[0], *(c for c in near if c != common.words[0])]
    return tuple(near[:MAX_CANDIDATES])


def never_flagged(text: str, start: int, word: str, lang: str, personal: PersonalDictionary | None) -> bool:
    """Names, deliberate spellings and the writer's own words: no layer calls them misspelt."""
    if _key(word) in CLITICS:
        return True  # "do n't", "John 's": a contraction written apart, as corpora tokenise it
    if word[:1].isupper() and lang not in CAPITALISED_NOUNS and (
            not _SENTENCE_START.search(text[:start]) or after_title(text, start)):
        return True  # a name, most likely
    if any(c.isupper() for c in word[1:]) and not word.isupper():
        return True  # iPhone, McDonald: inner capitals are deliberate
    if word.isupper() and len(word) <= 5:
        return True  # an acronym
    return personal is not None and personal.knows(word)


SPELLING_RULE = "SpellCheck"  # Harper's name for its spelling rule: one "Ignore rule" silences both layers
MISSING_ACCENTS_RULE = "MissingAccents"  # its own rule: a writer without an accent key may want it off alone


def spelling_ignored(personal: PersonalDictionary | None) -> bool:
    """The writer turned spelling off ("Spelling" is the lint kind earlier versions stored)."""
    return personal is not None and (personal.ignores(SPELLING_RULE) or personal.ignores("Spelling"))


class SpellingChecker:
    """``more_candidates``: by language, another source of spellings for an unknown word, pooled with
    the dictionary's one-slip search and ranked with them (Harper's, for English: rules.harper_spellings)."""

    def __init__(self, personal: PersonalDictionary | None = None,
                 more_candidates: dict[str, Callable[[str], Sequence[str]]] | None = None) -> None:
        self.personal = personal
        self.more_candidates = more_candidates or {}

    def _options(self, word: str, lang: str, search: bool, deferred: list[str] | None) -> list[str]:
        """The dictionary's candidates; ``more_candidates``' pooled in where those convince no one
        (none, or the word likelier meant as written), if ``search``, else the word is put in
        ``deferred``."""
        own = candidates(word, lang)
        source = self.more_candidates.get(lang)
        if source is None or not PLAIN_WORD.fullmatch(word) or (own and not meant_as_written(word, own[0], lang)):
            return own
        if not search:
            if deferred is not None:
                deferred.append(word)
            return own
        more = [match_case(c, word, lang) for c in [*source(word), *sound_alikes(word.lower(), lang)]]
        return ranked_pool(word, own + more, lang)[:MAX_CANDIDATES]

    def check(self, text: str, lang: str, search: bool = True, deferred: list[str] | None = None) -> list[Edit]:
        """Unknown words of ``text`` (a paragraph in ``lang``) as edits: replacement = the most frequent
        candidate (the judge may choose another), or the word itself when there is none. ``search``
        False: ``more_candidates`` is not asked (its search can take 100 ms on one word); the words
        it would have been asked about go into ``deferred``."""
        if not has_dictionary(lang) or spelling_ignored(self.personal):
            return []
        shielded = protected_spans(text)
        edits = []
        for m in _WORD.get(lang, _WORD_ELIDED).finditer(text):
            word = unicodedata.normalize("NFC", m.group(0))
            if len(word) < 2 or overlaps(shielded, m.start(), m.end()):
                continue
            if never_flagged(text, m.start(), word, lang, self.personal):
                continue
            if is_misspelled(word, lang):
                options = self._options(word, lang, search, deferred)
                if meant_as_written(word, options[0] if options else None, lang):
                    continue
            else:
                options = [match_case(a, word) for a in restored(word, lang)]  # a real word, accents left out
                if not options:
                    continue
            edit = Edit(m.start(), m.end(), m.group(0), options[0] if options else m.group(0), "spelling",
                        f"Unknown word: “{word}”", "spelling", SPELLING_RULE, options[1:])
            if options and bare(options[0]).lower() == word.lower():
                if self.personal is not None and self.personal.ignores(MISSING_ACCENTS_RULE):
                    continue
                edit.reason, edit.rule = f"Written without its accents: “{options[0]}”", MISSING_ACCENTS_RULE
            edits.append(edit)
        return edits
