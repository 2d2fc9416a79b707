"""Trial loads in a throwaway process: llama.cpp may abort the whole process on a malformed
model or adapter file, and that must cost a child, not the app.

The child is this same program. From source that is ``python -m assistant.probe``; in the
packaged app ``sys.executable`` is the app itself (it has no ``-c`` and would start a second
window), so the app's entry point answers the ``--wa-probe`` flag before it builds any GUI.

    python -m assistant.probe model MODEL.gguf
    python -m assistant.probe adapter MODEL.gguf ADAPTER.gguf
    python -m assistant.probe quantize SRC.gguf OUT.gguf Q4_K_M   (assistant.convert.quantize)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROBE_FLAG = "--wa-probe"
EXIT_REFUSED = 3


def command(*args: str) -> list[str]:
    """The argv that runs a probe in a child process of this program, frozen or not."""
    if getattr(sys, "frozen", False):
        return [sys.executable, PROBE_FLAG, *args]
    return [sys.executable, "-m", "assistant.probe", *args]


class ProbeError(RuntimeError):
    """The trial load failed; the message says why, for the user."""


def run_probe(args: list[str], what: str, timeout: float) -> None:
    try:
        proc = subprocess.run(command(*args), capture_output=True, text=True, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise ProbeError(f"loading {what} took longer than {timeout:.0f} s") from exc
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or "").splitlines()
                 if "error" in ln.lower() or "failed" in ln.lower() or "refused" in ln.lower()]
        if proc.returncode < 0:
            detail = f"the loader crashed (signal {-proc.returncode})"
        else:
            detail = lines[-1].strip() if lines else f"exit status {proc.returncode}"
        raise ProbeError(f"llama.cpp cannot load {what}: {detail}")


def main(argv: list[str]) -> int:
    if argv and argv[0] == "quantize":
        from assistant.convert.quantize import child_main

        return child_main(argv[1:])
    import llama_cpp as C  # only the child pays for loading the library

    if not argv or argv[0] not in ("model", "adapter") or len(argv) != (2 if argv[0] == "model" else 3):
        print("usage: probe model MODEL | probe adapter MODEL ADAPTER", file=sys.stderr)
        return 2
    C.llama_backend_init()
    params = C.llama_model_default_params()
    params.n_gpu_layers = 0
    model = C.llama_model_load_from_file(str(Path(argv[1])).encode(), params)
    if not model:
        print(f"error: failed to load model {Path(argv[1]).name}", file=sys.stderr)
        return EXIT_REFUSED
    if argv[0] == "adapter":
        adapter = C.llama_adapter_lora_init(model, str(Path(argv[2])).encode())
        if not adapter:
            print(f"error: llama.cpp refused adapter {Path(argv[2]).name}", file=sys.stderr)
            return EXIT_REFUSED
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
