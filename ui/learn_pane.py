"""The Learn pane: study profiles, exercise generation in the background, practice with grading,
spaced repetition (FSRS), progress, and deck export/import.

The study bank is opened on the GUI thread (SQLite objects stay on their thread); the model
only writes exercises and explains mistakes, through the engine like every other pane.
"""

from __future__ import annotations

import html
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from fsrs import Rating
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from assistant.atomic import atomic_write_text
from assistant.engine import Job, Priority
from assistant.languages import languages
from assistant.learning.exercises import levels, spec, types, unavailable
from assistant.learning.generation import GenerationReport, generate
from assistant.learning.grading import Grade
from assistant.learning.sentence_bank import topic_names
from assistant.learning.store import RATING_SCORE, Item, Profile, StoreError, StudyStore, default_path, now
from assistant.prompting import build_prompt
from ui.background import run_in_background
from ui.editor import Scope
from ui.progress_chart import ProgressChart, ReviewHeatmap
from ui.task_pane import TaskPane, as_sentence, capitalized

if TYPE_CHECKING:
    from ui.pane_services import PaneServices


HEATMAP_DAYS = 182


def human_interval(delta: timedelta) -> str:
    """An interval as Anki shows it on its buttons: "<1 min", "10 min", "3 h", "4 d", "2 mo", "1.5 y"."""
    minutes = delta.total_seconds() / 60
    if minutes < 1:
        return "<1 min"
    if minutes < 60:
        return f"{round(minutes)} min"
    if minutes < 60 * 24:
        return f"{round(minutes / 60)} h"
    days = minutes / (60 * 24)
    if days < 30:
        return f"{round(days)} d"
    if days < 365:
        return f"{days / 30:.1f} mo".replace(".0 ", " ")
    return f"{days / 365:.1f} y".replace(".0 ", " ")


