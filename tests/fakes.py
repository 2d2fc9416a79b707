"""Fakes, each named as one, for faults a real model cannot be made to produce on demand.

EchoBackend answers every prompt with the text it was asked about, as a broken or untrained
model might. Tests run it to prove that an echo is caught and never shown as a result:
the checks that would otherwise pass whatever the model wrote must fail for it.

FixedAnswerBackend answers every prompt with one given text: the prompt's worked example (as the
270M base model did for a README), or a rewrite that drops a negation. No real model writes that
on demand, and the checks must catch it every time.
"""

from __future__ import annotations

from assistant.backends.base import Backend, BackendInfo
from assistant.engine import Engine
from assistant.llama_runtime import GenerationResult
from assistant.prompting import Prompt, Strategy


class EchoBackend(Backend):
    """A fake: repeats the writer's text from the prompt (the last user message) and nothing else."""

    def __init__(self) -> None:
        self.info = BackendInfo("echo (fake)", "CPU", 0, 0, 4096, Strategy.INSTRUCT)
        self.calls = 0

    def generate(self, prompt: Prompt, on_text=None, should_stop=None) -> GenerationResult:
        self.calls += 1
        assert prompt.messages, "the echo fake speaks the instruct strategy only"
        text = prompt.messages[-1]["content"]
        if on_text is not None:
            on_text(text)
        return GenerationResult(text, 1, 0, 1, 0.0, 0.0, 0.0, "stop")

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 1


def echo_engine() -> Engine:
    eng = Engine()
    assert eng.load(lambda _progress: EchoBackend()).wait(10)
    return eng


class FixedAnswerBackend(EchoBackend):
    """A fake: whatever it is asked, it answers with the same given text."""

    def __init__(self, answer: str) -> None:
        super().__init__()
        self.info = BackendInfo("fixed answer (fake)", "CPU", 0, 0, 4096, Strategy.INSTRUCT)
        self.answer = answer

    def generate(self, prompt: Prompt, on_text=None, should_stop=None) -> GenerationResult:
        self.calls += 1
        if on_text is not None:
            on_text(self.answer)
        return GenerationResult(self.answer, 1, 0, 1, 0.0, 0.0, 0.0, "stop")


def fixed_answer_engine(answer: str) -> Engine:
    eng = Engine()
    assert eng.load(lambda _progress: FixedAnswerBackend(answer)).wait(10)
    return eng
