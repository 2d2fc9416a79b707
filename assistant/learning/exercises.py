"""Exercise types (data in resources/exercises.json), grammar-constrained generation and validation.

Where language data can make an item, the model does not: conjugation drills come from the
conjugator (conjugation.py) and a vocabulary card's word from the learner's frequency band
(lexicon.py). Everything the model writes is constrained to the type's JSON shape by a llama.cpp
grammar, then checked against real language data: every word of a target-language sentence is a
word of that language (or a name) and, but for one, within two levels of the learner's frequency
band, the language is the one asked for, the gap is a whole word and its answer a real word that
fits there better than other words of its band, every option of a multiple choice is a real word
of the answer's frequency band and part of speech (parts_of_speech.py; a distractor the model got
wrong is replaced by such a word from the frequency list) and the answer the one that fits best,
no duplicate of an item already in the bank. A failed item is generated again, a bounded number of
times. A model that cannot write the target language is not asked (model_languages.py).
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import cache

from assistant.engine import JobContext
from assistant.faithfulness.leaks import leaked
from assistant.languages import Language, detect_language, get_language
from assistant.learning import conjugation, lexicon, parts_of_speech
from assistant.model_languages import refusal
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


def unavailable(kind: str, target: str) -> str | None:
    """Why a type cannot be offered for a target language (the pane hides it and says why); None if it can."""
    t = spec()["types"][kind]
    name = get_language(target).name
    if t.get("built_by") == "conjugator":
        if not conjugation.has_conjugator(target):
            return f"{t['label']} drills need a conjugator; the app has none for {name}"
        return None
    if not lexicon.can_check(target):
        return f"the app has no word list to check {name} sentences against"
    if t.get("needs_parts_of_speech") and not parts_of_speech.can_tag(target):
        return f"{t['label']} needs to know each word's part of speech; the app has no such data for {name}"
    return None


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

    def alternatives(self) -> tuple[str, ...]:
        """Other answers graded as right: a conjugated form without its pronoun ("allons" for "nous allons")."""
        if self.type != "inflection":
            return ()
        person = str(self.fields.get("form", "")).split(" · ")[0].strip()
        words = self.answer.split()
        if person and person in words[:-1]:
            return (" ".join(words[words.index(person) + 1 :]),)
        return ()

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
        f = self.fields
        main = f.get("sentence") or f.get("word") or f.get("source") or f.get("lemma") or ""
        return f"{self.type}:{_fold(str(main))}:{_fold(self.answer)}"

    def to_dict(self) -> dict:
        return asdict(self)


def _in_sentence(word: str, sentence: str) -> bool:
    """``word`` stands in ``sentence`` as a whole word, case and accents' composition aside."""
    return re.search(rf"\b{re.escape(_fold(word))}\b", _fold(sentence)) is not None


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def json_schema(kind: str, fixed: tuple[tuple[str, str], ...] = ()) -> dict:
    """The type's JSON shape; ``fixed`` fields have the one value given (a vocabulary card's word)."""
    props, required = {}, []
    pinned = dict(fixed)
    for name, limit in spec()["types"][kind]["fields"].items():
        if name in pinned:
            props[name] = {"type": "string", "enum": [pinned[name]]}
        elif isinstance(limit, list):
            length, count = limit
            props[name] = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": length},
                           "minItems": count, "maxItems": count}
        else:
            props[name] = {"type": "string", "minLength": 1, "maxLength": limit}
        required.append(name)
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


GAP_FIELD = "sentence"  # in cloze and choice items it carries exactly one ___
GAP_SIDE = 120  # characters the grammar allows on each side of the gap
MAX_GAP_WORDS = 3  # a gap holds a word or a short unit ("sommes allés", "a lot of"), not a clause


CHAR_RULE = r'char ::= [^"\\\x00-\x1F\x7F] | "\\\""'  # any character but a quote, backslash or control; or \"
GAP_CHAR_RULE = r'gapch ::= [^_"\\\x00-\x1F\x7F]'  # the same, less the underscore (one ___ only) and escapes
# What may stand right before and after the gap: a space, an elision's apostrophe, an opening or closing
# mark; never a letter or digit.
GAP_BOUNDARY_RULES = "gapbefore ::= [ '’«¿¡(/-]\ngapafter ::= [ .,;:!?'’»)…/-]"
WORD_CHAR_RULE = r'wordch ::= [^ _"\\\x00-\x1F\x7F]'  # a character of a word (no space)


