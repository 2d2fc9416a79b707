"""The study bank's defences: every way into it is checked against the exercise types' shapes,
a row that cannot be shown never stops the app, and a failed commit is rolled back."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys

import pytest

from assistant.learning.exercises import ExerciseError
from assistant.learning.item_checks import check_shape
from assistant.learning.store import StoreError, StudyStore

BAD_ROW = 'type,fields\nchoice,"{""sentence"": ""Je ___ content.""}"\n'  # the row from the review: no options


@pytest.fixture
def store(tmp_path):
    s = StudyStore(tmp_path / "bank.sqlite3")
    yield s
    s.close()


def test_the_reviewed_malformed_deck_is_refused_with_its_line(store):
    p = store.add_profile("fr", "en", "fr", "A2")
    with pytest.raises(ValueError, match="line 2: options needs 4 entries"):
        store.import_deck(p, BAD_ROW)
    assert store.count(p) == 0


@pytest.mark.parametrize("kind,fields,message", [
    ("choice", {"sentence": "Je ___ content.", "options": ["suis", "es", "est", "sommes"], "answer": "être"},
     "not among the options"),
    ("cloze", {"sentence": "No gap here.", "answer": "x"}, "exactly one gap"),
    ("vocab", {"word": "chat", "translation": ["cat"]}, "translation is missing"),
    ("vocab", {"word": "chat", "translation": "cat", "colour": "red"}, "unexpected field"),
    ("translate", {"source": "x" * 5000, "answer": "y"}, "source is too long"),
    ("lottery", {"answer": "7"}, "unknown exercise type"),
    ("vocab", ["not", "an", "object"], "not a JSON object"),
])
def test_shapes_are_checked_exactly(kind, fields, message):
    with pytest.raises(ExerciseError, match=message):
        check_shape(kind, fields, imported=True)


def test_optional_fields_may_be_empty_only_when_imported():
    card = {"word": "chat", "translation": "cat", "example": ""}
    check_shape("vocab", card, imported=True)
    with pytest.raises(ExerciseError, match="example is missing"):
        check_shape("vocab", card)


def test_a_damaged_row_is_skipped_and_kept(store):
    p = store.add_profile("fr", "en", "fr", "A2")
    store.import_deck(p, "chat\tcat\nchien\tdog\n")
    # As an older version or another tool could have written it: a choice item without options.
    store.db.execute("UPDATE items SET type='choice', fields=? WHERE id=(SELECT min(id) FROM items)",
                     (json.dumps({"sentence": "Je ___ content."}),))
    due = store.due(p, limit=5)
    assert [i.exercise.fields["word"] for i in due] == ["chien"]
    assert len(store.damaged_rows) == 1
    assert store.count(p) == 2  # nothing deleted
    assert store.due(p, limit=1)[0].exercise.fields["word"] == "chien"  # the bad row does not take the place


def test_the_app_still_starts_after_the_reviewed_import(qtbot, library, tmp_path, monkeypatch):
    """The steps of the review: `exercise import` of the bad row, then the window. Before the fix
    the import said "imported 1" and MainWindow() raised KeyError: 'options' on every start."""
    home = tmp_path / "home"
    monkeypatch.setenv("WRITING_ASSISTANT_HOME", str(home))
    deck = tmp_path / "bad.csv"
    deck.write_text(BAD_ROW)
    env = dict(os.environ)
    run = [sys.executable, "-m", "assistant", "exercise"]
    subprocess.run([*run, "profile", "--name", "fr", "--native", "en", "--target", "fr", "--level", "A2"],
                   env=env, check=True, capture_output=True, text=True)
    out = subprocess.run([*run, "import", "--from", str(deck)], env=env, capture_output=True, text=True)
    assert out.returncode != 0 and "line 2" in out.stderr, out.stdout + out.stderr
    # And a bank that already holds such a row (written before the fix) still opens.
    bank = StudyStore(home / "study.sqlite3")
    bank.db.execute("INSERT INTO items (profile_id, type, fields, topic, source, key, card, due, created) "
                    "VALUES (1, 'choice', ?, '', 'imported', 'k', '{}', '2000-01-01', '2000-01-01')",
                    (json.dumps({"sentence": "Je ___ content."}),))
    bank.close()
    from ui.main_window import MainWindow

    w = MainWindow(library=library)
    try:
        assert w.learn_pane.current is None
        assert "damaged and skipped" in w.learn_pane.message.text()
    finally:
        w.close()


def test_a_failed_commit_is_rolled_back_and_the_next_write_works(store):
    """A deferred foreign key makes SQLite's COMMIT itself fail: a real fault, no fake needed.
    Before the fix the transaction stayed open and every later write said "locked by another program"."""
    p = store.add_profile("fr", "en", "fr", "A2")
    store.db.execute("CREATE TABLE probe (item INTEGER REFERENCES items(id) DEFERRABLE INITIALLY DEFERRED)")
    with pytest.raises(StoreError, match="could not save the change") as err, store._tx():
        store.db.execute("INSERT INTO probe VALUES (424242)")
    assert "locked" not in str(err.value)
    assert not store.db.in_transaction
    assert store.db.execute("SELECT count(*) FROM probe").fetchone()[0] == 0
    assert store.collect(p, "la gare")  # the next write goes through
    assert store.collected(p) == ["la gare"]


def damaged_freelist_bank(path) -> bytes:
    """A bank whose reads all work but whose free-page list points outside the file: the damage a
    disk fault leaves, which only SQLite's page check finds (and the next write would trip over)."""
    s = StudyStore(path)
    p = s.add_profile("fr", "en", "fr", "A2")
    s.import_deck(p, "".join(f"mot{i}\tword{i}\n" for i in range(5)))
    s.db.execute("CREATE TABLE junk (x)")
    s.db.executemany("INSERT INTO junk VALUES (?)", [("x" * 500,)] * 200)
    s.db.execute("DROP TABLE junk")
    s.close()
    data = bytearray(path.read_bytes())
    data[32:36] = struct.pack(">I", 999_999)  # the first freelist trunk page
    path.write_bytes(bytes(data))
    return bytes(data)


