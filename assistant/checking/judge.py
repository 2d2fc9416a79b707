"""The model as judge: it chooses among the candidates the rules and dictionaries offer, and
vetoes a suggestion it finds clearly worse than leaving the text alone.

Each candidate is scored by the model's log-probability of the whole sentence with it in place
(the same measure as the correction critic), less a cost per typing slip it undoes
(typos.typo_cost; a noisy-channel ranking: without it the model prefers dropping a word,
"Forexample" → "Example"); "leave it" is scored too. Only a spelling's candidates pay that cost: a
grammar rule's are forms, not slips ("eated": ate or eaten, whichever the sentence wants; charged as
slips, "eaten" won for being nearer the letters typed), and the rule's first, chosen by its context,
stands unless another wins by RULE_ORDER nats. The best candidate replaces the layer's
first choice. A rule's suggestion that loses to "leave it" by more than VETO nats is dropped
("Forexample" → "Forecastle" must not survive; "For example" wins); an unknown word whose
candidates all lose stays flagged, without a replacement. The rules whose edit is case or punctuation
that the rule alone decides (grammar.json's "judge_leaves": a sentence's capital, "I", an opening's
comma) are left as they are: a small model's likelihood says little about either.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.checking.data import grammar_data
from assistant.checking.typos import typo_cost
from assistant.text_diff import Edit

VETO = 2.0  # nats a suggestion may fall below "leave it" before the judge drops it
CHANGE_COST = 4.5  # nats per typing slip a candidate undoes (about a 1% chance of each), for ranking
RULE_ORDER = 2.0  # nats another of a grammar rule's forms must win by to replace the rule's first


def judge(sentence: str, edits: list[Edit], score: Callable[[list[str]], list[float | None]],
          check: Callable[[], None] = lambda: None) -> list[Edit]:
    """``edits`` (offsets into ``sentence``) after the judge; ``score`` gives texts' log-probabilities,
    all of a sentence's candidates in one call (the local backend scores them in one batch)."""
    settled = set(grammar_data()["judge_leaves"]["rules"])
    left = [e for e in edits if e.rule in settled]
    edits = [e for e in edits if e.rule not in settled]
    if not edits:
        return left
    options = [[o for o in dict.fromkeys([e.replacement, *e.alternatives]) if o != e.original] for e in edits]
    texts = [sentence] + [sentence[: e.start] + o + sentence[e.end :] for e, opts in zip(edits, options, strict=True)
                          for o in opts]
    check()
    scores = iter(score(texts))
    base = next(scores)
    if base is None:
        return sorted(left + edits, key=lambda e: e.start)  # a backend that cannot score (a server)
    out = []
    for e, opts in zip(edits, options, strict=True):
        scored = []
        for o, s in zip(opts, [next(scores) for _ in opts], strict=True):
            if s is None:
                continue
            if e.category == "spelling":
                scored.append((s - CHANGE_COST * typo_cost(e.original, o), s, o))
            else:  # a rule's first form is its choice by context ("there are editors", the past after "and")
                scored.append((s + (RULE_ORDER if o == opts[0] else 0.0), s, o))
        # A spelling is ranked as a noisy channel (the model's likelihood, less the cost of the change);
        # the veto compares the chosen one's own likelihood with leaving the text as it is.
        scored.sort(key=lambda x: -x[0])
        if scored and scored[0][1] >= base - VETO:
            best = scored[0][2]
            out.append(Edit(e.start, e.end, e.original, best, e.category, e.reason, e.layer, e.rule,
                            [o for _, _, o in scored[1:]]))
        elif e.layer == "spelling":
            out.append(Edit(e.start, e.end, e.original, e.original, e.category, e.reason, e.layer, e.rule, []))
    return sorted(left + out, key=lambda e: e.start)