def _filler(limit: int) -> str:
    """What fills a gap: up to MAX_GAP_WORDS words of at most ``limit`` characters, one space apart. (The
    whole may be longer than ``limit``; a grammar cannot share a length among words cheaply, and the shape
    check refuses such an answer.)"""
    return f'"\\"" wordch{{1,{limit}}} (" " wordch{{1,{limit}}}){{0,{MAX_GAP_WORDS - 1}}} "\\"" space'


@cache
def grammar(kind: str, fixed: tuple[tuple[str, str], ...] = ()) -> str:
    from llama_cpp.llama_grammar import json_schema_to_gbnf  # pure Python: JSON schema -> GBNF

    gbnf = json_schema_to_gbnf(json.dumps(json_schema(kind, fixed)))
    # llama-cpp-python's string character is [^"\\]: it lets the model write a raw newline or tab,
    # which no JSON parser accepts, and two newlines meet the prompt's stop string mid-object. These
    # were the commonest failure ("cut off"). A field is one line of text: no control characters and
    # no escapes but a quote.
    gbnf = re.sub(r"^char ::= .*$", lambda _: CHAR_RULE, gbnf, flags=re.MULTILINE)
    if kind in ("cloze", "choice"):
        # The gap is part of the grammar: text, one ___ standing between word boundaries, text; no other
        # underscores, quotes or line breaks. A gap inside a word ("la naï___") cannot be written.
        gbnf = re.sub(r"^sentence-kv ::= .*$",
                      'sentence-kv ::= "\\"sentence\\"" space ":" space "\\"" '
                      f'(gapch{{0,{GAP_SIDE - 1}}} gapbefore)? "___" (gapafter gapch{{0,{GAP_SIDE - 1}}})? '
                      '"\\"" space', gbnf, flags=re.MULTILINE)
        limits = spec()["types"][kind]["fields"]
        for rule, limit in (("answer", limits["answer"]), ("options-item", (limits.get("options") or [0])[0])):
            gbnf = re.sub(rf"^{rule} ::= .*$", lambda _, r=rule, n=limit: f"{r} ::= {_filler(n)}", gbnf,
                          flags=re.MULTILINE)
        gbnf += f"\n{GAP_CHAR_RULE}\n{GAP_BOUNDARY_RULES}\n{WORD_CHAR_RULE}\n"
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
             native: Language | None = None, level: str | None = None) -> None:
    """Raise ExerciseError naming the first problem (``level``: also check the words are within reach)."""
    f = ex.fields
    check_shape(ex.type, f)
    if ex.type in ("cloze", "choice"):
        if _fold(f["answer"]) and _in_sentence(f["answer"], f["sentence"]):
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
    if ex.type in ("cloze", "choice") and re.search(r"\w___|___\w", f["sentence"]):
        raise ExerciseError("the gap is inside a word")
    in_target = TARGET_TEXT.get(ex.type)
    if in_target:
        _check_language(f[in_target], target, in_target)
        _check_words(f[in_target], target, in_target)
    words = {"cloze": [f.get("answer")], "choice": f.get("options"), "vocab": [f.get("word")]}.get(ex.type) or []
    for w in words:
        if ex.type != "vocab" and len(w.split()) > MAX_GAP_WORDS:
            raise ExerciseError(f"the answer “{w}” is a phrase, not a word for the gap")
        if lexicon.can_check(target.code) and not lexicon.is_real_word(w, target.code):
            raise ExerciseError(f"“{w}” is not a {target.name} word")
    if ex.type == "choice" and lexicon.can_check(target.code):
        _check_distractor_bands(f["options"], f["answer"], target)
    if ex.type == "choice" and parts_of_speech.can_tag(target.code):
        _check_distractor_parts_of_speech(f["options"], f["answer"], target)
    in_native = {"translate": "source", "vocab": "translation"}.get(ex.type)
    if in_native and native is not None:
        if ex.type == "translate":
            _check_language(f[in_native], native, in_native)
        _check_words(f[in_native], native, in_native)
    if level is not None:
        _check_level(ex, target, level)
    if existing is not None and ex.key() in existing:
        raise ExerciseError("the bank already has this exercise")


