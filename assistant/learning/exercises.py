"""Exercise types (data in resources/exercises.json), grammar-constrained generation and validation.

Where language data can make an item, the model does not: conjugation drills come from the
conjugator (conjugation.py), a vocabulary card's word from the learner's frequency band
(lexicon.py), a sentence's translation from the translation task (the model alone, greedily), and
a gap item's gap and distractors from the app: the model writes one sentence, the app blanks a
real word of the learner's band in it (never inside a word), and
a multiple choice's other options are words of the answer's band and part of speech
(parts_of_speech.py) that the model scores clearly worse in the gap. Everything the model writes is
constrained to the type's JSON shape by a llama.cpp grammar, then checked against real language
data: every word of a target-language sentence is a word of that language (or a name) and, but
for one, within two levels of the learner's frequency band, the sentence is one sentence of a
length fit for the level, the language is the one asked for, no duplicate of an item already in
the bank. A failed item is generated again, a bounded number of times. A model that cannot write
the target language is not asked (model_languages.py). Made from a document in the target language,
gap, mistake and translation items are built on the document's own sentences (text_sentences), and
the model writes a sentence only where none of them makes an item; on a topic the sentence bank has, they
are built on its sentences, written and translated by people (sentence_bank.py, bank_sentences). A model
too small to write a language well (small_writer) writes no item's sentence, card or drill translation
unless the learner asks for it: what it would have written is left out and the report says why.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import cache
from itertools import pairwise

from assistant.backends.base import BackendInfo
from assistant.engine import JobContext
from assistant.faithfulness.leaks import leaked
from assistant.languages import Language, detect_language, get_language
from assistant.learning import (
    adjectives,
    agreement,
    conjugation,
    dela,
    determiners,
    lexicon,
    parts_of_speech,
    present_tense,
    sentence_bank,
)
from assistant.learning.grading import Grade, grade
from assistant.model_languages import refusal
from assistant.paths import resource
from assistant.prompting import build_prompt
from assistant.text_units import cased_like, paragraphs, sentences

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
    written_by: str = ""  # the model that wrote it; "" when data built it (a conjugator) or unknown
    small_model: bool = False  # that model is small enough that the item needs the learner's eye

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

    def grade(self, given: str) -> Grade:
        """The learner's answer graded against this item's (deterministic; see grading.py)."""
        unchanged = self.fields.get("sentence", "") if self.type == "error_spot" else ""
        return grade(given, self.answer, self.alternatives(), unchanged)

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


def _occurrences(word: str, sentence: str) -> int:
    """How often ``word`` stands in ``sentence`` as a whole word, case and accents' composition aside."""
    return len(re.findall(rf"\b{re.escape(_fold(word))}\b", _fold(sentence)))


def _in_sentence(word: str, sentence: str) -> bool:
    return _occurrences(word, sentence) > 0


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def json_schema(kind: str, fixed: tuple[tuple[str, str], ...] = ()) -> dict:
    """The JSON shape the model writes for the type; ``fixed`` fields have the one value given (a vocabulary
    card's word)."""
    props, required = {}, []
    pinned = dict(fixed)
    t = spec()["types"][kind]
    for name, limit in (t.get("model_fields") or t["fields"]).items():
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


MAX_GAP_WORDS = 3  # a gap holds a word or a short unit ("sommes allés", "a lot of"), not a clause


CHAR_RULE = r'char ::= [^"\\\x00-\x1F\x7F] | "\\\""'  # any character but a quote, backslash or control; or \"


@cache
def grammar(kind: str, fixed: tuple[tuple[str, str], ...] = ()) -> str:
    from llama_cpp.llama_grammar import json_schema_to_gbnf  # pure Python: JSON schema -> GBNF

    gbnf = json_schema_to_gbnf(json.dumps(json_schema(kind, fixed)))
    # llama-cpp-python's string character is [^"\\]: it lets the model write a raw newline or tab,
    # which no JSON parser accepts, and two newlines meet the prompt's stop string mid-object. These
    # were the commonest failure ("cut off"). A field is one line of text: no control characters and
    # no escapes but a quote.
    gbnf = re.sub(r"^char ::= .*$", lambda _: CHAR_RULE, gbnf, flags=re.MULTILINE)
    # The model's sentence is one sentence: a full stop, "!" or "?" may only end it (or stand between digits:
    # "200.000"; allowed before any digit, it let Gemma go on "Schule.1."). A second sentence was the commonest
    # reason a try failed (19 of 63 failed items' last tries in stop 34's benchmark); now the model must
    # close the field where its first sentence ends, and must end it so: a field it could close without one
    # held fragments ("Wir leben in einem", "Se me han cortado los trenes de la ciudad").
    for name in ONE_SENTENCE_FIELDS:
        gbnf = re.sub(rf'^({name} ::= .*)"\\"" space$',
                      lambda m: m.group(1).replace("char", "schar") + 'send "\\"" space', gbnf, flags=re.MULTILINE)
    if "schar" in gbnf:
        gbnf += "\n" + SENTENCE_CHAR_RULES
    pinned = dict(fixed)
    if kind == "vocab" and pinned.get("word"):
        gbnf = _example_with(gbnf, pinned["word"], spec()["types"][kind]["fields"]["example"])
    return gbnf


def _example_with(gbnf: str, word: str, limit: int) -> str:
    """The card's example must hold its word as a word (as written, or with an ending of up to WORD_ENDING
    letters, as _check_card allows: "Vorteile", "grande"; its first letter in either case): a card's
    commonest failure was an example about something else (the last try of 8 of the 16 cards that failed in
    stop 38's first benchmark run). Held as any substring, Gemma glued it into words that are none
    ("Oereisender"). The field keeps its length bound, shared either side of the word and its marks (a
    grammar unit is a character, or a decimal "2.5": the bound is in those units)."""
    side = max(0, (limit - len(word) - WORD_ENDING - 3) // 2)  # 3: the marks before and after it, the end
    first, rest = word[:1], json.dumps(word[1:], ensure_ascii=False)[1:-1]  # GBNF literals escape as JSON's do
    opening = f"[{first.lower()}{first.upper()}]" if first.lower() != first.upper() else json.dumps(first)
    rule = (f'example ::= "\\"" (schar{{0,{side}}} wbefore)? {opening} "{rest}" wend{{0,{WORD_ENDING}}} '
            f'(wafter schar{{0,{side}}})? send "\\"" space')
    gbnf = re.sub(r"^example ::= .*$", lambda _: rule, gbnf, flags=re.MULTILINE)
    return gbnf + "\n" + WORD_BOUNDS


WORD_ENDING = 2  # letters an example may add to a card's word ("Vorteil" → "Vorteile", "grand" → "grandes")
WORD_BOUNDS = ("wbefore ::= [ '’(«„“\\-]\n"  # what may stand before the word, or nothing at the start
               "wend ::= [a-zäöüßàáâãçéèêëíìîïñóòôõœúùûü]\n"  # a letter of its ending
               "wafter ::= [ ,;:'’)»”“\\-]")  # what may follow it, or the sentence's end


ONE_SENTENCE_FIELDS = ("sentence", "example")  # the target-language sentence a model writes for an item
SENTENCE_ENDS = (".", "!", "?", "。", "！", "？")  # the ideographic ones end Chinese and Japanese sentences
SENTENCE_CHAR_RULES = (r'schar ::= [^"\\\x00-\x1F\x7F' + "".join(SENTENCE_ENDS) + r'] | "\\\"" | [0-9] "." [0-9]'
                       + "\nsend ::= [" + "".join(SENTENCE_ENDS) + "]")


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
    if ex.type == "error_spot":
        if _fold(f["sentence"]) == _fold(f["answer"]):
            raise ExerciseError("the 'wrong' sentence has no mistake")
        _check_one_correction(f["sentence"], f["answer"])
        _check_explanation(f["sentence"], f["answer"], f.get("explanation") or "")
    if ex.type == "vocab":
        _check_card(f, target)
    for name, value in f.items():
        for text in value if isinstance(value, list) else [value]:
            mark = MARKUP.search(text) if isinstance(text, str) else None
            if mark:
                raise ExerciseError(f"the {name} has markup: “{mark.group(0)}”")
    if ex.type == "vocab" and _fold(f["word"]) == _fold(f["translation"]):
        raise ExerciseError("the translation repeats the word")
    if ex.type == "vocab" and native is not None:
        _check_infinitive_translation(f["word"], f["translation"], target, native)
    if ex.type == "translate" and _fold(f["source"]) == _fold(f["answer"]):
        raise ExerciseError("the translation repeats the sentence")
    if ex.type in ("cloze", "choice") and re.search(r"\w___|___\w", f["sentence"]):
        raise ExerciseError("the gap is inside a word")
    in_target = TARGET_TEXT.get(ex.type)
    if in_target:
        _check_language(f[in_target], target, in_target)
        _check_words(f[in_target], target, in_target)
        _check_agreement(f[in_target], target, in_target)
    words = {"cloze": [f.get("answer")], "choice": f.get("options"), "vocab": [f.get("word")]}.get(ex.type) or []
    for w in words:
        if ex.type != "vocab" and len(w.split()) > MAX_GAP_WORDS:
            raise ExerciseError(f"the answer “{w}” is a phrase, not a word for the gap")
        if lexicon.can_check(target.code) and not lexicon.is_real_word(w, target.code):
            raise ExerciseError(f"“{w}” is not a {target.name} word")
    if ex.type == "choice":
        slot = verb_slot(f["sentence"], f["answer"], target.code)
        if slot is not None:
            _check_verb_options(f["options"], f["answer"], slot, target)
        else:
            if lexicon.can_check(target.code):
                _check_distractor_bands(f["options"], f["answer"], target)
            if parts_of_speech.can_tag(target.code):
                _check_distractor_parts_of_speech(f["options"], f["answer"], target)
    in_native = {"translate": "source", "vocab": "translation"}.get(ex.type)
    if in_native and native is not None:
        if ex.type == "translate":
            _check_language(f[in_native], native, in_native)
            _check_one_sentence(f[in_native], in_native)
        _check_words(f[in_native], native, in_native)
    if level is not None:
        _check_level(ex, target, level)
    if ex.type == "translate":
        _check_pair(f["answer"], f["source"])
    if existing is not None and ex.key() in existing:
        raise ExerciseError("the bank already has this exercise")


def is_infinitive(word: str, lang: str) -> bool | None:
    """Whether ``word`` (a reflexive's pronoun aside: "se souvenir") is a verb's infinitive, by the conjugator or
    the present-tense rules; None where neither serves the language."""
    low = re.split(r"[\s'’]+", word.strip().lower())[-1]  # the verb after "se " or "s'"
    if conjugation.has_conjugator(lang):
        return low in conjugation.infinitives(lang)
    if present_tense.has_rules(lang):
        return present_tense.is_verb(low, lang)
    return None


def _check_infinitive_translation(word: str, translation: str, target: Language, native: Language) -> None:
    """A card translated as a verb's infinitive ("to pay") is for an infinitive (exercises.json's
    infinitive_markers)."""
    marker = spec()["infinitive_markers"].get(native.code)
    if marker is None or not re.match(rf"{re.escape(marker)}\s+[^\W\d_]", translation.strip(), re.IGNORECASE):
        return
    if is_infinitive(word, target.code) is False:
        raise ExerciseError(f"“{translation}” translates a verb's infinitive, and “{word}” is not one")


def _check_one_correction(wrong: str, corrected: str) -> None:
    """The corrected sentence is the wrong one with one mistake put right: at most the type's
    'changed_words' words replaced, added or taken away, not another sentence ("Les écoles de Paris
    sont meilleures que celles d'Écosse" corrected into "les écoles d'Écosse est la meilleure...")."""
    import difflib

    a, b = _fold(wrong).split(), _fold(corrected).split()
    changed = sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in
                  difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op != "equal")
    most = spec()["types"]["error_spot"]["changed_words"]
    if changed > most:
        raise ExerciseError(f"the corrected sentence changes {changed} words, not one mistake (at most {most})")


