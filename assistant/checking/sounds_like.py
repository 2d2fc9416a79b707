"""Words that sound like an unknown word: "cigarrets" → cigarettes, "bisnes" → business, "proffeser" →
professor, "iede" → idea. A learner who spells by ear is often two or three letters from the word meant,
past the dictionary's one-edit search, and that search then offers a rare word one letter away
("cigarets", "bines", "proffered"). Aspell pools words with the same "soundslike" key for the same
reason; here the key is Metaphone (jellyfish's), so only for English, whose sounds it encodes.

The candidates join the one-edit ones and are ranked with them by the noisy channel (spelling.rank):
each must still be within its slips of the typed word and common enough to beat a nearer one. The
index (the language's most frequent words by wordfreq, by key) is built on first use, in about 0.2 s,
which live checking's warm-up text makes happen before the writer types (it holds a misspelling).
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from assistant.checking.data import grammar_data


def _settings() -> dict:
    return grammar_data()["sounds_like"]


@cache
def _index(lang: str) -> dict[str, tuple[str, ...]]:
    import jellyfish
    from wordfreq import top_n_list

    keys: defaultdict[str, list[str]] = defaultdict(list)
    for word in top_n_list(lang, _settings()["words"]):
        if word.isalpha():
            keys[jellyfish.metaphone(word)].append(word)
    return {k: tuple(v) for k, v in keys.items()}


def has_sounds(lang: str | None) -> bool:
    return lang in _settings()["languages"]


def sound_alikes(word: str, lang: str) -> tuple[str, ...]:
    """The frequent words of ``lang`` with ``word``'s Metaphone key (lowercase), most frequent first;
    none for a language Metaphone does not fit, nor for a word of other letters or longer than any word
    ("日本語", a pasted run of 1 MB), which it would read as noise."""
    if not has_sounds(lang) or not (word.isascii() and word.isalpha()) or len(word) > _settings()["max_letters"]:
        return ()
    import jellyfish

    return tuple(w for w in _index(lang).get(jellyfish.metaphone(word.lower()), ()) if w != word.lower())

