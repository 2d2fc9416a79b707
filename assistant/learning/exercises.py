"""Exercise types (data in resources/exercises.json), grammar-constrained generation and validation.

Every item the model writes is constrained to the type's JSON shape by a llama.cpp grammar,
then checked: fields present, the answer among the options, the gap's answer not given
away in the sentence, no duplicate of an item already in the bank, the target language as
asked. A failed item is generated again, a bounded number of times.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import cache

from assistant.engine import JobContext
from assistant.faithfulness.leaks import leaked
from assistant.languages import Language, detect_language, get_language
from assistant.paths import resource
from assistant.prompting import build_prompt

MAX_TRIES = 3


class ExerciseError(ValueError):
    """An exercise could not be made or is malformed; the message is meant for the learner."""


@cache
def spec() -> dict:
    return json.loads(resource("exercises.json").read_text("utf-8"))


def types() -> dict[str, str]:
    return {k: v["label"] for k, v in spec()["types"].items()}


def levels() -> list[str]:
    return list(spec()["levels"])


@dataclass
class Exercise:
    type: str
    fields: dict
    topic: str = ""
    source: str = "topic"  # topic, document, collected

    @property
    def answer(self) -> str:
        f = self.fields
        return str(f.get("answer") or f.get("translation") or "")

    def question(self) -> str:
        """What the learner is shown."""
        f = self.fields
        return {
            "cloze": lambda: f"{f['sentence']}" + (f"  ({f['hint']})" if f.get("hint") else ""),
            "vocab": lambda: f"{f['word']}" + (f"  — {f['example']}" if f.get("example") else ""),
            "translate": lambda: f["source"],
            "choice": lambda: f["sentence"],
            "error_spot": lambda: f["sentence"],
            "inflection": lambda: f"{f['lemma']} — {f['form']}",
        }[self.type]()

    def instruction(self) -> str:
        return {
            "cloze": "Fill the gap.", "vocab": "Translate the word.", "translate": "Translate the sentence.",
            "choice": "Choose the right option.", "error_spot": "Write the sentence without its mistake.",
            "inflection": "Give the form asked for.",
        }[self.type]

    def key(self) -> str:
        """What makes two items the same exercise (for the no-duplicates rule)."""
        main = self.fields.get("sentence") or self.fields.get("word") or self.fields.get("source") or ""
        return f"{self.type}:{_fold(str(main))}:{_fold(self.answer)}"

    def to_dict(self) -> dict:
        return asdict(self)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def json_schema(kind: str) -> dict:
    props, required = {}, []
    for name, limit in spec()["types"][kind]["fields"].items():
        if isinstance(limit, list):
            length, count = limit
            props[name] = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": length},
                           "minItems": count, "maxItems": count}
        else:
            props[name] = {"type": "string", "minLength": 1, "maxLength": limit}
        required.append(name)
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


GAP_FIELD = "sentence"  # in cloze and choice items it carries exactly one ___
GAP_SIDE = 120  # characters the grammar allows on each side of the gap


@cache
def grammar(kind: str) -> str:
    from llama_cpp.llama_grammar import json_schema_to_gbnf  # pure Python: JSON schema -> GBNF

    gbnf = json_schema_to_gbnf(json.dumps(json_schema(kind)))
    if kind in ("cloze", "choice"):
        # The gap is part of the grammar: text, one ___, text; no other underscores, quotes or newlines.
        gbnf = re.sub(r"^sentence-kv ::= .*$",
                      'sentence-kv ::= "\\"sentence\\"" space ":" space "\\"" '
                      f'gapch{{1,{GAP_SIDE}}} "___" gapch{{0,{GAP_SIDE}}} '
                      '"\\"" space', gbnf, flags=re.MULTILINE)
        gbnf += '\ngapch ::= [^_"\\\\\\n]\n'
    return gbnf


def _check_language(text: str, lang: Language, what: str) -> None:
    found = detect_language(text.replace("___", " "))
    if found.code and found.code != lang.code and found.confidence >= 0.5:
        raise ExerciseError(f"the {what} is in {get_language(found.code).name}, not {lang.name}")


IMPORTED_FIELD_LIMIT = 2000  # characters: a deck written by hand or by Anki may be wordier than the model's


def check_shape(kind: object, fields: object, imported: bool = False) -> None:
    """Raise ExerciseError unless ``fields`` has exactly the shape its type needs to be shown and graded.

    Everything that reads an exercise (the Learn pane, exports, grading) relies on this, so every
    way into the bank (generation, deck import, rows read back) goes through it. An imported deck
    may leave the type's optional fields empty and be longer than the model is allowed to write.
    """
    if not isinstance(kind, str) or kind not in spec()["types"]:
        raise ExerciseError(f"unknown exercise type {kind!r}; choose one of: {', '.join(types())}")
    if not isinstance(fields, dict):
        raise ExerciseError("the fields are not a JSON object")
    t = spec()["types"][kind]
    optional = set(t.get("optional", [])) if imported else set()
    unknown = set(fields) - set(t["fields"])
    if unknown:
        raise ExerciseError(f"unexpected field {sorted(unknown)[0]!r} for a {t['label'].lower()} exercise")
    for name, limit in t["fields"].items():
        value = fields.get(name)
        if isinstance(limit, list):
            length, count = limit
            if not isinstance(value, list) or len(value) != count:
                raise ExerciseError(f"{name} needs {count} entries")
            if not all(isinstance(v, str) and v.strip() for v in value):
                raise ExerciseError(f"{name} has an empty entry")
            too_long = max(len(v) for v in value) > (IMPORTED_FIELD_LIMIT if imported else length)
        else:
            if value is None and name in optional:
                continue
            if not isinstance(value, str):
                raise ExerciseError(f"{name} is missing")
            if not value.strip() and name not in optional:
                raise ExerciseError(f"{name} is missing")
            too_long = len(value) > (IMPORTED_FIELD_LIMIT if imported else max(limit, 1) * 4)
        if too_long:
            raise ExerciseError(f"{name} is too long")
    if kind in ("cloze", "choice") and fields["sentence"].count("___") != 1:
        raise ExerciseError("the sentence needs exactly one gap (___)")
    if kind == "choice" and _fold(fields["answer"]) not in [_fold(o) for o in fields["options"]]:
        raise ExerciseError("the answer is not among the options")


def validate(ex: Exercise, target: Language, existing: set[str] | None = None,
             native: Language | None = None) -> None:
    """Raise ExerciseError naming the first problem."""
    f = ex.fields
    check_shape(ex.type, f)
    if ex.type in ("cloze", "choice"):
        if _fold(f["answer"]) and re.search(rf"\b{re.escape(_fold(f['answer']))}\b", _fold(f["sentence"])):
            raise ExerciseError("the sentence gives the answer away")
    if ex.type == "cloze" and _fold(f["answer"]) and _fold(f["answer"]) in _fold(f.get("hint", "")):
        raise ExerciseError("the hint gives the answer away")
    if ex.type == "choice":
        opts = [_fold(o) for o in f["options"]]
        if len(set(opts)) != len(opts):
            raise ExerciseError("two options are the same")
        if _fold(f["answer"]) not in opts:
            raise ExerciseError("the answer is not among the options")
    if ex.type == "error_spot" and _fold(f["sentence"]) == _fold(f["answer"]):
        raise ExerciseError("the 'wrong' sentence has no mistake")
    if ex.type == "vocab" and _fold(f["word"]) == _fold(f["translation"]):
        raise ExerciseError("the translation repeats the word")
    if ex.type == "translate" and _fold(f["source"]) == _fold(f["answer"]):
        raise ExerciseError("the translation repeats the sentence")
    in_target = {"cloze": "sentence", "choice": "sentence", "error_spot": "answer", "translate": "answer",
                 "vocab": "example"}.get(ex.type)
    if in_target:
        _check_language(f[in_target], target, in_target)
    in_native = {"translate": "source"}.get(ex.type)
    if in_native and native is not None:
        _check_language(f[in_native], native, in_native)
    if existing is not None and ex.key() in existing:
        raise ExerciseError("the bank already has this exercise")


def _gap_word(sentence: str) -> str | None:
    words = [w for w in re.findall(r"[^\W\d_]+", sentence) if len(w) > 3]
    return max(words, key=len) if words else None


def example(kind: str, native: Language, target: Language) -> tuple[str, dict]:
    """The worked example for the prompt, in the learner's own languages where the samples allow.

    A base model copies its example's language; an example in French made it write French
    exercises for learners of German. The samples in resources/languages.json are the same
    sentences in every language, so translation, gap and choice examples can be built from them.
    """
    t = spec()["types"][kind]
    request = t["instruction"].format(native=native.name, target=target.name, level="A2", topic="daily life")
    s_nat, s_tgt = native.samples, target.samples
    gap = _gap_word(s_tgt[1]) if " " in s_tgt[1] else None
    if kind == "translate":
        return request, {"source": s_nat[0], "answer": s_tgt[0]}
    if kind in ("cloze", "choice") and gap:
        sentence = s_tgt[1].replace(gap, "___", 1)
        if kind == "cloze":
            return request, {"sentence": sentence, "answer": gap, "hint": s_nat[1]}
        others = [w for w in re.findall(r"[^\W\d_]+", s_tgt[0] + " " + s_tgt[1]) if w != gap and len(w) > 2]
        if len(set(others)) >= 3:
            options = [gap, *list(dict.fromkeys(others))[:3]]
            return request, {"sentence": sentence, "options": options, "answer": gap}
    if kind == "error_spot" and " " in s_tgt[0]:
        words = s_tgt[0].split()
        wrong = " ".join([words[1], words[0], *words[2:]])
        return request, {"sentence": wrong, "answer": s_tgt[0], "explanation": "word order"}
    return t["instruction"].format(native="English", target="French", level="A2", topic="daily life"), t["example"]


def generate_one(ctx: JobContext, kind: str, native: Language, target: Language, level: str, topic: str,
                 existing: set[str], source: str = "topic") -> Exercise:
    """One valid exercise, or ExerciseError after MAX_TRIES attempts (the last problem named)."""
    t = spec()["types"].get(kind)
    if t is None:
        raise ExerciseError(f"unknown exercise type {kind!r}; choose one of: {', '.join(types())}")
    if "languages" in t and target.code not in t["languages"]:
        raise ExerciseError(f"{t['label']} exercises are not offered for {target.name}")
    problem = ""
    avoid: list[str] = []
    for _attempt in range(MAX_TRIES):
        ctx.check()
        note = f" Do not repeat: {'; '.join(avoid[-3:])}." if avoid else ""
        request, shown = example(kind, native, target)
        prompt = build_prompt(
            "exercise", ctx.backend.info.strategy, {"grammar": grammar(kind)},
            native=native.name, target=target.name, instruction=t["instruction"].format(
                native=native.name, target=target.name, level=level, topic=topic),
            avoid=note, example_request=request, example_json=json.dumps(shown, ensure_ascii=False))
        raw = ctx.generate(prompt, stream=False).text.strip()
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            problem = "the model's answer was cut off"
            continue
        ex = Exercise(kind, {k: (v.strip() if isinstance(v, str) else [x.strip() for x in v])
                             for k, v in data.items()}, topic, source)
        if kind == "choice":
            _repair_options(ex)
        try:
            validate(ex, target, existing, native)
            if _fold(json.dumps(ex.fields)) == _fold(json.dumps(shown)) or \
                    leaked(_prose(ex.fields), [_prose(shown)], target.code) is not None:
                raise ExerciseError("the model copied its example")
        except ExerciseError as exc:
            problem = str(exc)
            avoid.append(str(ex.fields.get("sentence") or ex.fields.get("word") or ex.fields.get("source") or ""))
            continue
        return ex
    raise ExerciseError(f"the model could not write a valid {t['label'].lower()} exercise in {MAX_TRIES} tries "
                        f"({problem})")


def _prose(fields: dict) -> str:
    """An exercise's texts, one a line, as the example-leak check reads them."""
    return "\n".join(v if isinstance(v, str) else " ".join(v) for v in fields.values())


