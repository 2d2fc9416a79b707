"""Which languages a model can write (data in resources/model_languages.json), so that no pane shows
a tiny English-only model's attempt at French as French.

What the writer says a model writes (Models pane) comes first, then the GGUF's own
general.languages, then the family table, matched by GGUF architecture and name. A model none of
them covers is "unknown": it is used as the writer chose.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from assistant.backends.base import BackendInfo
from assistant.languages import languages
from assistant.paths import resource


@dataclass(frozen=True)
class ModelLanguages:
    family: str  # "" when the table does not know the model
    codes: frozenset[str] | None  # None: unknown

    def serves(self, code: str) -> bool | None:
        """True or False from the table; None when the model's languages are unknown."""
        return None if self.codes is None else code in self.codes

    def describe(self, model: str) -> str:
        if self.codes is None:
            return f"{model}: languages unknown"
        names = [languages()[c].name for c in languages() if c in self.codes]
        if len(names) == 1:
            return f"{model} writes only {names[0]}"
        if len(names) == len(languages()):
            return f"{model} writes every app language"
        return f"{model} writes {', '.join(names)}"


@cache
def _families() -> list[dict]:
    return json.loads(resource("model_languages.json").read_text("utf-8"))["families"]


def model_languages(name: str, architecture: str = "", declared: list[str] | tuple[str, ...] | None = None
                    ) -> ModelLanguages:
    """What a model writes: as declared (the writer's setting, else the GGUF's general.languages), else
    from the family table, else unknown."""
    if declared is not None:
        return ModelLanguages("declared", frozenset(c for c in declared if c in languages()))
    for fam in _families():
        arch = fam.get("architecture")
        if arch and not re.fullmatch(arch, architecture or ""):
            continue
        if "match" in fam and not re.search(fam["match"], name, re.IGNORECASE):
            continue
        codes = fam["languages"]
        return ModelLanguages(fam["family"], frozenset(languages() if codes is None else codes))
    return ModelLanguages("", None)


def languages_of(info: BackendInfo) -> ModelLanguages:
    """What the loaded model can write (a server's model: by the name it reports)."""
    return model_languages(f"{info.title} {info.model_name}", info.architecture, info.languages)


def refusal(info: BackendInfo, code: str) -> str | None:
    """Why the loaded model must not be asked for text in ``code``; None when it may."""
    ml = languages_of(info)
    if ml.serves(code) is False:
        return f"{ml.describe(info.model_name)}, not {languages()[code].name}"
    return None


Installed = list[tuple[str, str, "list[str] | None"]]  # (name, architecture, declared languages)


def able(installed: Installed, code: str) -> list[str]:
    """Of installed models, those known to write ``code``."""
    return [name for name, arch, declared in installed if model_languages(name, arch, declared).serves(code)]


def refusal_with_advice(info: BackendInfo, code: str, installed: Installed) -> str | None:
    """The refusal, with the installed models that would do: "SmolLM2 writes only English, not
    French. Gemma-3-270M is installed and writes French: choose it in the Models pane." """
    why = refusal(info, code)
    if why is None:
        return None
    others = [n for n in able(installed, code) if n != info.model_name]
    name = languages()[code].name
    if others:
        verb = "is installed and writes" if len(others) == 1 else "are installed and write"
        return f"{why}. {' and '.join(others[:3])} {verb} {name}: choose it in the Models pane."
    return (f"{why}, and no installed model is known to write it. Get one in Models › Get models… "
            "(Gemma 3 or Qwen2.5, for example).")
