"""A second look at each sentence the layers changed: Harper reports one lint where two mistakes
touch ("She discuss about": only "discuss about" → "discuss"; the agreement shows once that is
fixed), and one layer's fix can leave another's word behind ("becaese" capitalised to "Becaese").

The sentence is checked again with the first edits applied; what the second check finds in words
the first edits left alone becomes an edit of its own, and what it finds in the words they wrote
is folded into them ("discuss about" → "discusses", "becaese" → "Because"), and so is what it finds
in the words beside them ("a very good" → "an excellent", not "excellent" and then "a" → "an").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from assistant.text_diff import Edit, apply_edits
from assistant.text_units import sentences


def _regions(edits: list[Edit]) -> list[tuple[Edit, int, int]]:
    """Each applied edit with the span its replacement takes in the corrected text."""
    out, shift = [], 0
    for e in edits:
        start = e.start + shift
        out.append((e, start, start + len(e.replacement)))
        shift += len(e.replacement) - (e.end - e.start)
    return out


def _back(pos: int, regions: list[tuple[Edit, int, int]]) -> int:
    """A corrected-text position outside every replacement, in the original text."""
    shift = 0
    for e, _start, end in regions:
        if end <= pos:
            shift = end - e.end
    return pos - shift


def compose(text: str, edits: list[Edit], second: list[Edit]) -> list[Edit]:
    """``edits`` (on ``text``, not overlapping) with ``second`` (found on the text they make) folded in."""
    applied = sorted((e for e in edits if not e.is_flag), key=lambda e: e.start)
    regions = _regions(applied)
    fixed = apply_edits(text, applied)
    out = list(edits)
    for e2 in second:
        # Next to an edit's words counts as in them: "a very good" → "a excellent" makes "a" wrong, and
        # the two must be taken or left together ("an excellent").
        touched = [(e, s, t) for e, s, t in regions
                   if (s < e2.end and e2.start < t) or (s == t and e2.start < s < e2.end)
                   or (e2.end <= s and not fixed[e2.end : s].strip())
                   or (t <= e2.start and not fixed[t : e2.start].strip())]
        if not touched:
            start, end = _back(e2.start, regions), _back(e2.end, regions)
            if not any(x.start < end and start < x.end for x in out) and text[start:end] == e2.original:
                out.append(replace(e2, start=start, end=end, alternatives=list(e2.alternatives)))
            continue
        first, last = touched[0], touched[-1]
        if not all(any(x is e for x in out) for e, _s, _t in touched):
            continue  # already folded into another
        start = first[0].start if first[1] <= e2.start else _back(e2.start, regions)
        end = last[0].end if last[2] >= e2.end else _back(e2.end, regions)
        lo, hi = min(first[1], e2.start), max(last[2], e2.end)
        new = fixed[lo : e2.start] + e2.replacement + fixed[e2.end : hi]
        others = [x for x in out if all(x is not e for e, _s, _t in touched)]
        if new == text[start:end] or any(x.start < end and start < x.end for x in others):
            continue  # the second look undoes the first, or reaches into a word only flagged
        base = first[0]
        reason = " ".join(dict.fromkeys(r if r.endswith((".", "!", "?")) else r + "."
                                        for r in (base.reason, e2.reason) if r))
        out = [*others, Edit(start, end, text[start:end], new, base.category, reason, base.layer, base.rule)]
    return sorted(out, key=lambda e: (e.start, e.end))


def _respells_only(edits: list[Edit]) -> bool:
    """Every change is a word's spelling, not only its case: the word keeps its place in the
    sentence, so the grammar reads as before. On JFLEG dev a second look after spelling fixes
    alone ran in 198 sentences and changed 7: five for the worse ("fashional" → "fashion AL",
    "definication yong" → "definition Yong"), one for the better ("peopie is" → "people are").
    It is skipped, which halves the second look's cost (live checking's budget is 50 ms a paragraph)."""
    return all(e.category == "spelling" and e.original.casefold() != e.replacement.casefold() for e in edits)


def _looked_at(span_edits: list[Edit]) -> bool:
    """Whether a sentence with these edits gets the second look: some change beyond its spelling."""
    changes = [e for e in span_edits if not e.is_flag]
    return bool(changes) and not _respells_only(changes)


def wanted(text: str, edits: list[Edit]) -> bool:
    """Whether recheck would look again at any sentence of ``text``."""
    return any(_looked_at([e for e in edits if span.start <= e.start and e.end <= span.end])
               for span in sentences(text))


def recheck(text: str, edits: list[Edit], check: Callable[[str], list[Edit]]) -> list[Edit]:
    """``edits`` with a second look at each sentence of ``text`` they change beyond its spelling
    (``check`` a sentence)."""
    out = list(edits)
    for span in sentences(text):
        inside = [e for e in out if span.start <= e.start and e.end <= span.end]
        if not _looked_at(inside):
            continue
        sentence = text[span.start : span.end]
        local = [e.shifted(-span.start) for e in inside]
        second = check(apply_edits(sentence, [e for e in local if not e.is_flag]))
        if not second:
            continue
        merged = [e.shifted(span.start) for e in compose(sentence, local, second)]
        out = sorted([e for e in out if all(e is not x for x in inside)] + merged, key=lambda e: (e.start, e.end))
    return out
