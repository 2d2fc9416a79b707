"""Run short non-model work (file checks, metadata reads) off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Signals(QObject):
    done = Signal(object)
    error = Signal(str)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.fn = fn
        self.signals = signals

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # shown to the user by the caller's error slot
            self.signals.error.emit(str(exc))
        else:
            self.signals.done.emit(result)


_keep: set[_Signals] = set()


def run_in_background(fn: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[str], None]) -> None:
    signals = _Signals()
    _keep.add(signals)
    signals.done.connect(on_done)
    signals.error.connect(on_error)
    signals.done.connect(lambda _r: _keep.discard(signals))
    signals.error.connect(lambda _e: _keep.discard(signals))
    QThreadPool.globalInstance().start(_Task(fn, signals))
