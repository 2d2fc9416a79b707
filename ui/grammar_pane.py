"""The Grammar pane: check the selection or the document, review the edits, accept what is right."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from assistant.tasks.correct import CorrectionResult, GrammarChecker
from ui.edit_review import EditReview
from ui.task_pane import TaskPane

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class GrammarPane(TaskPane):
    kind = "grammar"
    run_label = "Check"

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(window, parent)
        self.setObjectName("grammarPane")
        self.checker = GrammarChecker()  # lives as long as the window: unchanged paragraphs stay cached
        self.add_run_row()
        self.review = EditReview(self.editor, "grammar")
        self.review.changed.connect(self._edits_left)
        self.review.applied.connect(lambda n: n and self.show_message(
            f"Applied {n} change{'s' if n != 1 else ''}. Undo (Ctrl+Z) takes {'it' if n == 1 else 'them'} back."))
        self.layout_.addWidget(self.review, 1)

    def run(self) -> None:
        scope = self.editor.scope()
        checker = self.checker
        if self.start(scope, lambda ctx: checker.check(ctx, scope.text),
                      "There is no text to check. Write something or select a passage."):
            self.review.clear()

    def on_done(self, result: CorrectionResult) -> None:
        if not self.present_edits(self.review, result.edits, "Check again."):
            return
        assert self.scope is not None
        parts = [f"{len(result.edits)} suggestion{'s' if len(result.edits) != 1 else ''} in "
                 f"{self.scope.describe()}." if result.edits else f"No corrections in {self.scope.describe()}."]
        if result.from_cache:
            parts.append(f"({result.from_cache} of {result.paragraphs} paragraphs unchanged since the last check)")
        if result.rejected_rewrites:
            n = result.rejected_rewrites
            parts.append(f"{n} rewrite{'s' if n != 1 else ''} that would change the meaning "
                         f"{'were' if n != 1 else 'was'} left out.")
        self.show_message(" ".join(parts))

    def _edits_left(self, n: int) -> None:
        self.window_.tab_badge(self, n)
