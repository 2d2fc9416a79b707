"""The interface every backend offers the engine's tasks."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from assistant.llama_runtime import GenerationResult
from assistant.prompting import Prompt, Strategy

OnResult = Callable[[int, GenerationResult], None] | None  # (index of the prompt, its result)
StopCheck = Callable[[], bool] | None


class BackendError(RuntimeError):
    """Generation failed; the message is meant for the user."""


@dataclass
class BackendInfo:
    model_name: str
    backend: str  # "CPU", "CUDA", "Metal", ... or "Remote"
    gpu_layers: int
    n_layers: int
    n_ctx: int
    strategy: Strategy
    message: str = ""  # e.g. why the GPU was not used
    architecture: str = ""  # the GGUF's general.architecture, where known
    title: str = ""  # the GGUF's general.name, where known
    languages: tuple[str, ...] | None = None  # what the writer or the model's metadata says it writes
    parameter_count: int = 0  # 0 where unknown (a server)

    def describe(self) -> str:
        where = self.backend
        if self.backend not in ("CPU", "Remote"):
            where = f"{self.backend} ({self.gpu_layers}/{self.n_layers + 1} layers)"
        return f"{self.model_name} · {where}"


class Backend(ABC):
    info: BackendInfo

    @abstractmethod
    def generate(
        self,
        prompt: Prompt,
        on_text: Callable[[str], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> GenerationResult: ...

    def generate_many(self, prompts: list[Prompt], on_result: OnResult = None, should_stop: StopCheck = None,
                      between_steps: Callable[[], None] | None = None) -> list[GenerationResult]:
        """Answers to independent prompts (no streaming), in the prompts' order; ``on_result(i, result)``
        as each is ready. A backend that can run them together overrides this; here they run in turn."""
        out = []
        for i, prompt in enumerate(prompts):
            if should_stop is not None and should_stop():
                out.append(GenerationResult.cancelled())
                continue
            if between_steps is not None:
                between_steps()
            out.append(self.generate(prompt, None, should_stop))
            if on_result is not None:
                on_result(i, out[-1])
        return out

    @property
    def parallel_width(self) -> int:
        """How many prompts ``generate_many`` works on at once (1: in turn)."""
        return 1

    @abstractmethod
    def count_tokens(self, text: str) -> int: ...

    def logprob(self, text: str) -> float | None:
        """Total log-probability the model gives ``text``; None where the backend cannot tell."""
        return None

    def logprobs(self, texts: list[str]) -> list[float | None]:
        """``logprob`` of each text; a backend that can batch them overrides this."""
        return [self.logprob(t) for t in texts]

    def variant_gains(self, text: str, variants: list[str], window: int | None = None) -> list[float] | None:
        """How much likelier each variant of ``text`` is than ``text`` (nats), compared over the changed
        stretch and ``window`` tokens after it (None: to the end); None where the backend cannot tell."""
        return None

    def interrupt(self) -> None:  # noqa: B027 - optional hook
        """Thread-safe: stop work inside the backend now; the token loop also checks its stop flag."""

    def set_adapters(self, adapters: list[tuple[str, float]]) -> None:
        if adapters:
            raise BackendError("this backend cannot use LoRA adapters")

    def close(self) -> None:  # noqa: B027 - optional hook
        pass