def test_integrity_check_runs_on_its_own_connection_and_writes_nothing(tmp_path):
    good = tmp_path / "good.sqlite3"
    StudyStore(good).close()
    assert StudyStore.integrity_problem(good) is None
    bad = tmp_path / "bad.sqlite3"
    before = damaged_freelist_bank(bad)
    assert "freelist" in StudyStore.integrity_problem(bad).lower()
    assert bad.read_bytes() == before


def test_the_pane_stops_using_a_bank_the_background_check_finds_damaged(qtbot, library, tmp_path):
    from ui.main_window import MainWindow

    path = tmp_path / "study.sqlite3"
    before = damaged_freelist_bank(path)
    w = MainWindow(library=library)
    try:
        pane = w.learn_pane
        pane.db_path = path
        assert pane.open_store()  # opens at once: the page check is not on the GUI thread
        assert pane.store is not None
        qtbot.waitUntil(lambda: pane.store is None, timeout=10_000)
        assert "damaged" in pane.message.text() and not pane.fresh_button.isHidden()
        assert path.read_bytes() == before
    finally:
        w.close()


def read_only_bank(tmp_path, monkeypatch, older: bool = False) -> tuple:
    """A bank with a profile and a due card, then made unwritable: by permissions for a normal user; for
    root, whom permissions do not stop (only a read-only mount would, which a test cannot make), by a FAKE:
    the store's os.access answers "not writable" for the bank's folder, as it does on a read-only disk."""
    from assistant.learning.exercises import Exercise

    path = tmp_path / "bank" / "study.sqlite3"
    path.parent.mkdir()
    s = StudyStore(path)
    p = s.add_profile("Français", "en", "fr", "A2")
    s.add_items(p, [Exercise("vocab", {"word": "pomme", "translation": "apple", "example": "Je mange une pomme."})])
    if older:  # as a bank from before exercises could be removed, or said who wrote them
        s.db.execute("DROP TABLE removed")
        s.db.execute("DROP TABLE written")
    s.close()
    if os.geteuid() != 0:
        path.chmod(0o444)
        path.parent.chmod(0o555)
    else:
        real, folder = os.access, str(path.parent)

        def access(p, mode, *args, **kwargs):
            if mode & os.W_OK and str(p).startswith(folder):
                return False
            return real(p, mode, *args, **kwargs)

        monkeypatch.setattr("assistant.learning.store.os.access", access)
    return path, path.read_bytes()


def test_a_bank_on_a_read_only_disk_opens_for_practice_and_is_never_written(tmp_path, monkeypatch):
    from fsrs import Rating

    path, before = read_only_bank(tmp_path, monkeypatch)
    try:
        s = StudyStore(path)
        assert s.read_only
        p = s.profiles()[0]
        item = s.due(p)[0]
        assert item.exercise.fields["word"] == "pomme"
        with pytest.raises(StoreError, match="read-only disk or folder: you can practise, but answers"):
            s.record(item, "apple", 1.0, Rating.Good)
        with pytest.raises(StoreError, match="read-only"):
            s.add_profile("Deutsch", "en", "de", "A1")
        assert s.due(p)[0].card.to_dict() == item.card.to_dict()  # the card is as it was
        s.close()
        assert path.read_bytes() == before
    finally:
        path.parent.chmod(0o755)
        path.chmod(0o644)