BAND_SPREAD = 1  # levels a distractor's frequency band may lie from the answer's


def _check_distractor_bands(options: list[str], answer: str, target: Language) -> None:
    """Every distractor from the answer's frequency band or the next one either side: a rare word among
    common ones is guessed away without knowing the answer, and a learner should not meet it here."""
    order = list(lexicon.data()["vocabulary_ranks"])

    def rank(word: str) -> int:
        found = lexicon.reach_level(word, target.code)
        return order.index(found) if found else len(order)

    if len(answer.split()) > 1:
        return  # a multiword answer has no one band
    at = rank(answer)
    if at == len(order):
        return  # beyond the list (a rare form): nothing to compare with
    for o in options:
        if _fold(o) != _fold(answer) and len(o.split()) == 1 and abs(rank(o) - at) > BAND_SPREAD:
            where = order[rank(o)] if rank(o) < len(order) else "beyond C2"
            raise ExerciseError(f"the option “{o}” ({where}) is not from the answer's frequency band ({order[at]})")


def _check_distractor_parts_of_speech(options: list[str], answer: str, target: Language) -> None:
    """Every distractor can be the same part of speech as the answer: a noun among verbs is picked
    without knowing what it means. Out of context a word may be several ("le": article or pronoun),
    a multiword unit has its words' together; sharing one is enough."""
    wanted = parts_of_speech.tags(answer, target.code)
    if not wanted:
        raise ExerciseError(f"the app cannot tell what kind of word the answer “{answer}” is")
    for o in options:
        if _fold(o) == _fold(answer):
            continue
        found = parts_of_speech.tags(o, target.code)
        if not found & wanted:
            kind = parts_of_speech.names(found) if found else "a word of unknown kind"
            raise ExerciseError(f"the option “{o}” is {kind}, not {parts_of_speech.names(wanted)} "
                                f"like the answer “{answer}”")


def _check_words(text: str, lang: Language, what: str) -> None:
    """Every word is a word of ``lang`` (or a name); a language without word data is not checked here
    (the types that need it are not offered for it)."""
    if not lexicon.can_check(lang.code):
        return
    unknown = lexicon.unknown_words(text.replace("___", " "), lang.code)
    if unknown:
        listed = ", ".join(f"“{w}”" for w in unknown[:3])
        raise ExerciseError(f"the {what} has words that are not {lang.name}: {listed}")


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
    request = t["instruction"].format(native=native.name, target=target.name, level="A2", topic="daily life",
                                      word=t["example"].get("word", ""))
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
    return t["instruction"].format(native="English", target="French", level="A2", topic="daily life",
                                   word=t["example"].get("word", "")), t["example"]


