"""Switching LoRA adapters on the loaded context vs reloading the model, with the default model.

    .venv/bin/python bench/bench_adapters.py [--rank 16] [--rounds 20]

Builds a PEFT adapter (q/v/up/down projections, every layer) with numpy, converts it
without torch, then times llama_set_adapters_lora switches (attach, detach, swap between
two adapters) against a full model load, in the same run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from assistant.adapters import convert_peft
from assistant.backends.local import LocalBackend
from assistant.gguf_validate import validate_gguf
from assistant.model_library import ModelLibrary
from assistant.safetensors_io import write_tensors


def make_adapter(folder: Path, base: Path, out: Path, rank: int, seed: int) -> Path:
    s = validate_gguf(base)
    layers = int(s.scalars["llama.block_count"]) if "llama.block_count" in s.scalars else 1
    rng = np.random.default_rng(seed)
    tensors = {}
    modules = {"self_attn.q_proj": "attn_q", "self_attn.v_proj": "attn_v", "mlp.up_proj": "ffn_up",
               "mlp.down_proj": "ffn_down"}
    for layer in range(layers):
        for hf, gg in modules.items():
            n_in, n_out = s.tensor_shapes[f"blk.{layer}.{gg}.weight"]
            key = f"base_model.model.model.layers.{layer}.{hf}"
            tensors[f"{key}.lora_A.weight"] = rng.normal(0, 0.02, (rank, n_in))
            tensors[f"{key}.lora_B.weight"] = rng.normal(0, 0.02, (n_out, rank))
    folder.mkdir(parents=True)
    write_tensors(folder / "adapter_model.safetensors", tensors)
    (folder / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": rank, "lora_alpha": rank}))
    t0 = time.perf_counter()
    convert_peft(folder, base, out)
    print(f"converted {out.name}: {out.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t0:.2f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    entry = ModelLibrary().get(None)
    tmp = Path(tempfile.mkdtemp())
    a = make_adapter(tmp / "a", entry.path, tmp / "a.gguf", args.rank, 1)
    b = make_adapter(tmp / "b", entry.path, tmp / "b.gguf", args.rank, 2)
    loads = []
    for _ in range(3):
        t0 = time.perf_counter()
        backend = LocalBackend(entry.path, name="bench", n_ctx=2048)
        loads.append(time.perf_counter() - t0)
        backend.close()
    backend = LocalBackend(entry.path, name="bench", n_ctx=2048)
    t0 = time.perf_counter()
    backend.set_adapters([(str(a), 1.0)])
    first = time.perf_counter() - t0
    switches = []
    for i in range(args.rounds):
        target = [] if i % 3 == 0 else [(str(a if i % 2 else b), 1.0)]
        t0 = time.perf_counter()
        backend.set_adapters(target)
        switches.append(time.perf_counter() - t0)
    backend.close()
    load_ms, switch_ms = statistics.median(loads) * 1000, statistics.median(switches) * 1000
    print(f"{entry.info.name}: model load (median of 3) {load_ms:.1f} ms; first attach (reads the file) "
          f"{first * 1000:.1f} ms; switch (median of {args.rounds}) {switch_ms:.2f} ms, "
          f"max {max(switches) * 1000:.2f} ms -> switching is {load_ms / switch_ms:.0f}x faster than reloading")


if __name__ == "__main__":
    main()
