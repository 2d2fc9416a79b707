"""Time to first window, time until the default model is ready, and peak memory, for a fresh app process.

    .venv/bin/python bench/bench_startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_run() -> tuple[float, float, float]:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "ui", "--startup-report"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, text=True)
    shown = ready = 0.0
    for line in proc.stdout:
        if line.startswith("WINDOW_SHOWN"):
            shown = time.perf_counter() - t0
        elif line.startswith("MODEL_READY"):
            ready = time.perf_counter() - t0
    proc.wait()
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return shown, ready, peak_mb


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    runs = [one_run() for _ in range(args.runs)]
    for i, (shown, ready, _) in enumerate(runs, 1):
        print(f"run {i}: first window {shown * 1000:.0f} ms, default model ready {ready * 1000:.0f} ms")
    shown, ready = min(r[0] for r in runs), min(r[1] for r in runs)
    print(f"best: first window {shown * 1000:.0f} ms, model ready {ready * 1000:.0f} ms;"
          f" peak RSS {max(r[2] for r in runs):.0f} MB")


if __name__ == "__main__":
    main()
