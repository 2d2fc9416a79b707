"""One worker thread owns the backend (and so the llama.cpp context); everything else submits jobs.

A job is a function run on the worker with a JobContext; it streams text and progress
through the job's callbacks, which are called on the worker thread (the Qt bridge turns
them into queued signals). Interactive jobs run before background ones; a job marked
``supersede`` cancels older jobs of its kind, as ghost text does while the writer types.
Cancel is a flag the token loop checks before every token.

Document tasks hand the backend many prompts at once (``JobContext.prefetch``), which a local
model decodes together; between the batch's decode steps the worker runs any queued job more
urgent than the running one (``Engine.interject``), so ghost text never waits for a batch.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from enum import IntEnum
from typing import Any

from assistant.backends.base import Backend, BackendError, BackendInfo
from assistant.llama_runtime import Cancelled, GenerationResult
from assistant.prompting import Prompt

log = logging.getLogger(__name__)


class Priority(IntEnum):
    LOAD = 0
    INTERACTIVE = 10
    BACKGROUND = 20


class JobState:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    ERROR = "error"
    CANCELLED = "cancelled"


@dataclass
class Job:
    kind: str
    run: Callable[[JobContext], Any]
    priority: int = Priority.INTERACTIVE
    supersede: bool = False
    on_token: Callable[[str], None] | None = None
    on_progress: Callable[[int, int, str], None] | None = None
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[str], None] | None = None
    on_cancelled: Callable[[str], None] | None = None
    # LoRA adapters (path, scale) the job runs with; () = the base model alone; None = whatever is attached.
    adapters: tuple[tuple[str, float], ...] | None = None


class JobHandle:
    _ids = itertools.count(1)

    def __init__(self, job: Job) -> None:
        self.id = next(self._ids)
        self.job = job
        self.kind = job.kind
        self.state = JobState.QUEUED
        self.result: Any = None
        self.error: str | None = None
        self.cancel_reason = ""
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._interrupt: Callable[[], None] | None = None

    def cancel(self, reason: str = "cancelled") -> None:
        if not self._cancel.is_set():
            self.cancel_reason = reason
            self._cancel.set()
            interrupt = self._interrupt
            if interrupt is not None:
                interrupt()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)


class JobContext:
    """What a job's function sees: the backend, and the way to report back."""

    def __init__(self, engine: Engine, handle: JobHandle) -> None:
        self.engine = engine
        self.handle = handle
        self._prefetched: dict[str, GenerationResult] = {}

    @property
    def backend(self) -> Backend:
        backend = self.engine.backend
        if backend is None:
            raise BackendError("no model is loaded")
        return backend

    def is_cancelled(self) -> bool:
        return self.handle.cancelled

    def check(self) -> None:
        if self.handle.cancelled:
            raise Cancelled()

    def emit(self, text: str) -> None:
        cb = self.handle.job.on_token
        if cb is not None and not self.handle.cancelled:
            cb(text)

    def progress(self, done: int, total: int, message: str = "") -> None:
        cb = self.handle.job.on_progress
        if cb is not None:
            cb(done, total, message)

    @contextmanager
    def _interruptible(self, backend: Backend) -> Iterator[None]:
        """While the backend works for this job, cancelling the job also interrupts the backend."""
        self.handle._interrupt = backend.interrupt
        try:
            yield
        finally:
            self.handle._interrupt = None

    def generate(self, prompt: Prompt, stream: bool = True) -> GenerationResult:
        """The model's answer to ``prompt``: taken from what ``prefetch`` already generated, or generated now."""
        result = self._prefetched.pop(_prompt_key(prompt), None)
        if result is not None:
            if stream and result.text:
                self.emit(result.text)
            return result
        backend = self.backend
        with self._interruptible(backend):
            result = backend.generate(prompt, self.emit if stream else None, self.is_cancelled)
        self.engine.record(result)
        if result.finish_reason == "cancelled":
            raise Cancelled()
        return result

    def generate_many(self, prompts: list[Prompt],
                      on_result: Callable[[int, GenerationResult], None] | None = None) -> list[GenerationResult]:
        """Answers to independent prompts, generated together where the backend can (no streaming).
        More urgent jobs submitted meanwhile run between the batch's steps."""
        if not prompts:
            return []
        backend = self.backend
        with self._interruptible(backend):
            results = backend.generate_many(prompts, on_result, self.is_cancelled,
                                            lambda: self.engine.interject(self.handle))
        if results:
            self.engine.record(results[-1])
        if self.handle.cancelled or any(r.finish_reason == "cancelled" for r in results):
            raise Cancelled()
        return results

    def prefetch_window(self, least: int) -> int:
        """How many units (paragraphs, lines, chunks) a task should hand ``prefetch`` at a time: ``least``,
        or more where the backend decodes more prompts together (a GPU's batch), so none of it idles."""
        return max(least, self.backend.parallel_width)

    def prefetch(self, prompts: list[Prompt], on_answer: Callable[[int], None] | None = None) -> None:
        """Generate these prompts' answers together now; ``generate`` then returns them without the model.

        A task keeps its one-prompt-at-a-time code and calls this first for the prompts it knows it will
        need (a window of paragraphs at a time). Same prompts, same greedy answers: only the batching
        differs. Duplicates are generated once. ``on_answer(k)`` is told each time another answer is
        ready (k of them so far), so the task's progress moves while the window is generated."""
        todo: dict[str, Prompt] = {}
        for p in prompts:
            key = _prompt_key(p)
            if key not in self._prefetched:
                todo.setdefault(key, p)
        if len(todo) < 2:
            return  # one prompt gains nothing from a batch; generate() streams it as before
        ready = 0

        def answered(_i: int, _result: GenerationResult) -> None:
            nonlocal ready
            ready += 1
            if on_answer is not None:
                on_answer(ready)

        for key, result in zip(todo, self.generate_many(list(todo.values()), answered), strict=True):
            self._prefetched[key] = result


