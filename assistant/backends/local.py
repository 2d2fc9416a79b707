"""The embedded backend: a model in this process through llama.cpp."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from assistant.backends.base import Backend, BackendError, BackendInfo, OnResult, StopCheck
from assistant.chat_template import ChatTemplateError, render_chat
from assistant.llama_batch import BatchItem, generate_many
from assistant.llama_runtime import DEFAULT_BATCH_SEQUENCES, GenerationResult, LlamaRuntime, RuntimeError_
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
        batch_sequences: int = DEFAULT_BATCH_SEQUENCES,
        languages: list[str] | None = None,
    ) -> None:
        try:
            self.runtime = LlamaRuntime(
                path, n_ctx=n_ctx, n_gpu_layers=-1 if gpu_layers is None else gpu_layers,
                n_threads=n_threads, on_progress=on_progress, batch_sequences=batch_sequences,
            )
        except RuntimeError_ as exc:
            raise BackendError(str(exc)) from exc
        rt = self.runtime
        strategy, message = Strategy.BASE, rt.fallback_message
        if rt.chat_template:
            try:
                self._render([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}])
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
            architecture=rt.meta("general.architecture") or "",
            title=rt.meta("general.name") or "",
            languages=tuple(languages) if languages is not None else None,
            parameter_count=rt.n_params,
        )

    def _render(self, messages: list[dict[str, str]]) -> list[tuple[str, bool]]:
        """The chat template rendered around the messages: (text, is_message_content) pieces.

        The template sees a placeholder per message, never the message itself, so only the
        template's own text can become control tokens. A template that changes or drops a
        message's text is refused (ChatTemplateError): its output could not be spliced safely.
        """
        rt = self.runtime
        nonce = secrets.token_hex(6)
        marks = [f"\u27e6wa{nonce}m{i}\u27e7" for i in range(len(messages))]
        shown = [{**m, "content": mark} for m, mark in zip(messages, marks, strict=True)]
        text = render_chat(rt.chat_template or "", shown, rt.bos_text, rt.eos_text)
        pieces: list[tuple[str, bool]] = []
        for mark, message in zip(marks, messages, strict=True):
            if text.count(mark) != 1:
                raise ChatTemplateError("the model's chat template alters the text of a message")
            head, text = text.split(mark)
            pieces += [(head, False), (message["content"], True)]
        if f"\u27e6wa{nonce}" in text:
            raise ChatTemplateError("the model's chat template alters the text of a message")
        pieces.append((text, False))
        return pieces

    def prompt_tokens(self, prompt: Prompt) -> list[int]:
        rt = self.runtime
        if prompt.is_chat:
            if not rt.chat_template:
                raise BackendError("this model has no chat template; it needs a completion prompt")
            try:
                pieces = self._render(prompt.messages or [])
            except ChatTemplateError as exc:
                raise BackendError(str(exc)) from exc
            tokens: list[int] = []
            if not (rt.bos_text and pieces[0][0].startswith(rt.bos_text)):
                tokens += rt.tokenize("", add_special=True)
            for text, is_content in pieces:
                if text:
                    # The template's own markup may hold control tokens; the writer's text never does.
                    tokens += rt.tokenize(text, add_special=False, parse_special=not is_content)
            return tokens
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

    def generate_many(self, prompts: list[Prompt], on_result: OnResult = None, should_stop: StopCheck = None,
                      between_steps: Callable[[], None] | None = None) -> list[GenerationResult]:
        """The prompts decoded together, ``runtime.batch_sequences`` at a time (assistant.llama_batch)."""
        items = [BatchItem(self.prompt_tokens(p), p.params) for p in prompts]
        try:
            return generate_many(self.runtime, items, should_stop, between_steps, on_result)
        except RuntimeError_ as exc:
            raise BackendError(str(exc)) from exc

    @property
    def parallel_width(self) -> int:
        return self.runtime.batch_sequences

    def interrupt(self) -> None:
        self.runtime.interrupt()

    def logprob(self, text: str) -> float | None:
        return self.logprobs([text])[0]

    def logprobs(self, texts: list[str]) -> list[float | None]:
        """All texts scored side by side in as few forward passes as the batch allows."""
        try:
            scores = self.runtime.token_logprobs_many([self.runtime.score_tokens(t) for t in texts])
        except RuntimeError_:
            return [None] * len(texts)
        return [sum(s) for s in scores]

    def variant_gains(self, text: str, variants: list[str], window: int | None = None) -> list[float] | None:
        """Each variant's log-probability less the text's, from one pass over the text and a few tokens
        per variant (LlamaRuntime.variant_gains)."""
        try:
            return self.runtime.variant_gains(self.runtime.score_tokens(text),
                                              [self.runtime.score_tokens(v) for v in variants], window)
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
