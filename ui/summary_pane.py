"""The Summary pane: a summary at the chosen length, shown once it has passed the checks against the text;
copy it, insert it, open it as a document, or show the sentences of the text each line rests on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QGuiApplication, QTextCharFormat
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QTextEdit, QWidget

from assistant.tasks.summarize import Summary, SummaryRequest, lengths, summarize
from ui.task_pane import TaskPane

if TYPE_CHECKING:
    from ui.pane_services import PaneServices


class SummaryPane(TaskPane):
    kind = "summary"
    run_label = "Summarise"

    def __init__(self, services: PaneServices, parent: QWidget | None = None) -> None:
        super().__init__(services, parent)
        self.setObjectName("summaryPane")
        self.length = QComboBox()
        self.length.setObjectName("summaryLength")
        for key, label in lengths().items():
            self.length.addItem(label, key)
        self.length.setCurrentIndex(max(0, self.length.findData(services.settings.get("summary_length"))))
        self.length.currentIndexChanged.connect(
            lambda _i: services.settings.set("summary_length", self.length.currentData()))
        self.controls.addWidget(QLabel("Length:"))
        self.controls.addWidget(self.length, 1)
        self.add_run_row()
        self.kind_label = QLabel()
        self.kind_label.setObjectName("summaryKind")
        self.kind_label.setWordWrap(True)
        self.kind_label.setStyleSheet("color: #8a5a00; font-weight: bold;")
        self.kind_label.hide()
        self.layout_.addWidget(self.kind_label)
        self.output = QPlainTextEdit()
        self.output.setObjectName("summaryOutput")
        self.output.setReadOnly(True)
        self.output.setPlaceholderText("The summary appears here once it has been checked against the text.")
        self.output.cursorPositionChanged.connect(self._show_sources)
        self.layout_.addWidget(self.output, 1)
        self.result: Summary | None = None
        self._line_ends: list[int] = []  # where each line of the summary ends in the output box
        row = QHBoxLayout()
        self.copy_button = QPushButton("Copy")
        self.insert_button = QPushButton("Insert at cursor")
        self.insert_button.setObjectName("summaryInsert")
        self.new_button = QPushButton("Open as new document")
        self.new_button.setObjectName("summaryNew")
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.output.toPlainText()))
        self.insert_button.clicked.connect(self.insert_at_cursor)
        self.new_button.clicked.connect(lambda: self.services.open_as_new_document(self.output.toPlainText()))
        self.sources_button = QPushButton("Show sources")
        self.sources_button.setObjectName("summarySources")
        self.sources_button.setCheckable(True)
        self.sources_button.setToolTip("Highlight the sentences of your text each line of the summary rests on; "
                                       "the line under the cursor in the summary is marked strongest.")
        self.sources_button.toggled.connect(self._show_sources)
        for b in (self.copy_button, self.insert_button, self.new_button, self.sources_button):
            row.addWidget(b)
            b.setEnabled(False)
        self.layout_.addLayout(row)
        self.editor.replaced.connect(self._clear_sources)

    def run(self) -> None:
        scope = self.editor.scope()
        req = SummaryRequest(scope.text, self.length.currentData())
        if self.start(scope, lambda ctx: summarize(ctx, req),
                      "There is no text to summarise. Write something or select a passage."):
            self._clear_sources()
            self.result = None
            self.output.clear()
            self.kind_label.hide()
            self._set_result_buttons(False)

    def on_done(self, result: Summary) -> None:
        self.result = result
        self.output.setPlainText(result.text)
        self._line_ends = self._ends(result)
        assert self.scope is not None
        how = "in one pass" if result.chunks == 1 else f"from {result.chunks} chunks"
        parts = [f"Summary of {self.scope.describe()}, {how}."]
        if result.dropped:
            parts.append(f"{result.dropped} line{'s' if result.dropped > 1 else ''} the text does not support "
                         f"{'were' if result.dropped > 1 else 'was'} left out.")
        if result.extracted:
            self.kind_label.setText("Extracted: the text's own most central sentences, word for word. The model's "
                                    "summaries did not pass the checks against the text.")
            self.kind_label.setToolTip("\n".join(f"Try {i + 1}: {why}" for i, why in enumerate(result.rejected)))
            self.kind_label.show()
        self.show_message(" ".join(parts))
        self._set_result_buttons(bool(result.text))

    @staticmethod
    def _ends(result: Summary) -> list[int]:
        """Where each checked line of the summary ends in the output box."""
        ends, pos = [], 0
        for line in result.lines:
            at = result.text.find(line, pos)
            pos = (at if at >= 0 else pos) + len(line)
            ends.append(pos)
        return ends

    def _set_result_buttons(self, on: bool) -> None:
        for b in (self.copy_button, self.insert_button, self.new_button, self.sources_button):
            b.setEnabled(on)

    # show sources ----------------------------------------------------------------------
    def current_line(self) -> int:
        pos = self.output.textCursor().position()
        return next((i for i, end in enumerate(self._line_ends) if pos <= end), max(0, len(self._line_ends) - 1))

    def _show_sources(self, *_args: object) -> None:
        if not self.sources_button.isChecked() or self.result is None or self.scope is None:
            self.editor.set_marks("summary-sources", [])
            return
        if not self.text_still_there():
            self.show_message("The text changed since the summary was written; its sources can no longer be "
                              "shown. Summarise again.", error=True)
            self.sources_button.setChecked(False)
            return
        current = self.current_line()
        marks = []
        first = None
        for i, spans in enumerate(self.result.sources):
            for span in spans:
                sel = QTextEdit.ExtraSelection()
                fmt = QTextCharFormat()
                fmt.setBackground(QColor(255, 214, 0, 150 if i == current else 55))
                sel.cursor = self.editor.cursor_for(self.scope, span.start, span.end)
                sel.format = fmt
                marks.append(sel)
                if i == current and first is None:
                    first = sel.cursor
        self.editor.set_marks("summary-sources", marks)
        if first is not None and not self.editor.viewport().rect().contains(self.editor.cursorRect(first)):
            # Scrolled to, not moved to: the writer's cursor and selection stay where they were.
            self.editor.verticalScrollBar().setValue(first.block().firstLineNumber())

    def _clear_sources(self) -> None:
        self.sources_button.setChecked(False)
        self.editor.set_marks("summary-sources", [])

    def insert_at_cursor(self) -> None:
        text = self.output.toPlainText()
        if not text:
            return
        cursor = self.editor.textCursor()
        cursor.beginEditBlock()
        cursor.insertText(text)
        cursor.endEditBlock()
        self.editor.setFocus()
