"""The study bank in SQLite (WAL): profiles, exercises with their FSRS cards, and every review.

An exercise the learner removes (wrong, or not worth learning) is kept with its reviews but no
longer shown, counted or exported; it can be brought back, and its key keeps a new job from
making it again.

An answered review is committed (synchronous=FULL) before the next item is shown, so it
survives the app being killed right after. A locked or damaged database gives a message
and is never deleted or overwritten: a damaged file can be set aside and a new one started.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from fsrs import Card, Rating, Scheduler

from assistant.languages import get_language
from assistant.learning.exercises import Exercise, ExerciseError, levels
from assistant.learning.item_checks import check_shape
from assistant.paths import data_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS profiles (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, native TEXT NOT NULL, target TEXT NOT NULL,
    level TEXT NOT NULL, daily_goal INTEGER NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY, profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    type TEXT NOT NULL, fields TEXT NOT NULL, topic TEXT NOT NULL, source TEXT NOT NULL, key TEXT NOT NULL,
    card TEXT NOT NULL, due TEXT NOT NULL, created TEXT NOT NULL, UNIQUE (profile_id, key));
CREATE INDEX IF NOT EXISTS items_due ON items (profile_id, due);
CREATE TABLE IF NOT EXISTS reviews (
    id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    profile_id INTEGER NOT NULL, answered_at TEXT NOT NULL, given TEXT NOT NULL, score REAL NOT NULL,
    rating INTEGER NOT NULL, card_before TEXT NOT NULL, overridden INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS reviews_day ON reviews (profile_id, answered_at);
CREATE TABLE IF NOT EXISTS removed (
    item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE, removed_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS written (
    item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE, model TEXT NOT NULL,
    small INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS collected (
    id INTEGER PRIMARY KEY, profile_id INTEGER NOT NULL, text TEXT NOT NULL, added TEXT NOT NULL,
    UNIQUE (profile_id, text));
"""


RATING_SCORE = {Rating.Again: 0.0, Rating.Hard: 0.5, Rating.Good: 1.0, Rating.Easy: 1.0}  # the charts' accuracy


# What SQLite says when the OS refuses it the file or its folder for writing.
READ_ONLY_HINTS = ("readonly", "read-only", "unable to open database file")


class StoreError(RuntimeError):
    """The study bank cannot be used right now; the message says why and what is kept."""


@dataclass
class Profile:
    id: int
    name: str
    native: str
    target: str
    level: str
    daily_goal: int


@dataclass
class Item:
    id: int
    exercise: Exercise
    card: Card

    @property
    def due(self) -> datetime:
        return self.card.due


def default_path() -> Path:
    return data_dir() / "study.sqlite3"


def now() -> datetime:
    return datetime.now(timezone.utc)


