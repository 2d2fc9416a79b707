"""Turns the engine's worker-thread callbacks into Qt signals delivered on the GUI thread.

Each submitted job gets a JobSignals object living on the GUI thread; the worker emits
its signals, and Qt queues them across threads. Nothing here waits on the model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from assistant.engine import Engine, Job, JobHandle
from ui.qobject_lifetime import retire


class JobSignals(QObject):
    token = Signal(str)
    progress = Signal(int, int, str)
    done = Signal(object)
    error = Signal(str)
    cancelled = Signal(str)
    finished = Signal()
    # Emitted by the worker after finished, to the bridge alone: by then the worker has posted a call
    # for every slot of finished. Retiring the object from finished itself could delete it while the
    # worker, preempted mid-emission, had yet to post the rest: those slots never ran (seen under load).
    closed = Signal()


class EngineBridge(QObject):
    """The UI's one door to the engine."""

    job_started = Signal(object)  # JobHandle
    job_finished = Signal(object)  # JobHandle
    model_loaded = Signal(object)  # BackendInfo
    model_failed = Signal(str)
    load_progress = Signal(int)

    def __init__(self, engine: Engine | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine or Engine()
        self._live: dict[int, JobSignals] = {}

    def _wire(self, sig: JobSignals, holder: list[JobHandle]) -> None:
        # Connected before the job is submitted: a fast job may finish before submit() returns.
        sig.closed.connect(lambda: self._forget(holder[0]))

    @staticmethod
    def _ending(sig: JobSignals, signal: Any) -> Callable[[Any], None]:
        """The worker's callback for a job's end: its own signal, then finished, then closed."""
        return lambda value: (signal.emit(value), sig.finished.emit(), sig.closed.emit())

    def submit(self, job: Job, connect: Callable[[JobSignals], None] | None = None) -> tuple[JobHandle, JobSignals]:
        """Submit a job; ``connect`` wires the caller's slots before the job can start.

        A queued signal emitted before anything is connected is dropped, and a fast job can
        finish before submit() returns, so slots must be connected first.
        """
        sig = JobSignals()
        holder: list[JobHandle] = []
        self._wire(sig, holder)
        if connect is not None:
            connect(sig)
        job.on_token = sig.token.emit
        job.on_progress = sig.progress.emit
        job.on_done = self._ending(sig, sig.done)
        job.on_error = self._ending(sig, sig.error)
        job.on_cancelled = self._ending(sig, sig.cancelled)
        handle = self.engine.submit(job)
        holder.append(handle)
        self._live[handle.id] = sig
        self.job_started.emit(handle)
        return handle, sig

    def _forget(self, handle: JobHandle) -> None:
        sig = self._live.pop(handle.id, None)
        # The worker's callbacks are the job's; drop them so the worker holds no reference to sig.
        job = handle.job
        job.on_token = job.on_progress = job.on_done = job.on_error = job.on_cancelled = None
        self.job_finished.emit(handle)
        if sig is not None:
            retire(sig)  # deleted on this (the GUI) thread, after its other queued calls

    def load(self, factory: Any) -> tuple[JobHandle, JobSignals]:
        """Load a model in the background; model_loaded or model_failed follows."""
        sig = JobSignals()
        holder: list[JobHandle] = []
        self._wire(sig, holder)
        sig.progress.connect(lambda done, _t, _m: self.load_progress.emit(done))
        sig.done.connect(self.model_loaded.emit)
        sig.error.connect(self.model_failed.emit)
        handle = self.engine.load(
            factory,
            on_progress=sig.progress.emit,
            on_done=self._ending(sig, sig.done),
            on_error=self._ending(sig, sig.error),
            on_cancelled=self._ending(sig, sig.cancelled),
        )
        holder.append(handle)
        self._live[handle.id] = sig
        self.job_started.emit(handle)
        return handle, sig

    def shutdown(self, wait: bool = True) -> bool:
        """Stop the engine; a closing window passes wait=False and the app joins it after its
        event loop has ended (ui.app), so closing never stalls on the model."""
        return self.engine.shutdown(10.0 if wait else 0)
