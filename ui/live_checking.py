"""Checking as the writer types: rules and dictionaries (never the model) re-check a paragraph
shortly after typing stops in it, on a thread of their own; the underlines appear by themselves,
and the suggestions for words far from any the dictionary knows follow a moment later.

The marks are kept in an EditReview that is never shown (its list belongs to no layout): it
tracks each mark with a cursor, draws the underlines and answers the editor's context menu,
as the Grammar pane's review does for a full check.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QThreadPool, QTimer
from PySide6.QtGui import QTextBlock

from assistant.checking.checker import LayeredChecker, ParagraphCheck
from assistant.markdown import FENCE
from assistant.text_units import bounds_between
from ui.background import run_in_background
from ui.edit_review import EditReview
from ui.editor import DocumentEditor, Scope
from ui.text_positions import utf16_len

Bounds = tuple[bool, bool]  # whether a line begins its paragraph, and whether it ends it
DELAY_MS = 500  # after the last keystroke in a paragraph
BATCH = 40  # paragraphs per background task when a whole document is checked


class LiveChecking(QObject):
    def __init__(self, editor: DocumentEditor, checker: LayeredChecker,
                 language: Callable[[], str | None], enabled: bool = True) -> None:
        super().__init__(editor)
        self.editor = editor
        self.checker = checker
        self.language = language
        self.review = EditReview(editor, "live", moves_cursor=False)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # one Harper linter, built once, for every live check
        # Kept for good (Qt retires an idle pool thread after 30 s): Harper's per-sentence cache
        # lives in that thread's linter, and is what makes a re-check as the writer types cheap.
        self.pool.setExpiryTimeout(-1)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DELAY_MS)
        self.timer.timeout.connect(self._check_dirty)
        self._dirty: set[int] = set()  # block numbers edited since their last check
        self.enabled = False
        editor.document().contentsChange.connect(self._changed)
        editor.replaced.connect(self.check_all)
        if enabled:  # the first check's loading is done before the writer types
            run_in_background(checker.warm_up, lambda _r: None, lambda _msg: None, self.pool)
        self.set_enabled(enabled)

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        if on:
            self.check_all()
        else:
            self.timer.stop()
            self._dirty.clear()
            self.review.clear()

    def _changed(self, position: int, _removed: int, added: int) -> None:
        if not self.enabled:
            return
        doc = self.editor.document()
        end = max(0, doc.characterCount() - 1)  # past the last character there is no block
        first = doc.findBlock(min(position, end)).blockNumber()
        last = doc.findBlock(min(position + added, end)).blockNumber()
        # The lines around an edited one too: whether it wraps into them (text_units.wraps) may have changed.
        self._dirty.update(range(max(first - 1, 0), last + 2))
        self.timer.start()

    def check_all(self) -> None:
        if not self.enabled:
            return
        self.review.clear()
        self._dirty = set(range(self.editor.document().blockCount()))
        self.timer.start(0)

    def _check_dirty(self) -> None:
        doc = self.editor.document()
        numbers = sorted(n for n in self._dirty if n < doc.blockCount())
        self._dirty.clear()
        code = self._code_blocks(numbers[-1] if numbers else 0)
        jobs = []
        for n in numbers:
            block = doc.findBlockByNumber(n)
            if n in code or FENCE.match(block.text()):
                continue
            jobs.append(self._scope(block))
        for i in range(0, len(jobs), BATCH):
            self._submit(jobs[i : i + BATCH])

    def _code_blocks(self, up_to: int) -> set[int]:
        """Block numbers inside fenced code, up to a block (fences toggle)."""
        out, inside = set(), False
        block = self.editor.document().firstBlock()
        while block.isValid() and block.blockNumber() <= up_to:
            if FENCE.match(block.text()):
                inside = not inside
            elif inside:
                out.add(block.blockNumber())
            block = block.next()
        return out

    def _scope(self, block: QTextBlock) -> tuple[Scope, Bounds]:
        """The block as a scope, and whether it begins and ends its paragraph: a hard-wrapped paragraph's
        lines are blocks of their own (text_units.wraps)."""
        text = block.text()
        before = block.previous().text() if block.previous().isValid() else ""
        after = block.next().text() if block.next().isValid() else ""
        scope = Scope(block.position(), block.position() + utf16_len(text), text, False, self.editor.generation)
        return scope, bounds_between(before, text, after)

    def _submit(self, scopes: list[tuple[Scope, Bounds]], search: bool = False) -> None:
        """Check ``scopes`` on the live thread. First without the wider search for unknown words and
        the second look at changed sentences (LayeredChecker.check's ``search``), so the underlines show
        within tens of milliseconds; then, for the paragraphs that wanted either, again in full, to fill
        in their suggestions."""
        checker, language = self.checker, self.language()

        def work() -> list[tuple[Scope, Bounds, ParagraphCheck]]:
            return [(s, b, checker.check(s.text, language, search, *b)) for s, b in scopes if s.text.strip()]

        run_in_background(work, self._show, lambda _msg: None, self.pool)

    def _show(self, results: list[tuple[Scope, Bounds, ParagraphCheck]]) -> None:
        unsearched = []
        for scope, bounds, found in results:
            # The paragraph changed again (or another document came): its own check is on its way.
            if self.editor.scope_text(scope) != scope.text:
                continue
            self.review.update_range(scope, found.edits)
            if not found.searched:
                unsearched.append((scope, bounds))
        if unsearched:
            self._submit(unsearched, search=True)
