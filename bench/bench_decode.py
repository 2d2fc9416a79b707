"""Decode and prompt speed: the app's engine vs raw llama-cpp-python vs llama-bench, same model, same run.

    .venv/bin/python bench/bench_decode.py [--model ID] [--llama-bench PATH] [--tokens 128] [--gpu-layers N]

Prints tokens/second for each and the ratios engine/llama-bench and engine/create_completion.
Each figure is the best of --reps runs, and the three are measured in interleaved rounds: on a shared
2-core machine a neighbour's load swings single runs by 40%, and the best run is the one least disturbed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.backends.local import LocalBackend
from assistant.engine import Engine, Job
from assistant.llama_runtime import SamplingParams, default_threads
from assistant.prompting import Prompt, Strategy

PROMPT_WORDS = ("The history of the printing press begins long before Gutenberg, in the workshops of "
                "craftsmen who carved whole pages into wooden blocks. ")


def prompt_text(n_tokens: int, backend: LocalBackend) -> str:
    text = ""
    while backend.count_tokens(text) < n_tokens:
        text += PROMPT_WORDS
    toks = backend.runtime.tokenize(text, add_special=False)[:n_tokens - 1]
    return backend.runtime.detokenize(toks)


def bench_llama_bench(exe: str, model: str, pp: int, tg: int, threads: int, ngl: int, reps: int) -> dict:
    out = subprocess.run([exe, "-m", model, "-p", str(pp), "-n", str(tg), "-t", str(threads), "-ngl", str(ngl),
                          "-r", str(reps), "-o", "json"], capture_output=True, text=True, check=True)
    rows = json.loads(out.stdout)
    result = {}
    for row in rows:
        key = "prompt" if row["n_prompt"] > 0 else "decode"
        result[key] = max(row.get("samples_ts") or [row["avg_ts"]])
    return result


def bench_engine(backend: LocalBackend, text: str, tg: int, reps: int) -> dict:
    engine = Engine()
    engine.backend = backend
    decode, prompt = [], []
    try:
        for _ in range(reps):
            stamps: list[float] = []
            backend.runtime.reset_cache()
            prompt_obj = Prompt(Strategy.BASE, text=text, params=SamplingParams(max_tokens=tg, temperature=0.0))
            job = Job("bench", lambda ctx, p=prompt_obj: ctx.generate(p),
                      on_token=lambda _t, s=stamps: s.append(time.perf_counter()))
            h = engine.submit(job)
            h.wait(600)
            r = h.result
            decode.append((r.generated_tokens - 1) / (stamps[-1] - stamps[0]))
            prompt.append(r.prompt_tokens / r.prompt_seconds)
    finally:
        engine.backend = None
        engine.shutdown()
    return {"decode": max(decode), "prompt": max(prompt)}


def bench_create_completion(model: str, text: str, tg: int, threads: int, ngl: int, reps: int) -> dict:
    from llama_cpp import Llama

    llm = Llama(model, n_ctx=2048, n_threads=threads, n_threads_batch=threads, n_gpu_layers=ngl,
                n_batch=512, verbose=False)
    decode, prompt = [], []
    for _ in range(reps):
        llm.reset()
        stamps: list[float] = []
        t0 = time.perf_counter()
        for _chunk in llm.create_completion(text, max_tokens=tg, temperature=0.0, stream=True):
            stamps.append(time.perf_counter())
        n_prompt = len(llm.tokenize(text.encode()))
        decode.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
        prompt.append(n_prompt / (stamps[0] - t0))
    return {"decode": max(decode), "prompt": max(prompt)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--model-file", default=None, help="a GGUF file instead of a library model (no library scan)")
    ap.add_argument("--llama-bench", default=os.environ.get("LLAMA_BENCH"))
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--prompt-tokens", type=int, default=128)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--gpu-layers", type=int, default=-1)
    ap.add_argument("--threads", type=int, default=default_threads())
    args = ap.parse_args()
    if args.model_file:
        model, name = args.model_file, Path(args.model_file).stem
    else:
        from assistant.model_library import ModelLibrary

        entry = ModelLibrary().get(args.model)
        model, name = str(entry.path), entry.info.name
    backend = LocalBackend(model, n_ctx=2048, n_threads=args.threads, gpu_layers=args.gpu_layers)
    ngl = backend.info.gpu_layers
    text = prompt_text(args.prompt_tokens, backend)
    print(f"model {name} · backend {backend.info.backend} ({ngl} GPU layers) · {args.threads} threads")
    results: dict[str, dict] = {}

    def keep(name: str, r: dict) -> None:
        old = results.setdefault(name, r)
        results[name] = {k: max(old[k], r[k]) for k in r}

    for _ in range(args.rounds):
        keep("engine", bench_engine(backend, text, args.tokens, args.reps))
        keep("create_completion", bench_create_completion(model, text, args.tokens, args.threads, ngl, args.reps))
        if args.llama_bench:
            keep("llama-bench", bench_llama_bench(args.llama_bench, model, args.prompt_tokens, args.tokens,
                                                  args.threads, ngl, args.reps))
    backend.close()
    print(f"{'':20} {'decode tok/s':>14} {'prompt tok/s':>14}")
    for name, r in results.items():
        print(f"{name:20} {r['decode']:14.1f} {r['prompt']:14.1f}")
    e = results["engine"]
    for ref in ("create_completion", "llama-bench"):
        if ref in results:
            print(f"engine / {ref:17} decode {e['decode'] / results[ref]['decode']:.3f}"
                  f"   prompt {e['prompt'] / results[ref]['prompt']:.3f}")


if __name__ == "__main__":
    main()
