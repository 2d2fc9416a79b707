"""One-sentence summaries on GUMSum dev (98 documents, 11 genres): quality and faithfulness, the app's
checked summaries beside the model's unchecked first answer and the lead-1 baseline, in one run.

    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python bench/bench_summarize.py [--data ../shared/data/gumsum-dev] [--models ID,ID] [--limit N]

- app: assistant.tasks.summarize, length "sentence" (checks, retry, extractive fallback).
- raw: the model's first answer as written, cut at its first sentence (what the app showed before).
- lead-1: the document's first sentence of at least five words.

Faithfulness is measured here independently of the app's own checks, with plainer rules:
- leak: 5-gram characters of the output found in a prompt example but not in the document, >= 40 %;
- unsupported: a number, or a capitalised word inside the sentence, absent from the document (case-blind);
- one sentence: no sentence end followed by a capital inside the output.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sacrebleu
from common import SHARED_DATA, run
from metrics import rouge_l

from assistant.backends.factory import local_factory
from assistant.engine import Engine
from assistant.model_library import ModelLibrary
from assistant.tasks.summarize import SummaryRequest, examples, summarize

N_CTX = 4096  # the app's default


def _grams(text: str, n: int = 5) -> set[str]:
    t = " ".join(re.findall(r"\w+", text.lower()))
    return {t[i : i + n] for i in range(len(t) - n + 1)}


def leaks(out: str, doc: str) -> bool:
    mine = _grams(out)
    if len(mine) < 10:
        return False
    from_examples = set().union(*(_grams(e) for e in examples())) - _grams(doc)
    return len(mine & from_examples) / len(mine) >= 0.4


def unsupported(out: str, doc: str) -> bool:
    low = doc.lower()
    for n in re.findall(r"\d+(?:[.,]\d+)*", out):
        if n not in doc and n.replace(",", "") not in doc:
            return True
    for m in re.finditer(r"(?<=[^.!?]\s)([A-Z][\w'’-]+)", out):
        if m.group(1).lower().removesuffix("'s") not in low:
            return True
    return False


def one_sentence(out: str) -> bool:
    return bool(out.strip()) and not re.search(r"[.!?]\s+[\"“(]?[A-Z]", out.strip())


def first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    for s in re.split(r"(?<=[.!?])\s+(?=[\"“(]?[A-Z0-9])", flat):
        if len(s.split()) >= 5:
            return s
    return flat[:300]


def report(name: str, outs: list[str], refs: list[str], docs: list[str], seconds: float | None = None,
           extracted: int | None = None) -> None:
    n = len(outs)
    chrf = sacrebleu.corpus_chrf(outs, [refs]).score
    rl = 100 * sum(rouge_l(o, r) for o, r in zip(outs, refs, strict=True)) / n
    leak = sum(leaks(o, d) for o, d in zip(outs, docs, strict=True))
    unsup = sum(unsupported(o, d) for o, d in zip(outs, docs, strict=True))
    one = sum(one_sentence(o) for o in outs)
    extra = f"  extracted {100 * extracted / n:5.1f}%" if extracted is not None else ""
    extra += f"  {seconds / n:5.2f} s/doc" if seconds is not None else ""
    print(f"  {name:8} chrF {chrf:5.1f}  ROUGE-L {rl:5.1f}  leak {100 * leak / n:5.1f}%  "
          f"unsupported {100 * unsup / n:5.1f}%  one sentence {100 * one / n:5.1f}%{extra}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(SHARED_DATA / "gumsum-dev"))
    ap.add_argument("--models", default="smollm2-135m-instruct,gemma-3-270m")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--show", type=int, default=3, help="examples to print per model")
    args = ap.parse_args()
    data = json.loads((Path(args.data) / "gumsum-dev.json").read_text("utf-8"))
    ids = sorted(data)[: args.limit or None]
    docs = [data[i]["text"] for i in ids]
    refs = [data[i]["summary"] for i in ids]
    print(f"GUMSum dev, {len(ids)} documents, one-sentence summaries; chrF (sacrebleu {sacrebleu.__version__}), "
          "ROUGE-L F1")
    report("lead-1", [first_sentence(d) for d in docs], refs, docs)
    library = ModelLibrary()
    for model in args.models.split(","):
        entry = library.get(model)
        engine = Engine()
        engine.load(local_factory(entry, n_ctx=N_CTX)).wait()
        app, raw, fell_back, t0 = [], [], 0, time.time()
        for k, doc in enumerate(docs):
            s = run(engine, lambda ctx, d=doc: summarize(ctx, SummaryRequest(d, "sentence")))
            app.append(s.text)
            raw.append(first_sentence(s.answers[0]) if s.answers and s.answers[0].strip() else "")
            fell_back += s.extracted
            print(f"    {k + 1}/{len(docs)}", end="\r", file=sys.stderr, flush=True)
        seconds = time.time() - t0
        engine.shutdown()
        print(f"{entry.info.name}:")
        report("app", app, refs, docs, seconds, fell_back)
        report("raw", raw, refs, docs)
        for i in range(min(args.show, len(ids))):
            print(f"    {ids[i]}: app {app[i]!r}\n{'':{len(ids[i]) + 6}}raw {raw[i]!r}")


if __name__ == "__main__":
    main()
