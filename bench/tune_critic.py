"""Sets the model-edit critic's threshold (assistant/tasks/correct.py, MIN_GAIN) from one pass per
model over JFLEG dev: every proposal edit that passes the correction filters is kept with its gain
(nats), and thresholds are compared offline: GLEU on the learner sentences, false and unconfirmed
edit rates on dev.ref0, on all sentences and on the odd ones.

    .venv/bin/python bench/tune_critic.py --model smollm2-135m-instruct --dump /tmp/critic-smol.json [--deletion 8]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SHARED_DATA, run
from metrics import change_is_confirmed, gleu, jfleg_tokens

from assistant.tasks import correct
from assistant.text_diff import Edit, apply_edits

THRESHOLDS = (0.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, float("inf"))


class RecordingChecker(correct.GrammarChecker):
    """The app's checker with no critic threshold: each model edit that passes the correction filters
    is kept, its gain (nats) carried in its reason as "gain=…"."""

    def correct_sentence(self, ctx, sentence: str):
        lead = len(sentence) - len(sentence.lstrip())
        edits, gains, rejected = self.proposal_gains(ctx, sentence)
        out = []
        for e, gain in zip(edits, gains or [None] * len(edits), strict=True):
            e = correct.categorize(e).shifted(lead)
            e.reason = f"gain={gain}"
            out.append(e)
        return out, rejected


def dump(model: str, texts: list[str]) -> list[list[dict]]:
    """Each text's edits from every layer, a model edit with its gain, other layers' with None."""
    from assistant.backends.factory import local_factory
    from assistant.engine import Engine
    from assistant.model_library import ModelLibrary

    engine = Engine()
    engine.load(local_factory(ModelLibrary().get(model), n_ctx=2048)).wait()
    checker = RecordingChecker()
    out = []
    for i, text in enumerate(texts):
        edits = run(engine, lambda ctx, t=text: checker.check(ctx, t, "en").edits)
        out.append([{**e.to_dict(), "gain": (None if e.reason == "gain=None" else float(e.reason[5:]))
                     if e.layer == "model" else None, "model": e.layer == "model"} for e in edits])
        if i % 100 == 0:
            print(f"{i}/{len(texts)}", flush=True)
    engine.shutdown()
    return out


def _passes(edit: dict, threshold: float, deletion: float) -> bool:
    """Whether the critic keeps ``edit`` (another layer's always stays)."""
    return not edit["model"] or correct.critic_keeps(
        Edit(**{k: v for k, v in edit.items() if k not in ("gain", "model")}), edit["gain"], threshold, deletion)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(SHARED_DATA / "jfleg-dev"))
    ap.add_argument("--model", default=None)
    ap.add_argument("--dump", required=True)
    ap.add_argument("--deletion", type=float, default=None,
                    help="the threshold for deletions (correct.MIN_GAIN_DELETION); default: the same as the others")
    args = ap.parse_args()
    data = Path(args.data)
    src = [s.strip() for s in data.joinpath("dev.src").read_text("utf-8").splitlines()]
    refs = [data.joinpath(f"dev.ref{i}").read_text("utf-8").splitlines() for i in range(4)]
    correct_ = [s.strip() for s in refs[0]]
    path = Path(args.dump)
    if not path.exists():
        path.write_text(json.dumps({"src": dump(args.model, src), "ref0": dump(args.model, correct_)}), "utf-8")
    found = json.loads(path.read_text("utf-8"))
    print(f"{'threshold':>9} {'set':>5} {'GLEU':>6} {'false':>7} {'unconf.':>8} {'model edits':>12}")
    for threshold in THRESHOLDS:
        deletion = threshold if args.deletion is None else args.deletion
        for name, idx in (("all", range(len(src))), ("odd", range(1, len(src), 2))):
            def fixed(text: str, edits: list[dict], threshold: float = threshold, deletion: float = deletion) -> str:
                kept = [Edit(**{k: v for k, v in e.items() if k not in ("gain", "model")}) for e in edits
                        if _passes(e, threshold, deletion)]
                return jfleg_tokens(apply_edits(text, [e for e in kept if not e.is_flag]))
            out = [fixed(src[i], found["src"][i]) for i in idx]
            fix0 = [fixed(correct_[i], found["ref0"][i]) for i in idx]
            false = [k for k, i in enumerate(idx) if fix0[k].split() != jfleg_tokens(correct_[i]).split()]
            unconf = [k for k in false if not change_is_confirmed(
                jfleg_tokens(correct_[idx[k]]), fix0[k], [jfleg_tokens(refs[j][idx[k]]) for j in (1, 2, 3)])]
            n_model = sum(1 for i in idx for e in found["src"][i] if e["model"]
                          and _passes(e, threshold, deletion))
            g = gleu([jfleg_tokens(src[i]) for i in idx], out, [[jfleg_tokens(r[i]) for r in refs] for i in idx])
            print(f"{threshold:9} {name:>5} {g:6.1f} {100 * len(false) / len(idx):6.1f}% "
                  f"{100 * len(unconf) / len(idx):7.1f}% {n_model:12}")


if __name__ == "__main__":
    main()
