"""Screenshots of the UI under test, to look at by hand."""

from __future__ import annotations

import os
from pathlib import Path


def screenshot(widget, name: str) -> None:
    """Saved only when WA_SCREENSHOTS names a folder."""
    folder = os.environ.get("WA_SCREENSHOTS")
    if folder:
        widget.grab().save(str(Path(folder) / name))
