"""Your words (plain text, one per line, exported and imported) and the rules you ignore (by the names
the menus show them under; untick one to bring it back)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assistant.checking.personal import PersonalDictionary
from assistant.checking.rules import rule_label


class DictionaryDialog(QDialog):
    def __init__(self, personal: PersonalDictionary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Personal dictionary")
        self.personal = personal
        layout = QVBoxLayout(self)
        if personal.warning:
            warn = QLabel(personal.warning)
            warn.setWordWrap(True)
            warn.setStyleSheet("color: #c0392b;")
            layout.addWidget(warn)
        layout.addWidget(QLabel("Words never flagged, one per line:"))
        self.words = QPlainTextEdit("\n".join(personal.words()))
        self.words.setObjectName("dictionaryWords")
        layout.addWidget(self.words, 3)
        layout.addWidget(QLabel("Rules ignored (untick one to check it again):" if personal.rules()
                                else "Rules ignored: none. “Ignore rule” on an underline adds one here."))
        self.rules = QListWidget()
        self.rules.setObjectName("dictionaryRules")
        for rule in personal.rules():
            item = QListWidgetItem(rule_label(rule))
            item.setData(Qt.ItemDataRole.UserRole, rule)
            item.setToolTip(rule)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.rules.addItem(item)
        layout.addWidget(self.rules, 1)
        row = QHBoxLayout()
        for label, slot in (("Import words…", self.import_words), ("Export words…", self.export_words)):
            b = QPushButton(label)
            b.clicked.connect(slot)
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(420, 480)

    def save(self) -> None:
        try:
            self.personal.set_words(self.words.toPlainText().splitlines())
            self.personal.set_rules(self.ignored_rules())
        except OSError as exc:
            self.message.setText(f"Not saved: {exc.strerror or exc}. Your lists are unchanged.")
            return
        self.accept()

    def ignored_rules(self) -> list[str]:
        """The rules still ticked, by their names as stored."""
        items = (self.rules.item(i) for i in range(self.rules.count()))
        return [it.data(Qt.ItemDataRole.UserRole) for it in items if it.checkState() == Qt.CheckState.Checked]

    def import_words(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import words", "", "Text files (*.txt *.dic);;All files (*)")
        if not path:
            return
        try:
            added = self.personal.import_words(path)
        except (OSError, ValueError) as exc:
            self.message.setText(f"Not imported: {exc}")
            return
        self.words.setPlainText("\n".join(self.personal.words()))
        self.message.setText(f"Imported {added} new word(s).")

    def export_words(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export words", "my-words.txt", "Text files (*.txt)")
        if not path:
            return
        try:
            n = self.personal.export_words(path)
        except OSError as exc:
            self.message.setText(f"Not exported: {exc.strerror or exc}")
            return
        self.message.setText(f"Exported {n} word(s).")
