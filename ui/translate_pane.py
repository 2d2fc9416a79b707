"""The Translate pane: source (detected or chosen) and target language, a glossary, a side-by-side view."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from assistant.languages import LanguageError, detect_language, languages
from assistant.tasks.translate import Translation, parse_glossary, resolve_source, translate
from ui.editor import Scope
from ui.task_pane import TaskPane, as_sentence

if TYPE_CHECKING:
    from ui.pane_services import PaneServices


class TranslatePane(TaskPane):
    kind = "translate"
    run_label = "Translate"

    def __init__(self, services: PaneServices, parent: QWidget | None = None) -> None:
        super().__init__(services, parent)
        self.setObjectName("translatePane")
        settings = services.settings
        self.source = QComboBox()
        self.source.setObjectName("translateSource")
        self.source.addItem("Detect automatically", "auto")
        self.target = QComboBox()
        self.target.setObjectName("translateTarget")
        for lang in languages().values():
            label = f"{lang.name} ({lang.native})" if lang.native != lang.name else lang.name
            self.source.addItem(label, lang.code)
            self.target.addItem(label, lang.code)
        self.target.setCurrentIndex(max(0, self.target.findData(settings.get("translate_target"))))
        self.target.currentIndexChanged.connect(lambda _i: settings.set("translate_target", self.target.currentData()))
        grid = QGridLayout()
        grid.addWidget(QLabel("From:"), 0, 0)
        grid.addWidget(self.source, 0, 1)
        grid.addWidget(QLabel("To:"), 1, 0)
        grid.addWidget(self.target, 1, 1)
        grid.setColumnStretch(1, 1)
        self.controls.addLayout(grid, 1)
        self.glossary = QPlainTextEdit()
        self.glossary.setObjectName("translateGlossary")
        self.glossary.setPlaceholderText("Glossary, one per line:  term = translation")
        self.glossary.setPlainText(settings.get("translate_glossary"))
        self.glossary.setMaximumHeight(64)
        self.glossary.textChanged.connect(lambda: settings.set("translate_glossary", self.glossary.toPlainText()))
        self.layout_.addWidget(self.glossary)
        self.add_run_row()

        self.table = QTableWidget(0, 2)
        self.table.setObjectName("translateTable")
        self.table.setHorizontalHeaderLabels(["Original", "Translation"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.layout_.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.replace_button = QPushButton("Replace original")
        self.replace_button.setObjectName("translateReplace")
        self.insert_button = QPushButton("Insert below")
        self.insert_button.setObjectName("translateInsert")
        self.copy_button = QPushButton("Copy")
        self.replace_button.clicked.connect(self.replace_original)
        self.insert_button.clicked.connect(self.insert_below)
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.result.text if self.result
                                                                                   else ""))
        for b in (self.replace_button, self.insert_button, self.copy_button):
            row.addWidget(b)
            b.setEnabled(False)
        self.layout_.addLayout(row)
        self.result: Translation | None = None
        self._lines: list[str] = []
        self._line = 0

    def run(self) -> None:
        scope = self.editor.scope()
        target, source = self.target.currentData(), self.source.currentData()
        bridge = None
        try:
            glossary = parse_glossary(self.glossary.toPlainText())
            if scope.text.strip():
                src = resolve_source(scope.text, source).code
                if src == target:
                    raise LanguageError(f"the text is already in {languages()[target].name}; choose another target")
                bridge = self.routed_bridge(target, src)
                if bridge is None:
                    return
        except (LanguageError, ValueError) as exc:
            self.show_message(as_sentence(str(exc)), error=True)
            return
        if self.start(scope, lambda ctx: translate(ctx, scope.text, target, source, glossary),
                      "There is no text to translate. Write something or select a passage.", bridge=bridge):
            self.result = None
            self._lines = scope.text.split("\n")
            self._line = 0
            self.table.setRowCount(0)
            self._set_result_buttons(False)
            self.replace_button.setText("Replace selection" if scope.is_selection else "Replace document")
            if source == "auto":
                found = detect_language(scope.text)
                self.show_message(f"Translating from {found.describe()} (detected).")

    def on_token(self, line: str) -> None:
        """One translated line of the source; lines without prose are not shown."""
        i = self._line
        self._line += 1
        if i < len(self._lines) and self._lines[i].strip():
            r = self.table.rowCount()
            self.table.insertRow(r)
            self.table.setItem(r, 0, QTableWidgetItem(self._lines[i]))
            self.table.setItem(r, 1, QTableWidgetItem(line.rstrip("\n")))
            self.table.resizeRowToContents(r)
            self.table.scrollToBottom()

    def on_done(self, result: Translation) -> None:
        self.result = result
        names = languages()
        note = (f" {result.fallbacks} line(s) kept their markup by being translated piece by piece."
                if result.fallbacks else "")
        if result.untranslated:
            note += (f" {result.untranslated} passage(s) the model only repeated are left in "
                     f"{names[result.source_lang].name}.")
        self.show_message(f"{names[result.source_lang].name} → {names[result.target_lang].name}.{note}")
        self._set_result_buttons(True)

    def _set_result_buttons(self, on: bool) -> None:
        for b in (self.replace_button, self.insert_button, self.copy_button):
            b.setEnabled(on)

    def replace_original(self) -> None:
        if self.result is None or self.scope is None:
            return
        if not self.editor.replace_scope(self.scope, self.result.text):
            self.show_message("The original changed since it was translated; nothing was replaced. "
                              "Translate again.", error=True)
            return
        self._set_result_buttons(False)
        self.show_message("Replaced. Undo (Ctrl+Z) brings the original back.")

    def insert_below(self) -> None:
        if self.result is None or self.scope is None:
            return
        if not self.text_still_there():
            self.show_message("The original changed since it was translated; translate again.", error=True)
            return
        below = Scope(self.scope.end, self.scope.end, "", False, self.scope.generation)
        self.editor.replace_scope(below, "\n\n" + self.result.text)
        self._set_result_buttons(False)
        self.show_message("Inserted below the original. Undo (Ctrl+Z) removes it.")
