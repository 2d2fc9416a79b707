"""A multiple choice's other options: words of the answer's frequency band and part of speech
(parts_of_speech.py), of the same verb or the noun's gender where the gap needs it, that the model
scores clearly worse in the gap than the answer (CHOICE_MARGIN), so that none of them is also right.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from functools import cache

from assistant.engine import JobContext
from assistant.languages import Language
from assistant.learning import (
    agreement,
    determiners,
    lexicon,
    parts_of_speech,
)
from assistant.learning.exercises import ExerciseError, fold, in_sentence, spec
from assistant.learning.item_checks import VerbSlot, check_distractor_bands, check_distractor_parts_of_speech, verb_slot
from assistant.text_units import cased_like

CHOICE_MARGIN = 6.0  # nats: how much worse than the answer a distractor must make the sentence; at 3, four
# of the six distractors that were also right in 24 choices on the sentence bank (stop 46) scored 3.4-3.7 worse
# ("Estos zapatos son algo pequeños", "Nous lisons un livre en physique"); at 4.5, "für meinen Mitarbeiter" and
# "para mi equipo" (5.1, 5.5) passed. At 6, 42 of 42 bank choices were still made (stop 47); what a 270M model
# cannot tell apart at any margin remains ("den ganzen Januar E-Mails": 8.0 worse)
DISTRACTOR_POOL = 8  # candidate distractors scored for one gap
DISTRACTOR_TRIES = 80  # words of the answer's band looked at to find them
NOUN_POOL = 40  # candidates looked at after a determiner, where about half (a third in German) have the gender


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
                in_sentence(word, sentence) or not lexicon.is_real_word(word, lang) or \
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
        check_distractor_bands([word], answer, target)
        check_distractor_parts_of_speech([word], answer, target)

    words = (w for w in (cased_like(w, answer) for w in pool[:DISTRACTOR_TRIES]) if fits(w))
    return _first_passing(words, answer, check, count)


def _time_word(word: str, lang: str) -> bool:
    """Whether ``word`` (or its lemma) is a word of time: a day, month, season, part of the day or unit of time
    (resources/exercises.json: time_words)."""
    import simplemma

    found = _time_words().get(lang, frozenset())
    return fold(word) in found or fold(simplemma.lemmatize(word, lang=lang)) in found


@cache
def _time_words() -> dict[str, frozenset[str]]:
    return {lang: frozenset(fold(w) for w in words) for lang, words in spec().get("time_words", {}).items()}


def _first_passing(words: Iterable[str], answer: str, check: Callable[[str], None], count: int) -> list[str]:
    """The first ``count`` distinct words other than the answer that ``check`` lets through (it raises
    ExerciseError for the others)."""
    found: list[str] = []
    for word in words:
        if fold(word) in {fold(answer), *map(fold, found)}:
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
             if not in_sentence(f, sentence) and lexicon.is_real_word(f, target.code)]
    rng.shuffle(forms)
    return forms[:count]


def noun_data(lang: str) -> dict | None:
    data = spec()["noun_slots"]
    return data if lang in data["gender_frames"] else None


_LAST_WORD = re.compile(r"([^\W\d_]+['’]?)\s*$")


def noun_slot(gapped: str, answer: str, lang: str) -> str | None:
    """The determiner the gap follows ("la ___", "l'___") where the answer, one word, can be a noun: its
    distractors must then be nouns of its gender and number; None otherwise."""
    data = noun_data(lang)
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

    for ending, plural in noun_data(lang)["plurals"].get(lang, ()):
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
    if lang not in noun_data(lang)["plurals"]:
        return lemma
    return lemma if plural_of(lemma, lang) == word.casefold() else None


def genders(ctx: JobContext, nouns: list[str], lang: str) -> list[int] | None:
    """Each noun's gender as the model reads it: the index of its likeliest gender frame ("C'est un {}.",
    "C'est une {}."; German has three); None where the backend cannot score."""
    frames = noun_data(lang)["gender_frames"][lang]
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
    rules = lang in noun_data(lang)["plurals"]
    elision = noun_data(lang)["elision"].get(lang, {})  # "l'" before a vowel or h, never "la eau"
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
        if form is not None and fold(form) != fold(answer) and \
                not agreement.elision_breaks(determiner, form, elision):
            nouns.append((base, cased_like(form, answer)))
    if plural and lang in noun_data(lang)["genderless_plurals"]:
        return [form for _base, form in nouns]
    slot = determiners.slot_readings(determiner, answer, lang)
    if slot:  # the nouns' data knows the answer's gender and case after the determiner: no model needed
        return [form for _base, form in nouns if determiners.fits_slot(form, slot, lang)]
    found = genders(ctx, [cased_like(singular or answer, answer), *(base for base, _form in nouns)], lang)
    if found is None:
        return [form for _base, form in nouns]
    return [form for (_base, form), gender in zip(nouns, found[1:], strict=True) if gender == found[0]]


def choice_distractors(ctx: JobContext, gapped: str, answer: str, target: Language, level: str,
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
