"""Words written without the accents their language wants: "tres" for "très", "tambien" for
"también", "fur" for "für", "perche" for "perché".

The spelling dictionaries are built from word frequencies in text people typed, so they list such
forms, and so does wordfreq: the spelling check alone lets them pass. A slip is told from a word
that is right without accents by frequency: the accented form must be far more common (zipf
ACCENT_GAIN), and further still (KNOWN_GAIN) where simplemma's lexicon knows the bare form too (it
lists some slips, "etre", "anos", and real words, "publico", "I publish"). "esta" / "está" and
"mas" / "más" are both common and stay. Which languages write accents is data (resources/grammar.json).
"""

from __future__ import annotations

import threading
import unicodedata
from functools import cache, lru_cache

from assistant.checking.data import grammar_data

ACCENT_GAIN = 1.0  # zipf by which the accented form must be more common than the bare one
KNOWN_GAIN = 1.6  # the same where simplemma knows the bare form: "realizo" (I carry out), 1.5 below "realizó", stays
MAX_FORMS = 3  # accented words offered for one bare form ("achete": "acheté", "achète")
LIST_DEPTH = 60_000  # the most common words searched for accented forms (down to zipf ~2.5)
_lock = threading.Lock()


def bare(word: str) -> str:
    """``word`` without its accents (NFD, combining marks dropped): "für" → "fur"."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


@cache
def _accented_forms(lang: str) -> dict[str, list[str]]:
    """Bare form → the accented words that strip to it, most common first, over wordfreq's common words."""
    from wordfreq import iter_wordlist

    out: dict[str, list[str]] = {}
    with _lock:
        for i, word in enumerate(iter_wordlist(lang)):
            if i >= LIST_DEPTH:
                break
            stripped = bare(word)
            if stripped != word:
                out.setdefault(stripped, []).append(word)  # the list is in frequency order
    return out


@lru_cache(maxsize=50_000)
def restored(word: str, lang: str) -> tuple[str, ...]:
    """The accented words ``word`` most likely stands for, lowercase, most common first ("achete":
    "acheté", "achète"); empty when it is right as written."""
    if lang not in grammar_data()["accented_languages"]:
        return ()
    low = word.lower()
    if bare(low) != low:
        return ()  # accents written: whether the right ones is the spelling check's question
    accented = _accented_forms(lang).get(low)
    if not accented:
        return ()
    from simplemma import is_known
    from wordfreq import zipf_frequency

    gain = zipf_frequency(accented[0], lang) - zipf_frequency(low, lang)
    return tuple(accented[:MAX_FORMS]) if gain >= (KNOWN_GAIN if is_known(low, lang=lang) else ACCENT_GAIN) else ()
