"""Translation that keeps the document's structure: line by line, markup held out of the model's reach.

Each line is split into its Markdown frame (heading marks, list bullets, quote marks,
table pipes, indentation) and its prose; code blocks, rules and blank lines pass through
untouched. Inside the prose, pieces that must not change (inline code, link targets,
URLs, emphasis marks, glossary terms) become numbered markers ⟦n⟧. If the model returns
every marker exactly once, the markers are put back; otherwise the line is translated
piece by piece between the protected parts, so markup and glossary terms always survive.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from assistant.backends.base import Backend
from assistant.engine import JobContext
from assistant.faithfulness.leaks import leaked
from assistant.languages import Language, LanguageError, detect_language, get_language, languages
from assistant.markdown import FENCE, PROTECT, RULE, TABLE_SEP, split_frame
from assistant.model_languages import refusal
from assistant.prompting import Prompt, Strategy, build_prompt

_MARKER = "⟦{}⟧"
_MARKER_RE = re.compile(r"⟦(\d+)⟧")


@dataclass
class Segment:
    """One line of the source: frame and spacing kept, prose translated (when there is prose)."""

    source: str
    prefix: str = ""
    prose: str = ""
    suffix: str = ""
    cells: list[str] | None = None  # table row: each cell's prose

    @property
    def translatable(self) -> bool:
        return bool(self.prose.strip()) or bool(self.cells and any(c.strip() for c in self.cells))


@dataclass
class Translation:
    text: str
    source_lang: str
    target_lang: str
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (source line, translated line)
    fallbacks: int = 0  # lines whose markers the model lost, translated piece by piece
    untranslated: int = 0  # passages the model only copied: kept as they were, and said so


def segments(text: str) -> list[Segment]:
    out: list[Segment] = []
    in_code = False
    for line in text.split("\n"):
        if FENCE.match(line):
            in_code = not in_code
            out.append(Segment(line))
        elif in_code or not line.strip() or RULE.match(line) or TABLE_SEP.match(line) or line.startswith(
                ("    ", "\t")):
            out.append(Segment(line))
        elif line.lstrip().startswith("|"):
            out.append(Segment(line, cells=line.split("|")))
        else:
            out.append(Segment(line, *split_frame(line)))
    return out


def parse_glossary(text: str) -> dict[str, str]:
    """'term = translation' per line (also '→' or a tab); '#' starts a comment."""
    glossary: dict[str, str] = {}
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = re.split(r"\s*(?:=|→|->|\t)\s*", line, maxsplit=1)
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise ValueError(f"glossary line {n} is not 'term = translation': {raw.strip()!r}")
        glossary[parts[0]] = parts[1]
    return glossary


def protect(prose: str, glossary: dict[str, str]) -> tuple[str, list[str]]:
    """The prose with protected pieces replaced by markers, and what each marker stands for."""
    found: list[tuple[int, int, str]] = [(m.start(), m.end(), m.group(0)) for m in PROTECT.finditer(prose)]
    for term, target in sorted(glossary.items(), key=lambda kv: -len(kv[0])):
        for m in re.finditer(rf"(?<!\w){re.escape(term)}(?!\w)", prose, re.IGNORECASE):
            if not any(s < m.end() and m.start() < e for s, e, _ in found):
                found.append((m.start(), m.end(), target))
    found.sort()
    pieces, out, pos = [], [], 0
    for start, end, replacement in found:
        out.append(prose[pos:start])
        out.append(_MARKER.format(len(pieces) + 1))
        pieces.append(replacement)
        pos = end
    out.append(prose[pos:])
    return "".join(out), pieces


def _spacing(text: str) -> tuple[str, str, str]:
    """Leading space, the text, trailing space: the model sees only the middle."""
    core = text.strip()
    lead = text[: len(text) - len(text.lstrip())]
    return lead, core, text[len(lead) + len(core):]


PREFETCH_LINES = 16  # prose lines (model inputs) translated together, then assembled in order
COPY_MIN_WORDS = 3  # shorter passages (names, "OK", a product) may rightly stay as they are


def is_copy(out: str, text: str) -> bool:
    """The model's answer repeats the passage instead of translating it."""
    if len(re.findall(r"[^\W\d_]+", _MARKER_RE.sub(" ", text))) < COPY_MIN_WORDS:
        return False
    return difflib.SequenceMatcher(a=out.casefold(), b=text.casefold()).ratio() >= 0.9


def _has_words(core: str) -> bool:
    """Whether there is prose to translate: letters outside markup and markers."""
    return bool(core) and re.search(r"[^\W\d_]", _MARKER_RE.sub("", PROTECT.sub("", core))) is not None


def restore(translated: str, pieces: list[str]) -> str | None:
    """Markers replaced by their pieces; None when the model lost, duplicated or invented one."""
    seen = [int(n) for n in _MARKER_RE.findall(translated)]
    if sorted(seen) != list(range(1, len(pieces) + 1)):
        return None
    return _MARKER_RE.sub(lambda m: pieces[int(m.group(1)) - 1], translated)