def generate_one(ctx: JobContext, kind: str, native: Language, target: Language, level: str, topic: str,
                 existing: set[str], source: str = "topic", word: str | None = None,
                 rng: random.Random | None = None) -> Exercise:
    """One valid exercise, or ExerciseError after MAX_TRIES attempts (the last problem named).

    A conjugation drill comes from the conjugator. A vocabulary card is for ``word`` (one of the
    learner's band when None). Anything else is written by the model, if it can write the languages."""
    t = spec()["types"].get(kind)
    if t is None:
        raise ExerciseError(f"unknown exercise type {kind!r}; choose one of: {', '.join(types())}")
    why = unavailable(kind, target.code)
    if why:
        raise ExerciseError(why)
    rng = rng or random.Random()
    if t.get("built_by") == "conjugator":
        return _drill(target, level, existing, rng, topic, source)
    for lang in (target, native):
        refused = refusal(ctx.backend.info, lang.code)
        if refused:
            raise ExerciseError(refused)
    fixed: tuple[tuple[str, str], ...] = ()
    if kind == "vocab":
        word = word or _band_word(target, level, existing, rng)
        if not lexicon.is_real_word(word, target.code):
            raise ExerciseError(f"“{word}” is not a {target.name} word")
        fixed = (("word", word),)
    problem = ""
    avoid: list[str] = []
    for _attempt in range(MAX_TRIES):
        ctx.check()
        note = f" Do not repeat: {'; '.join(avoid[-3:])}." if avoid else ""
        request, shown = example(kind, native, target)
        prompt = build_prompt(
            # A seed of its own for every try: with one fixed seed the same request gave the
            # same answer, so a second item on a topic repeated the first and was thrown away.
            "exercise", ctx.backend.info.strategy, {"grammar": grammar(kind, fixed), "seed": rng.randrange(1, 2**31)},
            native=native.name, target=target.name, instruction=t["instruction"].format(
                native=native.name, target=target.name, level=level, topic=topic, word=word or ""),
            avoid=note, example_request=request, example_json=json.dumps(shown, ensure_ascii=False))
        answer = ctx.generate(prompt, stream=False)
        try:
            data = json.loads(answer.text.strip())
        except json.JSONDecodeError:
            # The grammar admits only whole JSON objects, so only the token budget can leave one unfinished.
            problem = ("the model's answer was cut off" if answer.finish_reason == "length"
                       else "the model's answer was not JSON")
            continue
        ex = Exercise(kind, {k: (v.strip() if isinstance(v, str) else [x.strip() for x in v])
                             for k, v in data.items()}, topic, source)
        if kind == "choice":
            _repair_options(ex)
            _replace_bad_distractors(ex, target, level, rng)
        try:
            validate(ex, target, existing, native, level)
            if _fold(json.dumps(ex.fields)) == _fold(json.dumps(shown)) or \
                    leaked(_prose(ex.fields), [_prose(shown)], target.code) is not None:
                raise ExerciseError("the model copied its example")
            _check_fit(ctx, ex, target, level, rng)
            if kind == "choice":
                rng.shuffle(ex.fields["options"])  # the model puts the answer first, the repair last
        except ExerciseError as exc:
            problem = str(exc)
            f = ex.fields  # what to write differently next time (a card's word is fixed: its example)
            avoid.append(str(f.get("sentence") or f.get("example") or f.get("source") or ""))
            continue
        return ex
    raise ExerciseError(f"the model could not write a valid {t['label'].lower()} exercise in {MAX_TRIES} tries "
                        f"({problem})")


def _drill(target: Language, level: str, existing: set[str], rng: random.Random, topic: str,
           source: str) -> Exercise:
    """A conjugation drill from the conjugator: correct by construction, new to the bank."""
    def item(f: conjugation.Form) -> Exercise:
        return Exercise("inflection", {"lemma": f.infinitive, "form": f.label, "answer": f.answer}, topic, source)

    try:
        return item(conjugation.drill(target.code, level, rng, lambda f: item(f).key() not in existing))
    except conjugation.ConjugationError as exc:
        raise ExerciseError(str(exc)) from exc


COMMON_WORDS = 200  # frequency ranks of mostly grammatical words ("de", "the"): no vocabulary card for them


def content_words(target: Language, level: str) -> list[str]:
    """The words of the learner's band worth a card (the most common, grammatical words left out)."""
    common = set(lexicon.ranked_lemmas(target.code, COMMON_WORDS))
    return [w for w in lexicon.words_for_level(target.code, level) if w not in common and len(w) > 2]


def _band_word(target: Language, level: str, existing: set[str], rng: random.Random) -> str:
    taken = {k.split(":")[1] for k in existing if k.startswith("vocab:")}
    choices = [w for w in content_words(target, level) if _fold(w) not in taken]
    if not choices:
        raise ExerciseError(f"every {level} word the app knows for {target.name} already has a card")
    return rng.choice(choices)


def words_from_text(text: str, target: Language, level: str) -> list[str]:
    """Words of the writer's text worth a card at ``level``: its lemmas within the learner's band or
    below, most frequent in the text first (none when the text is not in the target language)."""
    import simplemma

    if not lexicon.can_check(target.code) or detect_language(text[:2000]).code != target.code:
        return []
    allowed = set(lexicon.ranked_lemmas(target.code, lexicon.band(level)[1]))
    common = set(lexicon.ranked_lemmas(target.code, COMMON_WORDS))
    counts: dict[str, int] = {}
    for w in re.findall(r"[^\W\d_]{3,}", text):
        lemma = simplemma.lemmatize(w.casefold(), lang=target.code)
        if lemma in allowed and lemma not in common:
            counts[lemma] = counts.get(lemma, 0) + 1
    return sorted(counts, key=lambda w: -counts[w])


