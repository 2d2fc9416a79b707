"""Each type's item. Where language data can make one, the model does not: conjugation drills come
from the conjugator (conjugation.py), a vocabulary card's word from the learner's frequency band
(lexicon.py), a gap item's gap from the app, which blanks a real word of the learner's band in a
sentence (never inside a word), and a mistake item's mistake from the agreement data or two swapped
words the model finds clearly worse. Gap, mistake and translation items are built on a sentence: a
document's (text_sentences), the sentence bank's (bank_sentences) or, failing those, one the model
writes under the type's grammar (item_grammar.py). Every item passes item_checks.py; a failed one is
made again, a bounded number of times.
"""

from __future__ import annotations

import json
import random
import re
from itertools import pairwise

from assistant.engine import JobContext
from assistant.faithfulness.leaks import leaked
from assistant.languages import Language, detect_language
from assistant.learning import (
    agreement,
    conjugation,
    lexicon,
    parts_of_speech,
    sentence_bank,
)
from assistant.learning.distractors import choice_distractors
from assistant.learning.exercises import (
    MAX_TRIES,
    Exercise,
    ExerciseError,
    fold,
    in_sentence,
    levels,
    occurrences,
    spec,
    types,
    unavailable,
)
from assistant.learning.glosses import HintMisreads, app_translation, cloze_hint, word_translation
from assistant.learning.item_checks import check_negation, check_whole, checked_sentence, validate, verb_slot
from assistant.learning.item_grammar import grammar
from assistant.model_languages import refusal
from assistant.prompting import build_prompt
from assistant.text_units import paragraphs, sentences


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
            if fold(json.dumps(written)) == fold(json.dumps(shown)) or \
                    leaked(_prose(written), [_prose(shown)], target.code) is not None:
                raise ExerciseError("the model copied its example")
            if "model_fields" in t:
                written_sentence = checked_sentence(written["sentence"], target, level)
                _check_small_words(ctx, written_sentence, target)
                ex = _item_on(ctx, kind, written_sentence, native, target, level, existing, rng, topic, source)
            else:
                ex = Exercise(kind, written, topic, source)
                check_whole(written.get("example") or "", target, "example")
                check_negation(written.get("example") or "", target, "example")
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
    """The sentences of the writer's ``text`` that pass a model's sentence's checks (checked_sentence: in the
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
                out.append(checked_sentence(line[span.start : span.end].strip(), target, level))
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
            found.append((checked_sentence(sentence, target, level), translation))
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


def uncarded_words(target: Language, level: str, existing: set[str]) -> list[str]:
    """The words of the learner's band worth a card (content_words) that have none in ``existing`` yet."""
    taken = {k.split(":")[1] for k in existing if k.startswith("vocab:")}
    return [w for w in content_words(target, level) if fold(w) not in taken]


def _band_word(target: Language, level: str, existing: set[str], rng: random.Random) -> str:
    choices = uncarded_words(target, level, existing)
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


GAP_WORDS_TRIED = 4  # words of a sentence tried as its gap before the sentence is given up
FIT_RIVALS = 2  # random words of the answer's band a cloze's answer must fit better than


ELISIONS = 2  # letters before an apostrophe that make an elision (l', qu'), not a word's inside (aujourd'hui)


def _gap_item(ctx: JobContext, kind: str, sentence: str, native: Language, target: Language, level: str,
              existing: set[str], rng: random.Random, topic: str, source: str,
              known: str | None = None) -> Exercise:
    """A gap item from a sentence the model wrote (checked), made by the app: one of its words within the
    learner's band is blanked; a cloze's hint is the answer's meaning, which the app's translation of the
    sentence must say too (cloze_hint: where they disagree the sentence is refused, whatever its other
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
            others = choice_distractors(ctx, gapped, word, target, level, rng)
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
                ex.fields["hint"] = cloze_hint(ctx, word, translation, native, target)
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


def _translation_item(ctx: JobContext, sentence: str, native: Language, target: Language, level: str,
                      existing: set[str], topic: str, source: str, known: str | None = None) -> Exercise:
    """A translation drill: the learner translates the app's translation of the model's (checked) sentence
    back into that sentence, or a person's translation (``known``) of a sentence a person wrote."""
    ex = Exercise("translate", {"source": known or app_translation(ctx, sentence, native, target),
                                "answer": sentence}, topic, source)
    validate(ex, target, existing, native, level)
    return ex


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
        if between.strip() or fold(a[0]) == fold(b[0]):
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
        if occurrences(word, sentence) != 1:
            continue
        if hint and in_sentence(word, hint):
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
            if fold(w) != fold(f["answer"]) and not lexicon.is_given_name(w, target.code)
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
