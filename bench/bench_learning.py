"""Exercise quality against real language data, per bundled model and target language.

    .venv/bin/python bench/bench_learning.py [--models ID,ID] [--targets fr,de,es] [--items 50] [--native en]
                                             [--text ../shared/data/multi30k-val/val.{lang}] [--topics A,B]
                                             [--no-bank] [--let-small-model-write] [--accepted FILE]

For each model and target language, ``--items`` items of every type are generated from 10 topics
(learner: ``--native`` native, English by default; A2), as the Learn pane makes them: on the sentence
bank's sentences where it has the topic ("bank n/m": items built on them; ``--no-bank``: the model writes
every sentence), or with ``--text`` from a document (windows of the file's lines; "text n/m": items built
on the document's own sentences).
A model-written type is refused when the
model cannot write the target or the learner's language (hints and explanations are in the latter),
as the app refuses it: SmolLM2, which writes only English, is refused every such type for a learner
of French, and for an English target with any other native language. Reported per type:
- made / failed (the checks refused MAX_TRIES answers) / refused (the model cannot write the
  language, or the app has no data for the type) / held (a model under small_model_parameters is not let write
  what data could not build: ``--let-small-model-write`` lets it, as the pane's button does; ``--no-bank`` too),
  and seconds per accepted item on this machine
  (the time of failed items included);
- "raw unknown": the share of the model's raw answers (every try, before any check) with a word the
  frequency list does not know at all (wordfreq zipf 0, names aside), i.e. what the app showed before;
  "raw rejected": the share with a word the app's own check rejects (spelling dictionary, else
  frequency list: "bricard" has a zipf of 1.9 but is in no dictionary);
- "accepted unknown": the zipf-0 share among accepted items (goal 0 %);
- conjugation items checked again against the conjugator's full table (goal 100 %).
Then the totals, the answers that were no JSON object (by finish reason: "length" is the token
budget) and the commonest reasons items failed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.backends.factory import local_factory
from assistant.engine import Engine, Job, JobContext, JobState
from assistant.languages import get_language
from assistant.learning import conjugation, lexicon
from assistant.learning.exercises import spec, types, unavailable
from assistant.learning.generation import BANK_SOURCE, TEXT_SOURCE, generate
from assistant.model_languages import refusal
from assistant.model_library import ModelLibrary

TOPICS = ["food and cooking", "travel by train", "the weather", "family", "work and the office",
          "shopping for clothes", "health and the doctor", "school", "sport", "the house and garden"]
TARGET_FIELDS = {"cloze": ["sentence", "answer"], "choice": ["sentence", "options"], "vocab": ["word", "example"],
                 "translate": ["answer"], "error_spot": ["answer"], "inflection": ["answer"]}


def unknown_words(fields: dict, kind: str, lang: str) -> list[str]:
    """An independent check: wordfreq's own tokenizer and list, zipf 0 (never seen), capitalised words aside."""
    from wordfreq import tokenize, zipf_frequency

    found = []
    for name in TARGET_FIELDS[kind]:
        value = fields.get(name)
        texts = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        for text in texts:
            capitalised = {w.casefold() for w in text.replace("___", " ").split()[1:] if w[:1].isupper()}
            for tok in tokenize(text.replace("___", " "), lang):
                if tok.isalpha() and tok not in capitalised and zipf_frequency(tok, lang) == 0:
                    found.append(tok)
    return found


def has_unknown_word(fields: dict, kind: str, lang: str) -> bool:
    return bool(unknown_words(fields, kind, lang))


def app_rejects_a_word(fields: dict, kind: str, lang: str) -> bool:
    """The app's own word check (spelling dictionary, else frequency list) finds a word the language lacks."""
    for name in TARGET_FIELDS[kind]:
        value = fields.get(name)
        for text in value if isinstance(value, list) else [value] if isinstance(value, str) else []:
            if lexicon.unknown_words(text.replace("___", " "), lang):
                return True
    return False


def conjugation_correct(fields: dict, lang: str) -> bool:
    """The drill's answer is in the conjugator's table for its verb, mood and tense."""
    person_tense = fields["form"].split(" · ")[-1]
    tense, mood = person_tense.rsplit(" (", 1)
    mood = mood.rstrip(")")
    table = conjugation.table(lang, fields["lemma"])["moods"][mood]
    forms = {c for e in table[tense.replace(" ", "-")] for c in e["c"]}
    return fields["answer"] in forms


def _one(ctx: JobContext, kind: str, nat, tgt, topic: str, existing: set[str], rng: random.Random,
         bank: bool = True, small_writes: bool = False):
    """The report of one item on ``topic`` as the Learn pane makes it: on the sentence bank's sentences where it
    has the topic (``bank``), else on a sentence the model writes (a very small one only if ``small_writes``)."""
    return generate(ctx, [kind], 1, nat.code, tgt.code, "A2", topic=topic, existing=existing, rng=rng, bank=bank,
                    small_writes=small_writes)


