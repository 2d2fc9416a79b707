"""Run short non-model work (file checks, metadata reads, file writes) off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ui.qobject_lifetime import retire


class _Signals(QObject):
    done = Signal(object)
    error = Signal(str)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.fn = fn
        self.signals: _Signals | None = signals

    def run(self) -> None:
        # The worker lets go of the signal object before emitting: the GUI thread's slot then
        # holds the last reference and retires it there (see ui.qobject_lifetime).
        signals, self.signals = self.signals, None
        assert signals is not None
        try:
            result = self.fn()
        except Exception as exc:  # shown to the user by the caller's error slot
            outcome, value = signals.error, str(exc)
        else:
            outcome, value = signals.done, result
        try:
            outcome.emit(value)
        except RuntimeError:  # the app quit while the work ran: nobody is left to tell
            pass


_keep: set[_Signals] = set()


def run_in_background(fn: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[str], None], pool: QThreadPool | None = None) -> None:
    signals = _Signals()
    _keep.add(signals)
    signals.done.connect(on_done)
    signals.error.connect(on_error)

    def release(_value: object) -> None:
        _keep.discard(signals)
        retire(signals)

    signals.done.connect(release)
    signals.error.connect(release)
    (pool or QThreadPool.globalInstance()).start(_Task(fn, signals))