class StudyStore:
    def __init__(self, path: str | Path | None = None, scheduler: Scheduler | None = None) -> None:
        self.path = Path(path) if path else default_path()
        self.scheduler = scheduler or Scheduler()
        self.damaged_rows: set[int] = set()  # item ids whose rows cannot be shown; never deleted
        self.read_only = False  # on a read-only disk or folder: shown, never written
        self._live = "id NOT IN (SELECT item_id FROM removed)"  # the items not removed (SQL)
        if self.path.is_file() and not (os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)):
            # SQLite would open it read-only without a word (WAL needs its folder too), and the first
            # review would fail; access() also answers for root on a read-only file system.
            self._open_read_only(OSError("the file or its folder is not writable"))
            return
        try:
            self.db = sqlite3.connect(self.path, timeout=2.0, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            # Reading the schema catches a file that is not a database at all; the page-by-page
            # check (integrity_problem) takes seconds on a big bank and runs off the GUI thread.
            self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            self.db.executescript(SCHEMA)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(f"the study bank {self.path} is locked by another program; close it and try "
                                 "again. Nothing was changed.") from exc
            if self.path.is_file() and any(h in str(exc) for h in READ_ONLY_HINTS):
                self._open_read_only(exc)
                return
            raise StoreError(f"cannot open the study bank {self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"the study bank {self.path} is damaged ({exc}). It has not been changed; "
                             "you can set it aside and start a new one.") from exc

    def _open_read_only(self, why: Exception) -> None:
        """The bank cannot be written (a read-only disk, a folder without write permission): open it
        for reading only, as immutable, since SQLite could not even keep its WAL index beside it."""
        try:
            if getattr(self, "db", None) is not None:
                self.db.close()
            self.db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, timeout=2.0)
            self.db.execute("SELECT count(*) FROM items").fetchone()
            if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name='removed'").fetchone():
                self._live = "1"  # a bank from before removal existed, which cannot be given the table now
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the study bank {self.path}: {why}") from exc
        self.read_only = True

    @property
    def read_only_message(self) -> str:
        return (f"the study bank {self.path} is on a read-only disk or folder: you can practise, but answers, "
                "ratings and new exercises cannot be saved. Nothing in it was changed; copy it to a writable "
                "folder (or make this one writable) and reopen the app to go on")

    def close(self) -> None:
        self.db.close()

    @staticmethod
    def integrity_problem(path: str | Path) -> str | None:
        """SQLite's quick_check over a read-only connection of its own (safe on any thread); None when sound."""
        try:
            db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=2.0)
        except sqlite3.Error as exc:
            return str(exc)
        try:
            rows = db.execute("PRAGMA quick_check(5)").fetchall()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return None  # another program writes to it: not damage
            return str(exc)
        except sqlite3.DatabaseError as exc:
            return str(exc)
        finally:
            db.close()
        problems = [r[0] for r in rows if r[0] != "ok"]
        return "; ".join(problems) or None

    @staticmethod
    def set_aside(path: str | Path) -> Path:
        """Rename a damaged bank (and its WAL files) out of the way; nothing is deleted."""
        path = Path(path)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = path.with_name(f"{path.name}.damaged-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(path) + suffix)
            if p.exists():
                p.rename(Path(str(kept) + suffix))
        return kept

    def _tx(self):
        if self.read_only:
            raise StoreError(self.read_only_message + ".")
        return _Transaction(self)

    # profiles ----------------------------------------------------------------------
    def add_profile(self, name: str, native: str, target: str, level: str, daily_goal: int = 20) -> Profile:
        name = name.strip()
        if not name:
            raise ValueError("the profile needs a name")
        nat, tgt = get_language(native), get_language(target)
        if nat.code == tgt.code:
            raise ValueError("the native and target languages are the same")
        if level not in levels():
            raise ValueError(f"unknown level {level!r}; choose one of: {', '.join(levels())}")
        if not 1 <= daily_goal <= 1000:
            raise ValueError("the daily goal is between 1 and 1000 reviews")
        try:
            with self._tx():
                cur = self.db.execute(
                    "INSERT INTO profiles (name, native, target, level, daily_goal, created) VALUES (?,?,?,?,?,?)",
                    (name, nat.code, tgt.code, level, daily_goal, now().isoformat()))
        except sqlite3.IntegrityError as exc:
            raise ValueError(f"a profile named {name!r} exists already") from exc
        return Profile(cur.lastrowid, name, nat.code, tgt.code, level, daily_goal)

    def profiles(self) -> list[Profile]:
        rows = self.db.execute("SELECT id, name, native, target, level, daily_goal FROM profiles ORDER BY id")
        return [Profile(*r) for r in rows]

    def profile(self, name_or_id: str | int) -> Profile:
        for p in self.profiles():
            if name_or_id in (p.id, p.name, str(p.id)):
                return p
        raise ValueError(f"no profile named {name_or_id!r}")

    # items -------------------------------------------------------------------------
    def keys(self, profile: Profile) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT key FROM items WHERE profile_id=?", (profile.id,))}

    def add_items(self, profile: Profile, exercises: list[Exercise]) -> int:
        added = 0
        with self._tx():
            for ex in exercises:
                card = Card()
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO items (profile_id, type, fields, topic, source, key, card, due, created) "
                    "VALUES (?,?,?,?,?,?,?,?,?)",
                    (profile.id, ex.type, json.dumps(ex.fields, ensure_ascii=False), ex.topic, ex.source, ex.key(),
                     json.dumps(card.to_dict()), card.due.isoformat(), now().isoformat()))
                if cur.rowcount and ex.written_by:
                    self.db.execute("INSERT OR REPLACE INTO written (item_id, model, small) VALUES (?, ?, ?)",
                                    (cur.lastrowid, ex.written_by, int(ex.small_model)))
                added += cur.rowcount
        return added

    def written_by(self, item: Item) -> tuple[str, bool] | None:
        """The model that wrote the item and whether it is a very small one; None when data built it,
        it was imported, or it came before the bank kept this (an older bank opened read-only)."""
        try:
            row = self.db.execute("SELECT model, small FROM written WHERE item_id=?", (item.id,)).fetchone()
        except sqlite3.OperationalError:  # no such table: that older read-only bank
            return None
        return (str(row[0]), bool(row[1])) if row else None

    @staticmethod
    def _parse(row) -> Item:
        """An item as stored; ValueError if the row cannot be shown (written by an older or foreign tool)."""
        item_id, kind, fields, topic, source, card = row
        try:
            data = json.loads(fields)
            check_shape(kind, data, imported=True)
            return Item(item_id, Exercise(kind, data, str(topic), str(source)), Card.from_dict(json.loads(card)))
        except (ExerciseError, ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"exercise {item_id} is damaged ({exc})") from exc

    def _usable(self, rows) -> list[Item]:
        """The rows that can be shown; a damaged one is counted in ``damaged_rows`` and left in the file."""
        out = []
        for row in rows:
            try:
                out.append(self._parse(row))
            except ValueError:
                self.damaged_rows.add(row[0])
        return out

    def item(self, item_id: int) -> Item:
        row = self.db.execute("SELECT id, type, fields, topic, source, card FROM items WHERE id=?",
                              (item_id,)).fetchone()
        if row is None:
            raise ValueError(f"no exercise with id {item_id}")
        return self._parse(row)

    def items(self, profile: Profile) -> list[Item]:
        rows = self.db.execute("SELECT id, type, fields, topic, source, card FROM items WHERE profile_id=? "
                               f"AND {self._live} ORDER BY id", (profile.id,))
        return self._usable(rows)

    def count(self, profile: Profile, due_by: datetime | None = None) -> int:
        """How many items the bank holds for a profile (due by a time, when given), without loading them."""
        if due_by is None:
            return self.db.execute(f"SELECT count(*) FROM items WHERE profile_id=? AND {self._live}",
                                   (profile.id,)).fetchone()[0]
        return self.db.execute(f"SELECT count(*) FROM items WHERE profile_id=? AND {self._live} AND due<=?",
                               (profile.id, due_by.isoformat())).fetchone()[0]

    def due(self, profile: Profile, at: datetime | None = None, limit: int = 50) -> list[Item]:
        """Items due by ``at``, soonest first; damaged rows are passed over (see ``damaged_rows``)."""
        skip = sorted(self.damaged_rows)
        rows = self.db.execute(
            f"SELECT id, type, fields, topic, source, card FROM items WHERE profile_id=? AND {self._live} AND due<=? "
            f"AND id NOT IN ({','.join('?' * len(skip))}) ORDER BY due LIMIT ?",
            (profile.id, (at or now()).isoformat(), *skip, limit))
        found = self._usable(rows)
        if len(found) < limit and len(self.damaged_rows) > len(skip):
            return self.due(profile, at, limit)  # a damaged row took a place: fill it from the rest
        return found

    def remove(self, item: Item) -> None:
        """Take an exercise out of practice (wrong, or not worth learning); ``restore`` brings it back."""
        with self._tx():
            self.db.execute("INSERT OR IGNORE INTO removed (item_id, removed_at) VALUES (?, ?)",
                            (item.id, now().isoformat()))

    def restore(self, item_id: int) -> Item:
        with self._tx():
            self.db.execute("DELETE FROM removed WHERE item_id=?", (item_id,))
        return self.item(item_id)

    def removed_count(self, profile: Profile) -> int:
        if self._live == "1":
            return 0
        return self.db.execute("SELECT count(*) FROM items WHERE profile_id=? AND id IN (SELECT item_id FROM "
                               "removed)", (profile.id,)).fetchone()[0]

    # reviews -----------------------------------------------------------------------
    def record(self, item: Item, given: str, score: float, rating: Rating, at: datetime | None = None) -> int:
        """Schedule the item's next review and log the answer, in one durable transaction."""
        at = at or now()
        card, _log = self.scheduler.review_card(item.card, rating, at)
        with self._tx():
            cur = self.db.execute(
                "INSERT INTO reviews (item_id, profile_id, answered_at, given, score, rating, card_before) "
                "SELECT ?, profile_id, ?, ?, ?, ?, ? FROM items WHERE id=?",
                (item.id, at.isoformat(), given, score, int(rating), json.dumps(item.card.to_dict()), item.id))
            self.db.execute("UPDATE items SET card=?, due=? WHERE id=?",
                            (json.dumps(card.to_dict()), card.due.isoformat(), item.id))
        item.card = card
        return cur.lastrowid

    def override(self, review_id: int, rating: Rating = Rating.Good) -> Item:
        """The learner rates the review otherwise (Again/Hard/Good/Easy, or "I was right"): reschedule from
        the card as it was before that review."""
        row = self.db.execute("SELECT item_id, answered_at, card_before FROM reviews WHERE id=?",
                              (review_id,)).fetchone()
        if row is None:
            raise ValueError(f"no review with id {review_id}")
        item_id, answered_at, before = row
        card, _ = self.scheduler.review_card(Card.from_dict(json.loads(before)), rating,
                                             datetime.fromisoformat(answered_at))
        with self._tx():
            self.db.execute("UPDATE reviews SET rating=?, score=?, overridden=1 WHERE id=?",
                            (int(rating), RATING_SCORE[rating], review_id))
            self.db.execute("UPDATE items SET card=?, due=? WHERE id=?",
                            (json.dumps(card.to_dict()), card.due.isoformat(), item_id))
        return self.item(item_id)

    def intervals(self, item: Item, at: datetime | None = None, card: Card | None = None) -> dict[Rating, timedelta]:
        """How long until the next review for each rating, as FSRS would schedule it (shown on the buttons)."""
        at = at or now()
        card = card or item.card
        return {r: self.scheduler.review_card(card, r, at)[0].due - at
                for r in (Rating.Again, Rating.Hard, Rating.Good, Rating.Easy)}

    def card_before(self, review_id: int) -> Card:
        row = self.db.execute("SELECT card_before FROM reviews WHERE id=?", (review_id,)).fetchone()
        if row is None:
            raise ValueError(f"no review with id {review_id}")
        return Card.from_dict(json.loads(row[0]))

    def undo(self, review_id: int) -> Item:
        """Take a review back: the card as it was before it, the review gone from the log and the charts."""
        row = self.db.execute("SELECT item_id, card_before FROM reviews WHERE id=?", (review_id,)).fetchone()
        if row is None:
            raise ValueError(f"no review with id {review_id}")
        item_id, before = row
        card = Card.from_dict(json.loads(before))
        with self._tx():
            self.db.execute("DELETE FROM reviews WHERE id=?", (review_id,))
            self.db.execute("UPDATE items SET card=?, due=? WHERE id=?",
                            (json.dumps(card.to_dict()), card.due.isoformat(), item_id))
        return self.item(item_id)

    # progress ----------------------------------------------------------------------
    def reviews_per_day(self, profile: Profile, days: int = 14,
                        today: date | None = None) -> list[tuple[date, int, float]]:
        """(day, reviews, accuracy) for the last ``days`` days, oldest first."""
        today = today or now().date()
        start = today - timedelta(days=days - 1)
        rows = self.db.execute(
            "SELECT substr(answered_at, 1, 10) AS d, count(*), avg(score >= 1.0) FROM reviews "
            "WHERE profile_id=? AND answered_at>=? GROUP BY d", (profile.id, start.isoformat()))
        by_day = {r[0]: (r[1], r[2]) for r in rows}
        out = []
        for i in range(days):
            d = start + timedelta(days=i)
            n, acc = by_day.get(d.isoformat(), (0, 0.0))
            out.append((d, n, float(acc or 0.0)))
        return out

    def upcoming(self, profile: Profile, days: int = 7, today: date | None = None) -> list[tuple[date, int]]:
        today = today or now().date()
        out = []
        for i in range(days):
            d = today + timedelta(days=i)
            end = (d + timedelta(days=1)).isoformat()
            q = f"SELECT count(*) FROM items WHERE profile_id=? AND {self._live} AND due<?" + (
                "" if i == 0 else " AND due>=?")
            args = (profile.id, end) if i == 0 else (profile.id, end, d.isoformat())
            out.append((d, self.db.execute(q, args).fetchone()[0]))
        return out

    def streak(self, profile: Profile, today: date | None = None) -> int:
        """Days in a row, up to today (or yesterday, if today has no review yet), with a review."""
        today = today or now().date()
        days = {date.fromisoformat(r[0]) for r in self.db.execute(
            "SELECT DISTINCT substr(answered_at, 1, 10) FROM reviews WHERE profile_id=?", (profile.id,))}
        d = today if today in days else today - timedelta(days=1)
        n = 0
        while d in days:
            n += 1
            d -= timedelta(days=1)
        return n

    def done_today(self, profile: Profile, today: date | None = None) -> int:
        today = today or now().date()
        return self.db.execute("SELECT count(*) FROM reviews WHERE profile_id=? AND substr(answered_at,1,10)=?",
                               (profile.id, today.isoformat())).fetchone()[0]

    # collected words ---------------------------------------------------------------
    def collect(self, profile: Profile, text: str) -> bool:
        text = " ".join(text.split())
        if not text:
            raise ValueError("nothing selected to add")
        if len(text) > 200:
            raise ValueError("select a word or a short phrase (at most 200 characters)")
        with self._tx():
            cur = self.db.execute("INSERT OR IGNORE INTO collected (profile_id, text, added) VALUES (?,?,?)",
                                  (profile.id, text, now().isoformat()))
        return cur.rowcount == 1

    def collected(self, profile: Profile) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT text FROM collected WHERE profile_id=? ORDER BY id",
                                              (profile.id,))]

    def forget_collected(self, profile: Profile, texts: list[str]) -> None:
        with self._tx():
            self.db.executemany("DELETE FROM collected WHERE profile_id=? AND text=?",
                                [(profile.id, t) for t in texts])

    # export / import ---------------------------------------------------------------
    def export_csv(self, profile: Profile) -> str:
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["type", "question", "answer", "fields", "topic"])
        for it in self.items(profile):
            ex = it.exercise
            w.writerow([ex.type, ex.question(), ex.answer, json.dumps(ex.fields, ensure_ascii=False), ex.topic])
        return out.getvalue()

    def export_anki(self, profile: Profile) -> str:
        """Anki's text import: front<TAB>back per line, tabs and newlines in fields replaced."""
        lines = ["#separator:tab", "#html:false"]
        for it in self.items(profile):
            ex = it.exercise
            front = f"{ex.instruction()} {ex.question()}"
            if ex.type == "choice":
                front += " [" + " / ".join(ex.fields["options"]) + "]"
            lines.append("\t".join(" ".join(s.split()) for s in (front, ex.answer)))
        return "\n".join(lines) + "\n"

    def import_deck(self, profile: Profile, text: str) -> int:
        """A deck file: this app's CSV, or Anki's tab-separated text (front and back become a card)."""
        first = text.lstrip("\ufeff").split("\n", 1)[0]
        if first.startswith("#separator:tab") or ("\t" in first and not first.startswith("type,")):
            return self.import_anki(profile, text)
        return self.import_csv(profile, text)

    def import_anki(self, profile: Profile, text: str) -> int:
        exercises = []
        for n, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) < 2 or not parts[0].strip() or not parts[1].strip():
                raise ValueError(f"line {n}: an Anki card needs a front and a back separated by a tab")
            fields = {"word": parts[0].strip(), "translation": parts[1].strip(), "example": ""}
            try:
                check_shape("vocab", fields, imported=True)
            except ExerciseError as exc:
                raise ValueError(f"line {n}: {exc}") from exc
            exercises.append(Exercise("vocab", fields, "", "imported"))
        return self.add_items(profile, exercises)

    def import_csv(self, profile: Profile, text: str) -> int:
        try:
            rows = list(csv.DictReader(io.StringIO(text)))
        except csv.Error as exc:
            raise ValueError(f"not a deck CSV: {exc}") from exc
        if rows and not {"type", "fields"} <= set(rows[0]):
            raise ValueError("not a deck CSV exported by this app (columns type and fields are needed)")
        exercises = []
        for n, row in enumerate(rows, 2):
            try:
                fields = json.loads(row["fields"] or "")
            except (json.JSONDecodeError, TypeError) as exc:
                raise ValueError(f"line {n}: the fields are not valid JSON") from exc
            try:
                check_shape(row["type"], fields, imported=True)
            except ExerciseError as exc:
                raise ValueError(f"line {n}: {exc}") from exc
            exercises.append(Exercise(row["type"], fields, str(row.get("topic") or ""), "imported"))
        return self.add_items(profile, exercises)


class _Transaction:
    def __init__(self, store: StudyStore) -> None:
        self.store = store
        self.db = store.db

    def __enter__(self) -> None:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError("the study bank is locked by another program; try again in a moment. "
                             "Nothing was changed.") from exc

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc):
                # The disk became read-only while the app ran: say so, and stop trying to write.
                self.store.read_only = True
                raise StoreError(self.store.read_only_message + ".") from exc
            return
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            # A failed COMMIT leaves the transaction open; without the rollback every later write
            # would fail to BEGIN and be misreported as a lock held by another program.
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise StoreError(f"the study bank could not save the change ({exc}). Nothing was changed.") from exc
