"""Grammar correction as individual edits the writer accepts or rejects.

For each sentence the model proposes a corrected version; the proposal is aligned with the
original into edits (assistant.text_diff), a rewrite that touches too much is dropped, and
each remaining edit is kept only if the model itself finds the sentence more likely with
the edit than without it (a language-model critic). Small models propose many needless
changes; the critic is what keeps correct text unchanged. Results are cached per
paragraph, so re-checking a long document only checks what changed.
"""

from __future__ import annotations

import difflib
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from assistant.backends.base import Backend
from assistant.checking import confusions
from assistant.checking.checker import LayeredChecker, ParagraphCheck
from assistant.checking.data import grammar_data
from assistant.checking.judge import judge
from assistant.checking.personal import PersonalDictionary
from assistant.checking.spelling import PLAIN_WORD, is_misspelled
from assistant.engine import JobContext
from assistant.markdown import split_frame
from assistant.model_languages import refusal
from assistant.prompting import Prompt, build_prompt
from assistant.text_diff import Edit, align, apply_edits, changed_fraction, tokenize
from assistant.text_units import CLAUSE_START, line_bounds, paragraphs, sentences

MAX_CHANGED_FRACTION = 0.5  # a "correction" that touches more of the sentence is a rewrite
MAX_EDIT_WORDS = 3
# Nats an edit must win. On JFLEG dev with SmolLM2 (bench/tune_critic.py, after the first token was
# scored too): 4.0 → 6.0 cut the app's false edits on the corrected sentences from 6.4 % to 5.6 % for
# 0.1 GLEU (46.0 → 45.9); the same on the odd sentences alone (5.8 % → 5.3 %, 44.2 → 44.1).
MIN_GAIN = 6.0
# A deletion must win more: a shorter sentence scores higher whatever it says. At 6 nats, 3 of the 4
# model edits left on JFLEG's corrected sentences were deletions ("the", "this", "of"); at 8 the
# false edits fell 5.6 → 5.2 % (odd half alone 5.3 → 4.8 %) for 0.03 GLEU (bench/tune_critic.py dump).
MIN_GAIN_DELETION = 8.0
MAX_SENTENCE_CHARS = 600



@dataclass
class CorrectionResult:
    edits: list[Edit] = field(default_factory=list)
    paragraphs: int = 0
    from_cache: int = 0
    rejected_rewrites: int = 0
    languages: dict[str, int] = field(default_factory=dict)  # paragraphs checked, by language
    unchecked: int = 0  # paragraphs in a language no checker serves

    def kinds(self) -> dict[str, int]:
        """How many edits of each kind the pane lists (Spelling, Grammar, Style)."""
        out: dict[str, int] = {}
        for e in self.edits:
            out[kind_group(e.category)] = out.get(kind_group(e.category), 0) + 1
        return out


def kind_group(category: str) -> str:
    """The group an edit's category is listed under: Spelling, Grammar or Style."""
    return grammar_data()["kind_groups"].get(category, "Grammar")


