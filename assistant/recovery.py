"""Autosave to recovery files, and finding what a crashed session left behind.

Each open document of a running app has one recovery file in the data folder, stamped
with the app's process id. A file whose process is gone was left by a crash.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from assistant.atomic import atomic_write_text
from assistant.paths import recovery_dir


@dataclass
class RecoveredDocument:
    file: Path
    text: str
    original_path: str | None
    saved_at: float


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RecoveryStore:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or recovery_dir()
        self.root.mkdir(parents=True, exist_ok=True)

    def new_slot(self) -> Path:
        return self.root / f"{os.getpid()}-{uuid.uuid4().hex[:8]}.json"

    def save(self, slot: Path, text: str, original_path: str | None) -> None:
        payload = {"pid": os.getpid(), "text": text, "original_path": original_path, "saved_at": time.time()}
        atomic_write_text(slot, json.dumps(payload))

    def discard(self, slot: Path) -> None:
        slot.unlink(missing_ok=True)

    def orphans(self) -> list[RecoveredDocument]:
        found = []
        for file in sorted(self.root.glob("*.json")):
            try:
                data = json.loads(file.read_text("utf-8"))
                if _alive(int(data["pid"])):
                    continue
                found.append(RecoveredDocument(file, str(data["text"]), data.get("original_path"),
                                               float(data.get("saved_at", 0))))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return found
