"""The writer's personal dictionary and ignored rules: plain-text files in the data folder.

One entry per line, so they can be edited by hand, exported and imported as they are. A file
that cannot be read (not UTF-8, a folder, no permission) is set aside under another name with
a message; its content is never lost or overwritten.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from pathlib import Path

from assistant.atomic import atomic_write_text
from assistant.paths import data_dir

MAX_ENTRY = 100


def _clean(entry: str) -> str:
    return unicodedata.normalize("NFC", " ".join(entry.split()))[:MAX_ENTRY]


class _Listfile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: set[str] = set()
        self.warning = ""
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            text = self.path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            kept = self.path.with_name(f"{self.path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
            try:
                self.path.rename(kept)
            except OSError:
                self.warning = f"{self.path.name} cannot be read ({exc}); it is left as it is and not used."
                return
            self.warning = f"{self.path.name} could not be read ({exc}); it was kept as {kept.name}."
            return
        self.entries = {c for c in map(_clean, text.splitlines()) if c and not c.startswith("#")}

    def save(self) -> None:
        atomic_write_text(self.path, "".join(f"{e}\n" for e in sorted(self.entries, key=str.casefold)))


class PersonalDictionary:
    """Words never flagged and rules never applied, for this user. Thread-safe (live checking reads it)."""

    def __init__(self, root: Path | None = None) -> None:
        root = root or data_dir()
        self._lock = threading.Lock()
        self.version = 0  # bumped on every change: cached checks made before it are stale
        self._words = _Listfile(root / "personal-dictionary.txt")
        self._rules = _Listfile(root / "ignored-rules.txt")

    @property
    def warning(self) -> str:
        return " ".join(w for w in (self._words.warning, self._rules.warning) if w)

    def knows(self, word: str) -> bool:
        w = _clean(word)
        with self._lock:
            return w in self._words.entries or w.casefold() in {e.casefold() for e in self._words.entries
                                                                if e.islower()}

    def ignores(self, rule: str) -> bool:
        with self._lock:
            return rule in self._rules.entries

    def words(self) -> list[str]:
        with self._lock:
            return sorted(self._words.entries, key=str.casefold)

    def rules(self) -> list[str]:
        with self._lock:
            return sorted(self._rules.entries)

    def add_word(self, word: str) -> None:
        self._add(self._words, word)

    def ignore_rule(self, rule: str) -> None:
        self._add(self._rules, rule)

    def _add(self, lst: _Listfile, entry: str) -> None:
        entry = _clean(entry)
        if not entry:
            raise ValueError("nothing to add")
        with self._lock:
            lst.entries.add(entry)
            lst.save()
            self.version += 1

    def set_words(self, words: list[str]) -> None:
        with self._lock:
            self._words.entries = {c for c in map(_clean, words) if c}
            self._words.save()
            self.version += 1

    def set_rules(self, rules: list[str]) -> None:
        with self._lock:
            self._rules.entries = {c for c in map(_clean, rules) if c}
            self._rules.save()
            self.version += 1

    def export_words(self, path: str | Path) -> int:
        words = self.words()
        atomic_write_text(path, "".join(f"{w}\n" for w in words))
        return len(words)

    def import_words(self, path: str | Path) -> int:
        """Add the words of a plain-text file (one per line); ValueError if it is not text."""
        try:
            text = Path(path).read_text("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{Path(path).name} is not a UTF-8 text file") from exc
        new = {c for c in map(_clean, text.splitlines()) if c and not c.startswith("#")}
        with self._lock:
            before = len(self._words.entries)
            self._words.entries |= new
            self._words.save()
            self.version += 1
            return len(self._words.entries) - before
