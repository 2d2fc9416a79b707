"""The Rewrite pane: built-in tones and styles plus the writer's own actions, reviewed as changes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from assistant.tasks.rewrite import (
    RewriteAction,
    RewriteResult,
    actions_from_json,
    actions_to_json,
    builtin_actions,
    custom_action,
    export_actions,
    import_actions,
    max_instruction_chars,
    rewrite,
)
from ui.edit_review import EditReview
from ui.task_pane import TaskPane, capitalized

if TYPE_CHECKING:
    from ui.pane_services import PaneServices


class ActionDialog(QDialog):
    """Name and instruction of one of the writer's own actions."""

    def __init__(self, parent: QWidget | None = None, action: RewriteAction | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Rewrite action")
        form = QFormLayout(self)
        self.name = QLineEdit(action.name if action else "")
        self.name.setPlaceholderText("Product announcement")
        self.instruction = QPlainTextEdit(action.instruction if action else "")
        self.instruction.setPlaceholderText("Make this sound like a product announcement.")
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b;")
        form.addRow("Name:", self.name)
        form.addRow("Instruction:", self.instruction)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.result_action: RewriteAction | None = None

    def _check(self) -> None:
        try:
            self.result_action = custom_action(self.name.text(), self.instruction.toPlainText())
        except ValueError as exc:
            self.error.setText(capitalized(str(exc)) + ".")
            return
        self.accept()


class RewritePane(TaskPane):
    kind = "rewrite"
    run_label = "Rewrite"
    actions_changed = Signal()

    def __init__(self, services: PaneServices, parent: QWidget | None = None) -> None:
        super().__init__(services, parent)
        self.setObjectName("rewritePane")
        self.settings = services.settings
        self.custom: list[RewriteAction] = []
        try:
            self.custom = actions_from_json(self.settings.get("rewrite_actions"))
        except ValueError as exc:
            self.show_message(f"Your saved rewrite actions could not be read ({exc}); they are kept in the "
                              "settings file untouched until you change them.", error=True)
        self.action = QComboBox()
        self.action.setObjectName("rewriteAction")
        self.action.currentIndexChanged.connect(self._remember_action)
        self.controls.addWidget(QLabel("Action:"))
        self.controls.addWidget(self.action, 1)
        manage = QHBoxLayout()
        self.new_button = QPushButton("New…")
        self.edit_button = QPushButton("Edit…")
        self.delete_button = QPushButton("Delete")
        self.import_button = QPushButton("Import…")
        self.export_button = QPushButton("Export…")
        for b, slot in ((self.new_button, self.new_action), (self.edit_button, self.edit_action),
                        (self.delete_button, self.delete_action), (self.import_button, self.import_dialog),
                        (self.export_button, self.export_dialog)):
            b.clicked.connect(slot)
            manage.addWidget(b)
        manage.addStretch(1)
        self.layout_.addLayout(manage)
        adapter_row = QHBoxLayout()
        self.adapter_box = QComboBox()
        self.adapter_box.setObjectName("rewriteAdapter")
        self.adapter_box.setToolTip("A LoRA adapter for this action only (adapters are imported in the Models pane)")
        self.adapter_box.activated.connect(lambda _i: self._adapter_chosen())
        adapter_row.addWidget(QLabel("Adapter for this action:"))
        adapter_row.addWidget(self.adapter_box, 1)
        self.layout_.addLayout(adapter_row)
        self.add_run_row()
        self.preview = QPlainTextEdit()
        self.preview.setObjectName("rewritePreview")
        self.preview.setReadOnly(True)
        self.preview.setMaximumHeight(110)
        self.preview.setPlaceholderText("The rewrite streams here; its changes appear below to accept or reject.")
        self.layout_.addWidget(self.preview)
        self.review = EditReview(self.editor, "rewrite")
        self.review.changed.connect(lambda n: self.services.tab_badge(self, n))
        self.review.applied.connect(lambda n: n and self.show_message(
            f"Applied {n} change{'s' if n != 1 else ''}. Undo (Ctrl+Z) takes {'it' if n == 1 else 'them'} back."))
        self.layout_.addWidget(self.review, 1)
        self._fill_actions()

    # actions ---------------------------------------------------------------------------
    def actions(self) -> list[RewriteAction]:
        return builtin_actions() + self.custom

    def _key(self, action: RewriteAction) -> str:
        return action.style if action.style else f"custom:{action.name}"

    def _fill_actions(self, select: str | None = None) -> None:
        select = select or self.settings.get("rewrite_action")
        self.action.blockSignals(True)
        self.action.clear()
        for a in builtin_actions():
            self.action.addItem(a.name, self._key(a))
        if self.custom:
            self.action.insertSeparator(self.action.count())
            for a in self.custom:
                self.action.addItem(f"★ {a.name}", self._key(a))
        self.action.setCurrentIndex(max(0, self.action.findData(select)))
        self.action.blockSignals(False)
        self._remember_action()

    def current_action(self) -> RewriteAction:
        key = self.action.currentData()
        return next((a for a in self.actions() if self._key(a) == key), builtin_actions()[0])

    def _remember_action(self) -> None:
        own = not self.current_action().builtin
        self.edit_button.setEnabled(own)
        self.delete_button.setEnabled(own)
        self.export_button.setEnabled(bool(self.custom))
        if self.action.currentData():
            self.settings.set("rewrite_action", self.action.currentData())
        self.fill_adapters()
        self.actions_changed.emit()

    # per-action adapters ----------------------------------------------------------------
    def _action_adapters(self) -> dict:
        try:
            data = json.loads(self.settings.get("rewrite_action_adapters") or "{}")
        except json.JSONDecodeError:
            return {}
        return data if isinstance(data, dict) else {}

    def adapter_for_action(self, action: RewriteAction) -> tuple[tuple[str, float], ...] | None:
        """The adapter chosen for this action with the loaded model; None: the pane's adapters."""
        chosen = self._action_adapters().get(self.services.model_id() or "", {}).get(self._key(action))
        if chosen is None:
            return None
        return tuple((str(p), float(s)) for p, s in chosen)

    def fill_adapters(self) -> None:
        model_id = self.services.model_id()
        self.adapter_box.blockSignals(True)
        self.adapter_box.clear()
        self.adapter_box.addItem("The Rewrite pane's adapters", None)
        self.adapter_box.addItem("None (the base model)", "")
        if model_id is not None:
            for a in self.services.library.adapters(model_id):
                self.adapter_box.addItem(f"{a.name} (rank {a.rank})", a.path)
        current = self.adapter_for_action(self.current_action()) if self.action.count() else None
        if current is None:
            self.adapter_box.setCurrentIndex(0)
        else:
            self.adapter_box.setCurrentIndex(max(0, self.adapter_box.findData(current[0][0] if current else "")))
        self.adapter_box.setEnabled(model_id is not None)
        self.adapter_box.blockSignals(False)

    def set_action_adapter(self, action: RewriteAction, path: str | None) -> None:
        """path: an adapter file, "" for the base model, None to follow the pane's adapters."""
        model_id = self.services.model_id()
        if model_id is None:
            return
        data = self._action_adapters()
        per_model = data.setdefault(model_id, {})
        if path is None:
            per_model.pop(self._key(action), None)
        else:
            per_model[self._key(action)] = [[path, 1.0]] if path else []
        self.settings.set("rewrite_action_adapters", json.dumps(data))

    def _adapter_chosen(self) -> None:
        self.set_action_adapter(self.current_action(), self.adapter_box.currentData())

    def _save(self, select: str | None = None) -> None:
        self.settings.set("rewrite_actions", actions_to_json(self.custom))
        self._fill_actions(select)

    def add_action(self, action: RewriteAction) -> None:
        """Add (or replace, by name) one of the writer's own actions."""
        self.custom = [a for a in self.custom if a.name.lower() != action.name.lower()] + [action]
        self._save(self._key(action))

    def new_action(self) -> None:
        dialog = ActionDialog(self)
        if dialog.exec() and dialog.result_action is not None:
            self.add_action(dialog.result_action)

    def edit_action(self) -> None:
        current = self.current_action()
        if current.builtin:
            return
        dialog = ActionDialog(self, current)
        if dialog.exec() and dialog.result_action is not None:
            self.custom = [a for a in self.custom if a != current]
            self.add_action(dialog.result_action)

    def delete_action(self) -> None:
        current = self.current_action()
        if not current.builtin:
            self.custom = [a for a in self.custom if a != current]
            self._save()

    def import_from(self, path: str) -> int:
        try:
            found = import_actions(path)
        except (OSError, ValueError) as exc:
            self.show_message(f"Not imported: {exc}. Your actions are unchanged.", error=True)
            return 0
        for a in found:
            self.custom = [c for c in self.custom if c.name.lower() != a.name.lower()] + [a]
        self._save()
        self.show_message(f"Imported {len(found)} action{'s' if len(found) != 1 else ''}.")
        return len(found)

    def export_to(self, path: str) -> bool:
        try:
            export_actions(path, self.custom)
        except OSError as exc:
            self.show_message(f"Not exported: {exc.strerror or exc}.", error=True)
            return False
        self.show_message(f"Exported {len(self.custom)} action{'s' if len(self.custom) != 1 else ''}.")
        return True

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import rewrite actions", "", "Rewrite actions (*.json)")
        if path:
            self.import_from(path)

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export rewrite actions", "rewrite-actions.json",
                                              "Rewrite actions (*.json)")
        if path:
            self.export_to(path)

    # running ---------------------------------------------------------------------------
    def run(self) -> None:
        self.run_action(self.current_action())

    def run_action(self, action: RewriteAction) -> None:
        scope = self.editor.scope()
        if len(action.instruction) > max_instruction_chars():
            self.show_message("The instruction is too long.", error=True)
            return
        if self.start(scope, lambda ctx: rewrite(ctx, scope.text, action),
                      "There is no text to rewrite. Select a passage, or write something first.",
                      self.adapter_for_action(action)):
            self.review.clear()
            self.preview.clear()
            self._running_action = action

    def on_token(self, text: str) -> None:
        cursor = self.preview.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        self.preview.ensureCursorVisible()

    def on_done(self, result: RewriteResult) -> None:
        if not self.present_edits(self.review, result.edits, "Run the action again."):
            return
        assert self.scope is not None
        self.preview.setPlainText(result.text)  # what "Accept all" gives: only the changes that passed the checks
        n = len(result.edits)
        parts = [f"{self._running_action.name}: {n} change{'s' if n != 1 else ''} in {self.scope.describe()}."
                 if n else f"{self._running_action.name}: no changes to {self.scope.describe()}."]
        if result.refused:
            parts.append(f"The model did not rewrite {result.refused} of {result.paragraphs} paragraph"
                         f"{'s' if result.paragraphs != 1 else ''} (it answered with something else); "
                         "they were left as they were.")
        if result.unfaithful:
            k = len(result.unfaithful)
            parts.append(f"{k} rewritten paragraph{'s' if k != 1 else ''} {'were' if k != 1 else 'was'} not offered "
                          f"because {result.unfaithful[0].split(': ', 1)[1]}"
                          f"{' (and others like it)' if k > 1 else ''}; left as written.")
        self.show_message(" ".join(parts))
