"""Get models: the curated catalog with how each model fits this machine, a search of the Hugging Face
Hub, and the downloads with progress, Pause/Resume and Cancel. Nothing is fetched until the user presses
Search or Download; the catalog itself is local data."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from assistant.hub.catalog import Catalog, load_catalog
from assistant.hub.client import Hub, HubFile, HubRepo, endpoint
from assistant.hub.download import DownloadRecord, Progress, part_path, size_text
from assistant.hub.fit import Machine, estimate_fit, this_machine
from assistant.hub.install import installed_files, record_for, record_for_repo
from assistant.model_library import ModelLibrary
from ui.background import run_in_background
from ui.download_controller import DownloadController

CATALOG_COLUMNS = ("Model", "Quant", "Size", "Languages", "Licence", "On this machine")
VERDICT_COLOURS = {"runs well": "#2e7d32", "tight": "#b26a00", "too big": "#c62828"}


def _table(columns: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: list[tuple[tuple[str, ...], object]]) -> None:
    """One row per (cells, data); every cell carries the row's data for the selection handlers."""
    table.setRowCount(len(rows))
    for row, (cells, data) in enumerate(rows):
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, data)
            table.setItem(row, col, item)


class DownloadRow(QWidget):
    """One download: its name, a progress bar, bytes/speed/time left, Pause/Resume and Cancel."""

    def __init__(self, record: DownloadRecord, controller: DownloadController, have: int = 0) -> None:
        super().__init__()
        self.record, self.controller = record, controller
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        text = QVBoxLayout()
        self.title = QLabel(f"<b>{record.name or record.filename}</b> · {record.repo}")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.detail = QLabel()
        text.addWidget(self.title)
        text.addWidget(self.bar)
        text.addWidget(self.detail)
        layout.addLayout(text, 1)
        self.pause_button = QPushButton()
        self.cancel_button = QPushButton("Cancel")
        self.pause_button.clicked.connect(self._pause_or_resume)
        self.cancel_button.clicked.connect(lambda: controller.cancel(self.record))
        layout.addWidget(self.pause_button)
        layout.addWidget(self.cancel_button)
        if controller.is_active(record.key):
            self.show_running()
        else:
            self.show_paused(have)

    def _pause_or_resume(self) -> None:
        if self.controller.is_active(self.record.key):
            self.pause_button.setEnabled(False)
            self.controller.pause(self.record.key)
        else:
            self.controller.start(self.record)
            self.show_running()

    def show_running(self) -> None:
        self.pause_button.setText("Pause")
        self.pause_button.setEnabled(True)
        self.cancel_button.setEnabled(True)
        self.detail.setText("starting…")

    def show_paused(self, have: int) -> None:
        self.pause_button.setText("Resume")
        self.pause_button.setEnabled(True)
        total = self.record.size
        if total:
            self.bar.setValue(int(1000 * have / total))
        self.detail.setText(f"Paused: {size_text(have)} of {size_text(total)} kept" if total else "Paused")

    def show_progress(self, p: Progress) -> None:
        if p.total:
            self.bar.setValue(int(1000 * p.done / p.total))
        self.detail.setText(p.describe())

    def show_end(self, message: str) -> None:
        self.pause_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        self.detail.setText(message)


