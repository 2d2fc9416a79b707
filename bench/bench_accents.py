"""Missing accents (assistant/checking/accents.py) on correct French and German text, Multi30k val.

    .venv/bin/python bench/bench_accents.py --data ../shared/data/multi30k-val

Two numbers per language: words flagged in the human-written sentences as they are (every one a
false alarm: the text is correct), and, with every accent stripped from the words that had one, the
share restored to the right word first, restored to a wrong word first, or left alone (often a
real word without accents: "a" for "à", "ou" for "où", which only context could tell). Beside it,
the spelling dictionary alone: how many of the stripped words it would flag at all.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.checking.accents import bare, restored
from assistant.checking.spelling import is_misspelled

WORD = re.compile(r"[^\W\d_]+")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/multi30k-val")
    ap.add_argument("--langs", default="fr,de")
    args = ap.parse_args()
    print(f"{'lang':4} {'words':>6} {'false flags':>11} {'stripped':>8} {'restored right':>14} {'wrong':>6} "
          f"{'left':>6} {'dictionary flags':>16} {'s':>5}")
    for lang in args.langs.split(","):
        lines = (Path(args.data) / f"val.{lang}").read_text("utf-8").splitlines()
        words = [w for line in lines for w in WORD.findall(line)]
        t0 = time.perf_counter()
        false = sum(bool(restored(w, lang)) for w in words)
        accented = [w for w in words if bare(w) != w]
        firsts = [(restored(bare(w), lang) or ("",))[0] for w in accented]
        right = sum(f.lower() == w.lower() for f, w in zip(firsts, accented, strict=True))
        wrong = sum(bool(f) and f.lower() != w.lower() for f, w in zip(firsts, accented, strict=True))
        dictionary = sum(is_misspelled(bare(w), lang) for w in accented)
        n = len(accented)
        print(f"{lang:4} {len(words):6} {false:11} {n:8} {right:8} ({100 * right / n:4.1f} %) {wrong:6} "
              f"{n - right - wrong:6} {dictionary:8} ({100 * dictionary / n:4.1f} %) {time.perf_counter() - t0:5.2f}")


if __name__ == "__main__":
    main()