def _repair_options(ex: Exercise) -> None:
    """Small models often write four distractors and leave the right answer out of them: put it in
    the last place (keeping the options distinct) instead of throwing the item away."""
    opts, answer = ex.fields.get("options"), ex.fields.get("answer", "")
    if not isinstance(opts, list) or not answer or _fold(answer) in [_fold(o) for o in opts]:
        return
    if len({_fold(o) for o in opts}) == len(opts):
        ex.fields["options"] = [*opts[:-1], answer]


@dataclass
class GenerationReport:
    made: list[Exercise] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def topics_from_text(text: str, limit: int = 6) -> list[str]:
    """Topics for exercises from the writer's own document: its paragraphs' first sentences, shortened."""
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) > 20]
    out = []
    for p in paras[:limit]:
        first = re.split(r"(?<=[.!?])\s", p, maxsplit=1)[0]
        out.append(first[:160])
    return out or ([text.strip()[:160]] if text.strip() else [])


def generate(ctx: JobContext, kinds: list[str], count: int, native: str, target: str, level: str,
             topic: str = "", text: str = "", existing: set[str] | None = None) -> GenerationReport:
    """``count`` items cycling through ``kinds``, on a topic or from a document's text."""
    nat, tgt = get_language(native), get_language(target)
    if nat.code == tgt.code:
        raise ExerciseError("the native and target languages are the same")
    if level not in levels():
        raise ExerciseError(f"unknown level {level!r}; choose one of: {', '.join(levels())}")
    topics = topics_from_text(text) if text.strip() else [topic.strip()]
    if not topics or not topics[0]:
        raise ExerciseError("give a topic, or some text to make exercises from")
    seen = set(existing or ())
    report = GenerationReport()
    for i in range(count):
        ctx.progress(i, count, f"exercise {i + 1} of {count}")
        kind = kinds[i % len(kinds)]
        try:
            ex = generate_one(ctx, kind, nat, tgt, level, topics[i % len(topics)], seen,
                              "document" if text.strip() else "topic")
        except ExerciseError as exc:
            report.failed.append(str(exc))
            continue
        seen.add(ex.key())
        report.made.append(ex)
    ctx.progress(count, count, "done")
    return report
