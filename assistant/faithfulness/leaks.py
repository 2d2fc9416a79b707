"""Is an answer the prompt's worked example instead of an answer?

Small models copy the few-shot example they were shown ("The council voted to turn the old rail
yard into a park" as the summary of a README). Exact matching misses the near-copies, so a sentence
is compared by its content words: the share of them that the example has and the source does not.
A sentence about a real park on a real rail yard takes those words from its source and passes; the
same sentence written about a README takes them from the example and is a leak.
"""

from __future__ import annotations

import re

from assistant.faithfulness.words import content_lemmas, spec, words
from assistant.text_units import sentences

_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.MULTILINE)


def _sentences(text: str) -> list[str]:
    plain = _BULLET.sub("", text)
    return [plain[s.start : s.end].strip() for line in plain.splitlines() for s in sentences(line)
            if line.strip()] if "\n" in plain else [plain[s.start : s.end].strip() for s in sentences(plain)]


def leak_share(sentence: str, example: str, lang: str, source_lemmas: set[str] | frozenset[str] = frozenset()) -> float:
    """Share of the sentence's content words that come from the example and not from the source."""
    mine = content_lemmas(sentence, lang)
    if not mine:
        return 0.0
    return len((mine & content_lemmas(example, lang)) - source_lemmas) / len(mine)


def leaked(output: str, examples: list[str], lang: str, source: str = "") -> str | None:
    """The first sentence of ``output`` that is close to one of ``examples`` (counting only words the
    source lacks), or None. Sentences under a few words are too short to tell."""
    cfg = spec()["leak"]
    source_lemmas = content_lemmas(source, lang) if source else set()
    # Whole examples as well as their sentences: a near-copy may mix two of an example's sentences.
    example_sents = [*examples, *(s for ex in examples for s in _sentences(ex))]
    for sent in _sentences(output):
        if len(words(sent)) < cfg["min_words"]:
            continue
        mine = content_lemmas(sent, lang)
        if len(mine) < 2:
            continue
        if any(leak_share(sent, ex, lang, source_lemmas) >= cfg["threshold"] for ex in example_sents):
            return sent
    return None
