"""How much faster batching could make a whole-document job on this machine, at most, beside what it does.

    .venv/bin/python bench/bench_batch_ceiling.py [--words 1000] [--tasks grammar,translate]

Batching puts the work of several sequences into one llama.cpp pass. At best, every pass the job makes
then runs at the rate of one large pass: a 256-token prompt pass for tokens whose logits nobody reads,
a 256-token pass with logits at every position for the rest (a generated token, a scored candidate).
The rest of the job (rule checkers, language data, Python) does not change. So a job that ran
in T seconds, of which d seconds inside llama_decode over P tokens without logits and L tokens with
them, would take at least

    T - d + P / (prompt rate of a 256-token pass) + L / (rate of a 256-token pass with every logit)

if its passes were perfectly batched. This benchmark runs each task of bench_document.py sequentially
and batched with every llama_decode counted, measures the two large-pass rates on the same runtime,
and prints for each path that least time and the speed-up over the sequential run it would give,
beside the speed-up the batched path reaches, in the same process.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import llama_cpp as C
from bench_decode import PROMPT_WORDS
from bench_document import grammar_document, load, timed, translation_document

from assistant.llama_runtime import LlamaRuntime, SamplingParams
from assistant.model_library import ModelLibrary
from assistant.tasks.correct import GrammarChecker
from assistant.tasks.translate import translate

PASS_TOKENS = 256
WIDTHS = (1, 2, 4, 8, 16, 32, 64, PASS_TOKENS)


class DecodeTally:
    """While installed, counts every llama_decode: its seconds, and its tokens with and without logits
    (a batch from llama_batch_get_one has logits at its last token only)."""

    def __init__(self) -> None:
        self.calls = self.plain = self.with_logits = 0
        self.seconds = 0.0
        self._real = C.llama_decode

    def __enter__(self) -> DecodeTally:
        real, tally = self._real, self

        def counted(ctx, batch):
            n = batch.n_tokens
            outputs = 1 if not batch.logits else sum(1 for i in range(n) if batch.logits[i])
            t0 = time.perf_counter()
            rc = real(ctx, batch)
            tally.seconds += time.perf_counter() - t0
            tally.calls += 1
            tally.with_logits += outputs
            tally.plain += n - outputs
            return rc

        C.llama_decode = counted
        return self

    def __exit__(self, *exc) -> None:
        C.llama_decode = self._real


def prompt_rate(rt: LlamaRuntime, reps: int = 3) -> float:
    """Tokens per second of a PASS_TOKENS-token prompt (logits at its last position only)."""
    tokens = rt.tokenize(PROMPT_WORDS * PASS_TOKENS)[:PASS_TOKENS]
    best = 0.0
    for _ in range(reps):
        rt.reset_cache()
        r = rt.generate(tokens, SamplingParams(max_tokens=1))
        best = max(best, r.prompt_tokens / r.prompt_seconds)
    rt.reset_cache()
    return best


def width_rates(rt: LlamaRuntime, reps: int = 3) -> dict[int, float]:
    """Tokens per second of one pass of each of WIDTHS tokens with logits at every position: what a
    batch step of that many sequences could do at best (PASS_TOKENS: the large pass). On a CPU,
    small widths stay far below the large pass."""
    tokens = rt.tokenize(PROMPT_WORDS * PASS_TOKENS)
    rates: dict[int, float] = {}
    for width in WIDTHS:
        for _ in range(reps):
            rt.reset_cache()
            t0 = time.perf_counter()
            rt.logits(tokens[:width])
            rates[width] = max(rates.get(width, 0.0), width / (time.perf_counter() - t0))
    rt.reset_cache()
    return rates


def measure(engine, name: str, job) -> tuple:
    rt = engine.backend.runtime
    widths = width_rates(rt)
    prompt, every = prompt_rate(rt), widths[PASS_TOKENS]
    print(f"{name}: {rt.batch_sequences} sequences; a pass with every logit, tok/s by width: "
          + ", ".join(f"{w}: {r:.0f}" for w, r in widths.items()))
    runs = []
    for batched in (False, True):
        with DecodeTally() as tally:
            _, secs = timed(engine, job, batched)
        rest = secs - tally.seconds
        best = rest + tally.plain / prompt + tally.with_logits / every
        runs.append((secs, tally, rest, best))
    return name, prompt, every, runs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=1000)
    ap.add_argument("--parallel", type=int, default=0, help="sequences decoded together (0: the app's default)")
    ap.add_argument("--tasks", default="grammar,translate")
    args = ap.parse_args()
    lib = ModelLibrary()
    rows = []
    if "grammar" in args.tasks:
        text = grammar_document(args.words)[0]
        engine = load(lib.get("smollm2-135m-instruct"), args.parallel)
        rows.append(measure(engine, "grammar (SmolLM2)", lambda ctx: GrammarChecker().check(ctx, text)))
        engine.shutdown()
    if "translate" in args.tasks:
        text = translation_document(args.words)[0]
        engine = load(lib.get("gemma-3-270m"), args.parallel)
        rows.append(measure(engine, "translate en→fr (Gemma)", lambda ctx: translate(ctx, text, "fr", "en")))
        engine.shutdown()
    print(f"\n{args.words}-word documents\n")
    print("| task | path | s | in llama_decode: calls, s | tokens: without logits, with | rest s "
          "| its passes at the large-pass rates: s | sequential ÷ that |")
    print("|---|---|---|---|---|---|---|---|")
    for name, pr, ev, runs in rows:
        seq = runs[0][0]
        for path, (secs, t, rest, best) in zip(("sequential", "batched"), runs, strict=True):
            print(f"| {name} | {path} | {secs:.1f} | {t.calls:,}, {t.seconds:.1f} | {t.plain:,}, {t.with_logits:,} "
                  f"| {rest:.1f} | {best:.1f} | {seq / best:.2f}× |")
        print(f"| {name} | 256-token pass, tok/s | prompt {pr:.0f}, every logit {ev:.0f} | | | | "
              f"batched reached **{seq / runs[1][0]:.2f}×** | |")


if __name__ == "__main__":
    main()
