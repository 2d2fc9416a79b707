"""The codebase stays ruff-clean (style and common bugs), checked with the project's own settings."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_ruff_clean():
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", str(REPO)], capture_output=True,
                         text=True, cwd=REPO, check=False)
    assert out.returncode == 0, out.stdout[-3000:]
