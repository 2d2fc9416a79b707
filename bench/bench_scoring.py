"""Batched scoring: the judge's candidates of a sentence in one forward pass vs one pass each.

    .venv/bin/python bench/bench_scoring.py [--data ../shared/data/jfleg-dev] [--limit 100] [--candidates 6]

For each JFLEG dev sentence, the original and its human corrections (dev.ref0..3), cut or repeated to
``--candidates`` texts, are scored the way the grammar judge does: by the bundled models, one text at
a time (LlamaRuntime.token_logprobs) and side by side (token_logprobs_many), in the same run.
Reports time per sentence, the ratio, the largest difference in a text's total log-probability, and
how often both ways pick the same text as most likely (what the judge acts on).

Then the word-form variants the model judges (assistant/checking/confusions.py) of the same sentences:
each whole variant scored side by side (token_logprobs_many), against variant_gains decoding each one only
from where it leaves the sentence, to the end and with the data's window; time per sentence, and how
often each agrees with whole texts on which variants win a 3-nat margin.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import SHARED_DATA

from assistant.checking import confusions
from assistant.llama_runtime import LlamaRuntime
from assistant.model_library import ModelLibrary


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(SHARED_DATA / "jfleg-dev"))
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--candidates", type=int, default=6)
    args = ap.parse_args()
    data = Path(args.data)
    src = (data / "dev.src").read_text("utf-8").splitlines()[: args.limit]
    refs = [(data / f"dev.ref{i}").read_text("utf-8").splitlines()[: args.limit] for i in range(4)]
    groups = []
    for i, s in enumerate(src):
        texts = list(dict.fromkeys([s] + [r[i] for r in refs]))
        groups.append((texts * args.candidates)[: args.candidates])
    lib = ModelLibrary()
    for model_id in ("smollm2-135m-instruct", "gemma-3-270m"):
        rt = LlamaRuntime(lib.get(model_id).path, n_ctx=4096)
        token_groups = [[rt.tokenize(t) for t in g] for g in groups]
        rt.token_logprobs_many(token_groups[0])  # warm-up
        t = time.perf_counter()
        alone = [[sum(rt.token_logprobs(s)) for s in g] for g in token_groups]
        t_alone = time.perf_counter() - t
        t = time.perf_counter()
        together = [[sum(x) for x in rt.token_logprobs_many(g)] for g in token_groups]
        t_together = time.perf_counter() - t
        diff = max(abs(a - b) for x, y in zip(alone, together, strict=True) for a, b in zip(x, y, strict=True))
        same_best = sum(g[x.index(max(x))] == g[y.index(max(y))]
                        for g, x, y in zip(groups, alone, together, strict=True))
        n = len(groups)
        print(f"{model_id:22} {n} sentences x {args.candidates} texts: one at a time {1000 * t_alone / n:6.1f} ms, "
              f"batched {1000 * t_together / n:6.1f} ms per sentence = {t_alone / t_together:.2f}x faster; "
              f"largest difference {diff:.4f} nats, same best text {same_best}/{n}")
        variants(rt, model_id, src)
        rt.close()
    return 0


def variants(rt: LlamaRuntime, model_id: str, src: list[str]) -> None:
    cases = []
    for s in src:
        found = confusions.candidates(s.strip())
        if found:
            cases.append((rt.tokenize(s.strip()), [rt.tokenize(c.apply(s.strip())) for c in found]))
    n_var = sum(len(v) for _, v in cases)
    t = time.perf_counter()
    whole = []
    for base, vs in cases:
        scores = [sum(x) for x in rt.token_logprobs_many([base, *vs])]
        whole.append([x - scores[0] for x in scores[1:]])
    t_whole = time.perf_counter() - t
    line = f"{model_id:22} {len(cases)} sentences, {n_var} variants: whole texts {1000 * t_whole / len(cases):6.1f} ms"
    for window in (None, confusions.window()):
        t = time.perf_counter()
        gains = [rt.variant_gains(base, vs, window) for base, vs in cases]
        took = time.perf_counter() - t
        agree = sum((a >= 3) == (b >= 3) for x, y in zip(whole, gains, strict=True) for a, b in zip(x, y, strict=True))
        line += (f"; from the change, window {window}: {1000 * took / len(cases):6.1f} ms = {t_whole / took:.2f}x, "
                 f"same winners {100 * agree / n_var:.1f}%")
    print(line + " per sentence")


if __name__ == "__main__":
    sys.exit(main())
