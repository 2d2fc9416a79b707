"""The model's share of whole-document work, recorded once and replayed: sequential vs batched.

    .venv/bin/python bench/bench_document_replay.py --record calls.pkl [--words 1000] [--width 32]
    python bench/bench_document_replay.py --replay calls.pkl --model-file M.gguf [--parallel 8,32]

``--record`` runs grammar and rewrite (concise) on bench_document's 1,000-word JFLEG document twice,
one prompt at a time and batched, and saves every call each path made to the model (generate,
generate_many, logprob(s), variant_gains) with its arguments. ``--replay`` makes the same calls
again on another machine with only the engine, llama.cpp and the model there: no rule checker,
dictionary or language detector (those run on the CPU whatever the model runs on, and weigh
hundreds of megabytes). It is how the GPU figures are taken on a machine that can hold the model
but not the app's language data; bench_document.py is the end-to-end measure.

Prints, per task, the seconds of model work for each path and the speed-up, for each --parallel.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.backends.local import LocalBackend

RECORDED = ("generate", "generate_many", "logprob", "logprobs", "variant_gains")


def record(path: Path, words: int, width: int) -> None:
    import bench_document as doc

    from assistant.model_library import ModelLibrary
    from assistant.tasks.correct import GrammarChecker
    from assistant.tasks.rewrite import builtin_actions, rewrite

    text, _spans, _sources, _refs = doc.grammar_document(words)
    # The batched path's windows follow the backend's width (JobContext.prefetch_window): record
    # with the width the replay will run at.
    engine = doc.load(ModelLibrary().get("smollm2-135m-instruct"), width)
    backend = engine.backend
    calls: list[tuple[str, tuple]] = []
    depth = [0]  # logprob calls logprobs: only the outer call is the task's

    def wrap(name: str):
        real = getattr(backend, name)

        def recorded(*args, **kwargs):
            if depth[0] == 0:
                # callbacks are the engine's (streaming, cancel, interjection): the replay passes none
                kept = args[:1] if name in ("generate", "generate_many", "logprob", "logprobs") else args
                calls.append((name, kept))
            depth[0] += 1
            try:
                return real(*args, **kwargs)
            finally:
                depth[0] -= 1

        setattr(backend, name, recorded)

    for name in RECORDED:
        wrap(name)
    action = next(a for a in builtin_actions() if a.style == "concise")
    traces = {}
    for task, fn in (("grammar", lambda ctx: GrammarChecker().check(ctx, text)),
                     ("rewrite", lambda ctx: rewrite(ctx, text, action))):
        for batched in (False, True):
            calls.clear()
            doc.timed(engine, fn, batched)
            traces[(task, batched)] = list(calls)
            n = sum(len(a[0]) if k in ("generate_many", "logprobs") else 1 for k, a in calls)
            print(f"{task} {'batched' if batched else 'sequential'}: {len(calls)} calls, {n} prompts or texts")
    engine.shutdown()
    path.write_bytes(pickle.dumps({"words": len(text.split()), "traces": traces}))


def replay(path: Path, model: str, parallel: list[int], gpu_layers: int) -> None:
    data = pickle.loads(path.read_bytes())
    rows = []
    for n in parallel:
        backend = LocalBackend(model, n_ctx=4096, gpu_layers=gpu_layers, batch_sequences=n)
        info = backend.info
        print(f"{info.model_name} on {info.backend} ({info.gpu_layers} GPU layers), "
              f"{backend.runtime.batch_sequences} sequences, {data['words']}-word document")
        for (task, batched), calls in data["traces"].items():
            if not batched and n != parallel[0]:
                continue  # the sequential path does not depend on the batch size
            backend.runtime.reset_cache()
            t0 = time.perf_counter()
            tokens = 0
            for name, args in calls:
                out = getattr(backend, name)(*args)
                if name == "generate":
                    tokens += out.generated_tokens
                elif name == "generate_many":
                    tokens += sum(r.generated_tokens for r in out)
            secs = time.perf_counter() - t0
            rows.append((task, "batched" if batched else "sequential", n if batched else 1, secs, tokens))
            print(f"  {task:8} {rows[-1][1]:10} {secs:7.2f} s  {tokens} generated tokens", flush=True)
        backend.close()
    print("\n| task | path | sequences | model seconds | generated tokens | speed-up |\n|---|---|---|---|---|---|")
    seq = {r[0]: r[3] for r in rows if r[1] == "sequential"}
    for task, kind, n, secs, tokens in rows:
        print(f"| {task} | {kind} | {n} | {secs:.2f} | {tokens} | {seq[task] / secs:.2f}× |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--record", type=Path)
    ap.add_argument("--replay", type=Path)
    ap.add_argument("--words", type=int, default=1000)
    ap.add_argument("--width", type=int, default=0, help="sequences of the recording backend (0: this machine's)")
    ap.add_argument("--model-file", help="the GGUF to replay on (the recorded SmolLM2 file)")
    ap.add_argument("--parallel", default="8", help="comma-separated sequence counts to replay the batched path with")
    ap.add_argument("--gpu-layers", type=int, default=-1)
    args = ap.parse_args()
    if args.record:
        record(args.record, args.words, args.width)
    elif args.replay:
        replay(args.replay, args.model_file, [int(x) for x in args.parallel.split(",")], args.gpu_layers)
    else:
        ap.error("--record or --replay")


if __name__ == "__main__":
    main()
