"""Model downloads in the window: each on its own thread (network and hashing never touch the GUI
thread), reported through signals; pause, resume, cancel. Outlives the dialog that shows it, so closing
the dialog does not stop a download; closing the app pauses them (the bytes are kept for next time)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from assistant.hub.download import (
    DownloadError,
    DownloadRecord,
    DownloadStopped,
    Pending,
    discard,
    pending_downloads,
)
from assistant.hub.install import install
from assistant.model_library import ModelLibrary


class DownloadController(QObject):
    progress = Signal(str, object)  # key, Progress
    finished = Signal(str, object)  # key, ModelEntry
    failed = Signal(str, str)  # key, message for the user
    stopped = Signal(str, bool)  # key, cancelled (False: paused, bytes kept)

    def __init__(self, library: ModelLibrary, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self._active: dict[str, tuple[DownloadRecord, threading.Event, threading.Thread]] = {}
        self._cancelled: set[str] = set()

    def is_active(self, key: str) -> bool:
        return key in self._active

    def pending(self) -> list[Pending]:
        """Paused or interrupted downloads (from the data folder) that are not running now."""
        return [p for p in pending_downloads() if p.record.key not in self._active]

    def start(self, record: DownloadRecord) -> None:
        if record.key in self._active:
            return
        stop = threading.Event()
        thread = threading.Thread(target=self._run, args=(record, stop), name=f"download {record.filename}",
                                  daemon=True)
        self._active[record.key] = (record, stop, thread)
        self._cancelled.discard(record.key)
        thread.start()

    def _run(self, record: DownloadRecord, stop: threading.Event) -> None:
        key = record.key
        try:
            entry = install(record, self.library, lambda p: self.progress.emit(key, p), stop)
        except DownloadStopped:
            cancelled = key in self._cancelled
            if cancelled:
                discard(record)
            self._active.pop(key, None)
            self.stopped.emit(key, cancelled)
        except DownloadError as exc:
            self._active.pop(key, None)
            self.failed.emit(key, str(exc))
        except Exception as exc:  # a bug must not kill the thread silently: the user sees it
            self._active.pop(key, None)
            self.failed.emit(key, f"The download failed unexpectedly ({exc.__class__.__name__}: {exc}).")
        else:
            self._active.pop(key, None)
            self.finished.emit(key, entry)

    def pause(self, key: str) -> None:
        if key in self._active:
            self._active[key][1].set()

    def cancel(self, record: DownloadRecord) -> None:
        """Stop and delete the partial file (at once when it is not running)."""
        if record.key in self._active:
            self._cancelled.add(record.key)
            self._active[record.key][1].set()
        else:
            discard(record)
            self.stopped.emit(record.key, True)

    def stop_all(self, wait_s: float = 3.0) -> None:
        """At close: pause everything; each thread stops within one chunk and keeps its bytes."""
        active = list(self._active.values())
        for _record, stop, _thread in active:
            stop.set()
        for _record, _stop, thread in active:
            thread.join(wait_s / max(1, len(active)))
