"""What every item must pass before a learner sees it, whoever made it (a model, the app's data, an
imported deck): the type's shape, then checks against real language data. Every word of a
target-language sentence is a word of that language (or a name) and, but for one, within two levels
of the learner's frequency band; the sentence is one sentence of a length fit for the level, in the
language asked for, with its verbs agreeing with their subjects; a translation says about as much as
its sentence; a choice's options are of the answer's band and part of speech. A failed check raises
ExerciseError with a message meant for the learner.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from assistant.languages import Language, detect_language, get_language
from assistant.learning import (
    adjectives,
    agreement,
    conjugation,
    determiners,
    lexicon,
    parts_of_speech,
    present_tense,
)
from assistant.learning.exercises import Exercise, ExerciseError, fold, in_sentence, levels, spec, types
from assistant.learning.item_grammar import SENTENCE_ENDS, WORD_ENDING
from assistant.text_units import sentences

MAX_GAP_WORDS = 3  # a gap holds a word or a short unit ("sommes allés", "a lot of"), not a clause


def check_language(text: str, lang: Language, what: str) -> None:
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
    if kind == "choice" and fold(fields["answer"]) not in [fold(o) for o in fields["options"]]:
        raise ExerciseError("the answer is not among the options")


def validate(ex: Exercise, target: Language, existing: set[str] | None = None,
             native: Language | None = None, level: str | None = None) -> None:
    """Raise ExerciseError naming the first problem (``level``: also check the words are within reach)."""
    f = ex.fields
    check_shape(ex.type, f)
    if ex.type in ("cloze", "choice"):
        if fold(f["answer"]) and in_sentence(f["answer"], f["sentence"]):
            raise ExerciseError("the sentence gives the answer away")
    if ex.type == "cloze" and fold(f["answer"]) and fold(f["answer"]) in fold(f.get("hint", "")):
        raise ExerciseError("the hint gives the answer away")
    if ex.type == "choice":
        opts = [fold(o) for o in f["options"]]
        if len(set(opts)) != len(opts):
            raise ExerciseError("two options are the same")
        if fold(f["answer"]) not in opts:
            raise ExerciseError("the answer is not among the options")
    if ex.type == "error_spot":
        if fold(f["sentence"]) == fold(f["answer"]):
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
    if ex.type == "vocab" and fold(f["word"]) == fold(f["translation"]):
        raise ExerciseError("the translation repeats the word")
    if ex.type == "vocab" and native is not None:
        _check_infinitive_translation(f["word"], f["translation"], target, native)
    if ex.type == "translate" and fold(f["source"]) == fold(f["answer"]):
        raise ExerciseError("the translation repeats the sentence")
    if ex.type in ("cloze", "choice") and re.search(r"\w___|___\w", f["sentence"]):
        raise ExerciseError("the gap is inside a word")
    in_target = TARGET_TEXT.get(ex.type)
    if in_target:
        check_language(f[in_target], target, in_target)
        check_words(f[in_target], target, in_target)
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
                check_distractor_bands(f["options"], f["answer"], target)
            if parts_of_speech.can_tag(target.code):
                check_distractor_parts_of_speech(f["options"], f["answer"], target)
    in_native = {"translate": "source", "vocab": "translation"}.get(ex.type)
    if in_native and native is not None:
        if ex.type == "translate":
            check_language(f[in_native], native, in_native)
            check_one_sentence(f[in_native], in_native)
        check_words(f[in_native], native, in_native)
    if level is not None:
        _check_level(ex, target, level)
    if ex.type == "translate":
        check_pair(f["answer"], f["source"])
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

    a, b = fold(wrong).split(), fold(corrected).split()
    changed = sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in
                  difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op != "equal")
    most = spec()["types"]["error_spot"]["changed_words"]
    if changed > most:
        raise ExerciseError(f"the corrected sentence changes {changed} words, not one mistake (at most {most})")


MARKUP = re.compile(r"[<>{}\[\]\\|#*=]")  # "Je cuisine une salade de cour</h4>", "in France.}"


def _check_explanation(wrong: str, corrected: str, explanation: str) -> None:
    """An item explained as its worked example is ("word order") must be a reordering: Gemma copied the
    phrase onto "Huit mois d'affaire" corrected into "4 mois de procès"."""
    if fold(explanation) == fold(spec()["types"]["error_spot"]["reorder_explanation"]) and \
            sorted(fold(wrong).split()) != sorted(fold(corrected).split()):
        raise ExerciseError(f"the explanation “{explanation}” is the example's, and the correction is no reordering")


def _check_card(f: dict, target: Language) -> None:
    """A card's translation is the word's meaning, not a sentence, and its example uses the word (a form of
    it: "voulu" for "vouloir")."""
    import simplemma

    count = len(f["translation"].split())
    if count > spec()["types"]["vocab"]["translation_words"]:
        raise ExerciseError(f"the translation is {count} words, not the word's meaning")
    word = fold(f["word"])
    lemma = fold(simplemma.lemmatize(f["word"].split()[-1], lang=target.code))
    for tok in lexicon.LETTER_RUN.findall(f["example"]):
        t = fold(tok)
        if t == word or word.endswith(" " + t) or fold(simplemma.lemmatize(tok, lang=target.code)) == lemma \
                or (t.startswith(word) and len(t) - len(word) <= WORD_ENDING):
            return
    raise ExerciseError(f"the example does not use “{f['word']}”")


BAND_SPREAD = 1  # levels a distractor's frequency band may lie from the answer's


def check_distractor_bands(options: list[str], answer: str, target: Language) -> None:
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
        if fold(o) != fold(answer) and len(o.split()) == 1 and abs(rank(o) - at) > BAND_SPREAD:
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
    persons = {fold(f) for f in slot.other_forms()}
    for o in options:
        if fold(o) == fold(answer) or fold(o) in persons:
            continue
        verb = slot.verb_of(o)
        if verb is None:
            raise ExerciseError(f"the option “{o}” is not a verb in the answer “{answer}”'s form after "
                                f"“{slot.pronoun}”, nor its verb for another person")
        check_distractor_bands([verb], slot.lemma, target)


def check_distractor_parts_of_speech(options: list[str], answer: str, target: Language) -> None:
    """Every distractor can be the same part of speech as the answer: a noun among verbs is picked
    without knowing what it means. Out of context a word may be several ("le": article or pronoun),
    a multiword unit has its words' together; sharing one is enough. A word of a closed class (a preposition,
    pronoun, common adverb) is only that beside an answer of an open one."""
    wanted = parts_of_speech.tags(answer, target.code)
    if not wanted:
        raise ExerciseError(f"the app cannot tell what kind of word the answer “{answer}” is")
    open_answer = not parts_of_speech.closed_class(answer, target.code)
    for o in options:
        if fold(o) == fold(answer):
            continue
        found = parts_of_speech.tags(o, target.code)
        closed = parts_of_speech.closed_class(o, target.code)
        if closed and open_answer:  # "desde", "yo" beside "internet": the tables' suffix rules call them nouns too
            found = closed
        if not found & wanted:
            kind = parts_of_speech.names(found) if found else "a word of unknown kind"
            raise ExerciseError(f"the option “{o}” is {kind}, not {parts_of_speech.names(wanted)} "
                                f"like the answer “{answer}”")


def check_words(text: str, lang: Language, what: str) -> None:
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
    for find, says in _AGREEMENT_CHECKS:
        found = find(text, lang.code)
        if found:
            raise ExerciseError(f"the {what} has {says(found[0], lang.code)}")


def _gender_slip(d: determiners.DeterminerSlip, lang: str) -> str:
    gender = determiners.gender_name(d.gender, lang)
    return f"“{d.determiner} {d.noun}”: " + (f"“{d.noun}” is {gender}" if gender
                                               else f"“{d.determiner}” does not go with “{d.noun}”")


# Each finder's first slip, as the learner reads it after "the sentence has ".
_AGREEMENT_CHECKS: tuple[tuple[Callable[[str, str], list], Callable[[Any, str], str]], ...] = (
    (agreement.disagreements, lambda w, _: f"“{w.pronoun} {w.written}”: after “{w.pronoun}” the verb is “{w.wanted}”"),
    (agreement.participle_slips,
     lambda p, _: f"“{p.auxiliary} {p.written}”: after “{p.auxiliary}” the verb is the participle “{p.wanted}”"),
    (agreement.noun_subject_disagreements,
     lambda n, _: f"“{n.subject} {n.written}”: after “{n.subject}” the verb is “{n.wanted}”"),
    (agreement.bare_infinitives, lambda b, _: f"“{b[0]} {b[1]}”: after “{b[0]}” the verb is not the infinitive"),
    (determiners.slips, _gender_slip),
    (determiners.number_slips,
     lambda n, _: f"“{n.determiner} {n.noun}”: after “{n.determiner}” the noun is “{n.wanted[0]}”"),
    (adjectives.slips, lambda a, _: f"“{a.noun} {a.adjective}”: the adjective agreeing is “{a.wanted[0]}”"),
)

REPEATS = 3  # the same word this many times in a row is a model stuck in a loop ("garden garden garden")
LENGTH_RATIO = 2.0  # words: a translation more than twice as long or short as its sentence, and by more
LENGTH_SLACK = 3  # than this many words, says something else (1 of 2,028 Multi30k fr/de-en human pairs)


def _check_repeats(text: str, what: str) -> None:
    """No word REPEATS times in a row, nor the same run of REPEATS words twice ("les plus accueillants et les
    plus accueillants"): a model going round in a loop."""
    words = [fold(w) for w in lexicon.LETTER_RUN.findall(text)]
    runs: set[tuple[str, ...]] = set()
    for i in range(len(words) - REPEATS + 1):
        run = tuple(words[i:i + REPEATS])
        if len(set(run)) == 1:
            raise ExerciseError(f"the {what} repeats “{words[i]}”")
        if run in runs:
            raise ExerciseError(f"the {what} says “{' '.join(run)}” twice")
        runs.add(run)


def check_pair(sentence: str, translation: str) -> None:
    """A sentence's translation can say what the sentence says: no word stuck in a loop and a length like
    the sentence's. The writing model's own log-probabilities cannot tell a right word from a wrong one:
    they back its mistranslations (bench/bench_translation_support.py); the app's translations are also
    checked noun by noun (_check_nouns_kept)."""
    for text, what in ((sentence, "sentence"), (translation, "translation")):
        _check_repeats(text, what)
    a, b = len(sentence.split()), len(translation.split())
    if max(a, b) > LENGTH_RATIO * min(a, b) and abs(a - b) > LENGTH_SLACK:
        raise ExerciseError(f"the translation has {b} words for a sentence of {a}")


LEVEL_MARGIN = 2  # levels above the learner's a sentence's words may reach (an A2 sentence: up to B2 words)
TARGET_TEXT = {"cloze": "sentence", "choice": "sentence", "error_spot": "answer", "translate": "answer",
               "vocab": "example"}


def _check_level(ex: Exercise, target: Language, level: str) -> None:
    name = TARGET_TEXT.get(ex.type)
    if name is not None:
        own = ex.fields["word"] if ex.type == "vocab" else ""  # a card's own word may be beyond the level
        _check_reach(ex.fields[name].replace("___", " "), name, target, level, own)


def check_one_sentence(text: str, what: str) -> None:
    count = len(sentences(text))
    if count > 1:
        raise ExerciseError(f"the {what} is {count} sentences, not one")


def _check_reach(text: str, what: str, target: Language, level: str, own: str = "") -> None:
    """A target-language sentence is within the learner's reach: one sentence, no longer than the level's
    bound in words, and no more than one word (names and ``own`` aside) beyond the learner's level plus
    LEVEL_MARGIN in the frequency bands."""
    check_one_sentence(text, what)
    most = spec()["sentence_words"][level]
    if len(text.split()) > most:
        raise ExerciseError(f"the {what} is longer than {most} words, the bound for {level}")
    order = levels()
    if not lexicon.can_check(target.code) or order.index(level) + LEVEL_MARGIN >= len(order) - 1:
        return  # from B2 on, any real word of the language may come up
    ceiling = order[order.index(level) + LEVEL_MARGIN]
    too_hard = [w for w in lexicon.words_above(text, target.code, ceiling) if fold(w) != fold(own)]
    if len(too_hard) > 1:
        raise ExerciseError(f"the {what} is above {level}: {', '.join(f'“{w}”' for w in too_hard[:3])}")


def checked_sentence(sentence: str, target: Language, level: str) -> str:
    """The model's sentence, checked against language data: a whole sentence in its language, of real
    words, one sentence within the level's reach, no underscores of its own, verbs agreeing with their
    pronouns, no word stuck in a loop, no noun named twice."""
    check_whole(sentence, target, "sentence")
    check_language(sentence, target, "sentence")
    check_words(sentence, target, "sentence")
    _check_reach(sentence, "sentence", target, level)
    if "_" in sentence:
        raise ExerciseError("the sentence has underscores of its own")
    _check_agreement(sentence, target, "sentence")
    check_negation(sentence, target, "sentence")
    _check_repeats(sentence, "sentence")
    _check_said_twice(sentence, target)
    return sentence


SENTENCE_OPENERS = "¿¡\"'«“„‘( \u00a0"  # what may stand before a sentence's first letter
SENTENCE_CLOSERS = "\"'»”’) \u00a0"  # and after its final stop ("« Bonjour ! »")


def check_negation(text: str, target: Language, what: str) -> None:
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


def check_whole(text: str, target: Language, what: str) -> None:
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
