"""Entry point of the desktop app: ``writing-assistant [FILE]`` or ``python -m ui``."""

from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from assistant.paths import resource
from ui.main_window import MainWindow
from ui.settings import Settings
from ui.theme import apply_theme


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="writing-assistant")
    parser.add_argument("file", nargs="?", help="a .txt or .md document to open")
    parser.add_argument("--no-model", action="store_true", help="start without loading a model")
    parser.add_argument("--startup-report", action="store_true", help=argparse.SUPPRESS)
    args, qt_args = parser.parse_known_args(argv if argv is not None else sys.argv[1:])
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
        window.open_path(args.file)
    QTimer.singleShot(0, window.offer_recovery)
    if not args.no_model:
        QTimer.singleShot(0, window.load_configured_model)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