def _similar(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(a=a, b=b).ratio() >= 0.6


def categorize(edit: Edit) -> Edit:
    rules = grammar_data()
    old, new = edit.original.strip(), edit.replacement.strip()
    ow, nw = old.lower(), new.lower()
    if not old:
        cat = "punctuation" if re.fullmatch(r"[^\w\s]+", new) else "missing word"
    elif not new:
        cat = "punctuation" if re.fullmatch(r"[^\w\s]+", old) else "extra word"
    elif re.fullmatch(r"[^\w\s]+", old) and re.fullmatch(r"[^\w\s]+", new):
        cat = "punctuation"
    elif ow == nw:
        cat = "capitalization"
    elif ow in rules["articles"] and nw in rules["articles"]:
        cat = "article"
    elif any({ow, nw} == set(p) for p in rules["agreement_pairs"]) or (
            " " not in ow + nw and (ow + "s" == nw or nw + "s" == ow or ow + "es" == nw or nw + "es" == ow)):
        cat = "agreement"
    elif (ow in rules["tense_words"] and nw in rules["tense_words"]) or (
            " " not in ow + nw and ow[:3] == nw[:3] and re.search(r"(ed|ing|en)$", ow + " " + nw)):
        cat = "tense"
    elif " " not in old + new and _similar(ow, nw):
        cat = "spelling"
    else:
        cat = "word choice"
    edit.category = cat
    edit.reason = rules["reasons"][cat].format(old=old, new=new)
    return edit


def is_correction(edit: Edit, context: str = "", lang: str = "en") -> bool:
    """True when an edit is recognisably a correction, not a rewrite of style or meaning;
    ``context`` is the text ``edit``'s offsets point into, ``lang`` its language.

    Small models propose needless changes that the likelihood critic alone lets through
    (measured on JFLEG: 22% of correct sentences edited). The rules are data in
    resources/grammar.json.
    """
    rules = grammar_data()
    function_words = set(rules["function_words"])
    old_t = [t.text.lower() for t in tokenize(edit.original)]
    new_t = [t.text.lower() for t in tokenize(edit.replacement)]
    pairs = rules["contractions"]
    contraction_pairs = [set(pairs[i : i + 2]) for i in range(0, len(pairs), 2)]
    if len(old_t) == len(new_t) == 1 and {old_t[0], new_t[0]} in contraction_pairs:
        return False
    punct = re.compile(r"[^\w\s]+")
    if all(punct.fullmatch(t) for t in old_t + new_t):
        # Adding missing punctuation or removing a doubled mark; swapping marks is style.
        return not old_t or (not new_t and len(old_t) == 1 and context.count(old_t[0] * 2) > 0) or (
            not new_t and len(old_t) > 1)
    if not old_t:  # insertion
        return len(new_t) == 1 and (new_t[0] in function_words or bool(punct.fullmatch(new_t[0])))
    if not new_t:  # deletion
        if len(old_t) != 1:
            return False
        word = old_t[0]
        if word in rules["negations"]["words"] or CLAUSE_START.search(context[: edit.start]):
            return False  # "I can not use it" → "I can use it"; "So I think" → "I think" is style
        neighbours = re.findall(r"\w+", context.lower())
        return word in function_words or neighbours.count(word) >= 2
    if sorted(old_t) == sorted(new_t):  # word order
        return True
    if len(old_t) != len(new_t):
        # A clitic splits a word in two ("you're" -> "your", "its" -> "it's"): compare the words whole.
        clitic = any(t.startswith(("'", "’")) or t in ("n't", "n’t") for t in old_t + new_t)
        return clitic and _similar("".join(old_t), "".join(new_t))
    return all(_single_word_fix(a, b, rules, lang) for a, b in zip(old_t, new_t, strict=True))


def _single_word_fix(a: str, b: str, rules: dict, lang: str) -> bool:
    if a != b and PLAIN_WORD.fullmatch(b) and is_misspelled(b, lang):
        return False  # a respelling into no word of the language ("Menhadens" → "Menadens")
    if a == b or _similar(a, b):  # case, spelling, inflection
        return True
    return any(a in cls and b in cls for cls in rules["swap_classes"])


def candidate_edits(text: str, proposal: str) -> tuple[list[Edit], bool]:
    """The corrections a proposed version of ``text`` makes, before the critic: small, recognisable
    fixes only. Returns (edits with offsets into ``text``, whether the proposal was a rewrite)."""
    if not proposal or proposal == text:
        return [], False
    edits = align(text, proposal)
    if changed_fraction(text, edits) > MAX_CHANGED_FRACTION:
        return [], True
    return [e for e in edits if len(tokenize(e.original)) <= MAX_EDIT_WORDS
            and len(tokenize(e.replacement)) <= MAX_EDIT_WORDS and is_correction(e, text)], False


MODEL_LANGUAGES = ("en",)  # the correction prompt and its critic are tuned on English (JFLEG)
PREFETCH_PARAGRAPHS = 8  # paragraphs whose model prompts are generated together, then finished in order


def proposal_prompt(backend: Backend, sentence: str) -> Prompt | None:
    """The prompt asking the model for a corrected ``sentence``; None when the sentence is not sent."""
    text = sentence.strip()
    if not text or len(text) > MAX_SENTENCE_CHARS or not re.search(r"[^\W\d_]", text):
        return None
    budget = backend.count_tokens(text) * 2 + 16
    return build_prompt("correct", backend.info.strategy, {"max_tokens": budget}, text=text)


def with_fixes(sentence: str, layer: list[Edit]) -> tuple[str, list[tuple[int, int]], Callable[[int], int]]:
    """``sentence`` with the layers' fixes in ``layer`` applied; the spans of the fixed text they
    occupy (widened by a character each side); and a map from a position of the fixed text outside
    those spans back to the same position in ``sentence``."""
    text, spans, shifts, delta = sentence, [], [], 0
    for e in sorted((e for e in layer if not e.is_flag), key=lambda e: e.start):
        start = e.start + delta
        text = text[:start] + e.replacement + text[start + e.end - e.start :]
        delta += len(e.replacement) - (e.end - e.start)
        spans.append((start - 1, start + len(e.replacement) + 1))
        shifts.append((start + len(e.replacement), delta))

    def to_original(pos: int) -> int:
        return pos - next((d for end, d in reversed(shifts) if end <= pos), 0)

    return text, spans, to_original


def confusion_gains(backend: Backend, sentence: str, layer: list[Edit]
                    ) -> tuple[list[confusions.Candidate], list[float | None] | None]:
    """The word forms, articles and prepositions of ``sentence`` to judge (assistant.checking.confusions),
    with the layers' ``layer`` edits in place, and each one's gain (nats); gains None where the
    backend cannot score variants (a server)."""
    if len(sentence) > MAX_SENTENCE_CHARS:  # as for proposals: a run-on megabyte is not scored word by word
        return [], None
    text, skip, _ = with_fixes(sentence, layer)
    found = confusions.candidates(text, skip)
    if not found:
        return [], []
    return found, backend.variant_gains(text, [c.apply(text) for c in found], confusions.window())


def chosen_confusions(sentence: str, layer: list[Edit], found: list[confusions.Candidate],
                      gains: list[float | None], margins: dict[str, float] | None = None) -> list[Edit]:
    """The candidates of confusion_gains that win their margin, as edits with offsets into ``sentence``."""
    return _forms_edits(sentence, layer, confusions.choose(found, gains, margins))


def _forms_edits(sentence: str, layer: list[Edit], chosen: list[confusions.Candidate]) -> list[Edit]:
    _, _, to_original = with_fixes(sentence, layer)
    return [categorize(Edit(to_original(c.start), to_original(c.start) + c.end - c.start, c.original,
                            c.replacement, layer="forms")) for c in chosen]


def judged_confusions(backend: Backend, sentence: str, layer: list[Edit]) -> list[Edit]:
    """The model's choice among the word forms, articles and prepositions of ``sentence``, judged
    with the layers' ``layer`` edits in place; edits with offsets into ``sentence``. Where several
    win alone, each after the first must win again with the better ones in place."""
    found, gains = confusion_gains(backend, sentence, layer)
    if not found or gains is None:
        return []
    chosen = confusions.choose(found, gains)
    if len(chosen) > 1:
        text, _, _ = with_fixes(sentence, layer)

        def gain(before: str, after: str) -> float | None:
            found = backend.variant_gains(before, [after], confusions.window())
            return None if found is None else found[0]

        chosen = confusions.together(text, chosen, dict(zip(found, gains, strict=True)), gain)
    return _forms_edits(sentence, layer, chosen)


def critic_keeps(edit: Edit, gain: float | None, least: float = MIN_GAIN, deletion: float = MIN_GAIN_DELETION) -> bool:
    """Whether the likelihood critic keeps a proposal's ``edit`` that makes the sentence ``gain``
    nats more likely (None: the model could not score it)."""
    return gain is not None and gain >= (least if edit.replacement.strip() else deletion)


def edit_gains(backend: Backend, text: str, edits: list[Edit]) -> list[float | None] | None:
    """How much likelier ``text`` is with each edit applied alone than without (nats), by the model;
    None where the backend cannot score."""
    variants = [apply_edits(text, [e]) for e in edits]
    # Each variant differs from the text in one stretch, so its prefix is taken from the text's pass
    # rather than evaluated again: the same gains in about half the tokens (bench_batch_ceiling.py).
    gains = backend.variant_gains(text, variants)
    if gains is not None:
        return list(gains)
    base, *scores = backend.logprobs([text, *variants])
    if base is None:
        return None
    return [None if score is None else score - base for score in scores]


class GrammarChecker:
    """Checks documents through an engine job, in layers (assistant.checking): rules and spelling,
    the model judging their candidates, then the model's own proposals for English sentences the
    rules left alone. Remembers each paragraph's edits."""

    def __init__(self, cache_size: int = 2000, personal: PersonalDictionary | None = None,
                 model_edits: bool = True, style: bool = False, confusions: bool = True) -> None:
        self._cache: OrderedDict[tuple, tuple[list[Edit], str | None]] = OrderedDict()
        self.cache_size = cache_size
        self.personal = personal
        self.layers = LayeredChecker(personal, style)
        self.model_edits = model_edits
        self.confusions = confusions
        self.judge = True
        self._found: dict[tuple, ParagraphCheck] = {}  # the layers' findings, within one check

    def _layers(self, para: str, language: str | None, bounds: tuple[bool, bool] = (True, True)
                ) -> tuple[str, str, ParagraphCheck]:
        """A line's Markdown frame, its prose and the layers' findings in it. List bullets and heading marks are
        not prose, and a list item's or heading's text ends no paragraph of prose (whether it takes a full stop
        is the writer's style), as the whole line, frame and all, would not."""
        frame, core, _ = split_frame(para)
        starts, ends = bounds[0], bounds[1] and not frame
        key = (core, language, starts, ends)
        if key not in self._found:
            self._found[key] = self.layers.check(core, language, starts=starts, ends=ends)
        return frame, core, self._found[key]

    def proposal_gains(self, ctx: JobContext, sentence: str
                       ) -> tuple[list[Edit], list[float | None] | None, bool]:
        """The model's proposal for one sentence as the edits that pass the correction filters
        (offsets into the stripped sentence), each one's gain (nats; the list None where the backend
        cannot score), and whether the proposal was a rewrite, refused whole."""
        text = sentence.strip()
        prompt = proposal_prompt(ctx.backend, sentence)
        if prompt is None:
            return [], None, False
        proposal = ctx.generate(prompt, stream=False).text.strip()
        edits, rejected = candidate_edits(text, proposal)
        if rejected or not edits:
            return [], None, rejected
        ctx.check()
        return edits, edit_gains(ctx.backend, text, edits), False

    def correct_sentence(self, ctx: JobContext, sentence: str) -> tuple[list[Edit], bool]:
        """Edits for one sentence (offsets into it), and whether a rewrite was rejected."""
        lead = len(sentence) - len(sentence.lstrip())
        edits, gains, rejected = self.proposal_gains(ctx, sentence)
        if rejected or not edits:
            return [], rejected
        if gains is not None:
            edits = [e for e, gain in zip(edits, gains, strict=True) if critic_keeps(e, gain)]
        elif len(edits) > 2:
            # No way to ask the model's likelihood (remote server): accept only small proposals.
            return [], True
        return [categorize(e).shifted(lead) for e in edits], False

    def check_paragraph(self, ctx: JobContext, para: str, language: str | None = None,
                        bounds: tuple[bool, bool] = (True, True)) -> tuple[list[Edit], str | None, int]:
        """Edits for one paragraph (offsets into it), the language it was checked as, rewrites refused.
        ``bounds``: whether the line begins and ends its paragraph (text_units.line_bounds)."""
        frame, core, found = self._layers(para, language, bounds)
        lead = len(frame)
        if found.language is None:
            return [], None, 0
        backend = ctx.backend
        # A model that does not know the paragraph's language neither judges nor proposes: its
        # likelihoods of French say nothing, and the rules' and dictionaries' own order stands.
        knows = refusal(backend.info, found.language) is None
        out: list[Edit] = []
        rejected = 0
        for s in sentences(core):
            ctx.check()
            sentence = core[s.start : s.end]
            layer = [e.shifted(-s.start) for e in found.edits if s.start <= e.start and e.end <= s.end]
            if layer and self.judge and knows:
                layer = judge(sentence, layer, backend.logprobs, ctx.check)
            if self.confusions and knows and found.language in MODEL_LANGUAGES:
                ctx.check()
                layer = sorted(layer + judged_confusions(backend, sentence, layer), key=lambda e: e.start)
            if not layer and self.model_edits and knows and found.language in MODEL_LANGUAGES:
                model, was_rewrite = self.correct_sentence(ctx, sentence)
                rejected += was_rewrite
                layer = [replace(e, layer="model") for e in model]
            out += [e.shifted(s.start + lead) for e in layer]
        return out, found.language, rejected

    def _prefetch(self, ctx: JobContext, paras: list[tuple[str, tuple[bool, bool]]], language: str | None) -> None:
        """Generate together the model's proposals for these paragraphs' sentences that no rule touched
        (those it will surely ask for; a sentence whose rule edits the judge all drops asks on its own)."""
        if not self.model_edits:
            return
        prompts = []
        for para, bounds in paras:
            _, core, found = self._layers(para, language, bounds)
            if found.language not in MODEL_LANGUAGES or refusal(ctx.backend.info, found.language):
                continue
            for s in sentences(core):
                if not any(s.start <= e.start and e.end <= s.end for e in found.edits):
                    prompt = proposal_prompt(ctx.backend, core[s.start : s.end])
                    if prompt is not None:
                        prompts.append(prompt)
        ctx.prefetch(prompts)

    def check(self, ctx: JobContext, text: str, language: str | None = None) -> CorrectionResult:
        result = CorrectionResult()
        spans = paragraphs(text)
        result.paragraphs = len(spans)
        model = ctx.backend.info.model_name
        version = self.personal.version if self.personal is not None else 0
        self._found.clear()

        bounds = [line_bounds(text, span) for span in spans]

        def key_of(para: str, i: int) -> tuple:
            return (model, para, bounds[i], language, version, self.judge, self.confusions, self.model_edits,
                    self.layers.style)

        step = ctx.prefetch_window(PREFETCH_PARAGRAPHS)
        for i, span in enumerate(spans):
            ctx.check()
            ctx.progress(i, len(spans), f"paragraph {i + 1} of {len(spans)}")
            para = text[span.start : span.end]
            key = key_of(para, i)
            if i % step == 0:
                window = [(text[sp.start : sp.end], j) for j, sp in enumerate(spans[i : i + step], i)]
                self._prefetch(ctx, [(p, bounds[j]) for p, j in window if key_of(p, j) not in self._cache], language)
            if key in self._cache:
                self._cache.move_to_end(key)
                para_edits, lang = self._cache[key]
                result.from_cache += 1
            else:
                para_edits, lang, rejected = self.check_paragraph(ctx, para, language, bounds[i])
                result.rejected_rewrites += rejected
                self._cache[key] = (para_edits, lang)
                if len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
            if lang is None:
                result.unchecked += 1
            else:
                result.languages[lang] = result.languages.get(lang, 0) + 1
            result.edits += [e.shifted(span.start) for e in para_edits]
        ctx.progress(len(spans), len(spans), "done")
        self._found.clear()
        return result