MARKUP = re.compile(r"[<>{}\[\]\\|#*=]")  # "Je cuisine une salade de cour</h4>", "in France.}"


def _check_explanation(wrong: str, corrected: str, explanation: str) -> None:
    """An item explained as its worked example is ("word order") must be a reordering: Gemma copied the
    phrase onto "Huit mois d'affaire" corrected into "4 mois de procès"."""
    if _fold(explanation) == _fold(spec()["types"]["error_spot"]["reorder_explanation"]) and \
            sorted(_fold(wrong).split()) != sorted(_fold(corrected).split()):
        raise ExerciseError(f"the explanation “{explanation}” is the example's, and the correction is no reordering")


def _check_card(f: dict, target: Language) -> None:
    """A card's translation is the word's meaning, not a sentence, and its example uses the word (a form of
    it: "voulu" for "vouloir")."""
    import simplemma

    count = len(f["translation"].split())
    if count > spec()["types"]["vocab"]["translation_words"]:
        raise ExerciseError(f"the translation is {count} words, not the word's meaning")
    word = _fold(f["word"])
    lemma = _fold(simplemma.lemmatize(f["word"].split()[-1], lang=target.code))
    for tok in lexicon.LETTER_RUN.findall(f["example"]):
        t = _fold(tok)
        if t == word or word.endswith(" " + t) or _fold(simplemma.lemmatize(tok, lang=target.code)) == lemma \
                or (t.startswith(word) and len(t) - len(word) <= WORD_ENDING):
            return
    raise ExerciseError(f"the example does not use “{f['word']}”")


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


VerbSlot = agreement.VerbSlot | present_tense.PresentSlot


def verb_slot(gapped: str, answer: str, lang: str) -> VerbSlot | None:
    """The gap's verb slot, if it is one: from the conjugator where it serves the language, else from the
    present-tense rules (German "Ich ___")."""
    return agreement.verb_slot(gapped, answer, lang) or present_tense.verb_slot(gapped, answer, lang)


def _check_verb_options(options: list[str], answer: str, slot: VerbSlot, target: Language) -> None:
    """In a verb's place after a subject pronoun, every option is the answer's verb for another person (the
    app's own choices) or another verb in the answer's form and of its verb's frequency band (as an imported
    deck may have them); a noun or an infinitive there is ruled out by grammar alone."""
    persons = {_fold(f) for f in slot.other_forms()}
    for o in options:
        if _fold(o) == _fold(answer) or _fold(o) in persons:
            continue
        verb = slot.verb_of(o)
        if verb is None:
            raise ExerciseError(f"the option “{o}” is not a verb in the answer “{answer}”'s form after "
                                f"“{slot.pronoun}”, nor its verb for another person")
        _check_distractor_bands([verb], slot.lemma, target)


def _check_distractor_parts_of_speech(options: list[str], answer: str, target: Language) -> None:
    """Every distractor can be the same part of speech as the answer: a noun among verbs is picked
    without knowing what it means. Out of context a word may be several ("le": article or pronoun),
    a multiword unit has its words' together; sharing one is enough. A word of a closed class (a preposition,
    pronoun, common adverb) is only that beside an answer of an open one."""
    wanted = parts_of_speech.tags(answer, target.code)
    if not wanted:
        raise ExerciseError(f"the app cannot tell what kind of word the answer “{answer}” is")
    open_answer = not parts_of_speech.closed_class(answer, target.code)
    for o in options:
        if _fold(o) == _fold(answer):
            continue
        found = parts_of_speech.tags(o, target.code)
        closed = parts_of_speech.closed_class(o, target.code)
        if closed and open_answer:  # "desde", "yo" beside "internet": the tables' suffix rules call them nouns too
            found = closed
        if not found & wanted:
            kind = parts_of_speech.names(found) if found else "a word of unknown kind"
            raise ExerciseError(f"the option “{o}” is {kind}, not {parts_of_speech.names(wanted)} "
                                f"like the answer “{answer}”")


def _check_words(text: str, lang: Language, what: str) -> None:
    """Every word is a word of ``lang`` (or a name); a language without word data is not checked here
    (the types that need it are not offered for it)."""
    if not lexicon.can_check(lang.code):
        return
    text = text.replace("___", " ")
    rude = lexicon.offensive_words(text, lang.code)
    if rude:
        raise ExerciseError(f"the {what} has a vulgar or offensive word: “{rude[0]}”")
    english = lexicon.english_words(text, lang.code)
    if english:
        raise ExerciseError(f"the {what} has English words: {', '.join(f'“{w}”' for w in english[:3])}")
    unknown = lexicon.unknown_words(text, lang.code) + lexicon.unseen_names(text, lang.code)
    if unknown:
        listed = ", ".join(f"“{w}”" for w in unknown[:3])
        raise ExerciseError(f"the {what} has words that are not {lang.name}: {listed}")


def _check_agreement(text: str, lang: Language, what: str) -> None:
    """By the conjugator's tables, each verb right after a subject pronoun is that pronoun's form ("je prend" is
    not) and each right after a determiner and its noun is of their number ("les pommes était" is not); no
    infinitive stands where the participle belongs ("j'ai acheter"); and no sentence opens with a pronoun and
    a bare infinitive or stem where that is always wrong ("Ich kochen", "Ich kauf"); and by the nouns' data, each
    determiner agrees with its noun ("einen T-Shirt" does not: it is neuter)."""
    text = text.replace("___", " | ")  # a gap is no word
    wrong = agreement.disagreements(text, lang.code)
    if wrong:
        w = wrong[0]
        raise ExerciseError(f"the {what} has “{w.pronoun} {w.written}”: after “{w.pronoun}” the verb is “{w.wanted}”")
    slips = agreement.participle_slips(text, lang.code)
    if slips:
        p = slips[0]
        raise ExerciseError(f"the {what} has “{p.auxiliary} {p.written}”: after “{p.auxiliary}” the verb is the "
                            f"participle “{p.wanted}”")
    nouns = agreement.noun_subject_disagreements(text, lang.code)
    if nouns:
        n = nouns[0]
        raise ExerciseError(f"the {what} has “{n.subject} {n.written}”: after “{n.subject}” the verb is “{n.wanted}”")
    bare = agreement.bare_infinitives(text, lang.code)
    if bare:
        pronoun, verb = bare[0]
        raise ExerciseError(f"the {what} has “{pronoun} {verb}”: after “{pronoun}” the verb is not the infinitive")
    articles = determiners.slips(text, lang.code)
    if articles:
        d = articles[0]
        gender = determiners.gender_name(d.gender, lang.code)
        why = f"“{d.noun}” is {gender}" if gender else f"“{d.determiner}” does not go with “{d.noun}”"
        raise ExerciseError(f"the {what} has “{d.determiner} {d.noun}”: {why}")
    numbers = determiners.number_slips(text, lang.code)
    if numbers:
        n = numbers[0]
        raise ExerciseError(f"the {what} has “{n.determiner} {n.noun}”: after “{n.determiner}” the noun is "
                            f"“{n.wanted[0]}”")
    described = adjectives.slips(text, lang.code)
    if described:
        a = described[0]
        raise ExerciseError(f"the {what} has “{a.noun} {a.adjective}”: the adjective agreeing is “{a.wanted[0]}”")


REPEATS = 3  # the same word this many times in a row is a model stuck in a loop ("garden garden garden")
LENGTH_RATIO = 2.0  # words: a translation more than twice as long or short as its sentence, and by more
LENGTH_SLACK = 3  # than this many words, says something else (1 of 2,028 Multi30k fr/de-en human pairs)


def _check_repeats(text: str, what: str) -> None:
    """No word REPEATS times in a row, nor the same run of REPEATS words twice ("les plus accueillants et les
    plus accueillants"): a model going round in a loop."""
    words = [_fold(w) for w in lexicon.LETTER_RUN.findall(text)]
    runs: set[tuple[str, ...]] = set()
    for i in range(len(words) - REPEATS + 1):
        run = tuple(words[i:i + REPEATS])
        if len(set(run)) == 1:
            raise ExerciseError(f"the {what} repeats “{words[i]}”")
        if run in runs:
            raise ExerciseError(f"the {what} says “{' '.join(run)}” twice")
        runs.add(run)


def _check_pair(sentence: str, translation: str) -> None:
    """A sentence's translation can say what the sentence says: no word stuck in a loop and a length like
    the sentence's. The writing model's own log-probabilities cannot tell a right word from a wrong one:
    they back its mistranslations (bench/bench_translation_support.py); the app's translations are also
    checked noun by noun (_check_nouns_kept)."""
    for text, what in ((sentence, "sentence"), (translation, "translation")):
        _check_repeats(text, what)
    a, b = len(sentence.split()), len(translation.split())
    if max(a, b) > LENGTH_RATIO * min(a, b) and abs(a - b) > LENGTH_SLACK:
        raise ExerciseError(f"the translation has {b} words for a sentence of {a}")