LEVEL_MARGIN = 2  # levels above the learner's a sentence's words may reach (an A2 sentence: up to B2 words)
TARGET_TEXT = {"cloze": "sentence", "choice": "sentence", "error_spot": "answer", "translate": "answer",
               "vocab": "example"}


def _check_level(ex: Exercise, target: Language, level: str) -> None:
    """The target-language sentence is within reach: no more than one word (names aside) beyond the
    learner's level plus LEVEL_MARGIN in the frequency bands."""
    name = TARGET_TEXT.get(ex.type)
    if name is None or not lexicon.can_check(target.code):
        return
    order = levels()
    if order.index(level) + LEVEL_MARGIN >= len(order) - 1:
        return  # from B2 on, any real word of the language may come up
    ceiling = order[order.index(level) + LEVEL_MARGIN]
    too_hard = lexicon.words_above(ex.fields[name].replace("___", " "), target.code, ceiling)
    if ex.type == "vocab":
        too_hard = [w for w in too_hard if _fold(w) != _fold(ex.fields["word"])]  # the card's own word may be
    if len(too_hard) > 1:
        raise ExerciseError(f"the {name} is above {level}: {', '.join(f'“{w}”' for w in too_hard[:3])}")


FIT_RIVALS = 2  # random words of the answer's band a gap's answer must fit better than


def _check_fit(ctx: JobContext, ex: Exercise, target: Language, level: str, rng: random.Random) -> None:
    """The answer fits its gap better than the alternatives, by the model's log-probability of the
    whole sentence: a choice's every distractor (else one of them may be right too), a cloze's
    random words of the answer's frequency band. Skipped on a backend that cannot score (a server)."""
    if ex.type not in ("cloze", "choice"):
        return
    f = ex.fields
    if ex.type == "choice":
        rivals = [o for o in f["options"] if _fold(o) != _fold(f["answer"])]
    else:
        band = lexicon.level_of(f["answer"], target.code) or level
        pool = [w for w in lexicon.words_for_level(target.code, band) if _fold(w) != _fold(f["answer"])]
        rivals = rng.sample(pool, min(FIT_RIVALS, len(pool)))
    if not rivals:
        return
    texts = [f["sentence"].replace("___", w, 1) for w in [f["answer"], *rivals]]
    scores = ctx.backend.logprobs(texts)
    if any(sc is None for sc in scores):
        return
    beaten = [w for w, sc in zip(rivals, scores[1:], strict=True) if sc >= scores[0]]
    if beaten:
        raise ExerciseError(f"“{beaten[0]}” fits the gap as well as the answer “{f['answer']}”")


def _prose(fields: dict) -> str:
    """An exercise's texts, one a line, as the example-leak check reads them."""
    return "\n".join(v if isinstance(v, str) else " ".join(v) for v in fields.values())


def _repair_options(ex: Exercise) -> None:
    """Small models often leave the right answer out of the options, or write one twice: the options
    are made distinct and the answer put in place of the last one missing; repeats left to fill the
    count are replaced from language data next (`_replace_bad_distractors`)."""
    opts, answer = ex.fields.get("options"), ex.fields.get("answer", "")
    if not isinstance(opts, list) or not opts or not answer:
        return
    distinct: list[str] = []
    for o in opts:
        if _fold(o) not in map(_fold, distinct):
            distinct.append(o)
    if _fold(answer) not in map(_fold, distinct):
        distinct = [*distinct[: len(opts) - 1], answer]
    ex.fields["options"] = distinct + [distinct[0]] * (len(opts) - len(distinct))


DISTRACTOR_TRIES = 60  # words of the answer's band looked at for one distractor


