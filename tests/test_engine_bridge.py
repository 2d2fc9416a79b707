"""The bridge's Qt objects live and die on the GUI thread; closing a window never waits on the
model; settings are not rewritten to disk on every keystroke."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from assistant.engine import Engine, Job
from ui.background import run_in_background
from ui.engine_bridge import EngineBridge
from ui.qobject_lifetime import retiring


def destroyed_on(qtbot, obj) -> list[QThread]:
    seen: list[QThread] = []
    obj.destroyed.connect(lambda *_: seen.append(QThread.currentThread()))
    return seen


def test_job_signals_are_deleted_on_the_gui_thread_after_every_slot_ran(qtbot):
    """Before the fix a job's signal object was left to Python: it lived on in reference cycles and
    died wherever the collector ran, the worker thread included."""
    bridge = EngineBridge(Engine())
    try:
        calls = []
        handle, sig = bridge.submit(Job("t", lambda ctx: 42), lambda s: (
            s.done.connect(lambda r: calls.append(("done", r))), s.finished.connect(lambda: calls.append("fin"))))
        where = destroyed_on(qtbot, sig)
        qtbot.waitUntil(lambda: bool(where), timeout=5000)
        assert where == [QApplication.instance().thread()]
        assert calls == [("done", 42), "fin"]  # every slot of the finishing emissions ran first
        assert handle.job.on_done is None  # the worker holds no reference to it any more
    finally:
        bridge.shutdown()


def test_background_signals_are_deleted_on_the_gui_thread(qtbot):
    results = []
    run_in_background(lambda: threading.current_thread().name, results.append, results.append)
    qtbot.waitUntil(lambda: bool(results) and retiring() == 0, timeout=5000)
    assert results[0] != threading.current_thread().name


def test_background_work_that_outlives_its_signals_ends_quietly(qtbot, capfd):
    """Work still running when the app quits (live checking's warm-up, a few seconds) finds its
    signal object gone at the end. FAKE fault: the object is deleted by hand, as Python's shutdown
    deletes it; before the fix the pool thread raised "Signal source has been deleted"."""
    import shiboken6
    from PySide6.QtCore import QThreadPool

    import ui.background as background

    pool = QThreadPool()
    go, ran = threading.Event(), threading.Event()
    before = set(background._keep)
    run_in_background(lambda: (go.wait(10), ran.set()), lambda _r: None, lambda _m: None, pool)
    (signals,) = background._keep - before
    background._keep.discard(signals)
    shiboken6.delete(signals)
    go.set()
    assert pool.waitForDone(10_000) and ran.is_set()
    assert "Signal source has been deleted" not in capfd.readouterr().err


def test_closing_the_window_does_not_wait_for_the_model(qtbot, library):
    from ui.main_window import MainWindow

    w = MainWindow(library=library)
    release = threading.Event()
    started = threading.Event()

    def busy(ctx):  # a job that ignores cancel, as a long llama.cpp call would until its next check
        started.set()
        release.wait(30)

    w.bridge.submit(Job("busy", busy))
    assert started.wait(10)
    w.close()  # before the fix: a 10 s join here, on the GUI thread
    try:
        assert w.isHidden() and not w.bridge.engine.join(0)  # closed, the worker still busy
    finally:
        release.set()
    assert w.bridge.engine.join(10)


def test_settings_are_not_synced_on_every_change(qtbot, library, monkeypatch):
    from PySide6.QtCore import QSettings

    from ui.main_window import MainWindow

    syncs = []
    real = QSettings.sync
    monkeypatch.setattr(QSettings, "sync", lambda self: (syncs.append(1), real(self)))  # a spy
    w = MainWindow(library=library)
    try:
        syncs.clear()
        for ch in "house = maison":
            w.translate_pane.glossary.insertPlainText(ch)
        assert syncs == []
        assert w.settings.get("translate_glossary") == "house = maison"
    finally:
        w.close()
    assert syncs  # written once, at close
