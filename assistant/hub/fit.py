"""Will this model run well here? An estimate from the file size and the context against the machine's
free memory (and, where llama.cpp has a GPU backend, the GPU's free memory), with a speed class.

Decoding is bound by memory bandwidth: every token reads the whole model once. The per-core rate is
calibrated on this project's measurements (SmolLM2-135M Q4_1 decodes at 113-121 tok/s on 2 cores)."""

from __future__ import annotations

import os
from dataclasses import dataclass

OVERHEAD_BYTES = 300 * 1024**2  # compute buffers, the runtime itself
RUNS_WELL_SHARE = 0.70  # of free memory: leaves room for the editor, the OS and a browser
TIGHT_SHARE = 0.95
CPU_GBPS_PER_CORE = 5.5  # effective GB/s of weights read per core while decoding
CPU_GBPS_MAX = 40.0  # laptop memory bandwidth, as llama.cpp achieves it
GPU_GBPS = 200.0
FAST_TOK_S, USABLE_TOK_S = 20.0, 6.0


@dataclass(frozen=True)
class Machine:
    free_ram: int
    total_ram: int
    cores: int
    gpu_name: str = ""
    free_vram: int = 0  # 0: no GPU backend, or it does not report memory


@dataclass(frozen=True)
class Fit:
    verdict: str  # "runs well" | "tight" | "too big"
    needed: int  # bytes
    where: str  # "GPU" | "CPU"
    tok_s: float
    speed: str  # "fast" | "usable" | "slow"

    def describe(self) -> str:
        gb = self.needed / 1e9
        if self.verdict == "too big":
            return f"too big: needs about {gb:.1f} GB"
        return f"{self.verdict} on the {self.where} ({self.speed}, about {self.tok_s:.0f} tok/s; needs {gb:.1f} GB)"


def memory_needed(file_size: int, kv_bytes_per_token: int, n_ctx: int) -> int:
    """Weights + the KV cache for the app's context size + runtime buffers."""
    return file_size + kv_bytes_per_token * n_ctx + OVERHEAD_BYTES


def estimate_fit(file_size: int, kv_bytes_per_token: int, n_ctx: int, machine: Machine) -> Fit:
    needed = memory_needed(file_size, kv_bytes_per_token, n_ctx)
    on_gpu = machine.free_vram > 0 and needed <= machine.free_vram * TIGHT_SHARE
    free = machine.free_vram if on_gpu else machine.free_ram
    if needed <= free * RUNS_WELL_SHARE:
        verdict = "runs well"
    elif needed <= free * TIGHT_SHARE:
        verdict = "tight"
    else:
        verdict = "too big"
    gbps = GPU_GBPS if on_gpu else min(CPU_GBPS_MAX, CPU_GBPS_PER_CORE * max(1, machine.cores))
    tok_s = gbps * 1e9 / max(file_size, 1)
    speed = "fast" if tok_s >= FAST_TOK_S else "usable" if tok_s >= USABLE_TOK_S else "slow"
    return Fit(verdict, needed, "GPU" if on_gpu else "CPU", tok_s, speed)


def this_machine(with_gpu: bool = True) -> Machine:
    import psutil

    vm = psutil.virtual_memory()
    from assistant.llama_runtime import gpu_memory

    gpu_name, free_vram = gpu_memory() if with_gpu else ("", 0)
    return Machine(vm.available, vm.total, os.cpu_count() or 1, gpu_name, free_vram)
