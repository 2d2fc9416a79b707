"""Quantize a GGUF with llama.cpp's own quantizer, in a child process that can be stopped.

``llama_model_quantize`` runs for minutes on a large model and cannot be interrupted, so it
runs in a throwaway child (this program again, as trial loads do). The child turns
llama.cpp's per-tensor log lines ("[  12/ 290] blk.0.attn_q.weight ...") into progress lines
on stdout; Cancel kills the child and the partial file is removed.
"""

from __future__ import annotations

import ctypes
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from assistant.adapters import Cancelled
from assistant.atomic import new_file
from assistant.convert.hf_folder import ConversionError, require_free_space
from assistant.probe import command

# Offered to the user, best size/quality trade-off first (llama_ftype values).
QUANT_TYPES = {"Q4_K_M": 15, "Q5_K_M": 17, "Q8_0": 7}
DEFAULT_QUANT = "Q4_K_M"
STORAGE_CHOICES = [*QUANT_TYPES, "F16"]  # how a converted model may be kept: quantized, or f16 as converted
# Average bits per weight of each choice (llama.cpp's mixes), for sizes shown before converting.
BITS_PER_WEIGHT = {"Q4_K_M": 4.85, "Q5_K_M": 5.7, "Q8_0": 8.5, "F16": 16.0}


def estimated_size(parameters: int, qtype: str) -> int:
    return int(parameters * BITS_PER_WEIGHT[qtype] / 8)
_TENSOR_LINE = re.compile(r"\[\s*(\d+)\s*/\s*(\d+)\s*\]\s+(\S+)")


def quantize(src: str | Path, out: str | Path, qtype: str, progress: Callable[[int, int, str], None] | None = None,
             should_stop: Callable[[], bool] | None = None) -> None:
    """Write ``out`` as ``qtype``; it appears only when complete and is never overwritten."""
    if qtype not in QUANT_TYPES:
        raise ConversionError(f"unknown quantization {qtype!r} (choose {', '.join(QUANT_TYPES)})")
    src, out = Path(src), Path(out)
    if out.exists():
        raise ConversionError(f"{out.name} already exists; choose another name")
    require_free_space(out.parent, int(src.stat().st_size * BITS_PER_WEIGHT[qtype] / 16) + 64 * 1024 * 1024,
                       "quantizing")
    try:
        with new_file(out) as tmp:
            _run_child(src, tmp, qtype, progress, should_stop)
    except FileExistsError as exc:
        raise ConversionError(f"{out.name} already exists; choose another name") from exc


def _run_child(src: Path, tmp: Path, qtype: str, progress: Callable[[int, int, str], None] | None,
               should_stop: Callable[[], bool] | None) -> None:
    proc = subprocess.Popen(command("quantize", str(src), str(tmp), qtype), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, bufsize=1)
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        try:
            for line in proc.stdout:
                lines.put(line)
        except ValueError:
            pass  # closed under it after the join below timed out: nobody reads the lines any more
        lines.put(None)

    reader = threading.Thread(target=pump, name="quantize-output", daemon=True)
    reader.start()
    try:
        while True:
            if should_stop is not None and should_stop():
                proc.kill()
                raise Cancelled()
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                break
            m = re.match(r"tensor (\d+) (\d+)", line)
            if m and progress is not None:
                done, total = int(m.group(1)), int(m.group(2))
                progress(done, total, f"quantizing to {qtype}: tensor {done} of {total}")
        rc = proc.wait()
        err = proc.stderr.read() if proc.stderr else ""
        if rc != 0:
            detail = err.strip().splitlines()[-1] if err.strip() else f"exit status {rc}"
            raise ConversionError(f"llama.cpp could not quantize {src.name} to {qtype}: {detail}")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        # The child's end closes its side of the pipe: let the reader see that before its stream is
        # closed here (a child that failed at once raised "I/O operation on closed file" in the reader).
        reader.join(timeout=5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def child_main(argv: list[str]) -> int:
    """``quantize SRC OUT TYPE`` in the child: progress lines on stdout, the reason on stderr."""
    import llama_cpp as C

    if len(argv) != 3 or argv[2] not in QUANT_TYPES:
        print("usage: quantize SRC OUT " + "|".join(QUANT_TYPES), file=sys.stderr)
        return 2
    src, out, qtype = argv
    tail: list[str] = []

    @C.llama_log_callback
    def log(level: int, text: bytes, _user: ctypes.c_void_p) -> None:
        try:
            line = text.decode("utf-8", errors="replace")
            m = _TENSOR_LINE.search(line)
            if m:
                print(f"tensor {m.group(1)} {m.group(2)} {m.group(3)}", flush=True)
            elif line.strip():
                tail.append(line.strip())
                del tail[:-8]
        except Exception:  # never raise into llama.cpp
            pass

    C.llama_log_set(log, ctypes.c_void_p(0))
    C.llama_backend_init()
    params = C.llama_model_quantize_default_params()
    params.ftype = QUANT_TYPES[qtype]
    params.nthread = os.cpu_count() or 1
    started = time.monotonic()
    rc = C.llama_model_quantize(src.encode(), out.encode(), ctypes.byref(params))
    if rc != 0:
        reason = next((t for t in reversed(tail) if "error" in t.lower() or "failed" in t.lower()), "")
        print(f"error: quantization failed ({reason or f'code {rc}'})", file=sys.stderr)
        Path(out).unlink(missing_ok=True)
        return 3
    print(f"done {time.monotonic() - started:.2f}", flush=True)
    return 0
