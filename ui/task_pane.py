"""The frame every writing pane shares: what it works on, run and cancel, progress, a message line.

A pane runs one job at a time through the engine bridge and never waits on it; results
arrive as signals. The writer's text changes only when they accept something, and only
if the text the job saw is still there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from assistant.engine import Job, JobContext, JobHandle, Priority
from assistant.languages import unsupported_script
from assistant.model_languages import model_languages, refusal_with_advice
from assistant.text_diff import Edit
from ui.edit_review import EditReview
from ui.editor import Scope
from ui.engine_bridge import EngineBridge, JobSignals

if TYPE_CHECKING:
    from assistant.model_library import ModelEntry
    from ui.pane_services import PaneServices


def capitalized(message: str) -> str:
    """A core error message ("the text is empty") as the start of a sentence shown to the user."""
    return message[:1].upper() + message[1:]


def as_sentence(message: str) -> str:
    """A core message as a whole sentence: capitalised, ending with one full stop."""
    message = capitalized(message.strip())
    return message if message.endswith((".", "!", "?", "…")) else message + "."


class TaskPane(QWidget):
    kind = "task"
    run_label = "Run"

    def __init__(self, services: PaneServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.editor = services.editor
        self.bridge = services.bridge
        self.handle: JobHandle | None = None
        self.scope: Scope | None = None
        self.layout_ = QVBoxLayout(self)

        self.controls = QHBoxLayout()
        self.layout_.addLayout(self.controls)
        self.run_button = QPushButton(self.run_label)
        self.run_button.setObjectName(f"{self.kind}Run")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName(f"{self.kind}Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()

        self.scope_label = QLabel()
        self.scope_label.setObjectName(f"{self.kind}Scope")
        self.scope_label.setStyleSheet("color: palette(placeholder-text);")
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.message = QLabel()
        self.message.setObjectName(f"{self.kind}Message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Offered with a refusal when an installed model can write the language: one click loads it.
        self.switch_button = QPushButton()
        self.switch_button.setObjectName(f"{self.kind}SwitchModel")
        self.switch_button.hide()
        self.switch_button.clicked.connect(self._switch_model)
        self._switch_to: ModelEntry | None = None
        # When the job runs on another model than the writer's (see ui.model_router), which and why.
        self.model_note = QLabel()
        self.model_note.setObjectName(f"{self.kind}ModelNote")
        self.model_note.setWordWrap(True)
        self.model_note.setStyleSheet("color: palette(placeholder-text);")
        self.model_note.hide()
        self._waiting_for: str | None = None  # the routed model this pane's run waits for
        services.router.ready.connect(self._routed_model_ready)
        services.router.failed.connect(self._routed_model_failed)
        self.editor.selectionChanged.connect(self._update_scope_label)
        self._update_scope_label()

    def add_run_row(self) -> None:
        """Run/Cancel, then the scope, progress and message lines; call where they belong in the pane."""
        row = QHBoxLayout()
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        self.layout_.addLayout(row)
        for w in (self.scope_label, self.model_note, self.progress, self.message):
            self.layout_.addWidget(w)
        self.layout_.addWidget(self.switch_button, 0, Qt.AlignmentFlag.AlignLeft)

    def _update_scope_label(self) -> None:
        selected = self.editor.textCursor().hasSelection()
        self.scope_label.setText("Works on the selection" if selected else "Works on the whole document")

    @property
    def busy(self) -> bool:
        return self.handle is not None and not self.handle.finished

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c0392b;" if error else "")
        self.message.setText(text)
        self._switch_to = None
        self.switch_button.hide()

    def refuse_for_language(self, why: str, code: str) -> None:
        """Show a language refusal, with a button that loads the first installed model able to write it."""
        self.show_message(as_sentence(why), error=True)
        backend = self.bridge.engine.backend
        current = backend.info.model_name if backend is not None else ""
        for entry in self.services.library.list():
            ml = model_languages(entry.info.name, entry.info.architecture, entry.declared_languages)
            if entry.info.name != current and ml.serves(code):
                self._switch_to = entry
                self.switch_button.setText(f"Use {entry.info.name}")
                self.switch_button.show()
                break

    def _switch_model(self) -> None:
        if self._switch_to is not None:
            entry, self._switch_to = self._switch_to, None
            self.switch_button.hide()
            self.services.load_model(entry)
            self.show_message(f"Loading {entry.info.name}… run again when it is ready.")

    # which model -----------------------------------------------------------------------
    def routed_bridge(self, *codes: str, required: bool = True) -> EngineBridge | None:
        """The bridge this pane's job on a text in ``codes`` runs on: the loaded model's, or the one of
        the model the router chose for them. None when the pane has said why it cannot run now: no model
        writes the languages (refused, with advice), or the able model is loading (the pane runs again by
        itself when it is ready). A task that works without a model of the language (``required`` False:
        grammar's rules and dictionaries) runs on the loaded model when none is able."""
        self.model_note.hide()
        router = self.services.router
        if not router.enabled:
            refused = self.language_refusal(*codes) if required else None
            if refused:
                self.refuse_for_language(*refused)
                return None
            return self.bridge
        route = router.route(self.kind, list(codes))
        if route.refusal and not required:
            return self.bridge
        if route.refusal:
            self.refuse_for_language(route.refusal, route.language)
            return None
        bridge = router.bridge_for(route)
        if bridge is None:
            assert route.entry is not None
            self._waiting_for = route.entry.id
            self.show_message(f"Loading {route.entry.info.name}: {as_sentence(route.why)} "
                              "This starts by itself when it is ready.")
            return None
        if route.entry is not None:
            self.model_note.setText(f"Runs on {route.entry.info.name}: {as_sentence(route.why)}")
            self.model_note.show()
        return bridge

    def _routed_model_ready(self, model_id: str) -> None:
        if self._waiting_for == model_id:
            self._waiting_for = None
            if not self.busy:
                self.run()

    def _routed_model_failed(self, model_id: str, message: str) -> None:
        if self._waiting_for == model_id:
            self._waiting_for = None
            self.show_message(f"The model for this did not load: {message}", error=True)

    # running -------------------------------------------------------------------------
    def run(self) -> None:
        raise NotImplementedError

    def start(self, scope: Scope, fn: Callable[[JobContext], Any], empty_message: str,
              adapters: tuple[tuple[str, float], ...] | None = None, bridge: EngineBridge | None = None) -> bool:
        """Submit fn for a scope; refuses (with a message) when busy, empty or without a model.

        ``adapters`` overrides the pane's own LoRA adapters for this job; ``bridge`` runs it on another
        model than the writer's (routed_bridge), which gets none of the writer's adapters.
        """
        bridge = bridge or self.bridge
        if self.busy:
            self.show_message("Already running; cancel it first.", error=True)
            return False
        if not scope.text.strip():
            self.show_message(empty_message, error=True)
            return False
        script = unsupported_script(scope.text[:20_000])
        if script is not None:
            self.show_message(f"The text is in {script} script, which none of the app's languages use; "
                              "the model would only produce noise. Your text is unchanged.", error=True)
            return False
        if bridge.engine.backend is None:
            self.show_message("No model is loaded yet. Load one in the Models pane.", error=True)
            return False
        self.scope = scope
        self.show_message("")
        self.run_button.setEnabled(False)

        def connect(sig: JobSignals) -> None:
            sig.token.connect(self.on_token)
            sig.progress.connect(self._on_progress)
            sig.done.connect(self._done)
            sig.error.connect(self._error)
            sig.cancelled.connect(self._cancelled)

        if adapters is None:
            adapters = self.services.adapters_for(self.kind) if bridge is self.bridge else ()
        # Document work yields to ghost text and other interactive requests between its batch's steps.
        job = Job(self.kind, fn, Priority.BACKGROUND, adapters=adapters)
        self.handle, _ = bridge.submit(job, connect)
        self.cancel_button.show()
        self.progress.setRange(0, 0)
        self.progress.setFormat("starting…")
        self.progress.show()
        return True

    def language_refusal(self, *codes: str) -> tuple[str, str] | None:
        """Why the loaded model must not write (or read) these languages, naming the installed models
        that can, and the language it is about; None when it may, or when no model is loaded."""
        backend = self.bridge.engine.backend
        if backend is None:
            return None
        installed = [(e.info.name, e.info.architecture, e.declared_languages) for e in self.services.library.list()]
        for code in codes:
            why = refusal_with_advice(backend.info, code, installed)
            if why:
                return why, code
        return None

    def cancel(self) -> None:
        if self.handle is not None:
            self.handle.cancel("cancelled by the user")

    def _on_progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        else:
            self.progress.setRange(0, 0)
        self.progress.setFormat(message or "%p%")

    def _done(self, result: object) -> None:
        self._finished()
        self.on_done(result)

    def _error(self, message: str) -> None:
        self._finished()
        self.show_message(f"Failed: {message}. Your text is unchanged.", error=True)

    def _cancelled(self, why: str) -> None:
        self._finished()
        self.show_message(f"Stopped: {why}. Your text is unchanged.")

    def _finished(self) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.hide()
        self.progress.hide()

    def on_token(self, text: str) -> None:
        pass

    def on_done(self, result: object) -> None:
        raise NotImplementedError

    def present_edits(self, review: EditReview, edits: list[Edit], redo_hint: str) -> bool:
        """Show a job's edits for review, unless the text changed while the job ran."""
        if not self.text_still_there():
            self.show_message(f"The text changed while the job ran. {redo_hint}", error=True)
            return False
        assert self.scope is not None
        review.set_edits(self.scope, edits)
        return True

    def text_still_there(self) -> bool:
        return self.scope is not None and self.editor.scope_text(self.scope) == self.scope.text
