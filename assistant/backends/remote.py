"""An OpenAI-compatible server (llama.cpp's llama-server, vLLM, Ollama, llama_cpp.server).

Only used when the user points the app at a server; nothing here runs by default.
Streams server-sent events with the standard library so no HTTP client dependency is needed.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from http.client import HTTPResponse

from assistant.backends.base import Backend, BackendError, BackendInfo, OnResult, StopCheck
from assistant.llama_runtime import GenerationResult, StopScanner
from assistant.prompting import Prompt, Strategy


class RemoteBackend(Backend):
    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        api_key: str | None = None,
        strategy: Strategy = Strategy.INSTRUCT,
        timeout: float = 30.0,
        n_ctx: int = 4096,
        concurrency: int = 4,
    ) -> None:
        self.base = base_url.rstrip("/")
        if not self.base.endswith("/v1"):
            self.base += "/v1"
        self.api_key = api_key
        self.timeout = timeout
        self.concurrency = max(1, concurrency)  # requests in flight at once; servers batch them
        models = self._get("/models").get("data", [])
        if model is None:
            if not models:
                raise BackendError(f"the server at {base_url} lists no models")
            model = models[0]["id"]
        self.model = model
        self._can_tokenize = True
        self.info = BackendInfo(model_name=str(model), backend="Remote", gpu_layers=0, n_layers=0,
                                n_ctx=n_ctx, strategy=strategy, message=f"server {self.base}")

    # HTTP -------------------------------------------------------------------------
    def _request(self, path: str, body: dict | None = None, root: bool = False) -> HTTPResponse:
        url = (self.base.removesuffix("/v1") if root else self.base) + path
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")
        req.add_header("Content-Type", "application/json")
        if self.api_key:
            req.add_header("Authorization", f"Bearer {self.api_key}")
        try:
            return urllib.request.urlopen(req, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            detail = exc.read(2000).decode("utf-8", errors="replace")[:200]
            raise BackendError(f"the server answered {exc.code} for {path}: {detail}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise BackendError(f"cannot reach the server at {url}: {getattr(exc, 'reason', exc)}") from exc

    def _get(self, path: str) -> dict:
        with self._request(path) as resp:
            try:
                return json.loads(resp.read())
            except ValueError as exc:
                raise BackendError(f"the server's answer to {path} is not JSON") from exc

    @staticmethod
    def _events(resp: HTTPResponse) -> Iterator[dict]:
        for raw in resp:
            line = raw.decode("utf-8", errors="replace").strip()
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            if payload == "[DONE]":
                return
            try:
                yield json.loads(payload)
            except ValueError:
                continue

    # Backend ----------------------------------------------------------------------
    def generate(
        self,
        prompt: Prompt,
        on_text: Callable[[str], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> GenerationResult:
        p = prompt.params
        body: dict = {"model": self.model, "stream": True, "max_tokens": p.max_tokens,
                      "temperature": p.temperature, "top_p": p.top_p, "seed": p.seed}
        if p.stop:
            body["stop"] = p.stop[:4]  # the OpenAI API takes at most four
        if p.grammar:
            body["grammar"] = p.grammar  # llama.cpp servers honour GBNF
        if prompt.is_chat:
            body["messages"] = prompt.messages
            path = "/chat/completions"
        else:
            body["prompt"] = prompt.text
            path = "/completions"
        t0 = time.perf_counter()
        parts: list[str] = []
        first, n, finish = 0.0, 0, "length"
        scanner = StopScanner(p.stop)  # servers may ignore stops beyond the first four
        with self._request(path, body) as resp:
            for event in self._events(resp):
                if should_stop is not None and should_stop():
                    finish = "cancelled"
                    break
                choice = (event.get("choices") or [{}])[0]
                piece = choice.get("delta", {}).get("content") if prompt.is_chat else choice.get("text")
                if piece:
                    n += 1
                    if n == 1:
                        first = time.perf_counter() - t0
                    text = scanner.feed(piece)
                    if text:
                        parts.append(text)
                        if on_text is not None:
                            on_text(text)
                    if scanner.stopped:
                        finish = "stop"
                        break
                if choice.get("finish_reason"):
                    finish = "stop" if choice["finish_reason"] == "stop" else "length"
        if finish != "cancelled" and not scanner.stopped:
            tail = scanner.flush()
            if tail:
                parts.append(tail)
                if on_text is not None:
                    on_text(tail)
        elapsed = time.perf_counter() - t0
        return GenerationResult("".join(parts), 0, 0, n, first, elapsed - first, first, finish)

    @property
    def parallel_width(self) -> int:
        return self.concurrency

    def generate_many(self, prompts: list[Prompt], on_result: OnResult = None, should_stop: StopCheck = None,
                      between_steps: Callable[[], None] | None = None) -> list[GenerationResult]:
        """Up to ``concurrency`` requests in flight; results and callbacks on the calling thread."""
        results: list[GenerationResult | None] = [None] * len(prompts)
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="remote") as pool:
            futures = {pool.submit(self.generate, p, None, should_stop): i for i, p in enumerate(prompts)}
            pending = set(futures)
            try:
                while pending:
                    done, pending = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
                    for fut in done:
                        i = futures[fut]
                        results[i] = fut.result()
                        if on_result is not None:
                            on_result(i, results[i])
                    if between_steps is not None and pending:
                        between_steps()
            finally:
                for fut in pending:
                    fut.cancel()
        return [r if r is not None else GenerationResult.cancelled() for r in results]

    def count_tokens(self, text: str) -> int:
        if self._can_tokenize:
            try:
                with self._request("/extras/tokenize", {"input": text}, root=True) as resp:
                    return len(json.loads(resp.read())["tokens"])
            except (BackendError, KeyError, ValueError):
                self._can_tokenize = False
        # Servers without a tokenize endpoint: about four characters a token for Latin scripts.
        return max(1, len(text) // 4)