def example(kind: str, native: Language, target: Language) -> tuple[str, dict]:
    """The worked example for the prompt, in the learner's own languages.

    A base model copies its example's language; an example in French made it write French
    exercises for learners of German. The samples in resources/languages.json are the same
    sentences in every language, so the examples are built from them.
    """
    t = spec()["types"][kind]
    request = t["instruction"].format(native=native.name, target=target.name, level="A2", topic="daily life",
                                      word=target.sample_word, words=spec()["sentence_words"]["A2"])
    s_tgt = target.samples
    if "model_fields" in t:  # a sentence, for the gap items, the mistake and the translation drill
        return request, {"sentence": s_tgt[1]}
    if kind == "vocab":  # shown a French card, Gemma wrote a Spanish word's example in French
        return request, {"word": target.sample_word, "translation": native.sample_word, "example": s_tgt[1]}
    return t["instruction"].format(native="English", target="French", level="A2", topic="daily life",
                                   word=t["example"].get("word", ""),
                                   words=spec()["sentence_words"]["A2"]), t["example"]


def generate_one(ctx: JobContext, kind: str, native: Language, target: Language, level: str, topic: str,
                 existing: set[str], source: str = "topic", word: str | None = None,
                 rng: random.Random | None = None, sentence: str | None = None,
                 translation: str | None = None) -> Exercise:
    """One valid exercise, or ExerciseError after MAX_TRIES attempts (the last problem named).

    A conjugation drill comes from the conjugator. A vocabulary card is for ``word`` (one of the
    learner's band when None). A type built on a sentence is built on ``sentence`` where given (one of the
    writer's own, text_sentences, or the sentence bank's: one try, the model writes nothing of it), with
    ``translation`` as its translation where a person wrote one (else the app translates it). Anything else
    is written by the model, if it can write the languages."""
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
    if sentence is not None and "model_fields" in t:
        return _item_on(ctx, kind, sentence, native, target, level, existing, rng, topic, source, translation)
    fixed: tuple[tuple[str, str], ...] = ()
    if kind == "vocab":
        word = word or _band_word(target, level, existing, rng)
        if not lexicon.is_real_word(word, target.code):
            raise ExerciseError(f"“{word}” is not a {target.name} word")
        fixed = (("word", word),)
        meaning = word_translation(ctx, word, native, target)
        if meaning:
            fixed += (("translation", meaning),)
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
                native=native.name, target=target.name, level=level, topic=topic, word=word or "",
                words=spec()["sentence_words"][level]),
            avoid=note, example_request=request, example_json=json.dumps(shown, ensure_ascii=False))
        answer = ctx.generate(prompt, stream=False)
        try:
            data = json.loads(answer.text.strip())
        except json.JSONDecodeError:
            # The grammar admits only whole JSON objects, so only the token budget can leave one unfinished.
            problem = ("the model's answer was cut off" if answer.finish_reason == "length"
                       else "the model's answer was not JSON")
            continue
        written = {k: (v.strip() if isinstance(v, str) else [x.strip() for x in v]) for k, v in data.items()}
        try:
            if _fold(json.dumps(written)) == _fold(json.dumps(shown)) or \
                    leaked(_prose(written), [_prose(shown)], target.code) is not None:
                raise ExerciseError("the model copied its example")
            if "model_fields" in t:
                written_sentence = _checked_sentence(written["sentence"], target, level)
                _check_small_words(ctx, written_sentence, target)
                ex = _item_on(ctx, kind, written_sentence, native, target, level, existing, rng, topic, source)
            else:
                ex = Exercise(kind, written, topic, source)
                _check_whole(written.get("example") or "", target, "example")
                _check_negation(written.get("example") or "", target, "example")
                validate(ex, target, existing, native, level)
                _check_small_words(ctx, written.get("example") or "", target)
        except ExerciseError as exc:
            problem = str(exc)
            # what to write differently next time (a card's word is fixed: its example)
            avoid.append(str(written.get("sentence") or written.get("example") or written.get("source") or ""))
            continue
        return ex
    raise ExerciseError(f"the model could not write a valid {t['label'].lower()} exercise in {MAX_TRIES} tries "
                        f"({problem}); a larger model from Models › Get models writes them more reliably")


def _item_on(ctx: JobContext, kind: str, sentence: str, native: Language, target: Language, level: str,
             existing: set[str], rng: random.Random, topic: str, source: str,
             translation: str | None = None) -> Exercise:
    """The item of type ``kind`` the app makes on a checked sentence: a gap, a mistake, or a translation
    (``translation``: the sentence's, where a person wrote it)."""
    t = spec()["types"][kind]
    if t.get("gap_by_app"):
        return _gap_item(ctx, kind, sentence, native, target, level, existing, rng, topic, source, translation)
    if t.get("mistake_by_app"):
        return _mistake_item(ctx, sentence, native, target, level, existing, rng, topic, source)
    return _translation_item(ctx, sentence, native, target, level, existing, topic, source, translation)


def built_on_a_sentence(kind: str) -> bool:
    """Whether the app makes items of ``kind`` on one target-language sentence (gap, mistake, translation)."""
    return "model_fields" in spec()["types"].get(kind, {})


MAX_TEXT_SENTENCES = 400  # of a long document, the sentences checked for exercises: enough for any batch


def text_sentences(text: str, target: Language, level: str) -> list[str]:
    """The sentences of the writer's ``text`` that pass a model's sentence's checks (_checked_sentence: in the
    target language, real words, one sentence within the level's reach), once each, in the text's order.
    Items built on them need no sentence from the model, so they are as right as the text is: an article the
    learner is reading in French gives French no 270M model could write."""
    out: list[str] = []
    seen = 0
    for para in paragraphs(text):
        line = text[para.start : para.end]
        for span in sentences(line):
            if seen >= MAX_TEXT_SENTENCES:
                return list(dict.fromkeys(out))
            seen += 1
            try:
                out.append(_checked_sentence(line[span.start : span.end].strip(), target, level))
            except ExerciseError:
                continue
    return list(dict.fromkeys(out))


def bank_sentences(topic: str, native: Language, target: Language,
                   level: str) -> tuple[list[str], dict[str, str]]:
    """The sentence bank's sentences on ``topic`` in the target language that pass a model's sentence's checks
    at ``level`` (the A2 ones all do; A1 takes the shorter ones), and their translations where the bank has
    them in the learner's language ({} otherwise: the app translates them). For a learner of English they
    are the bank's English sentences, translated from the learner's language (sentence_bank.for_learner)."""
    found = []
    pairs, translated = sentence_bank.for_learner(topic, target.code, native.code)
    for sentence, translation in pairs:
        try:
            found.append((_checked_sentence(sentence, target, level), translation))
        except ExerciseError:
            continue
    return [s for s, _t in found], dict(found) if translated else {}


SMALL_WORD_MARGIN = 2.0  # nats: how much likelier a sentence must read with one small word changed to be refused
SMALL_WORD_WINDOW = 2  # tokens after the change compared (as the grammar checker's forms layer does)


def small_word_variants(text: str, lang: str) -> list[str]:
    """``text`` with one of the language's small words (resources/exercises.json: small_words) put in before
    a word, taken out, or swapped for another; the first word is left as it is (its capital)."""
    small = spec()["small_words"].get(lang, [])
    out = []
    words = list(lexicon.LETTER_RUN.finditer(text))[1:]
    for m in words:
        if text[m.start() - 1] == " ":
            out += [f"{text[:m.start()]}{w} {text[m.start():]}" for w in small if w != m[0].casefold()]
        if m[0].casefold() in small and text[m.start() - 1] == " ":
            out += [text[:m.start()] + w + text[m.end():] for w in small if w != m[0].casefold()]
            out.append(text[:m.start()] + text[m.end():].lstrip())
    return list(dict.fromkeys(out))


def _check_small_words(ctx: JobContext, text: str, target: Language) -> None:
    """A model-written target sentence reads no clearly better with one small word (an article, a
    preposition) put in, taken out or swapped: refused when a variant is SMALL_WORD_MARGIN nats likelier to
    the writing model, so "J'aime des fruits de mer" (les), "Je passe par train" (en), "une train" (un) go.
    Its score of the whole sentence told the sentences a teacher would sign from the others no better than
    chance; this word-by-word test did (stop 33's reading of 76 Gemma sentences). Skipped where the backend
    cannot score (a server) or the language has no list."""
    variants = small_word_variants(text, target.code) if text else []
    if not variants:
        return
    gains = ctx.backend.variant_gains(text, variants, SMALL_WORD_WINDOW)
    if not gains:
        return
    best = max(range(len(variants)), key=gains.__getitem__)
    if gains[best] >= SMALL_WORD_MARGIN:
        raise ExerciseError(f"the sentence reads better as “{variants[best]}”")


def word_translation(ctx: JobContext, word: str, native: Language, target: Language) -> str:
    """The card's word translated alone and greedily, from three examples in the learner's two languages
    (resources/prompts/word_translation.json); "" where a language has no examples, and the card's model
    writes the translation as before. Checked as a card's translation is (a word or a few of the learner's
    language, not the word again), else ExerciseError: no card is better than a wrong meaning."""
    meaning = _meaning(ctx, word, native, target)
    if meaning is None:
        return ""
    most = spec()["types"]["vocab"]["translation_words"]
    if not meaning or len(meaning.split()) > most or _fold(meaning) == _fold(word) or MARKUP.search(meaning) \
            or '"' in meaning:
        raise ExerciseError(f"the model could not translate “{word}” into {native.name}")
    if _names_a_name(meaning, native):
        raise ExerciseError(f"“{word}” is a name ({meaning}), not a word to learn")
    _check_words(meaning, native, "translation")
    return meaning


def _names_a_name(meaning: str, native: Language) -> bool:
    """A word's meaning written with a capital that is no day, month, language or people's name
    (resources/exercises.json: capitalised_meanings): the lower-case frequency lists hold names ("espagne",
    "japon"), and "espagne: Spain" was a card. Only for a learner's language that writes small what is no
    name (English here)."""
    common = spec().get("capitalised_meanings", {}).get(native.code)
    first = re.match(r"[^\W\d_]+", meaning)
    return common is not None and first is not None and first[0][:1].isupper() and first[0] not in common


