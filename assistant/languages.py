"""The languages the app offers (data in resources/languages.json) and language detection.

Detection is by script first (Hangul, kana, Han, Cyrillic decide on their own), then, for
Latin script, by Lingua (lingua-language-detector: n-gram models of 75 languages, offline,
inside its wheel), restricted to the app's Latin-script languages and built on first use
(loading every language eagerly takes seconds). It is meant for sentences and paragraphs;
when the evidence is thin it says so instead of guessing.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache

from assistant.paths import resource


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    native: str
    script: str
    samples: tuple[str, str]
    sample_word: str = ""  # "book" as the second sample has it: a vocabulary card's worked example
    word_shots: tuple[str, ...] = ()  # book, to eat, red: the examples a card's word is translated from


class LanguageError(ValueError):
    """An unknown language code, or text whose language cannot be told; meant for the user."""


@cache
def languages() -> dict[str, Language]:
    data = json.loads(resource("languages.json").read_text("utf-8"))
    return {d["code"]: Language(d["code"], d["name"], d["native"], d["script"], tuple(d["samples"]),
                                d.get("sample_word", ""), tuple(d.get("word_shots", ())))
            for d in data["languages"]}


def get_language(code: str) -> Language:
    lang = languages().get(code.lower().strip())
    if lang is None:
        raise LanguageError(f"unknown language {code!r}; choose one of: {', '.join(languages())}")
    return lang


def script_of(ch: str) -> str | None:
    """The script of a letter, named as in resources/languages.json; None for non-letters."""
    if not ch.isalpha():
        return None
    if ch.isascii():
        return "Latin"
    o = ord(ch)
    if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return "Hangul"
    if 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF:
        return "Kana"
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF:
        return "Han"
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return "Unknown"
    return name.split(" ", 1)[0].capitalize()  # LATIN, CYRILLIC, GREEK, ARABIC, THAI, ...


def dominant_script(text: str) -> str | None:
    counts = Counter(s for s in map(script_of, text) if s)
    if not counts:
        return None
    if counts.get("Kana"):  # Japanese mixes kana with kanji (Han)
        counts["Kana"] += counts.pop("Han", 0)
    return counts.most_common(1)[0][0]


@dataclass
class Detection:
    code: str | None
    script: str | None
    confidence: float  # 0..1; below 0.5 the caller should ask

    def describe(self) -> str:
        if self.code:
            return languages()[self.code].name
        return f"unknown ({self.script} script)" if self.script else "unknown"


@cache
def _latin_detector():
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, lang.code.upper()) for lang in languages().values() if lang.script == "Latin"]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models().build()


def detect_language(text: str) -> Detection:
    script = dominant_script(text)
    if script is None:
        return Detection(None, None, 0.0)
    by_script = [lang for lang in languages().values() if lang.script == script]
    if script != "Latin":
        return Detection(by_script[0].code, script, 1.0) if by_script else Detection(None, script, 0.0)
    if len(re.findall(r"[^\W\d_]{2,}", text)) < 2:
        return Detection(None, script, 0.0)  # a word or two: no language can be told from that
    values = _latin_confidences(text[:2000])
    if not values:
        return Detection(None, script, 0.0)
    code, best = values[0]
    runner = values[1][1] if len(values) > 1 else 0.0
    # Lingua's values are shares that sum to 1; a clear winner over the runner-up is what counts.
    confidence = min(1.0, best + (best - runner))
    return Detection(code, script, round(confidence, 2))


@lru_cache(maxsize=64)
def _latin_confidences(text: str) -> tuple[tuple[str, float], ...]:
    """Lingua's shares for the Latin-script languages, best first; kept for the few texts just seen
    (the checker asks for a paragraph's detection and its close candidates one after the other)."""
    values = _latin_detector().compute_language_confidence_values(text)
    return tuple((v.language.iso_code_639_1.name.lower(), v.value) for v in values)


def latin_candidates(text: str, within: float = 0.5) -> list[tuple[str, float]]:
    """Latin-script languages Lingua finds at least ``within`` as likely as its best, best first."""
    values = _latin_confidences(text[:2000])
    if not values:
        return []
    top = values[0][1]
    return [(code, share) for code, share in values if share >= top * within]


def unsupported_script(text: str) -> str | None:
    """The name of the text's script when none of the app's languages is written in it."""
    script = dominant_script(text)
    if script is None or any(lang.script == script for lang in languages().values()):
        return None
    return script