def _prompt_key(prompt: Prompt) -> str:
    return json.dumps([prompt.strategy.value, prompt.messages, prompt.text, asdict(prompt.params)], sort_keys=True)


class Engine:
    def __init__(self) -> None:
        self.backend: Backend | None = None
        self.last_result: GenerationResult | None = None
        self.adapters: tuple[tuple[str, float], ...] = ()  # attached to the current backend
        self.adapter_switch_seconds = 0.0
        self._queue: list[tuple[int, int, JobHandle]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._running: JobHandle | None = None
        self._nested: list[JobHandle] = []  # jobs interjected into the running one's batch
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="llama-worker", daemon=True)
        self._thread.start()

    # submission -------------------------------------------------------------------
    def submit(self, job: Job) -> JobHandle:
        handle = JobHandle(job)
        with self._cond:
            if self._stop:
                raise RuntimeError("the engine has shut down")
            if job.supersede:
                for _, _, older in self._queue:
                    if older.kind == job.kind:
                        older.cancel("superseded")
                for running in [self._running, *self._nested]:
                    if running is not None and running.kind == job.kind:
                        running.cancel("superseded")
            heapq.heappush(self._queue, (int(job.priority), next(self._seq), handle))
            self._cond.notify()
        return handle

    def load(
        self,
        factory: Callable[[Callable[[float], bool]], Backend],
        on_progress: Callable[[int, int, str], None] | None = None,
        on_done: Callable[[BackendInfo], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        on_cancelled: Callable[[str], None] | None = None,
    ) -> JobHandle:
        """Load a backend on the worker; jobs still waiting for the old model are cancelled."""
        with self._cond:
            for _, _, older in self._queue:
                if older.kind != "load":
                    older.cancel("the model was switched")
            for running in [self._running, *self._nested]:
                if running is not None and running.kind != "load":
                    running.cancel("the model was switched")

        def run(ctx: JobContext) -> BackendInfo:
            def progress(fraction: float) -> bool:
                ctx.progress(int(fraction * 100), 100, "loading model")
                return not ctx.is_cancelled()

            backend = factory(progress)
            if ctx.is_cancelled():
                backend.close()
                raise Cancelled()
            old, self.backend = self.backend, backend
            self.adapters = ()  # a fresh context has none
            if old is not None:
                old.close()
            return backend.info

        return self.submit(Job("load", run, Priority.LOAD, supersede=True, on_progress=on_progress,
                               on_done=on_done, on_error=on_error, on_cancelled=on_cancelled))

    def unload(self) -> JobHandle:
        """Free the loaded model on the worker (jobs still waiting for it are cancelled)."""
        with self._cond:
            for _, _, older in self._queue:
                if older.kind != "load":
                    older.cancel("the model was unloaded")

        def run(_ctx: JobContext) -> None:
            old, self.backend = self.backend, None
            self.adapters = ()
            if old is not None:
                old.close()

        return self.submit(Job("load", run, Priority.LOAD, supersede=True))

    def _attach(self, adapters: tuple[tuple[str, float], ...]) -> None:
        """Switch LoRA adapters on the loaded context (no reload); a no-op when they are already on."""
        backend = self.backend
        if backend is None or adapters == self.adapters:
            return
        start = time.perf_counter()
        backend.set_adapters(list(adapters))
        self.adapter_switch_seconds = time.perf_counter() - start
        self.adapters = adapters

    def record(self, result: GenerationResult) -> None:
        self.last_result = result

    @property
    def info(self) -> BackendInfo | None:
        return self.backend.info if self.backend is not None else None

    def interject(self, running: JobHandle) -> None:
        """Run, on the worker, the queued jobs more urgent than ``running`` (called between a batch's steps).

        Only jobs that need no other adapters: switching them would invalidate the batch's cache."""
        while True:
            with self._cond:
                if not self._queue or self._stop:
                    return
                priority, _, handle = self._queue[0]
                if priority >= int(running.job.priority) or handle.job.kind == "load" or (
                        handle.job.adapters is not None and handle.job.adapters != self.adapters):
                    return
                heapq.heappop(self._queue)
                self._nested.append(handle)
            outer_interrupt, running._interrupt = running._interrupt, None
            try:
                self._run(handle)
            finally:
                running._interrupt = outer_interrupt
                with self._cond:
                    self._nested.remove(handle)

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + (1 if self._running else 0)

    # worker -----------------------------------------------------------------------
    def _loop(self) -> None:
        leftover: list[JobHandle] = []
        while True:
            with self._cond:
                while not self._queue and not self._stop:
                    self._cond.wait()
                if self._stop:
                    leftover = [h for _, _, h in self._queue]
                    self._queue.clear()
                    break
                _, _, handle = heapq.heappop(self._queue)
                self._running = handle
            try:
                self._run(handle)
            finally:
                with self._cond:
                    self._running = None
        for handle in leftover:
            self._finish(handle, JobState.CANCELLED)
        backend, self.backend = self.backend, None
        if backend is not None:
            backend.close()

    def _run(self, handle: JobHandle) -> None:
        job = handle.job
        if handle.cancelled:
            self._finish(handle, JobState.CANCELLED)
            return
        handle.state = JobState.RUNNING
        try:
            if job.adapters is not None:
                self._attach(job.adapters)
            result = job.run(JobContext(self, handle))
        except Cancelled:
            self._finish(handle, JobState.CANCELLED)
        except (BackendError, ValueError, OSError) as exc:
            handle.error = str(exc)
            self._finish(handle, JobState.ERROR)
        except Exception as exc:  # the worker must survive any task bug; the user sees the message
            log.exception("job %s failed", job.kind)
            handle.error = f"internal error in {job.kind}: {exc!r}"
            self._finish(handle, JobState.ERROR)
        else:
            if handle.cancelled:
                self._finish(handle, JobState.CANCELLED)
            else:
                handle.result = result
                self._finish(handle, JobState.DONE)

    def _finish(self, handle: JobHandle, state: str) -> None:
        handle.state = state
        job = handle.job
        try:
            if state == JobState.DONE and job.on_done is not None:
                job.on_done(handle.result)
            elif state == JobState.ERROR and job.on_error is not None:
                job.on_error(handle.error or "failed")
            elif state == JobState.CANCELLED and job.on_cancelled is not None:
                job.on_cancelled(handle.cancel_reason or "cancelled")
        except Exception:
            log.exception("callback of job %s failed", job.kind)
        finally:
            handle._finished.set()

    def shutdown(self, timeout: float = 10.0) -> bool:
        """Stop the worker: queued jobs are cancelled, the running one is interrupted, the model is
        freed on the worker. Waits up to ``timeout`` seconds (0: not at all, as a closing window
        must not); True when the worker has ended."""
        with self._cond:
            self._stop = True
            for _, _, handle in self._queue:
                handle.cancel("the app is closing")
            for running in [self._running, *self._nested]:
                if running is not None:
                    running.cancel("the app is closing")
            self._cond.notify_all()
        return self.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        if timeout is None or timeout > 0:
            self._thread.join(timeout)
        return not self._thread.is_alive()
