"""Prompt strategies, chosen from the model's metadata; the prompts themselves are data in resources/.

An instruct model (its GGUF carries a chat template) gets chat messages rendered through
that template; a base model gets a few-shot completion prompt. Each task's file in
``resources/prompts`` holds both forms, its sampling defaults and its stop strings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from functools import cache

from assistant.llama_runtime import SamplingParams
from assistant.paths import resource


class Strategy(str, Enum):
    INSTRUCT = "instruct"
    BASE = "base"


@dataclass
class Prompt:
    """Either chat messages (instruct) or raw text (base / continuation), plus how to sample."""

    strategy: Strategy
    messages: list[dict[str, str]] | None = None
    text: str | None = None
    params: SamplingParams = field(default_factory=SamplingParams)

    @property
    def is_chat(self) -> bool:
        return self.messages is not None


class PromptError(ValueError):
    pass


@cache
def load_prompt_spec(task: str) -> dict:
    path = resource("prompts", f"{task}.json")
    if not path.is_file():
        raise PromptError(f"no prompt for task {task!r}")
    return json.loads(path.read_text("utf-8"))


class _Fmt(dict):
    def __missing__(self, key: str) -> str:
        raise PromptError(f"prompt needs a value for {{{key}}}")


def _fill(template: str, values: dict[str, str]) -> str:
    return template.format_map(_Fmt(values))


def build_prompt(task: str, strategy: Strategy, overrides: dict | None = None, **values: str) -> Prompt:
    spec = load_prompt_spec(task)
    form = spec.get(strategy.value) or spec["base"]
    params = SamplingParams(**spec.get("params", {}))
    params.stop = list(spec.get("stop", []))
    for key, value in {**form.get("params", {}), **(overrides or {})}.items():
        setattr(params, key, value)
    if "user" in form:
        messages = []
        if form.get("system"):
            messages.append({"role": "system", "content": _fill(form["system"], values)})
        for shot in form.get("shots", []):
            messages.append({"role": "user", "content": _fill(shot["user"], values)})
            messages.append({"role": "assistant", "content": _fill(shot["assistant"], values)})
        messages.append({"role": "user", "content": _fill(form["user"], values)})
        return Prompt(strategy, messages=messages, params=params)
    return Prompt(strategy, text=_fill(form["template"], values), params=params)
