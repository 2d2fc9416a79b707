"""The grammar task's model step alone: one correction prompt per sentence, one at a time vs batched.

    .venv/bin/python bench/bench_generation.py [--model-file GGUF] [--sentences FILE] [--limit 64] [--parallel 1,4,8,16]

Runs where the full document benchmark (bench_document.py) cannot, e.g. on a GPU machine without
the rule checkers' data: only llama.cpp, the prompts and the runtime. "sequential" is
LlamaRuntime.generate per prompt on the interactive sequence (its cached prefix reused, as the
app did before batching); each "batched N" is assistant.llama_batch with N sequences and the
stored prefix. Prints wall time, tokens per second, the speed-up and how many answers are
identical to the sequential ones.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import SHARED_DATA

from assistant.backends.local import LocalBackend
from assistant.prompting import build_prompt

JFLEG = SHARED_DATA / "jfleg-dev" / "dev.src"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-file", default=None, help="GGUF file (default: the bundled SmolLM2)")
    ap.add_argument("--sentences", default=str(JFLEG))
    ap.add_argument("--limit", type=int, default=64)
    ap.add_argument("--parallel", default="1,4,8,16")
    args = ap.parse_args()
    if args.model_file is None:
        from assistant.bundled import smollm2_path

        args.model_file = str(smollm2_path())
    sentences = [s.strip() for s in Path(args.sentences).read_text("utf-8").splitlines() if s.strip()][: args.limit]
    rows = []
    reference = None
    for n in [0] + [int(x) for x in args.parallel.split(",")]:
        backend = LocalBackend(args.model_file, n_ctx=2048, batch_sequences=max(n, 1))
        prompts = [build_prompt("correct", backend.info.strategy, {"max_tokens": backend.count_tokens(s) * 2 + 16},
                                text=s) for s in sentences]
        backend.generate(prompts[0])  # warm-up: first-use costs (GPU kernels) out of the timing
        t0 = time.perf_counter()
        if n == 0:
            results = [backend.generate(p) for p in prompts]
        else:
            results = backend.generate_many(prompts)
        secs = time.perf_counter() - t0
        texts = [r.text for r in results]
        reference = reference or texts
        tokens = sum(r.generated_tokens for r in results)
        rows.append(("sequential" if n == 0 else f"batched {n}", secs, tokens,
                     sum(a == b for a, b in zip(texts, reference, strict=True))))
        if n == 0:
            print(f"{Path(args.model_file).name} on {backend.info.backend}, {len(sentences)} sentences")
        backend.close()
    base = rows[0][1]
    print("| path | seconds | generated tok/s | speed-up | same answers |\n|---|---|---|---|---|")
    for name, secs, tokens, same in rows:
        print(f"| {name} | {secs:.2f} | {tokens / secs:.0f} | {base / secs:.2f}× | {same}/{len(sentences)} |")


if __name__ == "__main__":
    main()
