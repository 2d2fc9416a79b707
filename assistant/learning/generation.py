"""A generation job: the items a learner asks for, of the types, topic and level asked, and a report
of what was made, refused and held back. A model that cannot write the target language is not asked
(model_languages.py). Made from a document in the target language, gap, mistake and translation
items are built on the document's own sentences; on a topic the sentence bank has, on its sentences,
written and translated by people (sentence_bank.py); elsewhere the model writes a sentence. A model
too small to write a language well (small_writer) writes no item's sentence, card or drill
translation unless the learner asks for it: what it would have written is left out and the report
says why.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from functools import cache

from assistant.backends.base import BackendInfo
from assistant.engine import JobContext
from assistant.languages import Language, get_language
from assistant.learning import (
    agreement,
    dela,
    lexicon,
    parts_of_speech,
    sentence_bank,
)
from assistant.learning.distractors import noun_data
from assistant.learning.exercises import Exercise, ExerciseError, fold, levels, spec, unavailable
from assistant.learning.glosses import says_meaning, word_translation
from assistant.learning.item_checks import validate
from assistant.learning.items import (
    bank_sentences,
    built_on_a_sentence,
    generate_one,
    text_sentences,
    uncarded_words,
    words_from_text,
)
from assistant.model_languages import refusal
from assistant.text_units import sentences


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
    learner reads the bank's translations; None for another learner) saying it too (says_meaning). The word
    is then on the topic, and the example is people's, where a model-written example failed its checks for 18 of 24
    cards (stop 46's benchmark), and the meaning is one a person's sentence confirms, where Gemma-3-270M's
    meaning of a band word alone was wrong for about 1 in 5 ("bar": to drink, "leiden": to live)."""

    if not known:
        return None
    band = {fold(w): w for w in ([word] if word else uncarded_words(target, level, existing))}
    found = []
    for sentence in own:
        tokens = lexicon.LETTER_RUN.findall(sentence)
        for before, token in zip(["", *tokens], tokens, strict=False):
            for form in _card_forms(token, target.code, before):
                carded = band.get(fold(form))
                if carded is not None:
                    if token[:1].isupper() and fold(token) == fold(carded) and not sentence.startswith(token):
                        carded = token  # "Spanish", "Noël": a capital the frequency lists lose
                    if (carded, sentence) not in found:
                        found.append((carded, sentence))
                    break
    rng.shuffle(found)
    for word, sentence in found[:TEXT_TRIES]:
        ctx.check()
        try:
            meaning = word_translation(ctx, word, native, target)
            if not meaning or not says_meaning(known[sentence], meaning, native):
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
    if fold(lemma) != fold(token):
        return [lemma]
    if fold(before) in _determiners(lang):
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
    data = noun_data(lang)
    return frozenset(fold(d) for d in data["determiners"].get(lang, ())) if data else frozenset()


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
    whole_bank: dict[str, str] | None = None
    for i in range(count):
        ctx.progress(i, count, f"exercise {i + 1} of {count}")
        kind = usable[i % len(usable)]
        word = queue.pop(0) if kind == "vocab" and queue else None
        if kind == "vocab" and word is None and own_source == BANK_SOURCE:
            ex = _card_on_bank(ctx, nat, tgt, level, topics[i % len(topics)], seen, own, known, rng)
        elif kind == "vocab" and held:
            if whole_bank is None:  # the whole bank, looked up once: each collected word is sought in all of it
                pairs, translated = sentence_bank.for_learner(None, tgt.code, nat.code)
                whole_bank = dict(pairs) if translated else {}
            ex = _card_on_bank(ctx, nat, tgt, level, topics[i % len(topics)], seen, list(whole_bank), whole_bank,
                               rng, word)
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
