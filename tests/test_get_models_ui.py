"""Get models in the window: the catalog with each model's fit, a download with progress, Pause and
Resume, the model used at once; Hub search; Cancel; scan for models; a damaged catalog. Real widgets,
a real Hub-compatible server on 127.0.0.1 serving the bundled model, real llama.cpp loads."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path

import pytest

from assistant.hub.catalog import Catalog, CatalogFile, CatalogModel
from assistant.hub.download import DownloadRecord, part_path
from assistant.model_library import ModelLibrary
from tests.hub_server import HubServer, Repo, sha256_of
from tests.screens import screenshot
from ui.get_models_dialog import GetModelsDialog
from ui.scan_dialog import ScanDialog

REPO_ID = "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF"


@pytest.fixture()
def setup(qtbot, tmp_path, monkeypatch, smollm2):
    """A window on a fresh data folder, HF_ENDPOINT at a local Hub serving the bundled model."""
    from ui.main_window import MainWindow

    home = tmp_path / "home"
    monkeypatch.setenv("WRITING_ASSISTANT_HOME", str(home))
    with HubServer({REPO_ID: Repo({smollm2.name: smollm2})}) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        library = ModelLibrary(root=home)
        w = MainWindow(library=library)
        w.live.set_enabled(False)
        w.show()
        yield w, server, library
        w.models_pane.downloads.stop_all()
        w.editor.document().setModified(False)
        w.close()


def catalog_for(smollm2: Path) -> Catalog:
    return Catalog([CatalogModel("smol-hub", "SmolLM2 135M (test)", REPO_ID, "135M", 8192, 9216, ["en"],
                                 "Apache-2.0", [CatalogFile("Q4_1", smollm2.name, smollm2.stat().st_size,
                                                            sha256_of(smollm2))])])


def open_dialog(w, catalog: Catalog) -> GetModelsDialog:
    pane = w.models_pane
    dialog = GetModelsDialog(pane.library, pane.downloads, 4096, pane, catalog=catalog)
    dialog.use_requested.connect(pane._use_downloaded)
    pane.get_dialog = dialog
    dialog.show()
    return dialog


def test_catalog_download_with_progress_pause_resume_then_use_it(qtbot, setup, smollm2):
    w, server, library = setup
    dialog = open_dialog(w, catalog_for(smollm2))
    fit = dialog.catalog_table.item(0, 5).text()
    assert re.match(r"(runs well|tight) on the CPU \((fast|usable|slow), about \d+ tok/s; needs", fit)
    assert dialog.catalog_table.item(0, 2).text() == "98.4 MB" and server.requests == []  # opening fetched nothing

    server.faults.delay_per_chunk = 0.004
    dialog.catalog_table.selectRow(0)
    dialog.download_button.click()
    (row,) = dialog.rows.values()
    qtbot.waitUntil(lambda: "%) ·" in row.detail.text() and row.bar.value() > 30, timeout=30_000)
    assert re.search(r"MB of 98\.4 MB \(\d+%\) · [\d.]+ [kM]B/s · .* left", row.detail.text())
    screenshot(dialog, "get-models-downloading.png")
    row.pause_button.click()
    qtbot.waitUntil(lambda: row.detail.text().startswith("Paused"), timeout=10_000)
    have = part_path(row.record).stat().st_size
    assert row.pause_button.text() == "Resume" and 0 < have < smollm2.stat().st_size

    server.faults.delay_per_chunk = 0.0
    row.pause_button.click()
    qtbot.waitUntil(lambda: row.detail.text().startswith("Added"), timeout=120_000)
    assert server.ranges[-1] == f"bytes={have}-"
    entry = next(e for e in library.list() if e.origin.get("catalog") == "smol-hub")
    names = [w.models_pane.table.item(r, 0).text() for r in range(w.models_pane.table.rowCount())]
    assert any(entry.info.name in n for n in names)
    assert dialog.catalog_table.item(0, 5).text() == "installed"

    use = next(b for b in row.findChildren(type(row.pause_button)) if b.text() == "Use it now")
    with qtbot.waitSignal(w.bridge.model_loaded, timeout=60_000):
        use.click()
    assert w.model_id == entry.id  # every pane now runs on the downloaded model


def test_search_the_hub_then_cancel_a_download(qtbot, setup, smollm2):
    w, server, _library = setup
    dialog = open_dialog(w, Catalog([]))
    dialog.tabs.setCurrentIndex(1)
    dialog.query.setText("smollm2")
    dialog.search_button.click()
    qtbot.waitUntil(lambda: dialog.repo_table.rowCount() == 1, timeout=20_000)
    dialog.repo_table.selectRow(0)
    qtbot.waitUntil(lambda: dialog.file_table.rowCount() == 1, timeout=20_000)
    assert dialog.file_table.item(0, 0).text() == smollm2.name and dialog.file_table.item(0, 1).text() == "98.4 MB"
    screenshot(dialog, "get-models-search.png")

    server.faults.delay_per_chunk = 0.01
    dialog.file_table.selectRow(0)
    dialog.hub_download_button.click()
    (row,) = dialog.rows.values()
    qtbot.waitUntil(lambda: row.bar.value() > 10, timeout=30_000)
    row.cancel_button.click()
    qtbot.waitUntil(lambda: row.detail.text().startswith("Cancelled"), timeout=10_000)
    assert not part_path(row.record).exists() and w.models_pane.downloads.pending() == []


def test_an_interrupted_download_is_offered_for_resume_when_the_dialog_opens(qtbot, setup, smollm2):
    w, server, _library = setup
    record = DownloadRecord(REPO_ID, smollm2.name, size=smollm2.stat().st_size, name="SmolLM2 (earlier)")
    from assistant.hub.download import _record_path

    _record_path(record).write_text(json.dumps(asdict(record)))
    part_path(record).write_bytes(smollm2.read_bytes()[:3_000_000])  # what a crash left
    dialog = open_dialog(w, Catalog([]))
    row = dialog.rows[record.key]
    assert row.detail.text().startswith("Paused: 3.0 MB") and row.pause_button.text() == "Resume"
    assert server.requests == []
    row.pause_button.click()
    qtbot.waitUntil(lambda: row.detail.text().startswith("Added"), timeout=120_000)
    assert server.ranges[-1] == "bytes=3000000-"


def test_a_damaged_catalog_is_said_and_installed_models_stay(qtbot, setup):
    w, _server, library = setup
    dialog = open_dialog(w, Catalog([], "The model catalog is unreadable (no list of models); installed models "
                                        "still work."))
    assert dialog.catalog_error.isVisible() and "unreadable" in dialog.catalog_error.text()
    assert dialog.catalog_table.rowCount() == 0 and not dialog.download_button.isEnabled()
    assert w.models_pane.table.rowCount() == len(library.list()) > 0


def test_scan_dialog_adds_a_found_model_in_place(qtbot, setup, tmp_path, smollm2):
    w, _server, library = setup
    folder = tmp_path / "lmstudio" / "someone" / "smol-GGUF"
    folder.mkdir(parents=True)
    copy = folder / "smol.gguf"
    copy.write_bytes(smollm2.read_bytes())  # the bundled file itself is in the library already
    (tmp_path / "lmstudio" / "loop").symlink_to(tmp_path / "lmstudio")
    dialog = ScanDialog(library, w.models_pane, locations=[("LM Studio", tmp_path / "lmstudio")])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.add_button.isEnabled(), timeout=20_000)
    assert dialog.list.count() == 1 and "LM Studio" in dialog.list.item(0).text()
    screenshot(dialog, "scan.png")
    with qtbot.waitSignal(dialog.added, timeout=120_000):
        dialog.add_button.click()
    entry = next(e for e in library.list() if e.origin == {"source": "LM Studio"})
    assert entry.path == copy and entry.info.name == "smol.gguf"
