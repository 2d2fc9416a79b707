"""LoRA adapters: GGUF adapters checked against their base, and PEFT adapters converted without torch.

A PEFT folder (adapter_config.json + adapter_model.safetensors, as PEFT, Unsloth and axolotl
write them) becomes a GGUF LoRA the way llama.cpp's convert_lora_to_gguf.py writes one:
``<base tensor>.lora_a`` holds A (rank x in), ``.lora_b`` holds B (out x rank),
``adapter.lora.alpha`` the config's alpha; llama.cpp scales by alpha / rank. Where PEFT
scales a module differently (rank_pattern, alpha_pattern, rsLoRA), the ratio is folded
into B, so one alpha still describes the file. Llama-architecture q/k projections get the
same row permutation the base model's weights got when it was converted to GGUF.

What cannot be represented faithfully (DoRA, modules_to_save, LoRA on embeddings or with
biases, other PEFT methods) is refused with a message instead of written wrongly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from assistant.atomic import new_file
from assistant.gguf_validate import GGUFSummary, GGUFValidationError, validate_gguf
from assistant.records import record_from_dict
from assistant.safetensors_io import SafetensorsError, read_tensors

# Hugging Face module (inside a decoder layer) -> GGUF tensor, for the architectures we convert.
MODULES = {
    "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}
ARCHITECTURES = {"llama", "qwen2", "qwen3", "gemma", "gemma2", "gemma3"}
PERMUTED_QK = {"llama"}  # llama.cpp's converter permutes q/k rows for these (rotary layout)
_LAYER = re.compile(r"^(?:base_model\.model\.)?(?:model\.)?(?:language_model\.)?(?:model\.)?layers\.(\d+)\.(.+)$")


class AdapterError(ValueError):
    """The adapter cannot be used or converted; the message names what does not match."""


class Cancelled(Exception):
    pass


@dataclass
class AdapterInfo:
    path: str
    name: str
    architecture: str
    rank: int
    alpha: float
    target_modules: list[str] = field(default_factory=list)
    source: str = ""  # "gguf", or the PEFT folder it was converted from
    tensor_count: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> AdapterInfo:
        """As stored in the library file; ValueError when a field is missing or of the wrong type."""
        return record_from_dict(cls, data)


# GGUF adapters ------------------------------------------------------------------------
def _summary(path: Path, what: str) -> GGUFSummary:
    try:
        return validate_gguf(path)
    except (GGUFValidationError, OSError) as exc:
        raise AdapterError(f"{path.name} is not a usable GGUF {what}: {exc}") from exc


def inspect_gguf_adapter(path: str | Path) -> AdapterInfo:
    path = Path(path)
    return _inspect(_summary(path, "adapter"), path)


def _inspect(s: GGUFSummary, path: Path) -> AdapterInfo:
    if s.file_type != "adapter" or s.scalars.get("adapter.type") != "lora":
        raise AdapterError(f"{path.name} is not a LoRA adapter (general.type is {s.file_type!r})")
    pairs = _pairs(s, path)
    ranks = sorted({s.tensor_shapes[a][1] for a, _ in pairs.values()})
    modules = sorted({name.split(".")[2] if name.startswith("blk.") else name.split(".")[0] for name in pairs})
    return AdapterInfo(str(path), str(s.scalars.get("general.name") or path.stem),
                       str(s.scalars.get("general.architecture", "")), ranks[-1] if ranks else 0,
                       float(s.scalars.get("adapter.lora.alpha", 0.0) or 0.0), modules,
                       str(s.scalars.get("adapter.source", "gguf")), len(s.tensor_names))


def _pairs(s: GGUFSummary, path: Path) -> dict[str, tuple[str, str]]:
    pairs: dict[str, tuple[str, str]] = {}
    for name in s.tensor_names:
        if name.endswith(".lora_a"):
            base = name[: -len(".lora_a")]
            if base + ".lora_b" not in s.tensor_shapes:
                raise AdapterError(f"{path.name}: {name} has no matching lora_b tensor")
            pairs[base] = (name, base + ".lora_b")
        elif not name.endswith(".lora_b") and not name.endswith("_norm.weight"):
            raise AdapterError(f"{path.name}: unexpected tensor {name} in a LoRA adapter")
    if not pairs:
        raise AdapterError(f"{path.name} holds no LoRA tensors")
    return pairs


def check_against_base(adapter: str | Path, base: str | Path) -> AdapterInfo:
    """Architecture, tensor names and shapes (so hidden size and vocabulary) of an adapter vs its base."""
    adapter, base = Path(adapter), Path(base)
    a = _summary(adapter, "adapter")
    info = _inspect(a, adapter)
    b = _summary(base, "model")
    arch_b = str(b.scalars.get("general.architecture", ""))
    if info.architecture != arch_b:
        raise AdapterError(f"{adapter.name} was made for the {info.architecture or 'unknown'} architecture; "
                           f"{base.name} is {arch_b}")
    for target, (la, lb) in _pairs(a, adapter).items():
        if target not in b.tensor_shapes:
            raise AdapterError(f"{adapter.name} adapts {target}, which {base.name} does not have "
                               f"(a different model size or family?)")
        ne = b.tensor_shapes[target]
        a_ne, b_ne = a.tensor_shapes[la], a.tensor_shapes[lb]
        if a_ne[1] != b_ne[0]:
            raise AdapterError(f"{adapter.name}: {la} and {lb} disagree on the rank ({a_ne[1]} vs {b_ne[0]})")
        if a_ne[0] != ne[0] or b_ne[1] != ne[1]:
            what = "vocabulary size" if target.startswith(("token_embd", "output.")) else "size"
            raise AdapterError(f"{adapter.name} expects {target} of {a_ne[0]}x{b_ne[1]}; {base.name} has "
                               f"{ne[0]}x{ne[1]} (a different {what})")
    return info


# PEFT adapters ------------------------------------------------------------------------
def read_peft_config(folder: Path) -> dict:
    cfg_path = folder / "adapter_config.json"
    if not cfg_path.is_file():
        raise AdapterError(f"{folder.name} has no adapter_config.json; is it a PEFT adapter folder?")
    try:
        cfg = json.loads(cfg_path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AdapterError(f"{folder.name}/adapter_config.json is not valid JSON") from exc
    if not isinstance(cfg, dict):
        raise AdapterError(f"{folder.name}/adapter_config.json is not a JSON object")
    kind = str(cfg.get("peft_type", "LORA")).upper()
    if kind != "LORA":
        raise AdapterError(f"{kind} adapters cannot be converted; only LoRA has a llama.cpp equivalent")
    if cfg.get("use_dora"):
        raise AdapterError("DoRA adapters cannot be converted: llama.cpp has no weight-decomposed LoRA, "
                           "and converting the LoRA part alone would change the model's output")
    if cfg.get("modules_to_save"):
        saved = cfg["modules_to_save"]
        names = ", ".join(map(str, saved)) if isinstance(saved, list) else str(saved)
        raise AdapterError(f"this adapter also saves whole modules ({names[:200]}); "
                           "a LoRA file cannot carry them, so the result would be wrong")
    if str(cfg.get("bias", "none")) != "none":
        raise AdapterError(f"this adapter trains biases (bias={cfg['bias']!r}); a LoRA file cannot carry them")
    for key in ("r", "lora_alpha"):
        value = cfg.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1e6:
            raise AdapterError(f"adapter_config.json needs a positive {key}")
    for key in ("alpha_pattern", "rank_pattern"):
        pattern = cfg.get(key)
        if pattern is not None and not (isinstance(pattern, dict) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < 1e6 for v in pattern.values())):
            raise AdapterError(f"adapter_config.json: {key} must map module names to positive numbers")
        if pattern:
            for name in pattern:
                try:
                    re.compile(name)
                except re.error as exc:
                    raise AdapterError(f"adapter_config.json: {key} has a bad pattern {name!r}") from exc
    if not isinstance(cfg.get("base_model_name_or_path", ""), (str, type(None))):
        raise AdapterError("adapter_config.json: base_model_name_or_path must be text")
    return cfg


def _pattern_value(patterns: dict, module_key: str, default: float) -> float:
    # PEFT's rule: the first pattern that matches the end of the module's name wins.
    for pattern, value in (patterns or {}).items():
        if re.match(rf"(.*\.)?({pattern})$", module_key):
            return float(value)
    return default


def permute_rows(b: np.ndarray, n_head: int) -> np.ndarray:
    """The row order llama.cpp's converter gives llama q/k weights (rotary halves interleaved)."""
    rows = b.shape[0]
    return b.reshape(n_head, 2, rows // n_head // 2, *b.shape[1:]).swapaxes(1, 2).reshape(b.shape)


def convert_peft(folder: str | Path, base: str | Path, out: str | Path,
                 progress: Callable[[int, int, str], None] | None = None,
                 should_stop: Callable[[], bool] | None = None) -> AdapterInfo:
    """Convert a PEFT LoRA folder into a GGUF LoRA for ``base``; never overwrites ``out``."""

    folder, base, out = Path(folder), Path(base), Path(out)
    if out.exists():
        raise AdapterError(f"{out.name} already exists; choose another name")
    cfg = read_peft_config(folder)
    weights = folder / "adapter_model.safetensors"
    if not weights.is_file():
        raise AdapterError(f"{folder.name} has no adapter_model.safetensors "
                           "(older .bin adapters need torch; save the adapter with safetensors)")
    b = _summary(base, "model")
    arch = str(b.scalars.get("general.architecture", ""))
    if arch not in ARCHITECTURES:
        raise AdapterError(f"PEFT adapters for the {arch} architecture cannot be converted yet "
                           f"(supported: {', '.join(sorted(ARCHITECTURES))})")
    n_head = int(b.scalars.get(f"{arch}.attention.head_count", 0) or 0)
    n_head_kv = int(b.scalars.get(f"{arch}.attention.head_count_kv", n_head) or n_head)
    try:
        tensors = read_tensors(weights)  # checks the whole header against the file first
    except (SafetensorsError, OSError) as exc:
        raise AdapterError(f"cannot read the adapter weights: {exc}") from exc

    pairs: dict[str, dict[str, np.ndarray]] = {}
    for name, arr in tensors.items():
        if "lora_embedding" in name or "embed_tokens" in name or "lm_head" in name:
            raise AdapterError(f"{name}: LoRA on embeddings or the output head is not supported")
        m = re.match(r"^(.*)\.lora_([AB])(?:\.[^.]+)?\.weight$", name)
        if m is None:
            raise AdapterError(f"unexpected tensor {name} (not a lora_A or lora_B weight)")
        pairs.setdefault(m.group(1), {})[m.group(2)] = arr
    if not pairs:
        raise AdapterError("the adapter holds no LoRA weights")

    alpha = float(cfg["lora_alpha"])
    targets: set[str] = set()
    converted: list[tuple[str, np.ndarray]] = []
    total = len(pairs)
    for i, (module, ab) in enumerate(sorted(pairs.items())):
        if should_stop is not None and should_stop():
            raise Cancelled()
        if progress is not None:
            progress(i, total, f"tensor {i + 1} of {total}")
        if set(ab) != {"A", "B"}:
            raise AdapterError(f"{module} has lora_{'A' if 'A' in ab else 'B'} but not its pair")
        m = _LAYER.match(module)
        if m is None or m.group(2) not in MODULES:
            raise AdapterError(f"{module} is not an attention or MLP projection this app can convert")
        layer, hf = int(m.group(1)), m.group(2)
        target = f"blk.{layer}.{MODULES[hf]}.weight"
        if target not in b.tensor_shapes:
            raise AdapterError(f"{module} has no counterpart {target} in {base.name} "
                               f"(the base has {b.scalars.get(f'{arch}.block_count', '?')} layers)")
        a_w, b_w = ab["A"], ab["B"]
        if a_w.ndim != 2 or b_w.ndim != 2 or a_w.shape[0] != b_w.shape[1]:
            raise AdapterError(f"{module}: lora_A {a_w.shape} and lora_B {b_w.shape} do not form a LoRA pair")
        rank = a_w.shape[0]
        ne = b.tensor_shapes[target]  # (in, out)
        if a_w.shape[1] != ne[0] or b_w.shape[0] != ne[1]:
            raise AdapterError(f"{module} maps {a_w.shape[1]} -> {b_w.shape[0]} features; {base.name}'s {target} "
                               f"maps {ne[0]} -> {ne[1]} (wrong base model or hidden size)")
        key = module.removeprefix("base_model.model.")
        module_alpha = _pattern_value(cfg.get("alpha_pattern") or {}, key, alpha)
        scale = module_alpha / (rank ** 0.5 if cfg.get("use_rslora") else rank)
        b_w = b_w * np.float32(scale / (alpha / rank))  # llama.cpp will apply alpha / rank
        if arch in PERMUTED_QK and hf == "self_attn.q_proj":
            b_w = permute_rows(b_w, n_head)
        elif arch in PERMUTED_QK and hf == "self_attn.k_proj":
            b_w = permute_rows(b_w, n_head_kv)
        converted.append((target + ".lora_a", np.ascontiguousarray(a_w, dtype=np.float32)))
        converted.append((target + ".lora_b", np.ascontiguousarray(b_w, dtype=np.float32)))
        targets.add(hf.split(".")[-1])

    try:
        with new_file(out) as tmp:
            _write_lora(tmp, arch, alpha, folder.name, targets, cfg, converted)
            if should_stop is not None and should_stop():
                raise Cancelled()
    except FileExistsError as exc:
        raise AdapterError(f"{out.name} already exists; choose another name") from exc
    if progress is not None:
        progress(total, total, "done")
    return check_against_base(out, base)


def _write_lora(path: Path, arch: str, alpha: float, name: str, targets: set[str], cfg: dict,
                converted: list[tuple[str, np.ndarray]]) -> None:
    """The GGUF LoRA as llama.cpp's convert_lora_to_gguf.py lays it out."""
    import gguf

    writer = gguf.GGUFWriter(str(path), arch)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", alpha)
    writer.add_name(name)
    writer.add_string("adapter.source", f"PEFT: {name}")
    writer.add_array("adapter.lora.target_modules", sorted(targets))
    base_name = cfg.get("base_model_name_or_path")
    if isinstance(base_name, str) and base_name:
        writer.add_string("adapter.base_model", base_name)
    for tname, arr in converted:
        writer.add_tensor(tname, arr)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
