"""Entry point of the desktop app: ``writing-assistant [FILE]`` or ``python -m ui``."""

from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from assistant.paths import resource
from assistant.probe import PROBE_FLAG
from assistant.probe import main as probe_main
from ui.main_window import MainWindow
from ui.settings import Settings
from ui.theme import apply_theme


def main(argv: list[str] | None = None) -> int:
    argv = list(argv if argv is not None else sys.argv[1:])
    if argv[:1] == [PROBE_FLAG]:
        # The packaged app is its own trial loader (assistant.probe): no window, no Qt.
        return probe_main(argv[1:])
    parser = argparse.ArgumentParser(prog="writing-assistant")
    parser.add_argument("file", nargs="?", help="a .txt or .md document to open")
    parser.add_argument("--no-model", action="store_true", help="start without loading a model")
    parser.add_argument("--startup-report", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--smoke-add-model", metavar="GGUF", help=argparse.SUPPRESS)
    args, qt_args = parser.parse_known_args(argv)
    if args.smoke_add_model:
        # packaging/build_app.sh: "Add model…" as the packaged app does it (validation, trial load in
        # a child of the app itself, registration), without a window.
        from assistant.model_library import LibraryError, ModelLibrary

        try:
            entry = ModelLibrary().add(args.smoke_add_model)
        except LibraryError as exc:
            print(f"MODEL_NOT_ADDED {exc}", flush=True)
            return 1
        print(f"MODEL_ADDED {entry.id}", flush=True)
        return 0
    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("Writing Assistant")
    app.setOrganizationName("writing-assistant")
    app.setDesktopFileName("io.github.writing_assistant")
    app.setWindowIcon(QIcon(str(resource("icons", "writing-assistant.svg"))))
    settings = Settings()
    apply_theme(app, settings.get("theme"))
    app.styleHints().colorSchemeChanged.connect(lambda _s: apply_theme(app, settings.get("theme")))
    window = MainWindow(settings=settings)
    window.show()
    if args.startup_report:
        # For bench/bench_startup.py: say when the window is up and the model is ready, then quit.
        print("WINDOW_SHOWN", flush=True)
        window.bridge.model_loaded.connect(lambda _i: (print("MODEL_READY", flush=True), window.close()))
        window.bridge.model_failed.connect(lambda _m: window.close())
    if args.file:
        window.documents.open_path(args.file)
    QTimer.singleShot(0, window.offer_recovery)
    if not args.no_model:
        QTimer.singleShot(0, window.load_configured_model)
    code = app.exec()
    # The window is gone: now the model may take its time to stop and be freed.
    window.bridge.engine.join(10.0)
    window.router.join(10.0)
    return code


if __name__ == "__main__":
    sys.exit(main())