def _meaning(ctx: JobContext, word: str, native: Language, target: Language) -> str | None:
    """``word`` translated alone and greedily, as a dictionary gives it (unchecked); None where a language has
    no examples for the prompt."""
    if len(native.word_shots) < 3 or len(target.word_shots) < 3:
        return None
    shots = {f"word{i}": w for i, w in enumerate(target.word_shots[:3], 1)}
    shots |= {f"meaning{i}": m for i, m in enumerate(native.word_shots[:3], 1)}
    prompt = build_prompt("word_translation", ctx.backend.info.strategy, native=native.name, target=target.name,
                          word=word, **shots)
    return ctx.generate(prompt, stream=False).text.strip().strip(".;,").strip()


FUNCTION_ZIPF = 6.4  # wordfreq frequency above every noun ("time": 6.2): "the", "to", "of", "der" match nothing
COGNATE = 0.8  # letters in common (difflib's ratio) that make a word its own translation ("profesor", "professor")


def _check_nouns_kept(ctx: JobContext, sentence: str, translation: str, native: Language,
                      target: Language) -> None:
    """Every noun of the sentence is in its translation (_rendered). A model that cannot say a sentence smooths
    it over: "Meine Mutter leitet eine Waschmaschine in der Schule" came back as "My mother is a teacher in the
    school". Nouns only: a verb or an adjective translated alone is too often another word ("fahren": to go;
    "bonito": beautiful) to refuse a sentence over (stop 34's reading of 42 Gemma pairs: this check refused 6
    of the 11 wrong translations and 3 of the 31 right ones; every content word checked alike, 11 and 13).
    A noun the model translates as a verb ("Zug": "to travel", or "to go" once llama.cpp reuses a cached
    prompt's start) is one it does not know: "Ich fahre einen Zug in den Urlaub" passed as "I am going to the
    vacation" (stop 44's benchmark), so that refuses the sentence too (2 of 60 common nouns got a verb, "Zug"
    and "Essen"), unless the conjugator knows the word as a verb's ("donne": "to give" is right).
    Skipped where the language has no tagger or no examples for the word prompt."""
    if not parts_of_speech.can_tag(target.code):
        return
    for word in _nouns_of(sentence, target.code):
        rendered, meaning = _rendered(ctx, word, translation, native, target)
        if rendered is None:
            return
        if not rendered:
            raise ExerciseError(f"the translation leaves out “{word}” ({meaning or '?'})")
        if meaning.casefold().startswith(spec()["verb_meaning_starts"].get(native.code, "\0")) and \
                _only_a_noun(word, target.code):
            raise ExerciseError(f"the model reads the noun “{word}” as a verb ({meaning})")


_NOT_NOUNS = frozenset({"VERB", "AUX", "ADJ", "ADV", "PRON", "DET", "ADP"})


def _nouns_of(sentence: str, lang: str) -> list[str]:
    """The words of ``sentence`` that are surely nouns (not names, three letters or more): the tagger's nouns with
    no other reading, and in German also a capitalised word after the first that is no pronoun or determiner
    ("Fass", which the tagger also reads as "fassen"'s imperative: of Multi30k captions, Gemma rendered "ein
    blau-weißes Fass" as "a blue-white sky"). DELA's French nouns that are nothing else were tried the same way
    and left out: they refused "des rochers tranchants" rendered as "the rough ground", but also 5 of the 16
    signable French items of stop 44's benchmark ("Mon père est un gros fan de football": "soccer")."""
    words = lexicon.LETTER_RUN.findall(sentence)
    out = []
    for k, word in enumerate(words):
        if len(word) < 3 or lexicon.is_given_name(word, lang):
            continue
        found = parts_of_speech.tags(word, lang)
        if "NOUN" in found and not found & _NOT_NOUNS:
            out.append(word)
        elif parts_of_speech.capitalises_nouns(lang) and k and word[:1].isupper() and \
                not found & {"PRON", "DET", "NUM"}:
            out.append(word)
    return out


def _only_a_noun(word: str, lang: str) -> bool:
    """A word the tagger reads only as a noun that is surely no verb's form: the tagger reads the French verb
    "donne" as a noun ("la donne"), the conjugator knows it as "donner"'s; German verbs are not capitalised."""
    if agreement.is_verb_form(word, lang):
        return False
    return word[:1].isupper() if lang == "de" else True


def _cloze_hint(ctx: JobContext, answer: str, translation: str, native: Language, target: Language) -> str:
    """A cloze's hint: its answer's own meaning (word_translation: translated alone and greedily, and checked
    as a card's meaning is), where the sentence's translation says it too (_says_meaning); the translation itself
    where the languages have no examples for the word prompt. The translation was the hint until stop 46,
    and half of the clozes built on Multi30k captions (stop 45's benchmark) had a hint that mistranslated
    another word ("Trois petits ___ reniflent quelque chose": "Three small dogs are playing something"):
    two answers of the model that agree on one word are surer than one sentence of it, and the learner
    still reads the gap's meaning. A meaning the word prompt gets wrong ("pomme": "to peel") is not in the
    translation, so it refuses the item (HintMisreads) rather than teach it; one that fails a card's checks
    (a name, a word left as it is) raises ExerciseError, and another gap may be tried."""
    meaning = word_translation(ctx, answer, native, target)
    if not meaning:
        return translation
    if not _says_meaning(translation, meaning, native):
        raise HintMisreads(f"the hint does not say the answer “{answer}” ({meaning})")
    return meaning


class HintMisreads(ExerciseError):
    """The sentence's translation and its answer's meaning disagree: one of them is wrong, and another word
    of the same sentence would be read through the same translation."""


def _rendered(ctx: JobContext, word: str, translation: str, native: Language,
              target: Language) -> tuple[bool | None, str]:
    """(whether ``translation`` says ``word``, the word's meaning): the word is like one of its words (a
    cognate, "Büro", "bureau": no model asked), or its own translation (alone and greedily, as a card's
    meaning) shares a lemma with a word of it; None where the languages have no examples for the word
    prompt."""
    if _cognate_in(translation, word):
        return True, ""
    meaning = _meaning(ctx, word, native, target)
    if meaning is None:
        return None, ""
    return _says_meaning(translation, meaning, native), meaning


def _cognate_in(translation: str, word: str) -> bool:
    """Whether ``translation`` has a word much like ``word`` ("Büro", "bureau")."""
    import difflib

    folded = _fold(word)
    return any(difflib.SequenceMatcher(a=folded, b=_fold(w)).ratio() >= COGNATE
               for w in lexicon.LETTER_RUN.findall(translation))


def _says_meaning(translation: str, meaning: str, native: Language) -> bool:
    """Whether ``translation`` has a word of ``meaning`` that is no function word ("the", "to": FUNCTION_ZIPF),
    as it is or, where the meaning's word is a dictionary form ("to fall"), in a form of it ("falls"). The
    answer's own cognate in the translation does not do: "Hay muchos cafés en esta calle" is "There are many
    cafés in this street", and "café" was carded as "coffee" on it; nor a meaning that is another word's form:
    "dress" was carded "vestida" (dressed) on "Compro un vestido", both forms of "vestir" (stop 47)."""
    import simplemma

    said = [_fold(w) for w in lexicon.LETTER_RUN.findall(translation)]
    lemmas = set(said) | {simplemma.lemmatize(w, lang=native.code) for w in said}
    wanted = {_fold(w) for w in lexicon.LETTER_RUN.findall(meaning) if lexicon.zipf(w, native.code) < FUNCTION_ZIPF}
    return any(w in said or (simplemma.lemmatize(w, lang=native.code) == w and w in lemmas) for w in wanted)


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
    """The words of the learner's band worth a card, as a dictionary writes them (German nouns capitalised):
    not the most common, grammatical words, a place or person the tagger reads only as a name ("york"), a
    first name that the part-of-speech data does not place as a word of its own ("michel" goes, "pierre",
    a stone, stays), a vulgar word or an English one."""
    common = set(lexicon.ranked_lemmas(target.code, COMMON_WORDS))
    lang = target.code
    return [parts_of_speech.dictionary_form(w, lang) for w in lexicon.words_for_level(lang, level)
            if w not in common and len(w) > 2 and not parts_of_speech.only_a_name(w, lang)
            and not (lexicon.is_given_name(w, lang) and not parts_of_speech.placed(w, lang))
            and not lexicon.unwanted(w, lang)]


def _uncarded_words(target: Language, level: str, existing: set[str]) -> list[str]:
    """The words of the learner's band worth a card (content_words) that have none in ``existing`` yet."""
    taken = {k.split(":")[1] for k in existing if k.startswith("vocab:")}
    return [w for w in content_words(target, level) if _fold(w) not in taken]


def _band_word(target: Language, level: str, existing: set[str], rng: random.Random) -> str:
    choices = _uncarded_words(target, level, existing)
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
    name = TARGET_TEXT.get(ex.type)
    if name is not None:
        own = ex.fields["word"] if ex.type == "vocab" else ""  # a card's own word may be beyond the level
        _check_reach(ex.fields[name].replace("___", " "), name, target, level, own)


def _check_one_sentence(text: str, what: str) -> None:
    count = len(sentences(text))
    if count > 1:
        raise ExerciseError(f"the {what} is {count} sentences, not one")


def _check_reach(text: str, what: str, target: Language, level: str, own: str = "") -> None:
    """A target-language sentence is within the learner's reach: one sentence, no longer than the level's
    bound in words, and no more than one word (names and ``own`` aside) beyond the learner's level plus
    LEVEL_MARGIN in the frequency bands."""
    _check_one_sentence(text, what)
    most = spec()["sentence_words"][level]
    if len(text.split()) > most:
        raise ExerciseError(f"the {what} is longer than {most} words, the bound for {level}")
    order = levels()
    if not lexicon.can_check(target.code) or order.index(level) + LEVEL_MARGIN >= len(order) - 1:
        return  # from B2 on, any real word of the language may come up
    ceiling = order[order.index(level) + LEVEL_MARGIN]
    too_hard = [w for w in lexicon.words_above(text, target.code, ceiling) if _fold(w) != _fold(own)]
    if len(too_hard) > 1:
        raise ExerciseError(f"the {what} is above {level}: {', '.join(f'“{w}”' for w in too_hard[:3])}")


