"""Sets the confusion layer's margins (grammar.json, "confusions"/"margins") from the model's own
scores on JFLEG dev: each candidate's gain is computed once per model, then margins are searched
offline, on the even-numbered sentences, for GLEU less half the false-edit rate on dev.ref0; the
result is reported on all sentences, and on the odd ones the search never saw.

    .venv/bin/python bench/tune_confusions.py --model smollm2-135m-instruct --gains /tmp/g-smol.json
    .venv/bin/python bench/tune_confusions.py --gains /tmp/g-smol.json --gains /tmp/g-gemma.json   # search

With one --gains file per model the search maximises the worse of the models' objectives: the
margins are one table for every model. A --gains file that does not exist is made first (minutes:
the rules, the judge and one scoring pass per sentence; the model is needed only then).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SHARED_DATA, run
from metrics import change_is_confirmed, gleu, jfleg_tokens

from assistant.checking import confusions
from assistant.checking.checker import LayeredChecker
from assistant.checking.data import grammar_data
from assistant.checking.judge import judge
from assistant.tasks.correct import chosen_confusions, confusion_gains
from assistant.text_diff import Edit, apply_edits
from assistant.text_units import sentences

GRID = {"article": [5, 6, 7, 8, 9, 10], "number": [3, 4, 5, 6, 7, 8], "verb form": [4, 5, 6, 7, 8, 9],
        "preposition": [5, 6, 7, 8, 9, 10], "missing article": [2, 3, 4, 5, 6, 7]}


def score_all(model: str, texts: list[str]) -> list[list[dict]]:
    """For each text, per sentence: the judged layer's edits and each confusion candidate with its gain."""
    from assistant.backends.factory import local_factory
    from assistant.engine import Engine
    from assistant.model_library import ModelLibrary

    engine = Engine()
    engine.load(local_factory(ModelLibrary().get(model), n_ctx=2048)).wait()
    layers = LayeredChecker()

    def one(ctx, text: str) -> list[dict]:
        found = layers.check(text, "en")
        out = []
        for s in sentences(text):
            sentence = text[s.start : s.end]
            layer = [e.shifted(-s.start) for e in found.edits if s.start <= e.start and e.end <= s.end]
            if layer:
                layer = judge(sentence, layer, ctx.backend.logprobs, ctx.check)
            cands, gains = confusion_gains(ctx.backend, sentence, layer)
            out.append({"start": s.start, "end": s.end, "layer": [e.to_dict() for e in layer],
                        "candidates": [[c.start, c.end, c.original, c.replacement, c.kind] for c in cands],
                        "gains": gains})
        return out

    results = []
    for i, text in enumerate(texts):
        results.append(run(engine, lambda ctx, t=text: one(ctx, t)))
        if i % 100 == 0:
            print(f"{i}/{len(texts)}", flush=True)
    engine.shutdown()
    return results


def corrected(text: str, scored: list[dict], margins: dict[str, float]) -> str:
    """``text`` with the layer's edits and the candidates ``margins`` keep, as the app would make it."""
    edits = []
    for s in scored:
        layer = [Edit(**e) for e in s["layer"]]
        cands = [confusions.Candidate(*c) for c in s["candidates"]]
        chosen = chosen_confusions(text[s["start"] : s["end"]], layer, cands, s["gains"], margins) \
            if cands and s["gains"] is not None else []
        edits += [e.shifted(s["start"]) for e in layer + chosen if not e.is_flag]
    return apply_edits(text, edits)


def evaluate(src, refs, correct, others, scored_src, scored_ref0, margins, idx) -> tuple[float, float, float]:
    """GLEU on the learner sentences, false and unconfirmed edit rates (%) on dev.ref0, over ``idx``."""
    out = [jfleg_tokens(corrected(src[i].strip(), scored_src[i], margins)) for i in idx]
    fixed = [jfleg_tokens(corrected(correct[i].strip(), scored_ref0[i], margins)) for i in idx]
    false = [k for k, i in enumerate(idx) if fixed[k].split() != jfleg_tokens(correct[i]).split()]
    unconfirmed = [k for k in false if not change_is_confirmed(jfleg_tokens(correct[idx[k]]), fixed[k],
                                                              [jfleg_tokens(o) for o in others[idx[k]]])]
    g = gleu([jfleg_tokens(src[i]) for i in idx], out, [[jfleg_tokens(r) for r in refs[i]] for i in idx])
    return g, 100 * len(false) / len(idx), 100 * len(unconfirmed) / len(idx)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(SHARED_DATA / "jfleg-dev"))
    ap.add_argument("--model", default=None, help="make the --gains file with this model")
    ap.add_argument("--gains", action="append", required=True)
    args = ap.parse_args()
    data = Path(args.data)
    src = data.joinpath("dev.src").read_text("utf-8").splitlines()
    all_refs = [data.joinpath(f"dev.ref{i}").read_text("utf-8").splitlines() for i in range(4)]
    refs = [list(r) for r in zip(*all_refs, strict=True)]
    correct = all_refs[0]
    others = [[all_refs[k][i] for k in (1, 2, 3)] for i in range(len(src))]
    runs = []
    for path in map(Path, args.gains):
        if not path.exists():
            if not args.model:
                raise SystemExit(f"{path} does not exist: give --model to make it")
            scored = {"src": score_all(args.model, [s.strip() for s in src]),
                      "ref0": score_all(args.model, [s.strip() for s in correct])}
            path.write_text(json.dumps(scored), "utf-8")
        runs.append(json.loads(path.read_text("utf-8")))
    even, odd, every = list(range(0, len(src), 2)), list(range(1, len(src), 2)), list(range(len(src)))

    def objective(margins: dict[str, float], idx: list[int]) -> float:
        return min(g - f / 2 for g, f, _ in (evaluate(src, refs, correct, others, r["src"], r["ref0"], margins, idx)
                                              for r in runs))

    current = dict(grammar_data()["confusions"]["margins"])
    best = objective(current, even)
    print(f"current {current}: objective on even sentences {best:.2f}", flush=True)
    for _round, kind in itertools.product(range(2), GRID):  # coordinate search, twice over
        for value in GRID[kind]:
            trial = {**current, kind: float(value)}
            score = objective(trial, even)
            if score > best + 1e-9:
                best, current = score, trial
        print(f"{kind}: {current[kind]} (objective {best:.2f})", flush=True)
    print(f"margins: {json.dumps(current)}")
    for path, r in zip(args.gains, runs, strict=True):
        for name, idx in (("all", every), ("odd (unseen)", odd)):
            g, f, u = evaluate(src, refs, correct, others, r["src"], r["ref0"], current, idx)
            g0, f0, u0 = evaluate(src, refs, correct, others, r["src"], r["ref0"],
                                  grammar_data()["confusions"]["margins"], idx)
            print(f"{path} {name:13} tuned GLEU {g:.1f} false {f:.1f}% unconfirmed {u:.1f}%   "
                  f"current GLEU {g0:.1f} false {f0:.1f}% unconfirmed {u0:.1f}%")


if __name__ == "__main__":
    main()
