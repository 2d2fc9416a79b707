"""GUI event-loop stall while the model streams 512 tokens into the window.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_gui_stall.py [--tokens 512]

A 2 ms QTimer heartbeat runs on the GUI thread while a generation job streams into a text
pane through the engine bridge; the longest gap between beats is the worst stall a writer
would feel. Goal: max stall < 30 ms. Also prints the same job's speed, to show the GUI
costs the model nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from assistant.backends.factory import local_factory
from assistant.engine import Job
from assistant.llama_runtime import SamplingParams
from assistant.model_library import ModelLibrary
from assistant.prompting import Prompt, Strategy
from ui.engine_bridge import EngineBridge


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=512)
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    app = QApplication([])
    pane = QPlainTextEdit()
    pane.resize(600, 400)
    pane.show()
    bridge = EngineBridge()
    entry = ModelLibrary().get(args.model)
    gaps: list[float] = []
    clock = QElapsedTimer()
    beat = QTimer()
    beat.setInterval(2)

    def on_beat() -> None:
        gaps.append(clock.restart())

    beat.timeout.connect(on_beat)
    result: dict = {}

    def start_generation(_info) -> None:
        params = SamplingParams(max_tokens=args.tokens, temperature=0.8, seed=7)
        text = "Chapter One\n\nThe storm had not yet reached the harbour when"
        prompt = Prompt(Strategy.BASE, text=text, params=params)
        job = Job("bench", lambda ctx: ctx.generate(prompt))
        gaps.clear()
        clock.start()
        beat.start()
        result["t0"] = time.perf_counter()
        _, sig = bridge.submit(job)
        sig.token.connect(lambda t: pane.insertPlainText(t))
        sig.done.connect(finish)

    def finish(r) -> None:
        beat.stop()
        result["r"] = r
        app.quit()

    bridge.model_loaded.connect(start_generation)
    bridge.load(local_factory(entry, n_ctx=2048))
    app.exec()
    bridge.shutdown()
    r = result["r"]
    gaps_sorted = sorted(gaps)
    p99 = gaps_sorted[int(len(gaps_sorted) * 0.99) - 1]
    print(f"{r.generated_tokens} tokens at {r.tokens_per_second:.1f} tok/s streamed into a QPlainTextEdit")
    print(f"heartbeats {len(gaps)}  median gap {gaps_sorted[len(gaps) // 2]} ms  p99 {p99} ms  "
          f"max stall {gaps_sorted[-1]} ms  (goal < 30 ms)")


if __name__ == "__main__":
    main()