GAP_WORDS_TRIED = 4  # words of a sentence tried as its gap before the sentence is given up
FIT_RIVALS = 2  # random words of the answer's band a cloze's answer must fit better than
CHOICE_MARGIN = 6.0  # nats: how much worse than the answer a distractor must make the sentence; at 3, four
# of the six distractors that were also right in 24 choices on the sentence bank (stop 46) scored 3.4-3.7 worse
# ("Estos zapatos son algo pequeños", "Nous lisons un livre en physique"); at 4.5, "für meinen Mitarbeiter" and
# "para mi equipo" (5.1, 5.5) passed. At 6, 42 of 42 bank choices were still made (stop 47); what a 270M model
# cannot tell apart at any margin remains ("den ganzen Januar E-Mails": 8.0 worse)
DISTRACTOR_POOL = 8  # candidate distractors scored for one gap
DISTRACTOR_TRIES = 80  # words of the answer's band looked at to find them
NOUN_POOL = 40  # candidates looked at after a determiner, where about half (a third in German) have the gender
ELISIONS = 2  # letters before an apostrophe that make an elision (l', qu'), not a word's inside (aujourd'hui)


def _gap_item(ctx: JobContext, kind: str, sentence: str, native: Language, target: Language, level: str,
              existing: set[str], rng: random.Random, topic: str, source: str,
              known: str | None = None) -> Exercise:
    """A gap item from a sentence the model wrote (checked), made by the app: one of its words within the
    learner's band is blanked; a cloze's hint is the answer's meaning, which the app's translation of the
    sentence must say too (_cloze_hint: where they disagree the sentence is refused, whatever its other
    words, unless a person wrote its translation, ``known``: then another gap is tried). The answer is the
    model's own word, so it is a real word that belongs there; a cloze's answer must still fit better than
    random words of its band; a choice's distractors are words of the answer's band and part of speech that
    the model finds clearly worse in the gap, so none of them is also right."""
    translation = "" if kind != "cloze" else known or app_translation(ctx, sentence, native, target)
    problem = f"no word of the sentence makes a gap at {level}"
    for word, start, end in gap_words(sentence, target, level, rng, translation):
        if not fair_gap(word, kind, target.code):
            problem = f"“{word}” is {parts_of_speech.names(parts_of_speech.tags(word, target.code))}: many words fit"
            continue
        gapped = sentence[:start] + "___" + sentence[end:]
        if kind == "cloze":
            ex = Exercise(kind, {"sentence": gapped, "answer": word, "hint": translation}, topic, source)
        else:
            few = _too_little_context(gapped, word, target)
            if few:
                problem = few
                continue
            others = _distractors(ctx, gapped, word, target, level, rng)
            if others is None:
                problem = f"too few words of the band and kind of “{word}” are clearly wrong in its gap"
                continue
            options = [word, *others]
            rng.shuffle(options)
            ex = Exercise(kind, {"sentence": gapped, "options": options, "answer": word}, topic, source)
        try:
            validate(ex, target, existing, native, level)
            if kind == "cloze":
                _check_fit(ctx, ex, target, level, rng)
                ex.fields["hint"] = _cloze_hint(ctx, word, translation, native, target)
                validate(ex, target, existing, native, level)  # the meaning may give the answer away
        except HintMisreads as exc:
            if not known:
                raise  # the app's translation misreads one word of the sentence: no other gap is tried
            problem = str(exc)  # a person's translation is right: the word's meaning was wrong
            continue
        except ExerciseError as exc:
            problem = str(exc)
            continue
        return ex
    raise ExerciseError(problem)


def context_words(gapped: str, lang: str) -> list[str]:
    """The words of ``gapped`` besides its gap that say what it is about: nouns, verbs and adjectives
    outside the language's most common words ("ist", "sont", "très" say nothing of the gap)."""
    import simplemma

    common = set(lexicon.ranked_lemmas(lang, COMMON_WORDS))
    content = {"NOUN", "PROPN", "VERB", "ADJ"}
    return [w for w in (m[0] for m in lexicon.LETTER_RUN.finditer(gapped.replace("___", " ")))
            if len(w) >= 3 and simplemma.lemmatize(w.casefold(), lang=lang) not in common
            and (not parts_of_speech.can_tag(lang) or parts_of_speech.tags(w, lang) & content)]


def _too_little_context(gapped: str, answer: str, target: Language) -> str:
    """Why a multiple choice's gap has too little around it for one answer, or "". With one word of
    context many nouns of the answer's gender fit: "Der ___ ist kühl" took "Februar" as well as "Tag", "Die
    ___ ist groß" "Freundin" as well as "Familie" (stop 42's benchmark). A verb's gap after its pronoun is
    not held to it: its options are wrong by grammar."""
    if verb_slot(gapped, answer, target.code) is not None:
        return ""
    needed = spec()["types"]["choice"]["context_words"]
    found = context_words(gapped, target.code)
    if len(found) >= needed:
        return ""
    return f"the sentence says too little around the gap for one answer ({len(found)} of {needed} words)"


def fair_gap(word: str, kind: str, lang: str) -> bool:
    """Whether ``word`` may be the gap of a ``kind`` item: not, for a multiple choice, a word that can only be
    one of the type's 'no_gap_for' (an adjective or adverb: "mit ___ Ausblick" takes "schönem", "tollem" and
    "gutem" alike, and with no hint the learner cannot know which is meant)."""
    no_gap_for = frozenset(spec()["types"][kind].get("no_gap_for", ()))
    tags = parts_of_speech.tags(word, lang)
    return not (no_gap_for and tags and tags <= no_gap_for)


def _checked_sentence(sentence: str, target: Language, level: str) -> str:
    """The model's sentence, checked against language data: a whole sentence in its language, of real
    words, one sentence within the level's reach, no underscores of its own, verbs agreeing with their
    pronouns, no word stuck in a loop, no noun named twice."""
    _check_whole(sentence, target, "sentence")
    _check_language(sentence, target, "sentence")
    _check_words(sentence, target, "sentence")
    _check_reach(sentence, "sentence", target, level)
    if "_" in sentence:
        raise ExerciseError("the sentence has underscores of its own")
    _check_agreement(sentence, target, "sentence")
    _check_negation(sentence, target, "sentence")
    _check_repeats(sentence, "sentence")
    _check_said_twice(sentence, target)
    return sentence


SENTENCE_OPENERS = "¿¡\"'«“„‘( \u00a0"  # what may stand before a sentence's first letter
SENTENCE_CLOSERS = "\"'»”’) \u00a0"  # and after its final stop ("« Bonjour ! »")


def _check_negation(text: str, target: Language, what: str) -> None:
    """A negation's second word has its first before it in the sentence (resources/exercises.json:
    negation_pairs): "Je l'ai pas lu" is spoken French, and a model-written sentence teaches the written
    language. Not applied to an imported deck, which may teach the spoken one."""
    rule = spec().get("negation_pairs", {}).get(target.code)
    if not rule:
        return
    words = re.findall(r"[^\W\d_]+['’]?", text.casefold())
    for i, word in enumerate(words):
        if i == 0 or word not in rule["second"] or words[i - 1] in rule["noun_after"] or \
                any(" ".join(words[i:]).startswith(idiom) for idiom in rule.get("idioms", ())):
            continue
        if not any(w in rule["first"] for w in words[:i]):
            raise ExerciseError(f"the {what} has “{word}” without “{rule['first'][0]}”: spoken, not written "
                                f"{target.name}")


def _check_whole(text: str, target: Language, what: str) -> None:
    """A model-written sentence is a whole one: it starts with a capital letter (or a number), ends with a
    full stop, "!" or "?", and not on a word no sentence ends with (resources/exercises.json:
    dangling_words). "le tombe en bois." and "Wir leben in einem" were accepted in stop 34's benchmark.
    A Spanish question or exclamation opens with its mark ("opening_marks").
    An imported deck is not held to this: a card's example may be a phrase."""
    body = text.strip().lstrip(SENTENCE_OPENERS)
    if body[:1] != body[:1].upper():  # a letter with a capital, written small (Chinese has none)
        raise ExerciseError(f"the {what} does not start with a capital letter")
    body = body.rstrip(SENTENCE_CLOSERS)
    if not body.endswith(SENTENCE_ENDS):
        raise ExerciseError(f"the {what} does not end with a full stop, “!” or “?”")
    opening = spec()["opening_marks"].get(target.code, {}).get(body[-1:])
    if opening and opening not in text:
        raise ExerciseError(f"the {what} ends with “{body[-1]}” but does not open with “{opening}”")
    words = list(lexicon.LETTER_RUN.finditer(body))
    if not words:
        return
    last = words[-1]
    joined = last.start() > 0 and body[last.start() - 1] in "-'’"  # "Donne-la.", not a dangling article
    if not joined and last[0].casefold() in spec()["dangling_words"].get(target.code, []):
        raise ExerciseError(f"the {what} stops at “{last[0]}”, mid-phrase")


def app_translation(ctx: JobContext, sentence: str, native: Language, target: Language) -> str:
    """The model's sentence translated by the app into the learner's language, alone and greedily with the
    translation task's prompt, then checked: its language, real words, one sentence of a length like the
    sentence's. Gemma-3-270M's translations written beside the sentence in the item's JSON were right for
    3 of 9 French sentences; alone, 6 of 9 (stop 34). An answer that only copies the sentence refuses it."""
    from assistant.tasks.translate import Translator

    translator = Translator(target, native)
    translation = translator.prose(ctx, sentence).strip()
    if translator.untranslated or not translation:
        raise ExerciseError(f"the model could not translate the sentence into {native.name}")
    translation = rules_corrected(translation, native)
    _check_language(translation, native, "translation")
    _check_words(translation, native, "translation")
    if _fold(sentence) == _fold(translation):
        raise ExerciseError("the translation repeats the sentence")
    _check_one_sentence(translation, "translation")
    _check_pair(sentence, translation)
    _check_nouns_kept(ctx, sentence, translation, native, target)
    return translation


def rules_corrected(text: str, lang: Language) -> str:
    """``text`` with the grammar rules' corrections made, where the app has rules for its language (English:
    Harper, the Grammar pane's rules layer, without style): the app's own translation is what the learner
    reads as the hint or translates back from, and Gemma's "I am working in a office." (stop 34's
    benchmark) should not teach the learner's own language wrong. Unknown words are not this layer's: the
    translation's words are checked apart (_check_words)."""
    if lang.code != "en":
        return text
    from assistant.checking.rules import RulesChecker

    return RulesChecker().corrected(text)


def _translation_item(ctx: JobContext, sentence: str, native: Language, target: Language, level: str,
                      existing: set[str], topic: str, source: str, known: str | None = None) -> Exercise:
    """A translation drill: the learner translates the app's translation of the model's (checked) sentence
    back into that sentence, or a person's translation (``known``) of a sentence a person wrote."""
    ex = Exercise("translate", {"source": known or app_translation(ctx, sentence, native, target),
                                "answer": sentence}, topic, source)
    validate(ex, target, existing, native, level)
    return ex