class LearnPane(TaskPane):
    kind = "learn"
    run_label = "Generate exercises"

    def __init__(self, services: PaneServices, parent: QWidget | None = None, db_path: Path | None = None) -> None:
        super().__init__(services, parent)
        self.setObjectName("learnPane")
        self.db_path = db_path or default_path()
        self.store: StudyStore | None = None
        self.current: Item | None = None
        self.last_review: int | None = None
        self.last_grade: Grade | None = None
        # What the running generation job was started for: the profile, and the collected words it used.
        self._job_profile: Profile | None = None
        self._job_words: list[str] = []
        # What a very small model was held back from writing in the last job (types, how many): offered
        # again, with the model let write them, while the request that was held is what the pane shows.
        self._held: tuple[list[str], int] | None = None

        top = QHBoxLayout()
        self.profile_box = QComboBox()
        self.profile_box.setObjectName("learnProfile")
        self.profile_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.new_profile_button = QPushButton("New profile…")
        self.new_profile_button.clicked.connect(lambda: self.profile_form.setVisible(not self.profile_form.isVisible()))
        top.addWidget(QLabel("Profile:"))
        top.addWidget(self.profile_box, 1)
        top.addWidget(self.new_profile_button)
        self.layout_.insertLayout(0, top)

        self.profile_form = QGroupBox("New profile")
        form = QFormLayout(self.profile_form)
        self.p_name = QLineEdit()
        self.p_native, self.p_target = QComboBox(), QComboBox()
        for lang in languages().values():
            self.p_native.addItem(lang.name, lang.code)
            self.p_target.addItem(lang.name, lang.code)
        self.p_target.setCurrentIndex(self.p_target.findData("fr"))
        self.p_level = QComboBox()
        self.p_level.addItems(levels())
        self.p_level.setCurrentText("A2")
        self.p_goal = QSpinBox()
        self.p_goal.setRange(1, 1000)
        self.p_goal.setValue(20)
        create = QPushButton("Create profile")
        create.clicked.connect(self.create_profile)
        for label, w in (("Name:", self.p_name), ("Native language:", self.p_native),
                         ("Learning:", self.p_target), ("Level (CEFR):", self.p_level), ("Daily goal:", self.p_goal)):
            form.addRow(label, w)
        form.addRow(create)
        self.profile_form.hide()
        self.layout_.insertWidget(1, self.profile_form)

        self.stats = QLabel()
        self.stats.setObjectName("learnStats")
        self.layout_.insertWidget(2, self.stats)

        gen = QHBoxLayout()
        self.type_box = QComboBox()
        self.type_box.addItem("All types", None)
        for key, label in types().items():
            self.type_box.addItem(label, key)
        self.count_box = QSpinBox()
        self.count_box.setRange(1, 50)
        self.count_box.setValue(6)
        self.source_box = QComboBox()
        self.source_box.addItem("Topic", "topic")
        self.source_box.addItem("The document (or selection)", "document")
        self.source_box.addItem("My collected words", "collected")
        self.source_box.setItemData(0, "On a topic the app has example sentences for (" + ", ".join(topic_names())
                                    + "), gap, choice, mistake and translation items are built on them, written by "
                                    "people; on another topic a model writes them, a very small one only when "
                                    "you let it.",
                                    Qt.ItemDataRole.ToolTipRole)
        self.source_box.setItemData(1, "Gap, choice, mistake and translation items are built on the text's own "
                                       "sentences where they are in the language you learn; on its topics otherwise.",
                                    Qt.ItemDataRole.ToolTipRole)
        self.topic = QLineEdit()
        self.topic.setPlaceholderText("Topic, e.g. ordering food")
        # The topics the app has people's sentences for, offered as the learner types: items on them are
        # built on those sentences, where a very small model writes nothing unasked on another.
        completer = QCompleter(topic_names(), self.topic)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.topic.setCompleter(completer)
        gen.addWidget(self.type_box)
        gen.addWidget(self.count_box)
        gen.addWidget(self.source_box)
        self.controls.addLayout(gen, 1)
        self.layout_.insertWidget(4, self.topic)
        self.add_run_row()
        self.let_write_button = QPushButton()
        self.let_write_button.setObjectName("learnLetWrite")
        self.let_write_button.hide()
        self.let_write_button.clicked.connect(self._let_write)
        self.layout_.addWidget(self.let_write_button, 0, Qt.AlignmentFlag.AlignLeft)
        for changed in (self.profile_box.currentIndexChanged, self.source_box.currentIndexChanged,
                        self.type_box.currentIndexChanged, self.topic.textChanged):
            changed.connect(self._forget_held)

        practice = QGroupBox("Practice")
        pl = QFormLayout(practice)
        self.instruction = QLabel()
        self.question = QLabel()
        self.question.setObjectName("learnQuestion")
        self.question.setWordWrap(True)
        # Who wrote the card: a very small model's items passed the checks yet may read oddly, and
        # the learner is the last check (Remove).
        self.written_by = QLabel()
        self.written_by.setObjectName("learnWrittenBy")
        self.written_by.setWordWrap(True)
        self.written_by.setStyleSheet("color: palette(dark);")
        self.written_by.hide()
        self.answer = QLineEdit()
        self.answer.setObjectName("learnAnswer")
        self.answer.returnPressed.connect(self.check)
        self.options = QComboBox()
        self.options.hide()
        self.result = QLabel()
        self.result.setObjectName("learnResult")
        self.result.setWordWrap(True)
        buttons = QHBoxLayout()
        self.check_button = QPushButton("Check")
        self.check_button.setObjectName("learnCheck")
        self.check_button.clicked.connect(self.check)
        self.reveal_button = QPushButton("Show answer")
        self.reveal_button.setToolTip("Show the answer without typing one, then rate yourself (Space)")
        self.reveal_button.clicked.connect(self.reveal)
        self.explain_button = QPushButton("Explain")
        self.explain_button.clicked.connect(self.explain)
        # An explanation that needs another model waits for it to load: (model id, item id, review id).
        self._explain_after: tuple[str, int, int | None] | None = None
        self._loading_note = ""
        services.router.ready.connect(self._explain_when_ready)
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Take the last rating or removal back and show that card again (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo_review)
        self.next_button = QPushButton("Skip")
        self.next_button.setObjectName("learnNext")
        self.next_button.setToolTip("Leave this card for later, unreviewed")
        self.next_button.clicked.connect(self.next_item)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("learnRemove")
        self.remove_button.setToolTip("This exercise is wrong or not worth learning: take it out of practice "
                                      "(Ctrl+Delete); Undo brings it back")
        self.remove_button.clicked.connect(self.remove_item)
        for b in (self.check_button, self.reveal_button, self.explain_button, self.undo_button, self.next_button,
                  self.remove_button):
            buttons.addWidget(b)
        # Anki's four ratings, each with the interval FSRS would give; 1-4 or a click rates, Space takes
        # the one the grade suggests.
        ratings = QHBoxLayout()
        self.rate_buttons: dict[Rating, QPushButton] = {}
        for key, rating in enumerate((Rating.Again, Rating.Hard, Rating.Good, Rating.Easy), 1):
            b = QPushButton()
            b.setObjectName(f"learnRate{rating.name}")
            b.clicked.connect(lambda _c=False, r=rating: self.rate(r))
            b.hide()  # shown once the answer is
            ratings.addWidget(b)
            self.rate_buttons[rating] = b
            QShortcut(QKeySequence(str(key)), practice, lambda r=rating: self._rate_key(r),
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence(Qt.Key.Key_Space), practice, self._space,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence.StandardKey.Undo, practice, self.undo_review,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Ctrl+Delete"), practice, self.remove_item,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.suggested: Rating | None = None
        # What Undo takes back: ("review", review id) for the last rating, ("removal", item id).
        self.undoable: tuple[str, int] | None = None
        pl.addRow(self.instruction)
        pl.addRow(self.question)
        pl.addRow(self.written_by)
        pl.addRow(self.options)
        pl.addRow(self.answer)
        pl.addRow(buttons)
        pl.addRow(self.result)
        pl.addRow(ratings)
        self.practice = practice
        self.layout_.addWidget(practice)
        self.scope_label.hide()  # the source box says what exercises are made from
        self.chart = ProgressChart()
        self.chart.setMaximumHeight(230)
        self.layout_.addWidget(self.chart)
        self.heatmap = ReviewHeatmap()
        self.layout_.addWidget(self.heatmap)
        self.layout_.addStretch(1)
        deck = QHBoxLayout()
        for label, slot in (("Export CSV…", lambda: self.export_dialog(False)),
                            ("Export for Anki…", lambda: self.export_dialog(True)),
                            ("Import deck…", self.import_dialog)):
            b = QPushButton(label)
            b.clicked.connect(slot)
            deck.addWidget(b)
        self.fresh_button = QPushButton("Start a new study bank")
        self.fresh_button.hide()
        self.fresh_button.clicked.connect(self.start_fresh)
        deck.addWidget(self.fresh_button)
        deck.addStretch(1)
        self.layout_.addLayout(deck)
        self.open_store()

    # the bank ----------------------------------------------------------------------
    def open_store(self) -> bool:
        try:
            self.store = StudyStore(self.db_path)
        except StoreError as exc:
            self.store = None
            self.show_message(capitalized(str(exc)), error=True)
            self.fresh_button.setVisible("damaged" in str(exc))
            return False
        self.fresh_button.hide()
        self._fill_profiles()
        if self.store.read_only:
            self.show_message(capitalized(self.store.read_only_message) + ".", error=True)
            return True
        store, path = self.store, self.db_path
        run_in_background(lambda: StudyStore.integrity_problem(path),
                          lambda problem: problem and self._damaged(store, str(problem)), lambda _e: None)
        return True

    def _damaged(self, store: StudyStore, problem: str) -> None:
        """The background check found damage: stop using the bank before anything is written to it."""
        if store is not self.store:
            return
        store.close()
        self.store = None
        self.current = None
        self.profile_box.clear()
        self.show_message(f"The study bank {self.db_path} is damaged ({problem}). It has not been changed; "
                          "you can set it aside and start a new one.", error=True)
        self.fresh_button.show()
        self.refresh()

    def start_fresh(self) -> None:
        kept = StudyStore.set_aside(self.db_path)
        if self.open_store():
            self.show_message(f"Started a new study bank. The damaged one is kept as {kept.name}.")

    def _fill_profiles(self, select: str | None = None) -> None:
        assert self.store is not None
        self.profile_box.blockSignals(True)
        self.profile_box.clear()
        for p in self.store.profiles():
            self.profile_box.addItem(f"{p.name} ({p.native} → {p.target}, {p.level})", p.id)
        if select:
            self.profile_box.setCurrentIndex(self.profile_box.findText(select, flags=Qt.MatchFlag.MatchStartsWith))
        self.profile_box.blockSignals(False)
        self.profile_form.setVisible(self.profile_box.count() == 0)
        self.refresh()

    def profile(self) -> Profile | None:
        if self.store is None or self.profile_box.currentData() is None:
            return None
        return self.store.profile(int(self.profile_box.currentData()))

    def create_profile(self) -> None:
        if self.store is None:
            return
        try:
            p = self.store.add_profile(self.p_name.text(), self.p_native.currentData(), self.p_target.currentData(),
                                       self.p_level.currentText(), self.p_goal.value())
        except (ValueError, StoreError) as exc:
            self.show_message(capitalized(str(exc)) + ".", error=True)
            return
        self.p_name.clear()
        self._fill_profiles(p.name)
        self.show_message(f"Profile {p.name} created. Generate some exercises to start.")

    def _offer_types(self, p: Profile | None) -> None:
        """Types that cannot be made for the profile's language stay listed, greyed, with the reason."""
        model = self.type_box.model()
        for i in range(1, self.type_box.count()):
            kind = self.type_box.itemData(i)
            why = unavailable(kind, p.target) if p is not None else None
            item = model.item(i)
            item.setEnabled(why is None)
            item.setToolTip(why[:1].upper() + why[1:] + "." if why else "")
            item.setText(types()[kind] + (" (not available)" if why else ""))
        if not model.item(max(self.type_box.currentIndex(), 0)).isEnabled():
            self.type_box.setCurrentIndex(0)

    def _refusal(self, kinds: list[str], p: Profile) -> tuple[str, str | None] | None:
        """Why none of ``kinds`` can be made here (and the language a model is missing for), or None."""
        first: tuple[str, str | None] | None = None
        for kind in kinds:
            why = unavailable(kind, p.target)
            found = (why, None) if why else None
            if why is None and not spec()["types"][kind].get("built_by"):
                found = self.model_refusal(p)
            if found is None:
                return None
            first = first or found
        return first

    def _explain_when_ready(self, model_id: str) -> None:
        """The model an explanation waited for is loaded: explain, if the learner is still on that answer."""
        waiting, self._explain_after = self._explain_after, None
        if waiting is not None and waiting[0] == model_id and self.current is not None and (
                self.current.id, self.last_review) == waiting[1:]:
            self.explain()

    def model_refusal(self, p: Profile) -> tuple[str, str] | None:
        """Why no model may write this profile's exercises (and the language), or None."""
        router = self.services.router
        if not router.enabled:
            return self.language_refusal(p.target, p.native)
        route = router.route(self.kind, [p.target, p.native])
        return (route.refusal, route.language) if route.refusal else None

    def refresh(self) -> None:
        p = self.profile()
        self._offer_types(p)
        if p is None or self.store is None:
            self.stats.setText("Create a profile to start.")
            self.chart.set_data([], [])
            return
        removed = self.store.removed_count(p)
        self.stats.setText(f"Today {self.store.done_today(p)}/{p.daily_goal} · streak {self.store.streak(p)} "
                           f"day(s) · {self.store.count(p, now())} due · {self.store.count(p)} in the bank"
                           + (f" ({removed} removed)" if removed else ""))
        self.chart.set_data(self.store.reviews_per_day(p), self.store.upcoming(p))
        self.heatmap.set_data([(d, n) for d, n, _ in self.store.reviews_per_day(p, days=HEATMAP_DAYS)])
        if self.current is None:
            self.next_item()

    # generating --------------------------------------------------------------------
    def show_message(self, text: str, error: bool = False) -> None:
        super().show_message(text, error)
        self._forget_held()

    def _forget_held(self, *_args: object) -> None:
        self._held = None
        self.let_write_button.hide()

    def run(self) -> None:
        self._generate()

    def _let_write(self) -> None:
        """The last job again for the items a very small model was held back from writing, letting it."""
        held = self._held
        self._forget_held()
        if held is not None:
            self._generate(*held, small_writes=True)

    def _generate(self, kinds: list[str] | None = None, count: int | None = None, small_writes: bool = False) -> None:
        p = self.profile()
        if p is None or self.store is None:
            self.show_message("Create a profile first.", error=True)
            return
        kinds = kinds or ([self.type_box.currentData()] if self.type_box.currentData() else list(types()))
        count, source = count or self.count_box.value(), self.source_box.currentData()
        topic, text = self.topic.text().strip(), ""
        scope = self.editor.scope()
        if source == "document":
            text = scope.text
        used: list[str] = []
        if source == "collected":
            words = self.store.collected(p)
            if not words:
                self.show_message("No collected words yet: select a word in the editor and choose "
                                  "“Add to study deck” from its menu.", error=True)
                return
            used = words[:count]  # a card each
            kinds, topic = ["vocab"], "my words"
        if source != "document" and not topic:
            self.show_message("Type a topic first.", error=True)
            return
        refused = self._refusal(kinds, p)
        if refused:
            why, code = refused
            if code:
                self.refuse_for_language(why, code)
            else:
                self.show_message(as_sentence(why), error=True)
            return
        bridge = None
        if self.model_refusal(p) is None and any(unavailable(k, p.target) is None and not spec()["types"][k].get(
                "built_by") for k in kinds):
            # Types the conjugator builds need no model; the others run on a model that writes the language.
            bridge = self.routed_bridge(p.target, p.native)
            if bridge is None:
                return
        existing = self.store.keys(p)
        source_scope = Scope(0, 0, text or topic, False)  # never written back: exercises go to the bank
        if self.start(source_scope,
                      lambda ctx: generate(ctx, kinds, count, p.native, p.target, p.level, topic, text, existing,
                                           used or None, small_writes=small_writes),
                      "There is no text to make exercises from.", bridge=bridge):
            # The learner may switch profiles or collect more words while the job runs: the results
            # belong to the profile and the words the job was started with.
            self._job_profile, self._job_words = p, used

    def on_done(self, report: GenerationReport) -> None:
        p, used = self._job_profile, self._job_words
        self._job_profile, self._job_words = None, []
        if p is None or self.store is None:
            return
        try:
            added = self.store.add_items(p, report.made)
            carded = {e.fields.get("word") for e in report.made if e.type == "vocab"}
            if used and added:
                # Only the words that got their card leave the list; the others wait for the next try.
                self.store.forget_collected(p, [w for w in used if w in carded])
        except StoreError as exc:
            self.show_message(capitalized(str(exc)), error=True)
            return
        msg = f"Added {added} exercise{'s' if added != 1 else ''}"
        msg += "." if p.id == self._current_profile_id() else f" to {p.name}."
        if report.on_text:
            msg += f" {report.on_text} built on your text's own sentences."
        if report.on_bank:
            msg += f" {report.on_bank} built on the app's example sentences, written by people."
        if report.failed:
            msg += f" {len(report.failed)} could not be made: {report.failed[0]}."
        for kind, why in report.skipped.items():
            msg += f" No {types()[kind].lower()} items: {why}."
        if report.held_reason:
            msg += " " + report.held_reason
        if added and report.caution:
            msg += " " + report.caution
        self.show_message(msg, error=not added)
        if report.held_back:
            self._held = (list(report.held_back), sum(report.held_back.values()))
            self.let_write_button.setText(f"Let {report.held_by} write them (read them before you learn them)")
            self.let_write_button.show()
        self.current = None
        self.refresh()

    def _current_profile_id(self) -> int | None:
        data = self.profile_box.currentData()
        return int(data) if data is not None else None

    def collect(self, text: str) -> None:
        p = self.profile()
        if p is None or self.store is None:
            self.show_message("Create a profile first, then add words to it.", error=True)
            return
        try:
            new = self.store.collect(p, text)
        except (ValueError, StoreError) as exc:
            self.show_message(capitalized(str(exc)) + ".", error=True)
            return
        self.show_message(f"Added “{' '.join(text.split())}” to your words." if new else "Already in your words.")

    # practising --------------------------------------------------------------------
    def next_item(self) -> None:
        p = self.profile()
        self.result.clear()
        self.answer.clear()
        self.last_review = None
        self.last_grade = None
        self.suggested = None
        due = self.store.due(p, limit=1) if p is not None and self.store is not None else []
        self._show(due[0] if due else None)

    def _show(self, item: Item | None) -> None:
        p = self.profile()
        self.current = item
        if self.store is not None and self.store.damaged_rows:
            n = len(self.store.damaged_rows)
            self.show_message(f"{n} exercise{'s' if n != 1 else ''} in the bank {'are' if n != 1 else 'is'} "
                              "damaged and skipped; the rest work as usual.", error=True)
        for b in (self.check_button, self.reveal_button, self.answer, self.next_button):
            b.setEnabled(self.current is not None)
        self.remove_button.setEnabled(self.current is not None and self.store is not None
                                      and not self.store.read_only)
        self.explain_button.setEnabled(False)
        self.undo_button.setEnabled(self.undoable is not None)
        for b in self.rate_buttons.values():
            b.hide()
        self._show_writer()
        if self.current is None:
            self.instruction.setText("Nothing is due. Well done!" if p is not None else "")
            self.question.clear()
            self.options.hide()
            self.answer.show()
            return
        ex = self.current.exercise
        self.instruction.setText(ex.instruction())
        self.question.setText(ex.question())
        is_choice = ex.type == "choice"
        self.options.setVisible(is_choice)
        self.answer.setVisible(not is_choice)
        if is_choice:
            self.options.clear()
            self.options.addItems(ex.fields["options"])

    def _show_writer(self) -> None:
        writer = self.store.written_by(self.current) if self.current is not None and self.store else None
        if writer is None:
            self.written_by.hide()
            return
        model, small = writer
        self.written_by.setText(
            f"Written by {model}, a very small model: if this card looks wrong, remove it (Ctrl+Delete)."
            if small else f"Written by {model}.")
        self.written_by.show()

    def check(self) -> None:
        if self.current is None or self.store is None or self.last_review is not None:
            return
        ex = self.current.exercise
        given = self.options.currentText() if ex.type == "choice" else self.answer.text()
        g = ex.grade(given)
        # Committed before anything else happens: the review survives a crash right after.
        try:
            self.last_review = self.store.record(self.current, given, g.score, g.rating)
        except StoreError as exc:
            self.result.setText(html.escape(capitalized(str(exc))))
            return
        self.last_grade = g
        self.result.setText(self._with_reason(f"<b>{g.label}.</b> {g.hint}".strip()))
        self.explain_button.setEnabled(not g.correct)
        self._offer_ratings(g.rating, self.store.card_before(self.last_review))
        self.refresh()

    def reveal(self) -> None:
        """Show the answer without grading a typed one; the learner rates themself."""
        if self.current is None or self.last_review is not None or self.suggested is not None:
            return
        self.result.setText(self._with_reason(f"<b>Answer:</b> {html.escape(self.current.exercise.answer)}"))
        self._offer_ratings(Rating.Good, self.current.card)

    def _with_reason(self, shown: str) -> str:
        """The item's own explanation under the answer, where it has one (what a 'find the mistake' item's
        mistake was: "After “je” the verb is “mange”, not “manges”.")."""
        why = str(self.current.exercise.fields.get("explanation") or "").strip().rstrip(".")
        return f"{shown}<br>{html.escape(capitalized(why))}." if why else shown

    def _offer_ratings(self, suggested: Rating, card) -> None:
        self.suggested = suggested
        self.check_button.setEnabled(False)
        self.reveal_button.setEnabled(False)
        self.answer.setEnabled(False)
        intervals = self.store.intervals(self.current, card=card)
        for key, (rating, b) in enumerate(self.rate_buttons.items(), 1):
            b.setText(f"{key} {rating.name} · {human_interval(intervals[rating])}")
            b.setDefault(rating == suggested)
            f = b.font()
            f.setBold(rating == suggested)
            b.setFont(f)
            b.show()
        self.practice.setFocus()  # 1-4 and Space now rate; while typing they were the answer's

    def rate(self, rating: Rating) -> None:
        """Rate the shown card (and schedule it), then go on to the next one."""
        if self.current is None or self.store is None or self.suggested is None:
            return
        try:
            if self.last_review is None:  # revealed, not typed: the rating is the review
                self.last_review = self.store.record(self.current, "", RATING_SCORE[rating], rating)
            elif rating != self.last_grade.rating:
                self.store.override(self.last_review, rating)
        except StoreError as exc:
            self.result.setText(html.escape(capitalized(str(exc))))
            return
        self.undoable = ("review", self.last_review)
        self.next_item()
        self.refresh()

    def _rate_key(self, rating: Rating) -> None:
        if self.rate_buttons[rating].isVisible():
            self.rate(rating)

    def _space(self) -> None:
        if self.suggested is not None:
            self.rate(self.suggested)
        elif self.current is not None:
            self.reveal()

    def remove_item(self) -> None:
        """Take the shown exercise out of practice: a wrong or useless one should not come back."""
        if self.current is None or self.store is None or self.store.read_only:
            return
        item = self.current
        try:
            self.store.remove(item)
        except StoreError as exc:
            self.show_message(capitalized(str(exc)), error=True)
            return
        self.undoable = ("removal", item.id)
        self.next_item()
        self.refresh()
        self.show_message("Exercise removed: it will not be shown, counted or exported. Undo (Ctrl+Z) brings "
                          "it back.")

    def undo_review(self) -> None:
        """Take the last rating back (the card is scheduled as before) or bring back the removed
        exercise; either way that card is shown again."""
        if self.undoable is None or self.store is None:
            return
        what, key = self.undoable
        try:
            item = self.store.undo(key) if what == "review" else self.store.restore(key)
        except (StoreError, ValueError) as exc:
            self.show_message(capitalized(str(exc)), error=True)
            return
        self.undoable = None
        self.result.clear()
        self.answer.clear()
        self.last_review = None
        self.last_grade = None
        self.suggested = None
        self._show(item)
        self.show_message("Review taken back." if what == "review" else "Exercise brought back.")
        self.refresh()

    def explain(self) -> None:
        p = self.profile()
        if self.current is None or p is None:
            return
        bridge = self.bridge
        router = self.services.router
        if router.enabled:
            route = router.route(self.kind, [p.native, p.target])
            if not route.refusal:
                routed = router.bridge_for(route)
                if routed is None:
                    assert route.entry is not None
                    self._loading_note = f"<br><i>Loading {html.escape(route.entry.info.name)} to explain this…</i>"
                    if self._loading_note not in self.result.text():
                        self.result.setText(self.result.text() + self._loading_note)
                    self.explain_button.setEnabled(False)
                    self._explain_after = (route.entry.id, self.current.id, self.last_review)
                    return
                bridge = routed
        backend = bridge.engine.backend
        if backend is None:
            return
        ex, given = self.current.exercise, self.answer.text() or self.options.currentText()
        nat, tgt = languages()[p.native].name, languages()[p.target].name
        strategy = backend.info.strategy
        prompt = build_prompt("explain", strategy, native=nat, target=tgt, question=ex.question(),
                              answer=ex.answer, given=given)
        self.explain_button.setEnabled(False)
        shown = self.result.text().replace(self._loading_note, "") if self._loading_note else self.result.text()
        self._loading_note = ""
        self.result.setText(shown + "<br><i>Explaining…</i>")
        asked_for = (self.current.id, self.last_review)

        def show(text: str) -> None:
            # A late answer belongs to the item it was asked about, never to the one shown now.
            if self.current is None or (self.current.id, self.last_review) != asked_for:
                return
            self.result.setText(self.result.text().replace("<i>Explaining…</i>", html.escape(text)))

        def connect(sig) -> None:
            sig.done.connect(lambda text: show(str(text).strip()))
            sig.error.connect(lambda msg: show(f"(no explanation: {msg})"))

        bridge.submit(Job("explain", lambda ctx: ctx.generate(prompt, stream=False).text, Priority.INTERACTIVE),
                      connect)

    # deck files --------------------------------------------------------------------
    def export_to(self, path: str, anki: bool) -> bool:
        p = self.profile()
        if p is None or self.store is None:
            return False
        data = self.store.export_anki(p) if anki else self.store.export_csv(p)
        try:
            atomic_write_text(path, data)
        except OSError as exc:
            self.show_message(f"Not exported: {exc.strerror or exc}.", error=True)
            return False
        self.show_message(f"Exported {self.store.count(p)} exercises to {Path(path).name}.")
        return True

    def import_from(self, path: str) -> int:
        p = self.profile()
        if p is None or self.store is None:
            return 0
        try:
            added = self.store.import_deck(p, Path(path).read_text("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, StoreError) as exc:
            self.show_message(f"Not imported: {exc}. The bank is unchanged.", error=True)
            return 0
        self.show_message(f"Imported {added} exercise{'s' if added != 1 else ''}.")
        self.refresh()
        return added

    def export_dialog(self, anki: bool) -> None:
        suffix = "txt" if anki else "csv"
        path, _ = QFileDialog.getSaveFileName(self, "Export deck", f"deck.{suffix}", f"*.{suffix}")
        if path:
            self.export_to(path, anki)

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import deck", "", "Deck files (*.csv *.txt *.tsv)")
        if path:
            self.import_from(path)
