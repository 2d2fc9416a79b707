"""Each rule's firings, on edited English and on learners' English: how a rule is judged before it
is kept (resources/grammar.json's harper_off_rules cite these counts).

    .venv/bin/python bench/bench_rule_firings.py [--rules ID,ID] [--examples N]

Edited English is GUMSum dev's texts (98 documents, 11 genres) and Multi30k's English captions
(val.en): published or checked text, where a grammar rule's firing is almost always wrong. Learners'
English is JFLEG dev (dev.src), where a firing counts as confirmed when an annotator's correction
makes the same change (metrics.change_is_confirmed). Rules and learner patterns only, no
dictionaries and no model: per rule, firings on edited English, and on JFLEG fired / confirmed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SHARED_DATA
from metrics import change_is_confirmed, jfleg_tokens

from assistant.checking.rules import RulesChecker
from assistant.text_diff import apply_edits
from assistant.text_units import sentences


def edited_english(data: Path) -> list[str]:
    """GUMSum's texts split into sentences, then Multi30k's English captions."""
    docs = json.loads(data.joinpath("gumsum-dev", "gumsum-dev.json").read_text("utf-8"))
    out = []
    for doc in docs.values():
        for paragraph in doc["text"].split("\n"):
            out += [paragraph[s.start : s.end] for s in sentences(paragraph) if paragraph[s.start : s.end].strip()]
    return out + data.joinpath("multi30k-val", "val.en").read_text("utf-8").splitlines()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(SHARED_DATA))
    ap.add_argument("--rules", default="", help="only these rules (comma-separated ids)")
    ap.add_argument("--examples", type=int, default=3, help="examples printed per rule on edited English")
    args = ap.parse_args()
    data = Path(args.data)
    only = {r for r in args.rules.split(",") if r}
    checker = RulesChecker()

    def wanted(rule: str | None) -> bool:
        return not only or rule in only

    edited = edited_english(data)
    on_edited: Counter[str] = Counter()
    examples: defaultdict[str, list[str]] = defaultdict(list)
    for s in edited:
        for e in checker.check(s):
            if wanted(e.rule):
                on_edited[e.rule] += 1
                if len(examples[e.rule]) < args.examples:
                    context = s[max(0, e.start - 30) : e.end + 30]
                    examples[e.rule].append(f"{context!r}: {e.original!r} → {e.replacement!r}")
    jfleg = data / "jfleg-dev"
    src = jfleg.joinpath("dev.src").read_text("utf-8").splitlines()
    refs = [jfleg.joinpath(f"dev.ref{i}").read_text("utf-8").splitlines() for i in range(4)]
    fired: Counter[str] = Counter()
    confirmed: Counter[str] = Counter()
    for i, s in enumerate(src):
        for e in checker.check(s):
            if wanted(e.rule):
                fired[e.rule] += 1
                confirmed[e.rule] += change_is_confirmed(s, jfleg_tokens(apply_edits(s, [e])), [r[i] for r in refs])
    print(f"Edited English: {len(edited)} sentences (GUMSum dev texts, Multi30k val.en); "
          f"JFLEG dev: {len(src)} learner sentences")
    print(f"{'rule':34} {'edited':>6} {'JFLEG fired':>11} {'confirmed':>9}")
    for rule in sorted(set(on_edited) | set(fired), key=lambda r: (-on_edited[r], -fired[r], r)):
        print(f"{rule:34} {on_edited[rule]:6} {fired[rule]:11} {confirmed[rule]:9}")
    for rule, found in sorted(examples.items()):
        print(f"\n{rule} on edited English:")
        for x in found:
            print("  " + x)


if __name__ == "__main__":
    main()