TEXT_WINDOW = 12  # lines of the text handed over as the document for one item


def _from_text(ctx: JobContext, kind: str, nat, tgt, lines: list[str], i: int, existing: set[str],
               rng: random.Random, small_writes: bool = False):
    """The report of one item as the Learn pane makes it from a document: ``lines`` from the ``i``-th window on,
    as paragraphs."""
    start = (i * TEXT_WINDOW) % max(1, len(lines) - TEXT_WINDOW)
    return generate(ctx, [kind], 1, nat.code, tgt.code, "A2", text="\n\n".join(lines[start : start + TEXT_WINDOW]),
                    existing=existing, rng=rng, small_writes=small_writes)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="smollm2-135m-instruct,gemma-3-270m")
    ap.add_argument("--targets", default="fr,de,es")
    ap.add_argument("--items", type=int, default=50, help="items of each type per model and language")
    ap.add_argument("--types", default=",".join(types()))
    ap.add_argument("--native", default="en", help="the learner's own language")
    ap.add_argument("--json", default=None, help="also write the table here")
    ap.add_argument("--text", default=None, help="make the items from a document, as the Learn pane does: a file"
                    " of target-language lines, '{lang}' in the path standing for the target (e.g. Multi30k's"
                    " ../shared/data/multi30k-val/val.{lang}); the report counts the items built on its sentences")
    ap.add_argument("--no-bank", action="store_true", help="on a topic, have the model write every sentence, as"
                    " before the sentence bank (resources/sentence_bank.json); a very small model is let write")
    ap.add_argument("--let-small-model-write", action="store_true", help="let a model under"
                    " small_model_parameters write what data cannot build, as the pane's 'Let … write them' does"
                    " (else those items are counted as held)")
    ap.add_argument("--topics", default=",".join(TOPICS), help="comma-separated topics (default: ten the sentence"
                    " bank has)")
    ap.add_argument("--accepted", default=None, help="also write every accepted item here, one JSON object a line,"
                    " to be read and judged by a person")
    args = ap.parse_args()
    topics = args.topics.split(",")
    small_writes = args.let_small_model_write or args.no_bank
    library = ModelLibrary()
    raw: list[dict] = []
    unparsed: Counter[str] = Counter()  # answers that are no JSON object, by why the model stopped
    real = JobContext.generate

    def spy(self, prompt, stream=True):  # records every raw answer; the model writes it as always
        result = real(self, prompt, stream)
        if not prompt.params.grammar:
            return result  # the app's own translation of a word or of the model's sentence, not an exercise
        try:
            raw.append(json.loads(result.text))
        except json.JSONDecodeError:
            unparsed[result.finish_reason] += 1
        return result

    JobContext.generate = spy
    rows = []
    unknown_items: list[dict] = []  # accepted items with a zipf-0 word, shown at the end to be judged
    accepted_out = open(args.accepted, "w", encoding="utf-8") if args.accepted else None
    reasons: Counter[str] = Counter()
    print(f"{'model':24} {'lang':4} {'type':11} {'made':>4} {'fail':>4} {'refused':>7} {'held':>4} {'s/item':>7} "
          f"{'raw unknown':>11} {'raw rejected':>12} {'acc. unknown':>12} {'conj ok':>7}")
    for model_id in args.models.split(","):
        engine = Engine()
        entry = library.get(model_id)
        engine.load(local_factory(entry, n_ctx=2048)).wait()
        info = engine.backend.info
        for target in args.targets.split(","):
            tgt, nat = get_language(target), get_language(args.native)
            if args.text and not Path(args.text.format(lang=target)).is_file():
                print(f"{entry.info.name[:24]:24} {target:4} no text: {args.text.format(lang=target)}", flush=True)
                continue
            for kind in args.types.split(","):
                stats: dict[str, int] = defaultdict(int)
                by_type: Counter[str] = Counter()
                seconds, raw_start = 0.0, len(raw)
                existing: set[str] = set()
                rng = random.Random(0)
                why = unavailable(kind, target)
                if why is None and not spec()["types"][kind].get("built_by"):
                    why = refusal(info, target) or refusal(info, args.native)
                lines = Path(args.text.format(lang=target)).read_text("utf-8").splitlines() if args.text else []
                for i in range(args.items):
                    if why:
                        stats["refused"] += 1  # not asked: no data for the type, or a model that cannot write it
                        continue
                    t0 = time.perf_counter()
                    if lines:
                        job = partial(_from_text, kind=kind, nat=nat, tgt=tgt, lines=lines, i=i, existing=existing,
                                      rng=rng, small_writes=small_writes)
                    else:
                        job = partial(_one, kind=kind, nat=nat, tgt=tgt, topic=topics[i % len(topics)],
                                      existing=existing, rng=rng, bank=not args.no_bank, small_writes=small_writes)
                    h = engine.submit(Job("bench", job))
                    h.wait()
                    seconds += time.perf_counter() - t0
                    if h.state == JobState.DONE and h.result.held_back:
                        stats["held"] += 1  # a very small model, not let write what data could not build
                        continue
                    if h.state != JobState.DONE or not h.result.made:
                        stats["failed"] += 1
                        error = h.error if h.state != JobState.DONE else h.result.failed[0]
                        # "... in 3 tries (the sentence has words that are not French: “x”)" -> its kind
                        reason = re.sub(r"[:“].*", "", (error or "").split("(", 1)[-1]).strip(" )")
                        reasons[reason] += 1
                        by_type[reason] += 1
                        continue
                    ex = h.result.made[0]
                    existing.add(ex.key())
                    stats["made"] += 1
                    stats["on_text"] += ex.source == TEXT_SOURCE
                    stats["on_bank"] += ex.source == BANK_SOURCE
                    if accepted_out:
                        accepted_out.write(json.dumps({"model": entry.info.name, "lang": target, "type": kind,
                                                       "topic": ex.topic, "built_on": ex.source, **ex.fields},
                                                      ensure_ascii=False) + "\n")
                        accepted_out.flush()
                    unknown = unknown_words(ex.fields, kind, target)
                    stats["unknown"] += bool(unknown)
                    if unknown:
                        unknown_items.append({"type": kind, "lang": target, "words": unknown, "fields": ex.fields})
                    if kind == "inflection":
                        stats["conj_ok"] += conjugation_correct(ex.fields, target)
                answers = raw[raw_start:]
                raw_unknown = sum(has_unknown_word(a, kind, target) for a in answers)
                raw_rejected = sum(app_rejects_a_word(a, kind, target) for a in answers)
                row = {"model": entry.info.name, "lang": target, "type": kind, **stats,
                       "seconds_per_item": seconds / stats["made"] if stats["made"] else None,
                       "raw_answers": len(answers), "raw_unknown": raw_unknown, "raw_rejected": raw_rejected,
                       "why_failed": dict(by_type.most_common())}
                rows.append(row)
                made = stats["made"]
                per_item = f"{seconds / made:.1f}" if made else "-"
                raw_share = f"{raw_unknown}/{len(answers)}" if answers else "-"
                rejected = f"{raw_rejected}/{len(answers)}" if answers else "-"
                accepted = f"{stats['unknown']}/{made}" if made else "-"
                conj = f"{stats['conj_ok']}/{made}" if kind == "inflection" and made else \
                    f"text {stats['on_text']}/{made}" if lines and made else \
                    f"bank {stats['on_bank']}/{made}" if made and not args.no_bank else ""
                print(f"{entry.info.name[:24]:24} {target:4} {kind:11} {made:4} {stats['failed']:4} "
                      f"{stats['refused']:7} {stats['held']:4} {per_item:>7} {raw_share:>11} {rejected:>12} "
                      f"{accepted:>12} {conj:>7}",
                      flush=True)
        engine.shutdown()
    if accepted_out:
        accepted_out.close()
    made = sum(r.get("made", 0) for r in rows)
    unknown = sum(r.get("unknown", 0) for r in rows)
    raw_total = sum(r["raw_answers"] for r in rows)
    raw_unknown = sum(r["raw_unknown"] for r in rows)
    raw_rejected = sum(r["raw_rejected"] for r in rows)
    print(f"\naccepted items with an unknown word: {unknown}/{made}"
          f" ({100 * unknown / made if made else 0:.1f} %); raw answers with one: {raw_unknown}/{raw_total}"
          f" ({100 * raw_unknown / raw_total if raw_total else 0:.1f} %); raw answers the app's word check"
          f" rejects: {raw_rejected}/{raw_total} ({100 * raw_rejected / raw_total if raw_total else 0:.1f} %)")
    print(f"answers that were no JSON object: {sum(unparsed.values())}"
          + "".join(f"; {n} ended by {why}" for why, n in unparsed.most_common()))
    for item in unknown_items:
        print(f"accepted with a word wordfreq never saw ({item['lang']} {item['type']}, {', '.join(item['words'])}):"
              f" {json.dumps(item['fields'], ensure_ascii=False)}")
    print("why items failed (the last try's reason):")
    for reason, n in reasons.most_common(8):
        print(f"  {n:4}  {reason}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1), "utf-8")


if __name__ == "__main__":
    main()
