"""Grammar correction quality on JFLEG dev: GLEU, the unchanged baseline, a naive prompt, false edits.

    .venv/bin/python bench/bench_grammar.py --data ../shared/data/jfleg-dev [--model ID] [--limit N]

- app: the app's checker (edits aligned to the original, rewrites dropped, LM critic).
- naive: "correct the grammar, output only the sentence", the model's output used as is.
- unchanged: every sentence left as it is.
- false-edit rate: share of human-corrected (already correct) sentences (dev.ref0) the app edits.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import run
from metrics import gleu

from assistant.backends.factory import local_factory
from assistant.engine import Engine
from assistant.llama_runtime import SamplingParams
from assistant.model_library import ModelLibrary
from assistant.prompting import Prompt, Strategy
from assistant.tasks.correct import GrammarChecker
from assistant.text_diff import apply_edits

NAIVE = "Correct the grammar of this sentence. Output only the corrected sentence.\n\n{text}"
NAIVE_BASE = "Correct the grammar of each sentence.\n\nSentence: {text}\nCorrected:"



def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "jfleg-dev"))
    ap.add_argument("--model", default=None)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    data = Path(args.data)
    src = data.joinpath("dev.src").read_text("utf-8").splitlines()
    refs = [data.joinpath(f"dev.ref{i}").read_text("utf-8").splitlines() for i in range(4)]
    n = args.limit or len(src)
    src, refs_t = src[:n], [list(r) for r in zip(*[r[:n] for r in refs], strict=True)]
    engine = Engine()
    entry = ModelLibrary().get(args.model)
    engine.load(local_factory(entry, n_ctx=2048)).wait()
    strategy = engine.info.strategy
    checker = GrammarChecker()
    t0 = time.time()

    def app_fix(ctx, text: str) -> str:
        return apply_edits(text, checker.check(ctx, text).edits)

    app_out = [run(engine, lambda ctx, s=s: app_fix(ctx, s)) for s in src]
    t_app = time.time() - t0

    def naive_fix(ctx, text: str) -> str:
        params = SamplingParams(max_tokens=ctx.backend.count_tokens(text) * 2 + 16, stop=["\n"])
        if strategy is Strategy.INSTRUCT:
            prompt = Prompt(strategy, messages=[{"role": "user", "content": NAIVE.format(text=text)}], params=params)
        else:
            prompt = Prompt(strategy, text=NAIVE_BASE.format(text=text), params=params)
        out = ctx.generate(prompt, stream=False).text.strip()
        return out or text

    naive_out = [run(engine, lambda ctx, s=s: naive_fix(ctx, s)) for s in src]
    correct = refs[0][:n]
    edited = sum(bool(run(engine, lambda ctx, s=s: checker.check(ctx, s).edits)) for s in correct)
    engine.shutdown()
    print(f"{entry.info.name}, JFLEG dev, {n} sentences (app: {t_app / n:.2f} s a sentence)")
    print(f"GLEU unchanged baseline {gleu(src, src, refs_t):5.1f}")
    print(f"GLEU naive prompt       {gleu(src, naive_out, refs_t):5.1f}")
    print(f"GLEU app strategy       {gleu(src, app_out, refs_t):5.1f}")
    changed = sum(a != s for a, s in zip(app_out, src, strict=True))
    print(f"app edited {changed}/{n} learner sentences; false-edit rate on correct sentences "
          f"{edited}/{n} = {100 * edited / n:.1f}% (goal <= 5%)")


if __name__ == "__main__":
    main()
