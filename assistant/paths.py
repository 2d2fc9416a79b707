"""Where the app keeps its files: one data folder per user, overridable for tests and portable installs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_DIR_NAME = "writing-assistant"
RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"


def data_dir() -> Path:
    """The user's data folder; ``WRITING_ASSISTANT_HOME`` wins so tests never touch the real one."""
    override = os.environ.get("WRITING_ASSISTANT_HOME")
    if override:
        base = Path(override)
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support" / APP_DIR_NAME
    elif sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home())) / APP_DIR_NAME
    else:
        xdg = os.environ.get("XDG_DATA_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".local" / "share") / APP_DIR_NAME
    base.mkdir(parents=True, exist_ok=True)
    return base


def models_dir() -> Path:
    path = data_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def recovery_dir() -> Path:
    path = data_dir() / "recovery"
    path.mkdir(parents=True, exist_ok=True)
    return path


def resource(*parts: str) -> Path:
    return RESOURCES_DIR.joinpath(*parts)
