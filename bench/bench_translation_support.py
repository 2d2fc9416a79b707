"""Can the model tell a faithful translation from one with a wrong word? Measured on human translations.

    .venv/bin/python bench/bench_translation_support.py --data ../shared/data/multi30k-val [--pairs 200]
        [--accepted accepted.jsonl]

A cloze's hint and a translation drill's reference are the model's translation of its own sentence, and
Gemma-3-270M writes "I eat some apples" for "un peu d'oeuf". The check measured here asks the model how
much each word of a translation owes to the sentence: its log-probability after "French: <sentence>\n
English:" minus its log-probability after "English:" alone (pointwise mutual information, in nats).

For pairs of Multi30k val (French and German, each with its human English translation) three
translations are scored: the human one; the same with one content word replaced by an English word of
its part of speech and frequency band; and the translation of another sentence. Printed per language and
threshold: the share refused of each, for two rules (lowest word score; whole-sentence score).
``--accepted``: also the lowest word score of each gap item's hint in a file of accepted items
(bench_learning.py --accepted), i.e. of the translations the model itself wrote.

The app does not use this check: on the model's own hints it refused none of 40 accepted French cloze
items (12 of which a French reader would reject for the hint), while refusing 5 % of human translations;
the model that wrote a mistranslation finds it likely. A larger installed model may judge better.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.backends.base import Backend
from assistant.backends.local import LocalBackend
from assistant.languages import Language, get_language
from assistant.learning import lexicon, parts_of_speech
from assistant.model_library import ModelLibrary

_WORD = re.compile(r"\S+")


def word_support(backend: Backend, source: str, source_lang: Language, translation: str,
                 target_lang: Language) -> list[tuple[str, float]] | None:
    """Each word of ``translation`` with its support in nats; None where the backend cannot score."""
    from assistant.llama_runtime import RuntimeError_

    runtime = getattr(backend, "runtime", None)
    words = _WORD.findall(translation)
    if runtime is None or not words:
        return None
    pieces = [runtime.tokenize(" " + w, add_special=False) for w in words]
    tail = [t for p in pieces for t in p]
    with_source = runtime.tokenize(f"{source_lang.name}: {source.strip()}\n{target_lang.name}:", add_special=True)
    alone = runtime.tokenize(f"{target_lang.name}:", add_special=True)
    try:
        scored = runtime.token_logprobs_many([with_source + tail, alone + tail])
    except RuntimeError_:  # a text too long to score is not scored
        return None
    given, prior = scored[0][-len(tail):], scored[1][-len(tail):]
    out, k = [], 0
    for word, piece in zip(words, pieces, strict=True):
        n = len(piece)
        out.append((word, sum(given[k:k + n]) - sum(prior[k:k + n])))
        k += n
    return out


def corrupt(text: str, rng: random.Random) -> str | None:
    """``text`` with one content word replaced by an English word of its part of speech and band."""
    words = text.rstrip(".").split()
    spots = [i for i, w in enumerate(words) if w.isalpha() and w.islower() and len(w) >= 4
             and parts_of_speech.tags(w, "en") & {"NOUN", "ADJ", "VERB"}]
    if not spots:
        return None
    i = rng.choice(spots)
    band = lexicon.level_of(words[i], "en") or "B1"
    tags = parts_of_speech.tags(words[i], "en") & {"NOUN", "ADJ", "VERB"}
    pool = [w for w in lexicon.words_for_level("en", band) if w.isalpha() and w != words[i]]
    rng.shuffle(pool)
    for w in pool[:200]:
        if parts_of_speech.tags(w, "en") & tags:
            words[i] = w
            return " ".join(words) + ("." if text.endswith(".") else "")
    return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/multi30k-val")
    ap.add_argument("--pairs", type=int, default=200)
    ap.add_argument("--model", default="gemma-3-270m")
    ap.add_argument("--accepted", default=None, help="bench_learning.py's accepted items, to score their hints")
    args = ap.parse_args()
    entry = ModelLibrary().get(args.model)
    backend = LocalBackend(entry.path, name=entry.info.name, n_ctx=2048, gpu_layers=entry.gpu_layers)
    english = get_language("en")
    en = Path(args.data, "val.en").read_text("utf-8").splitlines()
    for code in ("fr", "de"):
        lang = get_language(code)
        src = Path(args.data, f"val.{code}").read_text("utf-8").splitlines()
        rng = random.Random(0)
        idx = rng.sample(range(len(src)), args.pairs)
        rows = {"human": [], "one wrong word": [], "another sentence": []}
        for i in idx:
            bad = corrupt(en[i], rng)
            other = en[rng.choice([j for j in idx if j != i])]
            for kind, hyp in (("human", en[i]), ("one wrong word", bad), ("another sentence", other)):
                if hyp is None:
                    continue
                s = word_support(backend, src[i], lang, hyp, english)
                if s is not None:
                    rows[kind].append((min(v for _, v in s), sum(v for _, v in s), hyp))
        print(f"\n{code} -> en, {args.model}, {len(rows['human'])} pairs")
        for rule, col in (("lowest word", 0), ("whole sentence", 1)):
            print(f"  rule: {rule} score below t")
            for t in (-6, -4, -3, -2, -1, 0, 1, 2, 4):
                shares = {k: sum(r[col] < t for r in v) / len(v) for k, v in rows.items() if v}
                print(f"    t={t:>3}: " + "  ".join(f"{k} {100 * s:5.1f} %" for k, s in shares.items()))
    if args.accepted:
        print(f"\nhints of accepted gap items ({args.accepted}): lowest word score, hint")
        for line in Path(args.accepted).read_text("utf-8").splitlines():
            item = json.loads(line)
            if item.get("type") != "cloze":
                continue
            sentence = item["sentence"].replace("___", item["answer"], 1)
            s = word_support(backend, sentence, get_language(item["lang"]), item["hint"], english)
            if s:
                word, score = min(s, key=lambda ws: ws[1])
                print(f"  {score:6.1f} {word!r:14} {sentence} | {item['hint']}")
    backend.close()


if __name__ == "__main__":
    main()
