"""Deleting short-lived QObjects on the GUI thread, after every queued call to them has run.

A job's signal object is referenced from the worker thread (its callbacks) and from the GUI
thread (its slots). Left to Python, the last reference may drop on the worker, or inside the
cycle collector wherever it happens to run, and a QObject destroyed off its own thread is
undefined behaviour in Qt. Deleting it at once from one of its slots is no better: PySide
gives slots without a receiver object the sender as context, so queued calls to the other
slots of the same emission are dropped with it.

``retire`` is called from a GUI-thread slot. It keeps the object alive, posts a call behind
the events already queued (every receiver of the emission that got us here), and only then
asks Qt to delete it, on the GUI thread, whatever Python references remain elsewhere.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

_retiring: set[QObject] = set()


def retire(obj: QObject) -> None:
    if obj in _retiring:
        return
    _retiring.add(obj)

    def delete() -> None:
        _retiring.discard(obj)
        obj.deleteLater()

    QTimer.singleShot(0, delete)


def retiring() -> int:
    """How many objects wait for deletion (for tests)."""
    return len(_retiring)
