"""Translation quality on Multi30k validation captions: chrF (sacrebleu), app strategy vs a naive prompt.

    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python bench/bench_translate.py --data ../shared/data/multi30k-val [--model ID] [--limit N]

- app: assistant.tasks.translate (language-sample shots, markup protection, line by line).
- naive: "Translate this into French: <text>" (instruct) or "English: <text>\\nFrench:" (base), output as is.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sacrebleu
from common import SHARED_DATA, run

from assistant.backends.factory import local_factory
from assistant.engine import Engine
from assistant.languages import get_language
from assistant.llama_runtime import SamplingParams
from assistant.model_library import ModelLibrary
from assistant.prompting import Prompt, Strategy
from assistant.tasks.translate import translate


def naive(ctx, text: str, target: str) -> str:
    name = get_language(target).name
    params = SamplingParams(max_tokens=ctx.backend.count_tokens(text) * 3 + 16, stop=["\n"])
    if ctx.backend.info.strategy is Strategy.INSTRUCT:
        message = {"role": "user", "content": f"Translate this into {name}:\n\n{text}"}
        prompt = Prompt(Strategy.INSTRUCT, messages=[message], params=params)
    else:
        prompt = Prompt(Strategy.BASE, text=f"English: {text}\n{name}:", params=params)
    return ctx.generate(prompt, stream=False).text.strip()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(SHARED_DATA / "multi30k-val"))
    ap.add_argument("--model", default=None)
    ap.add_argument("--limit", type=int, default=300)
    ap.add_argument("--targets", default="fr,de")
    args = ap.parse_args()
    data = Path(args.data)
    src = data.joinpath("val.en").read_text("utf-8").splitlines()[: args.limit or None]
    engine = Engine()
    entry = ModelLibrary().get(args.model)
    engine.load(local_factory(entry, n_ctx=2048)).wait()
    print(f"{entry.info.name}, Multi30k val, {len(src)} sentences, chrF (sacrebleu {sacrebleu.__version__})")
    for target in args.targets.split(","):
        refs = data.joinpath(f"val.{target}").read_text("utf-8").splitlines()[: len(src)]
        t0 = time.time()
        app = [run(engine, lambda ctx, s=s, t=target: translate(ctx, s, t, "en").text) for s in src]
        t_app = time.time() - t0
        base = [run(engine, lambda ctx, s=s, t=target: naive(ctx, s, t)) for s in src]
        app_score = sacrebleu.corpus_chrf(app, [refs]).score
        naive_score = sacrebleu.corpus_chrf(base, [refs]).score
        print(f"en->{target}: chrF app {app_score:5.1f}   naive {naive_score:5.1f}   "
              f"(app {t_app / len(src):.2f} s a sentence)")
        print(f"  e.g. {src[0]!r} -> {app[0]!r} / naive {base[0]!r}")
    engine.shutdown()


if __name__ == "__main__":
    main()
