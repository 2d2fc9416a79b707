"""The embedded backend: a model in this process through llama.cpp."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.backends.base import Backend, BackendError, BackendInfo
from assistant.chat_template import ChatTemplateError, render_chat
from assistant.llama_runtime import GenerationResult, LlamaRuntime, RuntimeError_
from assistant.prompting import Prompt, Strategy


class LocalBackend(Backend):
    def __init__(
        self,
        path: str | Path,
        name: str | None = None,
        n_ctx: int = 4096,
        gpu_layers: int | None = None,
        n_threads: int | None = None,
        on_progress: Callable[[float], bool] | None = None,
    ) -> None:
        try:
            self.runtime = LlamaRuntime(
                path, n_ctx=n_ctx, n_gpu_layers=-1 if gpu_layers is None else gpu_layers,
                n_threads=n_threads, on_progress=on_progress,
            )
        except RuntimeError_ as exc:
            raise BackendError(str(exc)) from exc
        rt = self.runtime
        strategy, message = Strategy.BASE, rt.fallback_message
        if rt.chat_template:
            try:
                render_chat(rt.chat_template, [{"role": "user", "content": "hi"}], rt.bos_text, rt.eos_text)
                strategy = Strategy.INSTRUCT
            except ChatTemplateError as exc:
                message = f"{message} The model's chat template is unusable ({exc}); using completion prompts.".strip()
        self.info = BackendInfo(
            model_name=name or Path(path).stem,
            backend=rt.backend,
            gpu_layers=rt.gpu_layers,
            n_layers=rt.n_layer,
            n_ctx=rt.n_ctx,
            strategy=strategy,
            message=message,
        )

    def prompt_tokens(self, prompt: Prompt) -> list[int]:
        rt = self.runtime
        if prompt.is_chat:
            if not rt.chat_template:
                raise BackendError("this model has no chat template; it needs a completion prompt")
            try:
                text = render_chat(rt.chat_template, prompt.messages or [], rt.bos_text, rt.eos_text)
            except ChatTemplateError as exc:
                raise BackendError(str(exc)) from exc
            add_bos = not (rt.bos_text and text.startswith(rt.bos_text))
            return rt.tokenize(text, add_special=add_bos, parse_special=True)
        # The writer's own text must never be parsed into control tokens.
        return rt.tokenize(prompt.text or "", add_special=True, parse_special=False)

    def generate(
        self,
        prompt: Prompt,
        on_text: Callable[[str], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> GenerationResult:
        tokens = self.prompt_tokens(prompt)
        try:
            return self.runtime.generate(tokens, prompt.params, on_text, should_stop)
        except RuntimeError_ as exc:
            raise BackendError(str(exc)) from exc

    def interrupt(self) -> None:
        self.runtime.interrupt()

    def logprob(self, text: str) -> float | None:
        tokens = self.runtime.tokenize(text, add_special=True)
        try:
            return sum(self.runtime.token_logprobs(tokens))
        except RuntimeError_:
            return None

    def count_tokens(self, text: str) -> int:
        return len(self.runtime.tokenize(text, add_special=False))

    def set_adapters(self, adapters: list[tuple[str, float]]) -> None:
        try:
            self.runtime.set_adapters(adapters)
        except RuntimeError_ as exc:
            raise BackendError(str(exc)) from exc

    def close(self) -> None:
        self.runtime.close()