def _check_said_twice(sentence: str, target: Language) -> None:
    """A short sentence a model wrote that names the same thing twice is going round in circles ("Je vais à
    la gare de la gare", four of the benchmark's 42 accepted items in one run): a noun may stand once.
    Verbs may come back ("je vais au jardin, je vais voir"). Not applied to an imported deck."""
    import simplemma

    if not parts_of_speech.can_tag(target.code):
        return
    seen: set[str] = set()
    for written in lexicon.LETTER_RUN.findall(sentence):
        word = written.translate(LIGATURES)  # "des oeuf et des œufs" (stop 38's benchmark): one noun
        if len(word) < 3 or parts_of_speech.tags(word, target.code) != {"NOUN"}:
            continue
        lemma = simplemma.lemmatize(word.casefold(), lang=target.code)
        if lemma in seen:
            raise ExerciseError(f"the sentence says “{written}” twice")
        seen.add(lemma)


LIGATURES = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae"})  # two spellings of one French word


ORDER_MARGIN = 8.0  # nats: how much worse than the model's sentence two swapped words must make it
SLIP_FORMS = 3  # an agreement slip uses one of the verb's this many commonest wrong forms


def _mistake_item(ctx: JobContext, sentence: str, native: Language, target: Language, level: str,
                  existing: set[str], rng: random.Random, topic: str, source: str) -> Exercise:
    """A 'find the mistake' item made by the app from a sentence the model wrote (checked as a gap item's
    is): the app puts one mistake in it, so the correction is the model's checked sentence and the mistake
    is one by construction. A verb after its subject pronoun takes another person's form of its tense, one
    the pronoun never takes (the conjugator's tables: "Je mange" → "Je manges"); else, where the language
    has no conjugator or the sentence no such verb, two neighbouring words swap places where the model
    scores the swap at least ORDER_MARGIN nats worse than the sentence. The model never writes the mistake:
    asked to, it wrote 'mistakes' that were right and 'corrections' that were another sentence."""
    explained = spec()["types"]["error_spot"]
    made = _agreement_slip(sentence, target, rng, explained["agreement_explanation"])
    if made is None:
        made = _order_slip(ctx, sentence, rng, explained["reorder_explanation"])
    if made is None:
        raise ExerciseError("the sentence has no verb after its pronoun nor two words whose swap is clearly wrong")
    wrong, explanation = made
    ex = Exercise("error_spot", {"sentence": wrong, "answer": sentence, "explanation": explanation}, topic, source)
    validate(ex, target, existing, native, level)
    return ex


def _agreement_slip(sentence: str, target: Language, rng: random.Random, explain: str) -> tuple[str, str] | None:
    from wordfreq import zipf_frequency

    slips = agreement.slips(sentence, target.code)
    if not slips:
        return None
    verb = rng.choice(sorted({(s.start, s.end) for s in slips}))
    forms = sorted((s for s in slips if (s.start, s.end) == verb),
                   key=lambda s: -zipf_frequency(s.wrong, target.code))[:SLIP_FORMS]
    s = rng.choice(forms)
    return (sentence[:s.start] + s.wrong + sentence[s.end:],
            explain.format(pronoun=s.pronoun, right=s.right, wrong=s.wrong))


def _order_slip(ctx: JobContext, sentence: str, rng: random.Random, explain: str) -> tuple[str, str] | None:
    """Two neighbouring words of ``sentence`` swapped, not the first (a question's inversion) nor a piece of
    an elided or hyphenated word, where the model finds the swap clearly worse; None when no swap is, or
    the backend cannot score (a server)."""
    words = list(lexicon.LETTER_RUN.finditer(sentence))
    swaps = []
    for a, b in pairwise(words[1:]):  # never the first word
        between = sentence[a.end():b.start()]
        if between.strip() or _fold(a[0]) == _fold(b[0]):
            continue
        if sentence[a.start() - 1] in "'’-" or sentence[b.end():b.end() + 1] in ("'", "’", "-"):
            continue
        swaps.append(sentence[:a.start()] + b[0] + between + a[0] + sentence[b.end():])
    if not swaps:
        return None
    scores = ctx.backend.logprobs([sentence, *swaps])
    if any(sc is None for sc in scores):
        return None
    clear = [w for w, sc in zip(swaps, scores[1:], strict=True) if sc <= scores[0] - ORDER_MARGIN]
    return (rng.choice(clear), explain) if clear else None


def gap_words(sentence: str, target: Language, level: str, rng: random.Random,
              hint: str = "") -> list[tuple[str, int, int]]:
    """Words of ``sentence`` that make a fair gap, in random order, at most GAP_WORDS_TRIED: whole words
    (not a piece of "aujourd'hui" or of a hyphenated word; after an elision's apostrophe is fine), real
    words of the language within the learner's band, not among its most common grammatical words, not
    the first word (its capital would tell) nor a name, once in the sentence, and not in ``hint``."""
    lang = target.code
    if not lexicon.can_check(lang):
        return []
    import simplemma

    order = levels()
    reachable = set(order[: order.index(level) + 1])
    common = set(lexicon.ranked_lemmas(lang, COMMON_WORDS))
    found = []
    for m in lexicon.LETTER_RUN.finditer(sentence):
        word, start, end = m[0], m.start(), m.end()
        if not sentence[:start].strip() or len(word) < 3:
            continue  # the first word, or too short to be worth a gap
        before, after = sentence[start - 1], sentence[end:end + 2]
        if before == "-" or after[:1] == "-" or (after[:1] in "'’" and after[1:2].isalpha()):
            continue  # inside a hyphenated or apostrophed word
        if before in ("'", "’"):
            elided = re.search(r"[^\W\d_]+$", sentence[: start - 1])
            if elided and len(elided[0]) > ELISIONS:
                continue  # the end of "aujourd'hui", not a word after "l'" or "qu'"
        if word[:1].isupper() and not (parts_of_speech.capitalises_nouns(lang) and
                                       "NOUN" in parts_of_speech.tags(word, lang)):
            continue  # a name (German nouns are capitalised)
        if _occurrences(word, sentence) != 1:
            continue
        if hint and _in_sentence(word, hint):
            continue
        if not lexicon.is_real_word(word, lang) or lexicon.reach_level(word, lang) not in reachable:
            continue
        if simplemma.lemmatize(word.casefold(), lang=lang) in common:
            continue
        found.append((word, start, end))
    rng.shuffle(found)
    return found[:GAP_WORDS_TRIED]


def _check_fit(ctx: JobContext, ex: Exercise, target: Language, level: str, rng: random.Random) -> None:
    """A cloze's answer fits its gap better than random words of its frequency band, by the model's
    log-probability of the whole sentence. Skipped on a backend that cannot score (a server)."""
    f = ex.fields
    band = lexicon.level_of(f["answer"], target.code) or level
    pool = [w for w in lexicon.words_for_level(target.code, band)
            if _fold(w) != _fold(f["answer"]) and not lexicon.is_given_name(w, target.code)
            and not lexicon.unwanted(w, target.code)]
    rivals = rng.sample(pool, min(FIT_RIVALS, len(pool)))
    if not rivals:
        return
    scores = ctx.backend.logprobs([f["sentence"].replace("___", w, 1) for w in [f["answer"], *rivals]])
    if any(sc is None for sc in scores):
        return
    beaten = [w for w, sc in zip(rivals, scores[1:], strict=True) if sc >= scores[0]]
    if beaten:
        raise ExerciseError(f"“{beaten[0]}” fits the gap as well as the answer “{f['answer']}”")


def _prose(fields: dict) -> str:
    """An exercise's texts, one a line, as the example-leak check reads them."""
    return "\n".join(v if isinstance(v, str) else " ".join(v) for v in fields.values())


def distractor_candidates(sentence: str, answer: str, target: Language, level: str, rng: random.Random,
                          count: int = DISTRACTOR_POOL) -> list[str]:
    """Up to ``count`` words that could stand as the answer's distractors: real words of its frequency band
    and part of speech, not a first name ("michel" is in the French list as a word), not in the sentence,
    capitalised where the answer is (German nouns), no name where the answer is none ("Twitter" and "Bayern"
    stood beside "Gericht" and "Schule" in stop 39's and 40's benchmarks). The part-of-speech data must place the
    word itself: the lower-case frequency lists hold names it only guesses at ("madrid", "rodríguez" were options
    in stop 35's benchmark). A German noun's distractor is a noun as the frequency list writes it, in lower case:
    capitalised, "falls", "sowas", "hey" and "ausschliesslich" read as nouns and stood beside "Nähe" and
    "Krankenhaus" in stop 38's benchmark."""
    lang = target.code
    slot = verb_slot(sentence, answer, lang)
    if slot is not None:
        return _verb_distractors(sentence, answer, target, slot, rng, count)
    pool = list(lexicon.words_for_level(lang, lexicon.reach_level(answer, lang) or level))
    rng.shuffle(pool)
    names = parts_of_speech.can_tag(lang) and "PROPN" not in parts_of_speech.tags(answer, lang)
    timely = _time_word(answer, lang)

    def fits(word: str) -> bool:
        if len(word.split()) != 1 or lexicon.is_given_name(word, lang) or lexicon.unwanted(word, lang) or \
                _in_sentence(word, sentence) or not lexicon.is_real_word(word, lang) or \
                (parts_of_speech.can_tag(lang) and not parts_of_speech.placed(word, lang)):
            return False
        if names and "PROPN" in parts_of_speech.tags(word, lang):
            return False  # a name beside a common noun ("Twitter", "Bayern" among "Gericht", "Schule")
        if timely and _time_word(word, lang):
            return False  # "Im April essen wir auf der Terrasse" is as right as "Im Sommer"
        if parts_of_speech.capitalises_nouns(lang) and word[:1].islower() and \
                not parts_of_speech.tags(word, lang) - {"NOUN", "PROPN"}:
            return False  # written small, a German noun or name is no word ("lage", "europa" beside "essen")
        # written with a noun's capital, the tagger reads any word as a noun ("Falls", "Sowas")
        return not (parts_of_speech.capitalises_nouns(lang) and word[:1].isupper() and
                    "NOUN" not in parts_of_speech.tags(word.casefold(), lang))

    def check(word: str) -> None:
        _check_distractor_bands([word], answer, target)
        _check_distractor_parts_of_speech([word], answer, target)

    words = (w for w in (cased_like(w, answer) for w in pool[:DISTRACTOR_TRIES]) if fits(w))
    return _first_passing(words, answer, check, count)


