"""Helpers the benchmarks share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.engine import Engine, Job, JobContext, JobState


def run(engine: Engine, fn: Callable[[JobContext], Any]) -> Any:
    """Run one job to the end; a failure ends the benchmark with its message."""
    h = engine.submit(Job("bench", fn))
    h.wait()
    if h.state != JobState.DONE:
        raise SystemExit(h.error)
    return h.result
