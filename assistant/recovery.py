"""Autosave to recovery files, and finding what a crashed session left behind.

Each open document of a running app has one recovery file in the data folder, named after
the app's process id. A file whose process is gone was left by a crash (an orphan). Orphans
are never deleted behind the writer's back: each is offered, and goes only when it has been
recovered into a window (claimed: renamed into that window's slot, so two instances cannot
both take it) or the writer discards that one explicitly.

The file records the document's encoding and line endings, so a recovered cp1252/CRLF
document is saved back as it was opened. Writes (which fsync) run on a writer thread, never
on the caller's: a 20 MB document would otherwise stall the GUI at every autosave.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.atomic import atomic_write_bytes
from assistant.paths import recovery_dir

_SLOT_NAME = re.compile(r"^(\d+)-[0-9a-z]+\.json$")


class RecoveryFileError(ValueError):
    """A recovery file cannot be read back; the message says why."""


@dataclass
class RecoveredDocument:
    file: Path
    text: str
    original_path: str | None
    saved_at: float
    encoding: str = "utf-8"
    newline: str = "\n"

    @property
    def title(self) -> str:
        return Path(self.original_path).name if self.original_path else "an untitled document"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


FORMAT = 2  # a JSON header line, then the text as UTF-8: no JSON escaping of a 20 MB text


class RawText(str):
    """A text editor's raw text, paragraphs separated by U+2029 (Qt's): made plain on the writer thread."""


def encode_recovery(text: str, original_path: str | None, encoding: str, newline: str) -> bytes:
    if isinstance(text, RawText):
        text = text.replace("\u2029", "\n")
    header = {"format": FORMAT, "pid": os.getpid(), "original_path": original_path, "saved_at": time.time(),
              "encoding": encoding, "newline": newline}
    return json.dumps(header).encode("utf-8") + b"\n" + text.encode("utf-8", "surrogatepass")


def parse_recovery(file: Path, data: bytes) -> RecoveredDocument:
    """A recovery file's content, checked field by field; RecoveryFileError if it is not one.
    Reads this format and the earlier one (the whole document inside one JSON object)."""
    head, sep, body = data.partition(b"\n")
    try:
        payload = json.loads(head.decode("utf-8"))
        if isinstance(payload, dict) and payload.get("format") == FORMAT and sep:
            payload["text"] = body.decode("utf-8", "surrogatepass")
        else:
            payload = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RecoveryFileError(f"{file.name} is not a recovery file ({exc.__class__.__name__})") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
        raise RecoveryFileError(f"{file.name} holds no text")
    original = payload.get("original_path")
    encoding, newline = payload.get("encoding", "utf-8"), payload.get("newline", "\n")
    saved_at = payload.get("saved_at", 0)
    if original is not None and not isinstance(original, str):
        raise RecoveryFileError(f"{file.name}: the document's path is not text")
    if not isinstance(encoding, str) or not encoding:
        raise RecoveryFileError(f"{file.name}: the encoding is not text")
    try:
        "".encode(encoding)
    except LookupError as exc:
        raise RecoveryFileError(f"{file.name}: unknown encoding {encoding!r}") from exc
    if newline not in ("\n", "\r\n", "\r"):
        raise RecoveryFileError(f"{file.name}: unknown line ending {newline!r}")
    if isinstance(saved_at, bool) or not isinstance(saved_at, (int, float)) or saved_at != saved_at:
        saved_at = 0.0
    return RecoveredDocument(file, payload["text"], original, float(saved_at), encoding, newline)


class RecoveryStore:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or recovery_dir()
        self.root.mkdir(parents=True, exist_ok=True)

    def new_slot(self) -> Path:
        return self.root / f"{os.getpid()}-{uuid.uuid4().hex[:8]}.json"

    def save(self, slot: Path, text: str, original_path: str | None, encoding: str = "utf-8",
             newline: str = "\n") -> None:
        atomic_write_bytes(slot, encode_recovery(text, original_path, encoding, newline))

    def discard(self, slot: Path) -> None:
        slot.unlink(missing_ok=True)

    @staticmethod
    def _owner(file: Path) -> int | None:
        m = _SLOT_NAME.match(file.name)
        return int(m.group(1)) if m else None

    def orphans(self) -> list[RecoveredDocument]:
        """What dead sessions left, newest first. Unreadable files are left where they are."""
        found = []
        for file in self.root.glob("*.json"):
            owner = self._owner(file)
            if owner is not None and _alive(owner):
                continue
            try:
                doc = parse_recovery(file, file.read_bytes())
            except (OSError, RecoveryFileError):
                continue
            found.append(doc)
        return sorted(found, key=lambda d: d.saved_at, reverse=True)

    def claim(self, orphan: RecoveredDocument, slot: Path) -> bool:
        """Take an orphan over into ``slot`` (atomic rename): False if another window got it first."""
        try:
            os.replace(orphan.file, slot)
        except FileNotFoundError:
            return False
        return True


class RecoveryWriter:
    """One thread that writes (or removes) recovery files; the newest request per slot wins.

    ``on_error`` is called on the writer thread with a message when a write fails (full disk).
    """

    def __init__(self, store: RecoveryStore, on_error: Callable[[str], None] | None = None) -> None:
        self.store = store
        self.on_error = on_error
        self._pending: dict[Path, tuple | None] = {}
        self._busy = False
        self._closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="recovery-writer", daemon=True)
        self._thread.start()

    def save(self, slot: Path, text: str, original_path: str | None, encoding: str = "utf-8",
             newline: str = "\n") -> None:
        self._put(slot, (text, original_path, encoding, newline))

    def discard(self, slot: Path) -> None:
        self._put(slot, None)

    def _put(self, slot: Path, job: tuple | None) -> None:
        with self._cond:
            if self._closed:
                raise RuntimeError("the recovery writer is closed")
            self._pending[slot] = job
            self._cond.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every request so far is on disk; False if that took longer than ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._pending or self._busy:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self, timeout: float | None = 5.0) -> bool:
        done = self.flush(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        return done

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if not self._pending:
                    return
                slot = next(iter(self._pending))
                job = self._pending.pop(slot)
                self._busy = True
            try:
                if job is None:
                    self.store.discard(slot)
                else:
                    self.store.save(slot, *job)
            except OSError as exc:
                if self.on_error is not None:
                    with contextlib.suppress(Exception):
                        self.on_error(f"Autosave failed: {exc.strerror or exc}")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
