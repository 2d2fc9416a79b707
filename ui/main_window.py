"""The main window: the editor in the centre, panes in a dock, a status bar that tells the truth.

It presents and forwards: documents through ui.document_controller, recovery through
ui.recovery_controller, models through the library, the engine bridge and ui.model_router. The GUI
thread never waits on the model.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QWidget,
)

from assistant.backends.base import BackendInfo
from assistant.backends.factory import local_factory, remote_factory
from assistant.checking.personal import PersonalDictionary
from assistant.checking.rules import rule_label
from assistant.engine import Job, JobHandle, Priority
from assistant.model_library import ModelEntry, ModelLibrary
from assistant.tasks.rewrite import RewriteAction
from ui.adapters_box import adapters_for
from ui.document_controller import DocumentController
from ui.editor import DocumentEditor
from ui.engine_bridge import EngineBridge
from ui.ghost_text import InlineCompletion
from ui.grammar_pane import GrammarPane
from ui.learn_pane import LearnPane
from ui.live_checking import LiveChecking
from ui.model_router import ModelRouter
from ui.models_pane import ModelsPane
from ui.pane_services import PaneServices
from ui.recovery_controller import RecoveryController
from ui.rewrite_pane import RewritePane
from ui.settings import Settings
from ui.summary_pane import SummaryPane
from ui.task_pane import TaskPane
from ui.theme import apply_theme
from ui.translate_pane import TranslatePane


class MainWindow(QMainWindow):
    def __init__(self, bridge: EngineBridge | None = None, library: ModelLibrary | None = None,
                 settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.library = library or ModelLibrary()
        self.bridge = bridge or EngineBridge(parent=self)
        self._active: list[JobHandle] = []
        self.model_info: BackendInfo | None = None
        self.model_id: str | None = None  # library id of the loaded local model (None: none, or a server)
        self._loading_id: str | None = None
        self._closed = False
        self._tokens: int | None = None  # token count of the text, once the model has counted it
        self._doc_inline = True  # suggestions on for the current document

        self.editor = DocumentEditor(self, self.settings.get("font_size"))
        self.setCentralWidget(self.editor)
        self.personal = PersonalDictionary()
        self.documents = DocumentController(self.editor, self.settings, lambda: self.recovery.autosave(), self)
        self.recovery = RecoveryController(self.editor, self, self.settings.get("autosave_seconds"),
                                           self.documents.maybe_save)
        self.recovery.message.connect(lambda msg: self.statusBar().showMessage(msg, 10000))
        self.inline = InlineCompletion(self.editor, self.bridge, self.settings.get("inline_delay_ms"))
        self.editor.inline = self.inline
        self.inline.adapter_source = lambda: self.adapters_for("complete")
        # A second model for tasks the writer's cannot do (a language it does not write), on its own engine.
        self.router = ModelRouter(self.library, self.settings, self.bridge, lambda: self.model_id, self)
        self.services = PaneServices(
            editor=self.editor, bridge=self.bridge, router=self.router, settings=self.settings,
            library=self.library, personal=self.personal, model_id=lambda: self.model_id,
            load_model=self.load_model, adapters_for=self.adapters_for, tab_badge=self.tab_badge,
            open_as_new_document=self.documents.open_text_as_new_document)
        self.panes = QTabWidget()
        self.panes.setObjectName("panes")
        self.grammar_pane = GrammarPane(self.services)
        self.add_pane(self.grammar_pane, "Grammar")
        self.summary_pane = SummaryPane(self.services)
        self.add_pane(self.summary_pane, "Summary")
        self.translate_pane = TranslatePane(self.services)
        self.add_pane(self.translate_pane, "Translate")
        self.rewrite_pane = RewritePane(self.services)
        self.rewrite_menus: list[QMenu] = []  # "Rewrite as" menus, refilled when the actions change
        self.rewrite_pane.actions_changed.connect(self.refresh_rewrite_menus)
        self.add_pane(self.rewrite_pane, "Rewrite")
        self.live = LiveChecking(self.editor, self.grammar_pane.checker.layers,
                                 lambda: self.grammar_pane.language.currentData(), self.settings.get("live_checking"))
        self.grammar_pane.language.currentIndexChanged.connect(lambda _i: self.live.check_all())
        self.learn_pane = LearnPane(self.services)
        self.add_pane(self.learn_pane, "Learn")
        self.models_pane = ModelsPane(self.library, self.settings)
        self.add_pane(self.models_pane, "Models")
        self.dock = QDockWidget("Assistant", self)
        self.dock.setObjectName("assistantDock")
        self.dock.setWidget(self.panes)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                              | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.resizeDocks([self.dock], [430], Qt.Orientation.Horizontal)

        self._build_status_bar()
        self._build_menus()
        self._wire()
        self.resize(1200, 780)
        geometry, state = self.settings.get("window_geometry"), self.settings.get("window_state")
        if geometry:
            self.restoreGeometry(geometry)
        if state:
            self.restoreState(state)
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(600)
        self._count_timer.timeout.connect(self._count_tokens)
        self._update_title()
        self._update_counts()
        self._apply_inline_setting()
        if self.personal.warning:
            QTimer.singleShot(0, lambda: self.statusBar().showMessage(self.personal.warning, 30000))
        if self.library.load_warning:
            # After the window is up, so the writer sees what it is about.
            QTimer.singleShot(0, self._warn_library_damaged)

    def _warn_library_damaged(self) -> None:
        self.statusBar().showMessage(self.library.load_warning, 30000)
        QMessageBox.warning(self, "Model library damaged", self.library.load_warning)

    # construction -------------------------------------------------------------------
    def add_pane(self, widget: QWidget, title: str) -> None:
        self.panes.addTab(widget, title)
        widget.setProperty("paneTitle", title)

    def tab_badge(self, widget: QWidget, count: int) -> None:
        """Show how many suggestions a pane holds in its tab title."""
        title = widget.property("paneTitle")
        self.panes.setTabText(self.panes.indexOf(widget), f"{title} ({count})" if count else title)

    def refresh_rewrite_menus(self) -> None:
        for menu in self.rewrite_menus:
            self._fill_rewrite_menu(menu)

    def _fill_rewrite_menu(self, menu: QMenu) -> None:
        menu.clear()
        for action in self.rewrite_pane.actions():
            item = menu.addAction(action.name)
            item.triggered.connect(lambda _c=False, a=action: self._rewrite_with(a))

    def _rewrite_with(self, action: RewriteAction) -> None:
        self.dock.show()
        self.panes.setCurrentWidget(self.rewrite_pane)
        self.rewrite_pane.run_action(action)

    def _extend_context_menu(self, menu: QMenu, position: int) -> None:
        self._suggestion_actions(menu, position)
        menu.addSeparator()
        sub = menu.addMenu("Rewrite as")
        self._fill_rewrite_menu(sub)
        menu.addAction("Check grammar", lambda: self.run_pane(self.grammar_pane))
        selected = self.editor.textCursor().selectedText().replace("\u2029", " ").strip()
        if selected:
            menu.addAction("Add to study deck", lambda: self.learn_pane.collect(selected))

    def _suggestion_actions(self, menu: QMenu, position: int) -> None:
        """Right-click on an underline: its suggestions, best first, then Ignore / Ignore rule / Add to
        dictionary, above the editor's own actions."""
        for review in (self.grammar_pane.review, self.live.review):
            tracked = review.edit_at(position)
            if tracked is not None:
                break
        else:
            return
        edit = tracked.edit
        first = menu.actions()[0] if menu.actions() else None
        actions: list[QAction] = []
        options = [] if edit.is_flag else [edit.replacement, *edit.alternatives][:5]
        for option in options:
            act = QAction(f"→ {option}" if option.strip() else "→ (remove)", menu)
            act.triggered.connect(lambda _c=False, r=review, t=tracked, o=option: r.accept(t, o))
            actions.append(act)
        if edit.reason:
            info = QAction(edit.reason, menu)
            info.setEnabled(False)
            actions.insert(0, info)
        ignore = QAction("Ignore", menu)
        ignore.triggered.connect(lambda: review.dismiss(tracked))
        actions.append(ignore)
        if edit.rule and edit.layer in ("rules", "spelling"):
            rule = QAction(f"Ignore rule “{rule_label(edit.rule)}”", menu)
            rule.triggered.connect(lambda: self._ignore_rule(edit.rule))
            actions.append(rule)
        if edit.category == "spelling":
            add = QAction(f"Add “{edit.original}” to dictionary", menu)
            add.triggered.connect(lambda: self._add_word(edit.original))
            actions.append(add)
        sep = QAction(menu)
        sep.setSeparator(True)
        actions.append(sep)
        for act in actions:
            menu.insertAction(first, act) if first is not None else menu.addAction(act)

    def _add_word(self, word: str) -> None:
        try:
            self.personal.add_word(word)
        except (OSError, ValueError) as exc:
            self.statusBar().showMessage(f"Not added: {exc}", 10000)
            return
        for review in (self.grammar_pane.review, self.live.review):
            review.dismiss_where(lambda e: not (e.category == "spelling" and e.original == word))
        self.statusBar().showMessage(f"“{word}” added to your dictionary.", 5000)

    def _ignore_rule(self, rule: str) -> None:
        try:
            self.personal.ignore_rule(rule)
        except OSError as exc:
            self.statusBar().showMessage(f"Not saved: {exc}", 10000)
            return
        for review in (self.grammar_pane.review, self.live.review):
            review.dismiss_where(lambda e: e.rule != rule)
        self.statusBar().showMessage(f"Rule “{rule_label(rule)}” ignored. Grammar › Dictionary… brings it back.",
                                     5000)

    def adapters_for(self, pane: str) -> tuple[tuple[str, float], ...]:
        """The LoRA adapters a pane's jobs run with on the loaded model."""
        return adapters_for(self.settings, self.model_id, pane)

    def run_pane(self, pane: TaskPane) -> None:
        self.dock.show()
        self.panes.setCurrentWidget(pane)
        pane.run()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.model_label = QLabel("No model")
        self.model_label.setObjectName("modelLabel")
        self.backend_label = QLabel("")
        self.backend_label.setObjectName("backendLabel")
        self.speed_label = QLabel("")
        self.speed_label.setObjectName("speedLabel")
        self.count_label = QLabel("")
        self.count_label.setObjectName("countLabel")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.cancel_jobs)
        self.cancel_button.hide()
        for w in (self.count_label, self.progress, self.cancel_button, self.speed_label, self.backend_label,
                  self.model_label):
            bar.addPermanentWidget(w)

    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        m = self.menuBar().addMenu("&File")
        self._action(m, "&New", self.documents.new_document, QKeySequence.StandardKey.New)
        self._action(m, "&Open…", self.documents.open_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = self.documents.recent_menu = m.addMenu("Open &Recent")
        self._action(m, "&Save", self.documents.save, QKeySequence.StandardKey.Save)
        self._action(m, "Save &As…", self.documents.save_as, QKeySequence.StandardKey.SaveAs)
        m.addSeparator()
        self.recovery.attach_menu(m.addMenu("Recover &Unsaved Text"))
        m.addSeparator()
        self._action(m, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.documents.refresh_recent()

        e = self.menuBar().addMenu("&Edit")
        self.undo_action = self._action(e, "&Undo", self.editor.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = self._action(e, "&Redo", self.editor.redo, QKeySequence.StandardKey.Redo)
        self.undo_action.setEnabled(self.editor.document().isUndoAvailable())
        self.redo_action.setEnabled(self.editor.document().isRedoAvailable())
        self.editor.document().undoAvailable.connect(self.undo_action.setEnabled)
        self.editor.document().redoAvailable.connect(self.redo_action.setEnabled)
        e.addSeparator()
        self._action(e, "Cu&t", self.editor.cut, QKeySequence.StandardKey.Cut)
        self._action(e, "&Copy", self.editor.copy, QKeySequence.StandardKey.Copy)
        self._action(e, "&Paste", self.editor.paste, QKeySequence.StandardKey.Paste)
        self._action(e, "Select &All", self.editor.selectAll, QKeySequence.StandardKey.SelectAll)
        e.addSeparator()
        self.inline_action = self._action(e, "&Inline suggestions", self._toggle_inline, QKeySequence("Ctrl+Shift+I"))
        self.inline_action.setCheckable(True)
        self.inline_action.setChecked(self.settings.get("inline_completion"))
        self.inline_doc_action = self._action(e, "Suggestions in this &document", self._toggle_inline_doc)
        self.inline_doc_action.setCheckable(True)
        self.inline_doc_action.setChecked(True)
        self._action(e, "Suggest &now", lambda: self.inline.request(), QKeySequence("Ctrl+Space"))

        t = self.menuBar().addMenu("&Tools")
        self._action(t, "Check &grammar", lambda: self.run_pane(self.grammar_pane), QKeySequence("F7"))
        self.live_action = self._action(t, "Check spelling and grammar as you &type", self._toggle_live)
        self.live_action.setCheckable(True)
        self.live_action.setChecked(self.settings.get("live_checking"))
        self.style_action = self._action(t, "Suggest st&yle too, not only errors", self._toggle_style)
        self.style_action.setCheckable(True)
        self.style_action.setChecked(self.settings.get("style_suggestions"))
        self._action(t, "&Summarise", lambda: self.run_pane(self.summary_pane), QKeySequence("Ctrl+Shift+M"))
        self._action(t, "&Translate", lambda: self.run_pane(self.translate_pane), QKeySequence("Ctrl+Shift+T"))
        self._action(t, "&Rewrite with the current action", lambda: self.run_pane(self.rewrite_pane),
                     QKeySequence("Ctrl+Shift+R"))
        self.rewrite_menus.append(t.addMenu("Rewrite &as"))
        self.editor.context_menu_hook = self._extend_context_menu
        self.refresh_rewrite_menus()

        v = self.menuBar().addMenu("&View")
        toggle = self.dock.toggleViewAction()
        toggle.setText("Assistant &panes")
        toggle.setShortcut(QKeySequence("Ctrl+Shift+P"))
        v.addAction(toggle)
        theme = v.addMenu("&Theme")
        for mode in ("system", "light", "dark"):
            self._action(theme, mode.capitalize(), lambda _c=False, md=mode: self.set_theme(md))

        a = self.menuBar().addMenu("&Model")
        self._action(a, "&Reload model", self.load_configured_model)
        self._action(a, "&Cancel running job", self.cancel_jobs, QKeySequence("Ctrl+."))

    def _wire(self) -> None:
        self.editor.textChanged.connect(self._text_changed)
        self.editor.modificationChanged.connect(lambda _m: self._update_title())
        self.documents.loaded.connect(self._document_loaded)
        self.documents.saved.connect(lambda _path: self._update_title())
        self.documents.status.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        self.bridge.model_loaded.connect(self._model_loaded)
        self.bridge.model_failed.connect(self._model_failed)
        self.bridge.load_progress.connect(self._load_progress)
        self.bridge.job_started.connect(self._job_started)
        self.bridge.job_finished.connect(self._job_finished)
        self.router.second.job_started.connect(self._job_started)
        self.router.second.job_finished.connect(self._job_finished)
        self.router.changed.connect(self._show_models)
        self.router.failed.connect(lambda _id, msg: self.statusBar().showMessage(f"Second model not loaded: {msg}",
                                                                                20000))
        self.models_pane.load_requested.connect(self.load_model)
        self.models_pane.remote_requested.connect(self.load_configured_model)
        self.models_pane.status.connect(lambda msg: self.statusBar().showMessage(msg, 8000))
        self.models_pane.adapters_box.changed.connect(self.rewrite_pane.fill_adapters)

    # models -------------------------------------------------------------------------
    def load_configured_model(self) -> None:
        if self.settings.get("backend") == "remote" and self.settings.get("server_url"):
            self.model_label.setText("Connecting…")
            self.bridge.load(remote_factory(self.settings.get("server_url"), self.settings.get("server_model") or None,
                                            base_model=self.settings.get("server_is_base_model"),
                                            concurrency=self.settings.get("server_concurrency")))
            return
        try:
            entry = self.library.get()
        except ValueError as exc:
            self._model_failed(str(exc))
            return
        self.load_model(entry)

    def load_model(self, entry: ModelEntry) -> None:
        self.settings.set("backend", "local")
        self._loading_id = entry.id
        self.model_label.setText(f"Loading {entry.info.name}…")
        self.bridge.load(local_factory(entry, n_ctx=self.settings.get("context_size"),
                                       batch_sequences=self.settings.get("batch_sequences")))

    def _load_progress(self, percent: int) -> None:
        self.progress.setRange(0, 100)
        self.progress.setValue(percent)

    def _model_loaded(self, info: BackendInfo) -> None:
        self.model_info = info
        self.model_id = None if info.backend == "Remote" else self._loading_id
        self.rewrite_pane.fill_adapters()
        self.router.main_changed(self.model_id)
        self._show_models()
        if info.backend in ("CPU", "Remote"):
            self.backend_label.setText(info.backend)
        else:
            self.backend_label.setText(f"{info.backend} · {info.gpu_layers}/{info.n_layers + 1} layers")
        if info.message and info.backend != "Remote":
            self.statusBar().showMessage(info.message, 15000)
        self._count_timer.start()

    def _show_models(self) -> None:
        """The status bar names the loaded model, and the second one when a task runs on another."""
        if self.model_info is None:
            return
        second = self.router.model_name()
        self.model_label.setText(self.model_info.model_name + (f" + {second}" if second else ""))
        self.model_label.setToolTip(f"{second} is loaded too, for the tasks {self.model_info.model_name} cannot do "
                                    "(see Models › Model for each task)" if second else "")

    def _model_failed(self, message: str) -> None:
        self.model_label.setText("No model")
        self.statusBar().showMessage(f"Model not loaded: {message}", 20000)
        QMessageBox.warning(self, "Model not loaded", message)

    # jobs ---------------------------------------------------------------------------
    def _toggle_live(self, on: bool) -> None:
        self.settings.set("live_checking", on)
        self.live.set_enabled(on)

    def _toggle_style(self, on: bool) -> None:
        self.settings.set("style_suggestions", on)
        self.grammar_pane.checker.layers.style = on
        self.live.check_all()

    def _toggle_inline(self, on: bool) -> None:
        self.settings.set("inline_completion", on)
        self._apply_inline_setting()

    def _toggle_inline_doc(self, on: bool) -> None:
        path = str(self.editor.path) if self.editor.path else None
        if path is not None:
            off = [p for p in self.settings.get("inline_off_documents") if p != path]
            if not on:
                off.append(path)
            self.settings.set("inline_off_documents", off)
        self._doc_inline = on
        self._apply_inline_setting()

    def _apply_inline_setting(self) -> None:
        path = str(self.editor.path) if self.editor.path else None
        doc_on = self._doc_inline
        if path is not None:
            doc_on = path not in self.settings.get("inline_off_documents")
            self._doc_inline = doc_on
        self.inline_doc_action.setChecked(doc_on)
        self.inline.set_enabled(self.settings.get("inline_completion") and doc_on)

    def _job_started(self, handle: JobHandle) -> None:
        if handle.kind in ("count", "ghost"):
            return
        self._active.append(handle)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()

    def _job_finished(self, handle: JobHandle) -> None:
        if handle in self._active:
            self._active.remove(handle)
        if not self._active:
            self.progress.hide()
            self.cancel_button.hide()
        last = self.bridge.engine.last_result
        if last is not None and last.generated_tokens:
            self.speed_label.setText(f"{last.tokens_per_second:.0f} tok/s")

    def cancel_jobs(self) -> None:
        for handle in list(self._active):
            handle.cancel("cancelled by the user")

    def _text_changed(self) -> None:
        self._update_counts()
        self._count_timer.start()

    def _count_tokens(self) -> None:
        if self._closed or self.bridge.engine.backend is None:
            return
        text = self.editor.toPlainText()
        job = Job("count", lambda ctx: ctx.backend.count_tokens(text), Priority.BACKGROUND, supersede=True)
        self.bridge.submit(job, lambda sig: sig.done.connect(lambda n: self._update_counts(int(n))))

    def _update_counts(self, tokens: int | None = None) -> None:
        if tokens is not None:
            self._tokens = tokens
        words = self.editor.word_count()
        tok = self._tokens
        self.count_label.setText(f"{words:,} words" + (f" · {tok:,} tokens" if tok is not None else ""))

    # documents ----------------------------------------------------------------------
    def _document_loaded(self, new: bool) -> None:
        if new:
            self._doc_inline = True  # a new document starts with suggestions on
        self._apply_inline_setting()
        self._update_title()

    def _update_title(self) -> None:
        name = self.editor.path.name if self.editor.path else "Untitled"
        self.setWindowTitle(f"{name}{' •' if self.editor.is_modified() else ''} — Writing Assistant")

    # recovery -----------------------------------------------------------------------
    def autosave(self) -> None:
        self.recovery.autosave()

    def offer_recovery(self, ask: bool = True) -> bool:
        """After a crash: offer the text the last session left (see RecoveryController)."""
        recovered = self.recovery.offer(ask)
        if recovered:
            self._apply_inline_setting()
            self._update_title()
        return recovered

    # theme and close ----------------------------------------------------------------
    def set_theme(self, mode: str) -> None:
        self.settings.set("theme", mode)
        apply_theme(QApplication.instance(), mode)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closed:
            event.accept()
            return
        if not self.documents.maybe_save():
            event.ignore()
            return
        self.settings.set("window_geometry", self.saveGeometry())
        self.settings.set("window_state", self.saveState())
        self.recovery.close()
        self.models_pane.downloads.stop_all()  # paused: the bytes stay for the next launch
        self.settings.flush()
        if self.learn_pane.store is not None:
            self.learn_pane.store.close()
        self.bridge.shutdown(wait=False)
        self.router.shutdown(wait=False)
        self._closed = True
        event.accept()
