"""Full fine-tune import at SmolLM2-135M size: conversion time and peak memory, quantize time.

    .venv/bin/pip install -e ".[test]"   # tokenizers, to train the BPE tokenizer
    .venv/bin/python bench/bench_convert.py [--layers 30] [--dtype BF16]

Builds a folder with SmolLM2-135M's shapes (576 hidden, 30 layers, 9 heads / 3 KV heads, 1536
MLP, 49,152 tokens, tied embeddings, bf16 safetensors) with tests/tiny_hf.py, then in child
processes (so each peak RSS is its own): the app's streaming conversion to f16 GGUF; for
comparison, reading the whole checkpoint into memory first (what a converter without lazy
tensors does); and llama.cpp's quantizer to Q8_0 and Q4_K_M. The issue's bound: conversion peak
RSS below 1.5 x the f16 output size.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
what, src, out = sys.argv[1:4]
t = time.perf_counter()
if what == "convert":
    from assistant.convert.hf_to_gguf import convert_hf_folder
    convert_hf_folder(src, out)
elif what == "load-all":
    from pathlib import Path
    from assistant.safetensors_io import read_tensors
    tensors = {{}}
    for f in sorted(Path(src).glob("*.safetensors")):
        tensors.update(read_tensors(f))
else:
    from assistant.convert.quantize import quantize
    quantize(src, out, what)
print(json.dumps({{"seconds": time.perf_counter() - t,
                  "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "children_peak": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}}))
"""


BUILD = r"""
import sys
sys.path.insert(0, {root!r}); sys.path.insert(0, {root!r} + "/tests")
from pathlib import Path
from tiny_hf import train_bpe, write_folder
folder, dtype, layers = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
train_bpe(folder, vocab_size=2000, normalizer=None, pre="smollm")
write_folder(folder, "llama", 49152, dtype=dtype, hidden_size=576, intermediate_size=1536,
             num_hidden_layers=layers, num_attention_heads=9, num_key_value_heads=3, max_position_embeddings=8192)
"""


def child(what: str, src: Path, out: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), what, str(src), str(out)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", type=int, default=30)
    ap.add_argument("--dtype", default="BF16", choices=["BF16", "F16", "F32"])
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-convert-"))
    folder = work / "smollm2-135m-sized"
    t = time.perf_counter()
    # Built in a child: Linux keeps a process's peak RSS across fork and exec, so this process must
    # stay small for the children's peaks to be their own.
    subprocess.run([sys.executable, "-c", BUILD.format(root=str(ROOT)), str(folder), args.dtype, str(args.layers)],
                   check=True)
    size_in = sum(f.stat().st_size for f in folder.glob("*.safetensors"))
    print(f"built {folder.name}: {size_in / 1e6:.0f} MB of {args.dtype} safetensors in {time.perf_counter() - t:.1f} s")

    f16 = work / "f16.gguf"
    conv = child("convert", folder, f16)
    out_size = f16.stat().st_size
    load = child("load-all", folder, work / "unused")
    print(f"convert to f16 GGUF : {conv['seconds']:6.2f} s, peak RSS {conv['peak_rss'] / 1e6:6.0f} MB "
          f"= {conv['peak_rss'] / out_size:.2f} x the {out_size / 1e6:.0f} MB output (bound: 1.5 x)")
    print(f"load whole checkpoint: {load['seconds']:6.2f} s, peak RSS {load['peak_rss'] / 1e6:6.0f} MB "
          f"= {load['peak_rss'] / out_size:.2f} x (streaming uses {conv['peak_rss'] / load['peak_rss']:.2f} x of it)")
    for q in ("Q8_0", "Q4_K_M"):
        out = work / f"{q}.gguf"
        r = child(q, f16, out)
        print(f"quantize to {q:7}: {r['seconds']:6.2f} s, {out.stat().st_size / 1e6:5.0f} MB "
              f"({out.stat().st_size / out_size:.2f} x f16), quantizer peak RSS {r['children_peak'] / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