class Translator:
    def __init__(self, source: Language, target: Language, glossary: dict[str, str] | None = None) -> None:
        self.source, self.target = source, target
        self.glossary = glossary or {}
        self.fallbacks = 0
        self.untranslated = 0

    def prompt(self, backend: Backend, text: str) -> Prompt:
        values = {"source": self.source.name, "target": self.target.name,
                  "sample1": self.source.samples[0], "sample2": self.source.samples[1],
                  "sample1_target": self.target.samples[0], "sample2_target": self.target.samples[1]}
        budget = backend.count_tokens(text) * 3 + 16
        return build_prompt("translate", backend.info.strategy, {"max_tokens": budget}, text=text, **values)

    def model_inputs(self, seg: Segment) -> list[str]:
        """The texts ``segment`` will send the model first (a line's prose, or each table cell's), so that
        a window of lines can be generated together beforehand; piecewise retries are not foreseen."""
        proses = [c for c in seg.cells if c.strip()] if seg.cells is not None else (
            [seg.prose] if seg.translatable else [])
        out = []
        for prose in proses:
            _, core, _ = _spacing(prose)
            if _has_words(core):
                out.append(protect(core, self.glossary)[0])
        return out

    def windows(self, segs: list[Segment], size: int) -> Iterator[tuple[int, list[str]]]:
        """The model inputs of the segments in runs of about ``size`` inputs each, with the run's first
        segment. Counted in inputs, not segments: blank lines, code and rules hold none, and a window
        of sixteen segments of a document with blank lines between its lines would fill only half the
        batch. Lazy, one window ahead: a 4.5 MB document's inputs took 0.5 s to find all at once,
        before the first line and out of reach of cancel."""
        start, texts = 0, []
        for i, seg in enumerate(segs):
            inputs = self.model_inputs(seg)
            if texts and len(texts) + len(inputs) > size:
                yield start, texts
                start, texts = i, []
            texts += inputs
        if texts:
            yield start, texts

    def _model(self, ctx: JobContext, text: str) -> str:
        backend = ctx.backend
        out = ctx.generate(self.prompt(backend, text), stream=False).text.strip()
        if backend.info.strategy is Strategy.BASE:
            # A base model sometimes goes on with the next "Source:" pair on the same line.
            out = out.split(f" {self.source.name}:", 1)[0].strip()
        # The prompt's example sentence, unless the passage itself is that sentence in the source language.
        echoed_example = (leaked(out, list(self.target.samples), self.target.code) is not None
                          and leaked(text, list(self.source.samples), self.source.code) is None)
        if not out or echoed_example or is_copy(out, text):
            # No answer, the prompt's example, or the passage itself: never shown as a translation.
            # The passage stays as it was, and the result says how many did.
            self.untranslated += 1
            return ""
        return out

    def prose(self, ctx: JobContext, prose: str) -> str:
        lead, core, trail = _spacing(prose)
        if not _has_words(core):
            return prose  # nothing but markup, numbers or symbols
        masked, pieces = protect(core, self.glossary)
        if not pieces:
            return lead + (self._model(ctx, core) or core) + trail
        restored = restore(self._model(ctx, masked), pieces)
        if restored is None:
            self.fallbacks += 1
            restored = self._piecewise(ctx, masked, pieces)
        return lead + restored + trail

    def _piecewise(self, ctx: JobContext, masked: str, pieces: list[str]) -> str:
        out = []
        for part in re.split(r"(⟦\d+⟧)", masked):
            m = _MARKER_RE.fullmatch(part)
            if m:
                out.append(pieces[int(m.group(1)) - 1])
            elif re.search(r"[^\W\d_]", part):
                ctx.check()
                lead, core, trail = _spacing(part)
                out.append(lead + (self._model(ctx, core) or core) + trail)
            else:
                out.append(part)
        return "".join(out)

    def segment(self, ctx: JobContext, seg: Segment) -> str:
        if seg.cells is not None:
            return "|".join(self.prose(ctx, c) if c.strip() else c for c in seg.cells)
        if not seg.translatable:
            return seg.source
        return seg.prefix + self.prose(ctx, seg.prose) + seg.suffix


def resolve_source(text: str, source: str | None) -> Language:
    if source and source != "auto":
        return get_language(source)
    found = detect_language(text)
    if found.code is None:
        if found.script and not any(lang.script == found.script for lang in languages().values()):
            raise LanguageError(f"the text is in {found.script} script, which none of the app's languages use; "
                                "the model cannot translate it reliably")
        raise LanguageError("could not tell the source language; choose it")
    return get_language(found.code)


def translate(ctx: JobContext, text: str, target: str, source: str | None = None,
              glossary: dict[str, str] | None = None) -> Translation:
    if not text.strip():
        raise ValueError("there is no text to translate")
    tgt = get_language(target)
    src = resolve_source(text, source)
    if src.code == tgt.code:
        raise LanguageError(f"the text is already in {tgt.name}; choose another target language")
    for lang in (tgt, src):  # a model that cannot write (or read) a language would pass off garbage as it
        why = refusal(ctx.backend.info, lang.code)
        if why:
            raise LanguageError(why)
    tr = Translator(src, tgt, glossary)
    segs = segments(text)
    todo = sum(s.translatable for s in segs)
    done = 0
    pairs = []
    windows = tr.windows(segs, ctx.prefetch_window(PREFETCH_LINES))
    window = next(windows, None)
    for i, seg in enumerate(segs):
        ctx.check()
        if window is not None and window[0] == i:
            ctx.prefetch([tr.prompt(ctx.backend, t) for t in window[1]])
            window = next(windows, None)
        if seg.translatable:
            ctx.progress(done, todo, f"paragraph {done + 1} of {todo}")
        out = tr.segment(ctx, seg)
        done += seg.translatable
        pairs.append((seg.source, out))
        ctx.emit(out + "\n")  # whole lines: markers are restored before anything is shown
    ctx.progress(todo, todo, "done")
    return Translation("\n".join(o for _, o in pairs), src.code, tgt.code, pairs, tr.fallbacks, tr.untranslated)