def test_the_learn_pane_says_the_bank_is_read_only(qtbot, library, tmp_path, monkeypatch):
    from ui.main_window import MainWindow

    path, before = read_only_bank(tmp_path, monkeypatch)
    w = MainWindow(library=library)
    try:
        pane = w.learn_pane
        pane.db_path = path
        assert pane.open_store() and pane.store.read_only
        assert "is on a read-only disk or folder" in pane.message.text() and pane.profile_box.count() == 1
        assert pane.current is not None  # the due card is there to practise
        pane.answer.setText("apple")
        pane.check()
        assert "cannot be saved" in pane.result.text()
        assert path.read_bytes() == before
    finally:
        w.close()
        path.parent.chmod(0o755)
        path.chmod(0o644)


def test_a_removed_exercise_is_kept_but_not_shown_counted_or_exported_and_can_come_back(store, tmp_path):
    from fsrs import Rating

    from assistant.learning.exercises import Exercise

    p = store.add_profile("Français", "en", "fr", "A2")
    wrong = Exercise("vocab", {"word": "sac", "translation": "wine bag", "example": "Mon sac est lourd."})
    right = Exercise("vocab", {"word": "pomme", "translation": "apple", "example": "Je mange une pomme."})
    assert store.add_items(p, [wrong, right]) == 2
    item = next(i for i in store.due(p) if i.exercise.fields["word"] == "sac")
    store.record(item, "bag", 0.0, Rating.Again)
    store.remove(item)
    assert [i.exercise.fields["word"] for i in store.due(p)] == ["pomme"]
    assert store.count(p) == 1 and store.removed_count(p) == 1
    assert [i.exercise.fields["word"] for i in store.items(p)] == ["pomme"]
    assert "sac" not in store.export_anki(p) and "sac" not in store.export_csv(p)
    assert sum(n for _d, n in store.upcoming(p)) == 1
    assert store.add_items(p, [wrong]) == 0  # a new job does not make it again
    assert store.db.execute("SELECT count(*) FROM reviews").fetchone() == (1,)  # its history is kept
    store.close()
    again = StudyStore(tmp_path / "bank.sqlite3")  # removal persists
    assert again.count(p) == 1
    assert again.restore(item.id).exercise.fields["word"] == "sac"
    assert again.count(p) == 2 and again.removed_count(p) == 0
    again.close()


def test_an_older_bank_on_a_read_only_disk_has_nothing_removed(tmp_path, monkeypatch):
    path, before = read_only_bank(tmp_path, monkeypatch, older=True)
    try:
        s = StudyStore(path)
        p = s.profiles()[0]
        assert s.read_only and s.count(p) == 1 and s.removed_count(p) == 0 and len(s.due(p)) == 1
        assert s.written_by(s.due(p)[0]) is None
        s.close()
        assert path.read_bytes() == before
    finally:
        path.parent.chmod(0o755)
        path.chmod(0o644)


def test_each_item_keeps_the_model_that_wrote_it(tmp_path):
    """A model-written card says which model wrote it, and whether a very small one did, for as long
    as the bank keeps it; a card data built, or one imported, says nothing."""
    from assistant.learning.exercises import Exercise

    path = tmp_path / "bank.sqlite3"
    s = StudyStore(path)
    p = s.add_profile("Français", "en", "fr", "A2")
    written = Exercise("vocab", {"word": "pomme", "translation": "apple"}, written_by="Gemma-3-270M (Q4_K_M)",
                       small_model=True)
    large = Exercise("vocab", {"word": "chat", "translation": "cat"}, written_by="Qwen3-8B (Q4_K_M)")
    built = Exercise("inflection", {"lemma": "aller", "form": "nous · présent", "answer": "nous allons"})
    assert s.add_items(p, [written, large, built]) == 3
    assert s.add_items(p, [Exercise("vocab", {"word": "pomme", "translation": "apple"}, written_by="Other")]) == 0
    s.import_deck(p, "le pain\tbread\n")
    s.close()
    again = StudyStore(path)
    by_word = {i.exercise.fields.get("word") or i.exercise.fields.get("lemma"): again.written_by(i)
               for i in again.items(p)}
    assert by_word == {"pomme": ("Gemma-3-270M (Q4_K_M)", True), "chat": ("Qwen3-8B (Q4_K_M)", False),
                       "aller": None, "le pain": None}
    again.close()
