"""Is an answer the prompt's worked example instead of an answer?

Small models copy the few-shot example they were shown ("The council voted to turn the old rail
yard into a park" as the summary of a README). Exact matching misses the near-copies, so a sentence
is compared by its content words: the share of them that the example has and the source does not.
A sentence about a real park on a real rail yard takes those words from its source and passes; the
same sentence written about a README takes them from the example and is a leak.
"""

from __future__ import annotations

from assistant.faithfulness.words import content_lemmas, spec, words
from assistant.markdown import LINE_MARK
from assistant.text_units import sentences


def _sentences(text: str) -> list[str]:
    """Sentences line by line, without the lines' list or heading marks."""
    return [line[s.start : s.end].strip() for line in LINE_MARK.sub("", text).splitlines() for s in sentences(line)]


def leak_share(mine: set[str], example: set[str], source: set[str]) -> float:
    """Share of a sentence's content lemmas that come from the example's and not from the source's."""
    return len((mine & example) - source) / len(mine) if mine else 0.0


def leaked(output: str, examples: list[str], lang: str, source: str = "") -> str | None:
    """The first sentence of ``output`` that is close to one of ``examples`` (counting only words the
    source lacks), or None. Sentences under a few words are too short to tell."""
    cfg = spec()["leak"]
    source_lemmas = content_lemmas(source, lang) if source else set()
    # Whole examples as well as their sentences: a near-copy may mix two of an example's sentences.
    example_lemmas = [content_lemmas(ex, lang) for ex in [*examples, *(s for ex in examples for s in _sentences(ex))]]
    for sent in _sentences(output):
        if len(words(sent)) < cfg["min_words"]:
            continue
        mine = content_lemmas(sent, lang)
        if len(mine) < 2:
            continue
        if any(leak_share(mine, ex, source_lemmas) >= cfg["threshold"] for ex in example_lemmas):
            return sent
    return None