def _time_word(word: str, lang: str) -> bool:
    """Whether ``word`` (or its lemma) is a word of time: a day, month, season, part of the day or unit of time
    (resources/exercises.json: time_words)."""
    import simplemma

    found = _time_words().get(lang, frozenset())
    return _fold(word) in found or _fold(simplemma.lemmatize(word, lang=lang)) in found


@cache
def _time_words() -> dict[str, frozenset[str]]:
    return {lang: frozenset(_fold(w) for w in words) for lang, words in spec().get("time_words", {}).items()}


def _first_passing(words: Iterable[str], answer: str, check: Callable[[str], None], count: int) -> list[str]:
    """The first ``count`` distinct words other than the answer that ``check`` lets through (it raises
    ExerciseError for the others)."""
    found: list[str] = []
    for word in words:
        if _fold(word) in {_fold(answer), *map(_fold, found)}:
            continue
        try:
            check(word)
        except ExerciseError:
            continue
        found.append(word)
        if len(found) == count:
            break
    return found


def _verb_distractors(sentence: str, answer: str, target: Language, slot: VerbSlot, rng: random.Random,
                      count: int) -> list[str]:
    """Distractors for a gap after a subject pronoun: the answer's own verb for the other persons ("Je ___ en
    entreprise": "travaille" among "travailles", "travaillons", "travaillent"; "Ich ___": "arbeite" among
    "arbeitest", "arbeitet", "arbeiten"), from the conjugator or the present-tense rules. Only one option can
    follow the pronoun, so the answer is the one right by construction. Other verbs in the answer's form,
    the earlier choice, let a second verb fit ("Je reste en entreprise" beside "travaille"; "Ich sehe die
    Straßen" beside "kenne": stops 39 and 42's benchmarks), and no check here can see meaning."""
    forms = [cased_like(f, answer) for f in slot.other_forms()
             if not _in_sentence(f, sentence) and lexicon.is_real_word(f, target.code)]
    rng.shuffle(forms)
    return forms[:count]


def _noun_data(lang: str) -> dict | None:
    data = spec()["noun_slots"]
    return data if lang in data["gender_frames"] else None


_LAST_WORD = re.compile(r"([^\W\d_]+['’]?)\s*$")


def noun_slot(gapped: str, answer: str, lang: str) -> str | None:
    """The determiner the gap follows ("la ___", "l'___") where the answer, one word, can be a noun: its
    distractors must then be nouns of its gender and number; None otherwise."""
    data = _noun_data(lang)
    at = gapped.find("___")
    if data is None or at < 0 or len(answer.split()) != 1 or "NOUN" not in parts_of_speech.tags(answer, lang):
        return None
    before = _LAST_WORD.search(gapped, 0, at)
    found = before.group(1).casefold().replace("’", "'") if before else None
    return found if found in data["determiners"][lang] else None


def plural_of(noun: str, lang: str) -> str | None:
    """``noun``'s plural by the first of the language's plural endings that fits it, if the frequency list
    knows the result (the spelling dictionary is not enough: it took "novembres", which no one writes, as
    a choice's option in stop 47's benchmark) and simplemma takes it back to ``noun``; None otherwise, and
    for a language without such endings (German's plurals are the word's own)."""
    import simplemma

    for ending, plural in _noun_data(lang)["plurals"].get(lang, ()):
        if noun.endswith(ending):
            form = noun[: len(noun) - len(ending)] + plural
            ok = lexicon.is_real_word(form, lang) and lexicon.zipf(form, lang) > 0 and \
                simplemma.lemmatize(form.casefold(), lang=lang) == noun.casefold()
            return form if ok else None
    return None


def singular_of(word: str, lang: str) -> str | None:
    """The noun of which ``word`` is the plural, or None: by the plural endings where the language has
    them, else any noun simplemma takes it back to ("Häuser": Haus)."""
    import simplemma

    lemma = simplemma.lemmatize(word, lang=lang)
    if lemma.casefold() == word.casefold():
        return None
    if lang not in _noun_data(lang)["plurals"]:
        return lemma
    return lemma if plural_of(lemma, lang) == word.casefold() else None


def genders(ctx: JobContext, nouns: list[str], lang: str) -> list[int] | None:
    """Each noun's gender as the model reads it: the index of its likeliest gender frame ("C'est un {}.",
    "C'est une {}."; German has three); None where the backend cannot score."""
    frames = _noun_data(lang)["gender_frames"][lang]
    scores = ctx.backend.logprobs([frame.format(n) for n in nouns for frame in frames])
    if any(sc is None for sc in scores):
        return None
    per = len(frames)
    return [max(range(per), key=lambda k, i=i: scores[per * i + k]) for i in range(len(nouns))]


def _agreeing_nouns(ctx: JobContext, determiner: str, answer: str, candidates: list[str], lang: str) -> list[str]:
    """The candidates that are nouns, in the answer's number and kept where the model gives them the
    answer's gender and they follow the determiner as the answer does: after "la" or "les", "sol" and "eau"
    give the answer away. A language without plural endings offers only candidates already in the
    answer's number; one whose plural articles have no gender (German) checks none there. Where the nouns'
    data knows the answer (German, assistant.learning.determiners), a candidate is kept when it has the
    answer's gender and case after the determiner by that data, and the model is not asked."""
    singular = singular_of(answer, lang)
    plural = singular is not None
    rules = lang in _noun_data(lang)["plurals"]
    elision = _noun_data(lang)["elision"].get(lang, {})  # "l'" before a vowel or h, never "la eau"
    nouns: list[tuple[str, str]] = []  # (the noun, the form offered)
    for c in candidates:
        if "NOUN" not in parts_of_speech.tags(c, lang):
            continue
        its_singular = singular_of(c, lang)
        base = cased_like(its_singular or c, answer)
        if rules:  # a word that is its own plural ("gens", "mais") tells the learner nothing of its number
            form = plural_of(base, lang) if plural else base
            form = None if plural and form is not None and form.casefold() == base.casefold() else form
        else:
            form = c if (its_singular is not None) == plural else None
        if form is not None and _fold(form) != _fold(answer) and \
                not agreement.elision_breaks(determiner, form, elision):
            nouns.append((base, cased_like(form, answer)))
    if plural and lang in _noun_data(lang)["genderless_plurals"]:
        return [form for _base, form in nouns]
    slot = determiners.slot_readings(determiner, answer, lang)
    if slot:  # the nouns' data knows the answer's gender and case after the determiner: no model needed
        return [form for _base, form in nouns if determiners.fits_slot(form, slot, lang)]
    found = genders(ctx, [cased_like(singular or answer, answer), *(base for base, _form in nouns)], lang)
    if found is None:
        return [form for _base, form in nouns]
    return [form for (_base, form), gender in zip(nouns, found[1:], strict=True) if gender == found[0]]


def _distractors(ctx: JobContext, gapped: str, answer: str, target: Language, level: str,
                 rng: random.Random) -> list[str] | None:
    """The choice's wrong options: candidates the model scores at least CHOICE_MARGIN nats worse in the
    gap than the answer, so none of them is also right; None when too few are. After a determiner, a
    noun's candidates are nouns of its gender and number (noun_slot). After a subject pronoun they are
    the answer's verb for the other persons, wrong by grammar, and the model does not score them. A backend
    that cannot score (a server) leaves the band and part-of-speech checks as the only ones."""
    wanted = spec()["types"]["choice"]["fields"]["options"][1] - 1
    slot = verb_slot(gapped, answer, target.code)
    if slot is not None:
        forms = _verb_distractors(gapped, answer, target, slot, rng, wanted)
        return forms if len(forms) == wanted else None  # wrong by grammar, whatever the model scores
    determiner = noun_slot(gapped, answer, target.code)
    if determiner is not None:
        pool = distractor_candidates(gapped, answer, target, level, rng, count=NOUN_POOL)
        candidates = _agreeing_nouns(ctx, determiner, answer, pool, target.code)
        candidates = candidates[:DISTRACTOR_POOL]
    else:
        candidates = distractor_candidates(gapped, answer, target, level, rng)
    if len(candidates) < wanted:
        return None
    scores = ctx.backend.logprobs([gapped.replace("___", w, 1) for w in [answer, *candidates]])
    if any(sc is None for sc in scores):
        return candidates[:wanted]
    clear = [w for w, sc in zip(candidates, scores[1:], strict=True) if sc <= scores[0] - CHOICE_MARGIN]
    return clear[:wanted] if len(clear) >= wanted else None


@dataclass
class GenerationReport:
    made: list[Exercise] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # type -> why it cannot be made here
    held_back: dict[str, int] = field(default_factory=dict)  # type -> items a small model was not let write
    held_by: str = ""  # that model
    held_language: str = ""  # the language it was not let write
    held_topic: str = ""  # the sentence bank's topic the job was on, whose sentences gave what they could

    @property
    def written_by(self) -> str:
        """The model that wrote items of those made ("" when data built them all): one job, one model."""
        return next((ex.written_by for ex in self.made if ex.written_by), "")

    @property
    def on_text(self) -> int:
        """How many of those made are built on a sentence of the writer's own text."""
        return sum(1 for ex in self.made if ex.source == TEXT_SOURCE)

    @property
    def on_bank(self) -> int:
        """How many of those made are built on a sentence of the app's sentence bank."""
        return sum(1 for ex in self.made if ex.source == BANK_SOURCE)

    @property
    def small_model(self) -> bool:
        """That model is small enough that its items need the learner's eye."""
        return any(ex.small_model for ex in self.made)

    @property
    def caution(self) -> str:
        """What the learner should know about the items a small model wrote, or ""."""
        if not self.small_model:
            return ""
        return (f"{self.written_by} is a very small model: its items passed the checks of words, language and "
                "fit, yet many still read oddly. Remove any that look wrong (Ctrl+Delete); a larger model "
                "writes better ones (Models › Get models…).")

    @property
    def held_reason(self) -> str:
        """Why the items held back were not made, and what makes them, or ""."""
        if not self.held_back:
            return ""
        n, share = sum(self.held_back.values()), lexicon.data()["small_model_signable_share"]
        small = (f"{self.held_by} is too small to write {self.held_language} exercises a learner can rely on "
                 f"(about {round(share * 10)} in 10 of those it writes read right)")
        if self.held_topic:
            return (f"{n} item{'s were' if n != 1 else ' was'} not made: the app's example sentences on "
                    f"{self.held_topic} gave what they could, and {small}. Another of its topics, a "
                    f"{self.held_language} text of your own (from the document) or a larger model (Models › Get "
                    "models…) gives more.")
        return (f"{n} item{'s were' if n != 1 else ' was'} not made: {small}. The app's example sentences cover "
                f"{', '.join(sentence_bank.topic_names())}; so does a {self.held_language} text of your own (from "
                "the document), and a larger model writes them well (Models › Get models…).")


