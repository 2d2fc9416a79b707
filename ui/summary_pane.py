"""The Summary pane: a summary at the chosen length, streamed; copy it, insert it, or open it as a document."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication, QTextCursor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QWidget

from assistant.tasks.summarize import Summary, SummaryRequest, lengths, summarize
from ui.task_pane import TaskPane

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class SummaryPane(TaskPane):
    kind = "summary"
    run_label = "Summarise"

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(window, parent)
        self.setObjectName("summaryPane")
        self.length = QComboBox()
        self.length.setObjectName("summaryLength")
        for key, label in lengths().items():
            self.length.addItem(label, key)
        self.length.setCurrentIndex(max(0, self.length.findData(window.settings.get("summary_length"))))
        self.length.currentIndexChanged.connect(
            lambda _i: window.settings.set("summary_length", self.length.currentData()))
        self.controls.addWidget(QLabel("Length:"))
        self.controls.addWidget(self.length, 1)
        self.add_run_row()
        self.output = QPlainTextEdit()
        self.output.setObjectName("summaryOutput")
        self.output.setReadOnly(True)
        self.output.setPlaceholderText("The summary appears here as it is written.")
        self.layout_.addWidget(self.output, 1)
        row = QHBoxLayout()
        self.copy_button = QPushButton("Copy")
        self.insert_button = QPushButton("Insert at cursor")
        self.insert_button.setObjectName("summaryInsert")
        self.new_button = QPushButton("Open as new document")
        self.new_button.setObjectName("summaryNew")
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.output.toPlainText()))
        self.insert_button.clicked.connect(self.insert_at_cursor)
        self.new_button.clicked.connect(lambda: self.window_.open_text_as_new_document(self.output.toPlainText()))
        for b in (self.copy_button, self.insert_button, self.new_button):
            row.addWidget(b)
            b.setEnabled(False)
        self.layout_.addLayout(row)

    def run(self) -> None:
        scope = self.editor.scope()
        req = SummaryRequest(scope.text, self.length.currentData())
        if self.start(scope, lambda ctx: summarize(ctx, req),
                      "There is no text to summarise. Write something or select a passage."):
            self.output.clear()
            self._set_result_buttons(False)

    def on_token(self, text: str) -> None:
        cursor = self.output.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)

    def on_done(self, result: Summary) -> None:
        self.output.setPlainText(result.text)
        how = "in one pass" if result.chunks == 1 else f"from {result.chunks} chunks"
        assert self.scope is not None
        self.show_message(f"Summary of {self.scope.describe()}, {how}.")
        self._set_result_buttons(bool(result.text))

    def _set_result_buttons(self, on: bool) -> None:
        for b in (self.copy_button, self.insert_button, self.new_button):
            b.setEnabled(on)

    def insert_at_cursor(self) -> None:
        text = self.output.toPlainText()
        if not text:
            return
        cursor = self.editor.textCursor()
        cursor.beginEditBlock()
        cursor.insertText(text)
        cursor.endEditBlock()
        self.editor.setFocus()
