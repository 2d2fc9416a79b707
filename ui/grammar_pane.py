"""The Grammar pane: check the selection or the document in layers (rules, dictionaries, the model
as judge, then the model's own proposals), review the edits, accept what is right.

It shows the language each check used ("Checked as French") and lets the writer choose another;
it counts the suggestions by kind; the personal dictionary and ignored rules are edited here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from assistant.checking.checker import can_check
from assistant.languages import detect_language, languages
from assistant.tasks.correct import CorrectionResult, GrammarChecker, kind_group
from assistant.text_diff import Edit
from ui.edit_review import EditReview
from ui.task_pane import TaskPane

if TYPE_CHECKING:
    from ui.pane_services import PaneServices

GROUP_ORDER = ("Spelling", "Grammar", "Style")


class GrammarPane(TaskPane):
    kind = "grammar"
    run_label = "Check"

    def __init__(self, services: PaneServices, parent: QWidget | None = None) -> None:
        super().__init__(services, parent)
        self.setObjectName("grammarPane")
        self.personal = services.personal
        # Lives as long as the window: unchanged paragraphs stay cached.
        self.checker = GrammarChecker(personal=self.personal, style=services.settings.get("style_suggestions"))
        row = QHBoxLayout()
        row.addWidget(QLabel("Language:"))
        self.language = QComboBox()
        self.language.setObjectName("grammarLanguage")
        self.language.addItem("Detect per paragraph", None)
        for lang in languages().values():
            if can_check(lang.code):
                self.language.addItem(lang.name, lang.code)
        row.addWidget(self.language, 1)
        self.dictionary_button = QPushButton("Dictionary…")
        self.dictionary_button.setToolTip("Your words (never flagged) and the rules you ignore")
        self.dictionary_button.clicked.connect(self.edit_dictionary)
        row.addWidget(self.dictionary_button)
        self.controls.addLayout(row, 1)
        self.add_run_row()
        self.counts = QLabel()
        self.counts.setObjectName("grammarCounts")
        self.layout_.addWidget(self.counts)
        self.review = EditReview(self.editor, "grammar", order=self.group_rank)
        self.review.changed.connect(self._edits_left)
        self.review.applied.connect(lambda n: n and self.show_message(
            f"Applied {n} change{'s' if n != 1 else ''}. Undo (Ctrl+Z) takes {'it' if n == 1 else 'them'} back."))
        self.layout_.addWidget(self.review, 1)

    @staticmethod
    def group_rank(edit: Edit) -> int:
        return GROUP_ORDER.index(kind_group(edit.category))

    def run(self) -> None:
        scope = self.editor.scope()
        checker, language = self.checker, self.language.currentData()
        bridge = None
        code = language or (detect_language(scope.text[:2000]).code if scope.text.strip() else None)
        if code is not None and (checker.judge or checker.model_edits):
            # The model's layers need a model that reads the language; the rules and dictionaries do not.
            bridge = self.routed_bridge(code, required=False)
            if bridge is None:
                return
        if self.start(scope, lambda ctx: checker.check(ctx, scope.text, language),
                      "There is no text to check. Write something or select a passage.", bridge=bridge):
            self.review.clear()

    def on_done(self, result: CorrectionResult) -> None:
        if not self.present_edits(self.review, result.edits, "Check again."):
            return
        assert self.scope is not None
        n = len(result.edits)
        parts = [f"{n} suggestion{'s' if n != 1 else ''} in {self.scope.describe()}." if n
                 else f"No corrections in {self.scope.describe()}."]
        names = languages()
        checked = [names[c].name for c in sorted(result.languages, key=lambda c: -result.languages[c]) if c in names]
        if checked:
            parts.append(f"Checked as {' and '.join(checked)}.")
        if result.unchecked:
            u = result.unchecked
            parts.append(f"{u} paragraph{'s' if u != 1 else ''} in a language no checker serves "
                         f"{'were' if u != 1 else 'was'} not checked.")
        if result.from_cache:
            parts.append(f"({result.from_cache} of {result.paragraphs} paragraphs unchanged since the last check)")
        if result.rejected_rewrites:
            r = result.rejected_rewrites
            parts.append(f"{r} rewrite{'s' if r != 1 else ''} that would change the meaning "
                         f"{'were' if r != 1 else 'was'} left out.")
        self.show_message(" ".join(parts))

    def _edits_left(self, n: int) -> None:
        self.services.tab_badge(self, n)
        counts = {g: 0 for g in GROUP_ORDER}
        for t in self.review.edits:
            counts[kind_group(t.edit.category)] += 1
        self.counts.setText(" · ".join(f"{g} {c}" for g, c in counts.items()) if n else "")

    def edit_dictionary(self) -> None:
        from ui.dictionary_dialog import DictionaryDialog

        DictionaryDialog(self.personal, self).exec()