def _replace_bad_distractors(ex: Exercise, target: Language, level: str, rng: random.Random) -> None:
    """A distractor the model wrote that is no word of the language, from another frequency band or
    another part of speech than the answer, or a repeat, is replaced by a word of the answer's band
    and part of speech, so a good sentence is not thrown away for one bad option. Whether an option
    fits the gap as well as the answer is still the fit check's question (`_check_fit`)."""
    f = ex.fields
    options, answer, lang = f.get("options"), str(f.get("answer", "")), target.code
    if not isinstance(options, list) or len(answer.split()) != 1 or _fold(answer) not in map(_fold, options) or \
            not (lexicon.can_check(lang) and parts_of_speech.can_tag(lang)) or not parts_of_speech.tags(answer, lang):
        return
    sentence = str(f.get("sentence", ""))

    def usable(option: str, taken: list[str]) -> bool:
        if len(option.split()) != 1 or _fold(option) in map(_fold, taken) or \
                _in_sentence(option, sentence):
            return False
        try:
            if not lexicon.is_real_word(option, lang):
                return False
            _check_distractor_bands([option], answer, target)
            _check_distractor_parts_of_speech([option], answer, target)
        except ExerciseError:
            return False
        return True

    pool = list(lexicon.words_for_level(lang, lexicon.reach_level(answer, lang) or level))
    rng.shuffle(pool)
    kept: list[str] = []
    for i, option in enumerate(options):
        taken = [*kept, *options[i + 1 :], answer]
        if (_fold(option) == _fold(answer) and _fold(answer) not in map(_fold, kept)) or usable(option, taken):
            kept.append(option)
            continue
        replacement = option  # kept for the checks to refuse when the band has no word of this kind
        for _ in range(min(DISTRACTOR_TRIES, len(pool))):
            word = pool.pop()
            word = word[:1].upper() + word[1:] if answer[:1].isupper() else word  # German nouns, a first word
            if usable(word, taken):
                replacement = word
                break
        kept.append(replacement)
    f["options"] = kept


@dataclass
class GenerationReport:
    made: list[Exercise] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # type -> why it cannot be made here


def topics_from_text(text: str, limit: int = 6) -> list[str]:
    """Topics for exercises from the writer's own document: its paragraphs' first sentences, shortened."""
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) > 20]
    out = []
    for p in paras[:limit]:
        first = re.split(r"(?<=[.!?])\s", p, maxsplit=1)[0]
        out.append(first[:160])
    return out or ([text.strip()[:160]] if text.strip() else [])


def generate(ctx: JobContext, kinds: list[str], count: int, native: str, target: str, level: str,
             topic: str = "", text: str = "", existing: set[str] | None = None, words: list[str] | None = None,
             rng: random.Random | None = None) -> GenerationReport:
    """``count`` items cycling through ``kinds``, on a topic or from a document's text. Vocabulary cards
    are for ``words`` (the learner's collected words), else the text's words of the learner's band,
    else words of the band. Types that cannot be made for the languages (no conjugator, no word
    list, a model that cannot write them) are skipped with the reason; if none is left, nothing is
    generated and the reason is the error."""
    nat, tgt = get_language(native), get_language(target)
    if nat.code == tgt.code:
        raise ExerciseError("the native and target languages are the same")
    if level not in levels():
        raise ExerciseError(f"unknown level {level!r}; choose one of: {', '.join(levels())}")
    topics = topics_from_text(text) if text.strip() else [topic.strip()]
    if not topics or not topics[0]:
        raise ExerciseError("give a topic, or some text to make exercises from")
    report = GenerationReport()
    usable = []
    for kind in dict.fromkeys(kinds):
        why = unavailable(kind, tgt.code) if kind in spec()["types"] else None
        if why is None and kind in spec()["types"] and not spec()["types"][kind].get("built_by"):
            why = refusal(ctx.backend.info, tgt.code) or refusal(ctx.backend.info, nat.code)
        if why:
            report.skipped[kind] = why
        else:
            usable.append(kind)
    if not usable:
        raise ExerciseError(next(iter(report.skipped.values())))
    rng = rng or random.Random()
    queue = list(words or []) or (words_from_text(text, tgt, level) if text.strip() else [])
    seen = set(existing or ())
    for i in range(count):
        ctx.progress(i, count, f"exercise {i + 1} of {count}")
        kind = usable[i % len(usable)]
        word = queue.pop(0) if kind == "vocab" and queue else None
        try:
            ex = generate_one(ctx, kind, nat, tgt, level, topics[i % len(topics)], seen,
                              "document" if text.strip() else "topic", word, rng)
        except ExerciseError as exc:
            report.failed.append(str(exc))
            continue
        seen.add(ex.key())
        report.made.append(ex)
    ctx.progress(count, count, "done")
    return report
