"""Whole-document speed: grammar, rewrite (concise) and translation, one prompt at a time vs batched.

    .venv/bin/python bench/bench_document.py [--words 1000] [--parallel 4] [--tasks grammar,rewrite,translate]

The document is built from the evaluation sets (../shared/data): JFLEG dev sentences, four to a
paragraph, for grammar and rewrite (GLEU against its four references), Multi30k val captions, one
to a line, for English→French translation (chrF). Both paths run the same task code in the same
process on the same loaded model; "sequential" turns the task's prefetch off, so every prompt is
decoded on its own as before batching existed; "batched" lets the task hand windows of prompts
to the runtime (assistant.llama_batch). Grammar and rewrite use SmolLM2 (the default model),
translation Gemma-3-270M (the bundled model that writes French). Prints time, speed-up, quality of
both paths, how many outputs are identical, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sacrebleu
from common import SHARED_DATA, run
from metrics import gleu

from assistant.backends.factory import local_factory
from assistant.engine import Engine, JobContext
from assistant.model_library import ModelLibrary
from assistant.tasks.correct import GrammarChecker
from assistant.tasks.rewrite import builtin_actions, rewrite
from assistant.tasks.translate import translate
from assistant.text_diff import apply_edits

DATA = SHARED_DATA


def grammar_document(words: int) -> tuple[str, list[list[tuple[int, int]]], list[str], list[list[str]]]:
    """Paragraphs of four JFLEG sentences; each sentence's span; sources; references."""
    src = DATA.joinpath("jfleg-dev", "dev.src").read_text("utf-8").splitlines()
    refs = [DATA.joinpath("jfleg-dev", f"dev.ref{i}").read_text("utf-8").splitlines() for i in range(4)]
    paras, spans, used, n = [], [], [], 0
    pos = 0
    while n < words:
        group = src[len(used) : len(used) + 4]
        para_spans, text = [], ""
        for s in group:
            s = s.strip()
            if text:
                text += " "
            para_spans.append((pos + len(text), pos + len(text) + len(s)))
            text += s
        paras.append(text)
        spans.append(para_spans)
        used += group
        n += len(text.split())
        pos += len(text) + 2
    references = [[r[i].strip() for r in refs] for i in range(len(used))]
    return "\n\n".join(paras), spans, [s.strip() for s in used], references


def translation_document(words: int) -> tuple[str, list[str]]:
    src = DATA.joinpath("multi30k-val", "val.en").read_text("utf-8").splitlines()
    ref = DATA.joinpath("multi30k-val", "val.fr").read_text("utf-8").splitlines()
    lines, n = [], 0
    while n < words:
        lines.append(src[len(lines)])
        n += len(lines[-1].split())
    return "\n\n".join(lines), ref[: len(lines)]


def timed(engine: Engine, fn, batched: bool):
    real = JobContext.prefetch
    if not batched:
        JobContext.prefetch = lambda self, prompts: None
    try:
        t0 = time.perf_counter()
        out = run(engine, fn)
        return out, time.perf_counter() - t0
    finally:
        JobContext.prefetch = real


def load(entry, parallel: int) -> Engine:
    engine = Engine()
    h = engine.load(local_factory(entry, n_ctx=4096, batch_sequences=parallel))
    h.wait()
    if h.error:
        raise SystemExit(h.error)
    return engine


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=1000)
    ap.add_argument("--parallel", type=int, default=0, help="sequences decoded together (0: the app's default)")
    ap.add_argument("--tasks", default="grammar,rewrite,translate")
    args = ap.parse_args()
    lib = ModelLibrary()
    tasks = args.tasks.split(",")
    rows = []
    if "grammar" in tasks or "rewrite" in tasks:
        text, spans, sources, references = grammar_document(args.words)
        engine = load(lib.get("smollm2-135m-instruct"), args.parallel)
        info = engine.backend.info
        rt = engine.backend.runtime
        print(f"{info.model_name} on {info.backend}, {rt.n_threads} threads, {rt.batch_sequences} sequences; "
              f"{len(text.split())} words, {len(sources)} sentences")
        if "grammar" in tasks:
            outs = {}
            for batched in (False, True):
                checker = GrammarChecker()
                result, secs = timed(engine, lambda ctx, c=checker: c.check(ctx, text), batched)
                hyp = []
                for para_spans in spans:
                    for start, end in para_spans:
                        inside = [e.shifted(-start) for e in result.edits if start <= e.start and e.end <= end]
                        hyp.append(apply_edits(text[start:end], inside))
                outs[batched] = (secs, hyp, len(result.edits))
            same = sum(a == b for a, b in zip(outs[False][1], outs[True][1], strict=True))
            rows.append(("grammar", outs[False][0], outs[True][0],
                         f"GLEU {gleu(sources, outs[False][1], references):.1f} → "
                         f"{gleu(sources, outs[True][1], references):.1f}; edits {outs[False][2]} → {outs[True][2]}; "
                         f"same sentences {same}/{len(sources)}"))
        if "rewrite" in tasks:
            action = next(a for a in builtin_actions() if a.style == "concise")
            outs = {}
            for batched in (False, True):
                result, secs = timed(engine, lambda ctx: rewrite(ctx, text, action), batched)
                outs[batched] = (secs, result)
            a, b = outs[False][1], outs[True][1]
            rows.append(("rewrite (concise)", outs[False][0], outs[True][0],
                         f"edits {len(a.edits)} → {len(b.edits)}; same text {a.text == b.text}; refused "
                         f"{a.refused + len(a.unfaithful)} → {b.refused + len(b.unfaithful)}"))
        engine.shutdown()
    if "translate" in tasks:
        text, refs = translation_document(args.words)
        engine = load(lib.get("gemma-3-270m"), args.parallel)
        rt = engine.backend.runtime
        print(f"{engine.backend.info.model_name} on {engine.backend.info.backend}, {rt.batch_sequences} sequences; "
              f"{len(text.split())} words, {len(refs)} lines")
        outs = {}
        for batched in (False, True):
            result, secs = timed(engine, lambda ctx: translate(ctx, text, "fr", "en"), batched)
            hyp = [line for line in result.text.split("\n\n")]
            outs[batched] = (secs, hyp)
        same = sum(a == b for a, b in zip(outs[False][1], outs[True][1], strict=True))
        rows.append(("translate en→fr", outs[False][0], outs[True][0],
                     f"chrF {sacrebleu.corpus_chrf(outs[False][1], [refs]).score:.1f} → "
                     f"{sacrebleu.corpus_chrf(outs[True][1], [refs]).score:.1f}; same lines {same}/{len(refs)}"))
        engine.shutdown()
    print("\n| task | sequential s | batched s | speed-up | quality (sequential → batched) |\n|---|---|---|---|---|")
    for name, seq, bat, quality in rows:
        print(f"| {name} | {seq:.1f} | {bat:.1f} | {seq / bat:.2f}× | {quality} |")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
