"""The exercise item: its types and levels (data in resources/exercises.json), what the learner is
shown and how an answer is graded. How items are made is in generation.py (the job), items.py (each
type's item), glosses.py (translations and meanings), distractors.py (a choice's other options),
item_checks.py (what every item must pass) and item_grammar.py (the shape a model must write).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import cache

from assistant.languages import get_language
from assistant.learning import (
    conjugation,
    lexicon,
    parts_of_speech,
)
from assistant.learning.grading import Grade, grade
from assistant.paths import resource

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
        return f"{self.type}:{fold(str(main))}:{fold(self.answer)}"

    def to_dict(self) -> dict:
        return asdict(self)


def occurrences(word: str, sentence: str) -> int:
    """How often ``word`` stands in ``sentence`` as a whole word, case and accents' composition aside."""
    return len(re.findall(rf"\b{re.escape(fold(word))}\b", fold(sentence)))


def in_sentence(word: str, sentence: str) -> bool:
    return occurrences(word, sentence) > 0


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()
