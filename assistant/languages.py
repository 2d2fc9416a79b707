"""The languages the app offers (data in resources/languages.json) and source-language detection.

Detection is by script first (Hangul, kana, Han, Cyrillic decide on their own), then, for
Latin script, by function words and letters particular to a language. It is meant for
paragraphs, not single words; when the evidence is thin it says so instead of guessing.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache

from assistant.paths import resource


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    native: str
    script: str
    samples: tuple[str, str]
    stopwords: frozenset[str]
    letters: str


class LanguageError(ValueError):
    """An unknown language code, or text whose language cannot be told; meant for the user."""


@cache
def languages() -> dict[str, Language]:
    data = json.loads(resource("languages.json").read_text("utf-8"))
    return {d["code"]: Language(d["code"], d["name"], d["native"], d["script"], tuple(d["samples"]),
                                frozenset(d["stopwords"]), d["letters"]) for d in data["languages"]}


def get_language(code: str) -> Language:
    lang = languages().get(code.lower().strip())
    if lang is None:
        raise LanguageError(f"unknown language {code!r}; choose one of: {', '.join(languages())}")
    return lang


def script_of(ch: str) -> str | None:
    """The script of a letter, named as in resources/languages.json; None for non-letters."""
    if not ch.isalpha():
        return None
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


def detect_language(text: str) -> Detection:
    script = dominant_script(text)
    if script is None:
        return Detection(None, None, 0.0)
    by_script = [lang for lang in languages().values() if lang.script == script]
    if script != "Latin":
        return Detection(by_script[0].code, script, 1.0) if by_script else Detection(None, script, 0.0)
    words = re.findall(r"[^\W\d_]+", text.lower())
    scores: dict[str, float] = {}
    for lang in by_script:
        hits = sum(w in lang.stopwords for w in words)
        letters = sum(text.lower().count(c) for c in lang.letters)
        scores[lang.code] = hits + 0.5 * letters
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, best_score = ranked[0]
    runner = ranked[1][1] if len(ranked) > 1 else 0.0
    if best_score < 1:
        return Detection(None, script, 0.0)
    confidence = min(1.0, (best_score - runner) / max(best_score, 1) + min(best_score, 4) / 8)
    return Detection(best, script, round(confidence, 2))


def unsupported_script(text: str) -> str | None:
    """The name of the text's script when none of the app's languages is written in it."""
    script = dominant_script(text)
    if script is None or any(lang.script == script for lang in languages().values()):
        return None
    return script
