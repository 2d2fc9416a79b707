"""Helpers the benchmarks share."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.engine import Engine, Job, JobContext, JobState

# The evaluation sets (../shared/data beside the checkout); elsewhere (a device machine) point to a copy.
SHARED_DATA = Path(os.environ.get("WRITING_ASSISTANT_BENCH_DATA")
                   or Path(__file__).resolve().parents[2] / "shared" / "data")


def run(engine: Engine, fn: Callable[[JobContext], Any]) -> Any:
    """Run one job to the end; a failure ends the benchmark with its message."""
    h = engine.submit(Job("bench", fn))
    h.wait()
    if h.state != JobState.DONE:
        raise SystemExit(h.error)
    return h.result