class GetModelsDialog(QDialog):
    use_requested = Signal(object)  # ModelEntry: the user wants to use the downloaded model now

    def __init__(self, library: ModelLibrary, controller: DownloadController, n_ctx: int,
                 parent: QWidget | None = None, catalog: Catalog | None = None,
                 machine: Machine | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Get models")
        self.resize(900, 620)
        self.library, self.controller, self.n_ctx = library, controller, n_ctx
        self.catalog = catalog or load_catalog()
        self.machine = machine or this_machine()
        self.rows: dict[str, DownloadRow] = {}
        self._hub_files: list[HubFile] = []
        layout = QVBoxLayout(self)

        m = self.machine
        gpu = f", GPU {m.gpu_name} with {size_text(m.free_vram)} free" if m.free_vram else ""
        intro = QLabel(f"This machine: {size_text(m.free_ram)} of memory free, {m.cores} cores{gpu}. "
                       f"Downloads come from {endpoint()} and start only when you press Download.")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._catalog_tab(), "Catalog")
        self.tabs.addTab(self._search_tab(), "Search the Hub")
        layout.addWidget(self.tabs, 1)

        self.downloads_box = QGroupBox("Downloads")
        self.downloads_layout = QVBoxLayout(self.downloads_box)
        self.no_downloads = QLabel("No downloads.")
        self.downloads_layout.addWidget(self.no_downloads)
        layout.addWidget(self.downloads_box)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)

        controller.progress.connect(self._progress)
        controller.finished.connect(self._finished)
        controller.failed.connect(self._failed)
        controller.stopped.connect(self._stopped)
        for p in controller.pending():
            self._row(p.record, p.have)
        self.fill_catalog()

    # catalog ---------------------------------------------------------------------------
    def _catalog_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.catalog_error = QLabel(self.catalog.error)
        self.catalog_error.setVisible(bool(self.catalog.error))
        self.catalog_error.setWordWrap(True)
        layout.addWidget(self.catalog_error)
        self.catalog_table = _table(CATALOG_COLUMNS)
        self.catalog_table.doubleClicked.connect(lambda _i: self._download_catalog())
        layout.addWidget(self.catalog_table, 1)
        self.download_button = QPushButton("Download")
        self.download_button.clicked.connect(self._download_catalog)
        layout.addWidget(self.download_button, 0, Qt.AlignmentFlag.AlignRight)
        return tab

    def fill_catalog(self) -> None:
        installed = installed_files(self.library)
        items = [(m, f) for m in self.catalog.models for f in m.files]
        self.catalog_table.setRowCount(len(items))
        for row, (m, f) in enumerate(items):
            fit = estimate_fit(f.size, m.kv_bytes_per_token, self.n_ctx, self.machine)
            here = "installed" if (m.repo_of(f), f.file) in installed else fit.describe()
            langs = ", ".join(m.languages[:3]) + (f" +{len(m.languages) - 3}" if len(m.languages) > 3 else "")
            cells = (m.name, f.quant, size_text(f.size), langs, m.license, here)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, (m.id, f.quant))
                if col == 3:
                    item.setToolTip(", ".join(m.languages))
                if col == 5 and here != "installed":
                    item.setForeground(QColor(VERDICT_COLOURS[fit.verdict]))
                    item.setToolTip(f"Estimated from the file size and a {self.n_ctx:,}-token context")
                self.catalog_table.setItem(row, col, item)
        header = self.catalog_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.catalog_table.resizeColumnsToContents()
        self.download_button.setEnabled(bool(items))

    def _chosen(self, table: QTableWidget, hint: str) -> object | None:
        """The data of the table's chosen row; None (and the hint shown) when no row is chosen."""
        items = table.selectedItems()
        if not items:
            self.message.setText(hint)
            return None
        return items[0].data(Qt.ItemDataRole.UserRole)

    def _download_catalog(self) -> None:
        chosen = self._chosen(self.catalog_table, "Choose a model in the list first.")
        if chosen is None:
            return
        model_id, quant = chosen
        model = self.catalog.get(model_id)
        self.start(record_for(model, model.file_for(quant)))

    # search ----------------------------------------------------------------------------
    def _search_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        bar = QHBoxLayout()
        self.query = QLineEdit()
        self.query.setPlaceholderText("Part of a model's name, e.g. qwen2.5 instruct")
        self.query.returnPressed.connect(self.search)
        self.search_button = QPushButton("Search")
        self.search_button.clicked.connect(self.search)
        bar.addWidget(self.query, 1)
        bar.addWidget(self.search_button)
        layout.addLayout(bar)
        self.repo_table = _table(("Repository", "Downloads"))
        self.repo_table.itemSelectionChanged.connect(self._list_files)
        self.file_table = _table(("GGUF file", "Size"))
        self.file_table.doubleClicked.connect(lambda _i: self._download_hub_file())
        layout.addWidget(self.repo_table, 1)
        layout.addWidget(self.file_table, 1)
        self.hub_download_button = QPushButton("Download")
        self.hub_download_button.clicked.connect(self._download_hub_file)
        self.hub_download_button.setEnabled(False)
        layout.addWidget(self.hub_download_button, 0, Qt.AlignmentFlag.AlignRight)
        return tab

    def search(self) -> None:
        query = self.query.text().strip()
        if not query:
            self.message.setText("Type part of a model's name to search for.")
            return
        self.search_button.setEnabled(False)
        self.message.setText(f"Searching the Hub for {query!r}…")
        run_in_background(lambda: Hub().search(query), self._found, self._search_failed)

    def _found(self, repos: list[HubRepo]) -> None:
        self.search_button.setEnabled(True)
        self.message.setText(f"{len(repos)} GGUF repositories found." if repos else "No GGUF models match.")
        _fill(self.repo_table, [((r.id + (" (gated)" if r.gated else ""), f"{r.downloads:,}"), r.id) for r in repos])
        self.file_table.setRowCount(0)

    def _search_failed(self, message: str) -> None:
        self.search_button.setEnabled(True)
        self.message.setText(message)

    def _list_files(self) -> None:
        items = self.repo_table.selectedItems()
        if not items:
            return
        repo = items[0].data(Qt.ItemDataRole.UserRole)
        self.file_table.setRowCount(0)
        self.hub_download_button.setEnabled(False)
        self.message.setText(f"Listing the files of {repo}…")
        run_in_background(lambda: (repo, Hub().gguf_files(repo)), self._files_listed, self._search_failed)

    def _files_listed(self, result: tuple[str, list[HubFile]]) -> None:
        repo, files = result
        self._hub_files = files
        self.message.setText(f"{repo}: {len(files)} GGUF file(s).")
        _fill(self.file_table, [((f.path, size_text(f.size)), (repo, f.path)) for f in files])
        self.hub_download_button.setEnabled(bool(files))

    def _download_hub_file(self) -> None:
        chosen = self._chosen(self.file_table, "Choose a file first.")
        if chosen is None:
            return
        repo, path = chosen
        size = next((f.size for f in self._hub_files if f.path == path), 0)
        record = record_for_repo(repo, self.catalog, Hub(), filename=path)
        record.size = record.size or size
        self.start(record)

    # downloads -------------------------------------------------------------------------
    def _row(self, record: DownloadRecord, have: int = 0) -> DownloadRow:
        if record.key not in self.rows:
            self.no_downloads.hide()
            self.rows[record.key] = DownloadRow(record, self.controller, have)
            self.downloads_layout.addWidget(self.rows[record.key])
        return self.rows[record.key]

    def start(self, record: DownloadRecord) -> None:
        self.message.setText("")
        row = self._row(record)
        self.controller.start(record)
        row.show_running()

    def _progress(self, key: str, p: Progress) -> None:
        if key in self.rows:
            self.rows[key].show_progress(p)

    def _finished(self, key: str, entry) -> None:
        if key in self.rows:
            self.rows[key].show_end(f"Added to your models as {entry.info.name}.")
            use = QPushButton("Use it now")
            use.clicked.connect(lambda: self.use_requested.emit(entry))
            self.rows[key].layout().addWidget(use)
        self.fill_catalog()

    def _failed(self, key: str, message: str) -> None:
        if key in self.rows:
            row = self.rows[key]
            row.show_end(message)
            row.pause_button.setText("Retry")
            row.pause_button.setEnabled(True)
        self.message.setText(message)

    def _stopped(self, key: str, cancelled: bool) -> None:
        row = self.rows.get(key)
        if row is None:
            return
        if cancelled:
            row.show_end("Cancelled; the partial file was deleted.")
        else:
            path = part_path(row.record)
            row.show_paused(path.stat().st_size if path.exists() else 0)
