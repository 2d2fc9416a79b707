"""Where a grammar row's remaining GLEU lies on JFLEG dev, and what its false edits on dev.ref0 are.

    .venv/bin/python bench/bench_grammar_headroom.py                       # the no-model row, computed here
    .venv/bin/python bench/bench_grammar.py --skip-naive --first-row 3 --dump /tmp/app.jsonl
    .venv/bin/python bench/bench_grammar_headroom.py --dump /tmp/app.jsonl --row "+ model edits (the app)" --list

For each kind of edit the annotators make that the row does not, the GLEU the row would reach if it
also made every such edit at least ``--agree`` of the four annotators make (an oracle: it says what a
layer for that kind could be worth at most, not what any layer reaches). Then the row's changes to
dev.ref0, the human-corrected sentences taken as correct: how many another annotator makes too
(ref0 keeps learner errors, "becuase", "Facts are learned by experinces", that the others fix) and
how many none does, listed with ``--list`` for reading.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SHARED_DATA
from metrics import change_is_confirmed, gleu, jfleg_tokens

Change = tuple[int, int, tuple[str, ...]]  # source tokens [i, j) become these tokens
ARTICLES = frozenset({"a", "an", "the"})
KINDS = ("comma added", "comma removed", "article added", "article removed", "capital letter",
         "misspelling", "word form", "other word", "word added", "word removed", "longer rewrite")


def changes(before: list[str], after: list[str]) -> list[Change]:
    ops = difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes()
    return [(i1, i2, tuple(after[j1:j2])) for tag, i1, i2, j1, j2 in ops if tag != "equal"]


def _lemmas(word: str) -> set[str]:
    from lemminflect import getAllLemmas

    found = {lemma for lemmas in getAllLemmas(word.lower()).values() for lemma in lemmas}
    return found or {word.lower()}


def kind(change: Change, source: list[str]) -> str:
    from wordfreq import zipf_frequency

    i, j, new = change
    old = source[i:j]
    if not old and new == (",",):
        return "comma added"
    if old == [","] and not new:
        return "comma removed"
    if not old and len(new) == 1 and new[0].lower() in ARTICLES:
        return "article added"
    if len(old) == 1 and not new and old[0].lower() in ARTICLES:
        return "article removed"
    if len(old) == 1 and len(new) == 1:
        if old[0].lower() == new[0].lower():
            return "capital letter"
        if old[0].isalpha() and zipf_frequency(old[0], "en") == 0:
            return "misspelling"
        return "word form" if _lemmas(old[0]) & _lemmas(new[0]) else "other word"
    if not old:
        return "word added"
    if not new:
        return "word removed"
    return "longer rewrite"


def _overlaps(a: Change, b: Change) -> bool:
    return not (a[1] < b[0] or a[0] > b[1])


def with_changes(source: list[str], own: list[Change], extra: list[Change]) -> str:
    """``source`` with the row's ``own`` changes and those of ``extra`` that touch none of them."""
    merged = sorted(own + [c for c in extra if not any(_overlaps(c, o) for o in own)])
    words, at = [], 0
    for i, j, new in merged:
        if i < at:
            continue
        words += source[at:i] + list(new)
        at = j
    return " ".join(words + source[at:])


def no_model_row(sources: list[str], corrected: list[str]) -> tuple[list[str], list[str]]:
    from bench_grammar import layers_fixed

    from assistant.checking.checker import LayeredChecker

    checker = LayeredChecker()
    return [layers_fixed(checker, s) for s in sources], [layers_fixed(checker, s) for s in corrected]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(SHARED_DATA / "jfleg-dev"))
    ap.add_argument("--dump", default=None, help="bench_grammar.py --dump output; without it the "
                                                 "no-model 'rules + spelling' row is computed here")
    ap.add_argument("--row", default="rules + spelling")
    ap.add_argument("--agree", type=int, default=2, help="annotators (of 4) who must make an edit")
    ap.add_argument("--list", action="store_true", help="print the changes to dev.ref0 no annotator makes")
    args = ap.parse_args()
    data = Path(args.data)
    sources = data.joinpath("dev.src").read_text("utf-8").splitlines()
    refs = [data.joinpath(f"dev.ref{k}").read_text("utf-8").splitlines() for k in range(4)]
    if args.dump:
        rows = sorted((r for r in map(json.loads, open(args.dump, encoding="utf-8")) if r["row"] == args.row),
                      key=lambda r: r["i"])
        if not rows:
            raise SystemExit(f"no row {args.row!r} in {args.dump}")
        sources = [r["src"] for r in rows]
        outputs, fixed = [r["out"] for r in rows], [r["ref0_out"] for r in rows]
    else:
        outputs, fixed = no_model_row(sources, refs[0])
    n = len(sources)
    references = [[refs[k][i] for k in range(4)] for i in range(n)]
    outputs = [jfleg_tokens(o).split() for o in outputs]
    tokens = [s.split() for s in sources]
    agreed = []
    for i in range(n):
        votes = Counter(c for ref in references[i] for c in set(changes(tokens[i], ref.split())))
        agreed.append([c for c, v in votes.items() if v >= args.agree])
    own = [changes(tokens[i], outputs[i]) for i in range(n)]
    missed = [[c for c in agreed[i] if not any(_overlaps(c, o) for o in own[i])] for i in range(n)]
    base = gleu(sources, [" ".join(o) for o in outputs], references)
    print(f"{args.row}: GLEU {base:.1f} on {n} sentences; edits {args.agree}+ of 4 annotators make that it does not:")
    print(f"{'':16} {'missed':>7} {'GLEU if made':>13} {'gain':>6}")
    for name in (*KINDS, "all of them"):
        picked = [[c for c in missed[i] if name == "all of them" or kind(c, tokens[i]) == name] for i in range(n)]
        score = gleu(sources, [with_changes(tokens[i], own[i], picked[i]) for i in range(n)], references)
        print(f"{name:16} {sum(map(len, picked)):7} {score:13.1f} {score - base:+6.1f}")
    false = [i for i in range(n) if jfleg_tokens(fixed[i]).split() != refs[0][i].split()]
    unconfirmed = [i for i in false if not change_is_confirmed(refs[0][i], jfleg_tokens(fixed[i]),
                                                               [refs[k][i] for k in (1, 2, 3)])]
    print(f"changes to dev.ref0: {len(false)} sentences ({100 * len(false) / n:.1f}%), of which another "
          f"annotator makes every change in {len(false) - len(unconfirmed)} and none in {len(unconfirmed)} "
          f"({100 * len(unconfirmed) / n:.1f}%)")
    if args.list:
        for i in unconfirmed:
            before, after = refs[0][i].split(), jfleg_tokens(fixed[i]).split()
            said = "; ".join(f"{' '.join(before[a:b]) or '_'} -> {' '.join(new) or '_'}"
                             for a, b, new in changes(before, after))
            print(f"  {i:4} {said:40} | {refs[0][i][:90]}")


if __name__ == "__main__":
    main()