def topics_from_text(text: str, limit: int = 6) -> list[str]:
    """Topics for exercises from the writer's own document: its paragraphs' first sentences, shortened."""
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) > 20]
    out = []
    for p in paras[:limit]:
        first = sentences(p)[0]
        out.append(p[first.start : first.end].strip()[:160])
    return out or ([text.strip()[:160]] if text.strip() else [])


TEXT_SOURCE = "text"  # an item built on a sentence of the writer's text, not on one the model wrote
BANK_SOURCE = "bank"  # an item built on a sentence of the app's sentence bank (sentence_bank.py)
TEXT_TRIES = 8  # of the text's sentences tried for one item: a try costs a translation or a few scores, and the
# sentence the model writes when none takes is the less sure item (stop 46: with 3, 8 of 20 clozes asked of
# Multi30k captions fell back to the model and failed there)


def _on_own_sentence(ctx: JobContext, kind: str, native: Language, target: Language, level: str, topic: str,
                     existing: set[str], own: list[str], tried: set[tuple[str, str]],
                     rng: random.Random, known: dict[str, str] | None = None,
                     source: str = TEXT_SOURCE) -> Exercise | None:
    """An item of ``kind`` on one of the text's (or the bank's) sentences ``own``, or None: the model writes
    one instead. Each sentence is tried once for each kind (``tried``; a sentence with no fair gap may still
    take a mistake), at most TEXT_TRIES for one item, the sentences used least first; ``known``: the
    translations people wrote of them."""
    if not built_on_a_sentence(kind):
        return None
    fresh = [s for s in own if (s, kind) not in tried]
    fresh.sort(key=lambda s: sum(1 for _s, _k in tried if _s == s))
    for sentence in fresh[:TEXT_TRIES]:
        tried.add((sentence, kind))
        try:
            return generate_one(ctx, kind, native, target, level, topic, existing, source, rng=rng,
                                sentence=sentence, translation=(known or {}).get(sentence))
        except ExerciseError:
            continue
    return None


def _card_on_bank(ctx: JobContext, native: Language, target: Language, level: str, topic: str,
                  existing: set[str], own: list[str], known: dict[str, str],
                  rng: random.Random, word: str | None = None) -> Exercise | None:
    """A vocabulary card for ``word`` (else a word of the learner's band) that one of the bank's sentences
    ``own`` uses, with that sentence as its example, or None. Its meaning is the model's greedy
    translation of the word, held to a card's checks and to the sentence's translation (``known``: the
    learner reads the bank's translations; None for another learner) saying it too (_says_meaning). The word
    is then on the topic, and the example is people's, where a model-written example failed its checks for 18 of 24
    cards (stop 46's benchmark), and the meaning is one a person's sentence confirms, where Gemma-3-270M's
    meaning of a band word alone was wrong for about 1 in 5 ("bar": to drink, "leiden": to live)."""

    if not known:
        return None
    band = {_fold(w): w for w in ([word] if word else _uncarded_words(target, level, existing))}
    found = []
    for sentence in own:
        tokens = lexicon.LETTER_RUN.findall(sentence)
        for before, token in zip(["", *tokens], tokens, strict=False):
            for form in _card_forms(token, target.code, before):
                carded = band.get(_fold(form))
                if carded is not None:
                    if token[:1].isupper() and _fold(token) == _fold(carded) and not sentence.startswith(token):
                        carded = token  # "Spanish", "Noël": a capital the frequency lists lose
                    if (carded, sentence) not in found:
                        found.append((carded, sentence))
                    break
    rng.shuffle(found)
    for word, sentence in found[:TEXT_TRIES]:
        ctx.check()
        try:
            meaning = word_translation(ctx, word, native, target)
            if not meaning or not _says_meaning(known[sentence], meaning, native):
                continue
            ex = Exercise("vocab", {"word": word, "translation": meaning, "example": sentence}, topic, BANK_SOURCE)
            validate(ex, target, existing, native, level)
        except ExerciseError:
            continue
        return ex
    return None


def _card_forms(token: str, lang: str, before: str = "") -> list[str]:
    """The forms of a sentence's ``token`` a card may be for (``before``: the word before it): a form that is
    only an inflection gives way to its lemmas ("buying": buy, lemminflect; "grandes": grand, simplemma), or
    to none where the lemma has no card to give (too common, or below the learner's band): the frequency
    lists rank such forms as words of their own. Where simplemma keeps the token, a verb form after no
    determiner is its infinitive ("Il oublie": oublier, by the conjugator's tables; "la porte" stays) and a
    French adjective form its masculine ("chemise blanche": blanc, DELA). An English token that is its own
    lemma ("left", also an adjective) stays."""
    import simplemma

    if lang == "en":
        from lemminflect import getAllLemmas

        lemmas = [f for forms in getAllLemmas(token.lower()).values() for f in forms]
        if lemmas and token.lower() not in lemmas:
            return list(dict.fromkeys(lemmas))
        return [token]
    lemma = simplemma.lemmatize(token, lang=lang)
    if _fold(lemma) != _fold(token):
        return [lemma]
    if _fold(before) in _determiners(lang):
        return [token]
    if "VERB" in parts_of_speech.tags(token, lang):
        verbs = agreement.infinitives_of(token, lang)
        if verbs:
            return verbs[:1]
    if lang == "fr" and dela.available():
        found = dela.lexicon().lemmas.get(token.casefold(), ())
        if len(found) == 1 and found[0] != token.casefold():
            return [found[0]]
    return [token]


@cache
def _determiners(lang: str) -> frozenset[str]:
    """The language's determiners (noun_slots), folded as a sentence's split tokens are ("l'": "l"); none for
    a language without noun data."""
    data = _noun_data(lang)
    return frozenset(_fold(d) for d in data["determiners"].get(lang, ())) if data else frozenset()


def small_writer(info: BackendInfo) -> bool:
    """Whether the model is small enough that what it writes for an item, checked, is still too often wrong
    to give a learner unasked (resources/learning_data.json: small_model_parameters); a model of unknown
    size (a server's) is not."""
    return 0 < info.parameter_count < lexicon.data()["small_model_parameters"]


def _model_writes(kind: str, held: bool, known: dict[str, str]) -> bool:
    """Whether a held model (``held``) would have to write an item of ``kind`` on the job's own sentences: a
    translation drill's answer where no person translated them (``known`` empty)."""
    return held and kind == "translate" and not known


def generate(ctx: JobContext, kinds: list[str], count: int, native: str, target: str, level: str,
             topic: str = "", text: str = "", existing: set[str] | None = None, words: list[str] | None = None,
             rng: random.Random | None = None, bank: bool = True, small_writes: bool = False) -> GenerationReport:
    """``count`` items cycling through ``kinds``, on a topic or from a document's text. Vocabulary cards
    are for ``words`` (the learner's collected words), else the text's words of the learner's band,
    else words of the band. A gap, mistake or translation item is built on one of the text's own
    sentences where it has any in the target language that pass the checks (text_sentences), else on a
    sentence the model writes on the text's topics; on a topic, on the sentence bank's sentences where it has
    the topic (bank_sentences; not with ``bank`` False), else on one the model writes. Types that cannot be
    made for the languages (no conjugator, no word list, a model that cannot write them) are skipped with the
    reason; if none is left, nothing is generated and the reason is the error. A small model (small_writer)
    writes nothing unless ``small_writes``: an item only it could make is held back (report.held_back), a
    collected or text word gets its card only from a bank sentence using it, a translation drill only on a
    sentence a person translated."""
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
    on_sentences = any(built_on_a_sentence(k) for k in usable)
    own, known, own_source = [], {}, TEXT_SOURCE
    if text.strip() and on_sentences:
        own = text_sentences(text, tgt, level)
    elif (on_sentences or "vocab" in usable) and bank:
        own, known = bank_sentences(topics[0], nat, tgt, level)
        rng.shuffle(own)  # another job on the topic starts on other sentences
        own_source = BANK_SOURCE
    held = small_writer(ctx.backend.info) and not small_writes
    if held:
        report.held_by, report.held_language = ctx.backend.info.model_name, tgt.name
        if own and own_source == BANK_SOURCE:
            report.held_topic = sentence_bank.topic_of(topics[0], sentence_bank.bank_language(tgt.code, nat.code)) or ""
    seen, tried = set(existing or ()), set()
    for i in range(count):
        ctx.progress(i, count, f"exercise {i + 1} of {count}")
        kind = usable[i % len(usable)]
        word = queue.pop(0) if kind == "vocab" and queue else None
        if kind == "vocab" and word is None and own_source == BANK_SOURCE:
            ex = _card_on_bank(ctx, nat, tgt, level, topics[i % len(topics)], seen, own, known, rng)
        elif kind == "vocab" and held:
            every, translated = sentence_bank.for_learner(None, tgt.code, nat.code)
            pairs = dict(every) if translated else {}
            ex = _card_on_bank(ctx, nat, tgt, level, topics[i % len(topics)], seen, list(pairs), pairs, rng, word)
        elif kind == "vocab" or _model_writes(kind, held, known):
            ex = None
        else:
            ex = _on_own_sentence(ctx, kind, nat, tgt, level, topics[i % len(topics)], seen, own, tried, rng,
                                  known, own_source)
        if ex is None and held and not spec()["types"][kind].get("built_by"):
            report.held_back[kind] = report.held_back.get(kind, 0) + 1
            continue
        try:
            ex = ex or generate_one(ctx, kind, nat, tgt, level, topics[i % len(topics)], seen,
                                    "document" if text.strip() else "topic", word, rng)
        except ExerciseError as exc:
            report.failed.append(str(exc))
            continue
        seen.add(ex.key())
        report.made.append(ex)
        if not spec()["types"][kind].get("built_by") and ex.source not in (TEXT_SOURCE, BANK_SOURCE):
            info = ctx.backend.info
            ex.written_by = info.model_name
            ex.small_model = small_writer(info)
    ctx.progress(count, count, "done")
    return report
