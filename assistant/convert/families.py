"""The model families a Hugging Face folder may hold, and what llama.cpp expects of each.

For every family: the GGUF architecture, its hyperparameters read from config.json (with
the defaults transformers would use), the tensors a checkpoint must hold with their shapes,
and the two ways llama.cpp's layout differs from PyTorch's: Llama-style q/k rows are
permuted for its rotary layout, and Gemma stores RMSNorm weights as (w - 1).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from assistant.convert.hf_folder import ConversionError


@dataclass(frozen=True)
class Family:
    arch: str  # GGUF general.architecture
    permute_qk: bool = False
    norm_shift: float = 0.0
    qkv_bias: bool = False
    qk_norm: bool = False
    sandwich_norms: bool = False  # Gemma 3: norms after attention and around the MLP
    defaults: dict = field(default_factory=dict)


LLAMA = Family("llama", permute_qk=True, defaults={"rms_norm_eps": 1e-6, "rope_theta": 10000.0})
FAMILIES: dict[str, Family] = {
    "LlamaForCausalLM": LLAMA,  # Llama 2/3.x, SmolLM/SmolLM2
    "MistralForCausalLM": LLAMA,
    "Qwen2ForCausalLM": Family("qwen2", qkv_bias=True, defaults={"rms_norm_eps": 1e-6, "rope_theta": 1e6}),
    "Qwen3ForCausalLM": Family("qwen3", qk_norm=True, defaults={"rms_norm_eps": 1e-6, "rope_theta": 1e6}),
    "Gemma3ForCausalLM": Family("gemma3", norm_shift=1.0, qk_norm=True, sandwich_norms=True, defaults={
        "rms_norm_eps": 1e-6, "rope_theta": 1e6, "head_dim": 256, "num_attention_heads": 8,
        "num_key_value_heads": 4, "max_position_embeddings": 131072, "query_pre_attn_scalar": 256}),
}
FAMILIES["Gemma3ForConditionalGeneration"] = FAMILIES["Gemma3ForCausalLM"]  # its text part


def family_of(architecture: str) -> Family:
    try:
        return FAMILIES[architecture]
    except KeyError:
        known = ", ".join(sorted(FAMILIES))
        raise ConversionError(f"{architecture} models cannot be converted (supported: {known})") from None


@dataclass(frozen=True)
class HParams:
    n_layer: int
    n_embd: int
    n_ff: int
    n_head: int
    n_head_kv: int
    head_dim: int
    n_ctx: int
    vocab_size: int
    eps: float
    rope_theta: float
    rope_scaling: dict | None  # {"rope_type": "linear" | "llama3", and that kind's numbers}
    tied: bool
    sliding_window: int | None = None
    query_pre_attn_scalar: float | None = None


def _whole(key: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value > 1 << 24:
        raise ConversionError(f"config.json: {key} must be a positive whole number (it is {value!r})")
    return value


def _positive(key: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ConversionError(f"config.json: {key} must be a positive number (it is {value!r})")
    return float(value)


# The rope scaling settings each supported kind reads, with transformers' defaults.
_SCALING = {"linear": {"factor": 1.0},
            "llama3": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                       "original_max_position_embeddings": 8192}}


def _rope_scaling(h: dict, rope: dict) -> dict | None:
    """The rope scaling as numbers (``rope_type`` plus that kind's settings), or None for none."""
    scaling = h.get("rope_scaling") if isinstance(h.get("rope_scaling"), dict) else None
    if rope.get("rope_type", "default") != "default":
        scaling = rope
    if scaling is None:
        return None
    kind = str(scaling.get("rope_type", scaling.get("type", "default"))).lower()
    if kind == "default":
        return None
    if kind not in _SCALING:
        raise ConversionError(f"config.json: {kind!r} rope scaling cannot be converted yet (linear and llama3 can)")
    out = {key: _positive(f"rope_scaling.{key}", scaling.get(key, default)) for key, default in _SCALING[kind].items()}
    if kind == "llama3" and out["high_freq_factor"] <= out["low_freq_factor"]:
        raise ConversionError("config.json: rope_scaling.high_freq_factor must exceed low_freq_factor")
    return {"rope_type": kind, **out}


def read_hparams(h: dict, fam: Family) -> HParams:
    def get(key: str, fallback=None):
        return h.get(key, fam.defaults.get(key, fallback))

    n_embd = _whole("hidden_size", get("hidden_size"))
    n_head = _whole("num_attention_heads", get("num_attention_heads"))
    n_head_kv = _whole("num_key_value_heads", get("num_key_value_heads", n_head))
    if n_head % n_head_kv:
        raise ConversionError(f"config.json: {n_head} attention heads cannot share {n_head_kv} key/value heads")
    head_dim = _whole("head_dim", h.get("head_dim") or fam.defaults.get("head_dim") or n_embd // n_head)
    if fam.permute_qk and head_dim % 2:
        raise ConversionError(f"config.json: a head size of {head_dim} cannot be rotated (it must be even)")
    # transformers >= 4.56 moved rope settings into rope_parameters; older configs keep them at top level.
    rope = h.get("rope_parameters") if isinstance(h.get("rope_parameters"), dict) else {}
    rope = rope.get("full_attention", rope) if isinstance(rope.get("full_attention"), dict) else rope
    theta = rope.get("rope_theta", get("rope_theta"))
    window = h.get("sliding_window") if fam.arch == "gemma3" else None
    if window is not None:
        window = _whole("sliding_window", window)
    _check_attention_layout(h, fam)
    tied = h.get("tie_word_embeddings", True)
    scalar = _positive("query_pre_attn_scalar", get("query_pre_attn_scalar")) if fam.arch == "gemma3" else None
    # llama.cpp scales Gemma 3 attention by 1/sqrt(head size), or by 1/sqrt(hidden / heads) for the
    # 62-layer 27B; a config asking for anything else would be computed wrongly.
    if scalar is not None and scalar != head_dim and not (
            scalar == n_embd / n_head and h.get("num_hidden_layers") == 62):
        raise ConversionError(f"config.json: query_pre_attn_scalar {scalar:g} differs from the head size "
                              f"({head_dim}), which llama.cpp cannot represent for this model size")
    return HParams(
        n_layer=_whole("num_hidden_layers", get("num_hidden_layers")), n_embd=n_embd,
        n_ff=_whole("intermediate_size", get("intermediate_size")), n_head=n_head, n_head_kv=n_head_kv,
        head_dim=head_dim, n_ctx=_whole("max_position_embeddings", get("max_position_embeddings")),
        vocab_size=_whole("vocab_size", get("vocab_size")), eps=_positive("rms_norm_eps", get("rms_norm_eps")),
        rope_theta=_positive("rope_theta", theta), rope_scaling=_rope_scaling(h, rope), tied=bool(tied),
        sliding_window=window, query_pre_attn_scalar=scalar,
    )


def _check_attention_layout(h: dict, fam: Family) -> None:
    """llama.cpp fixes which layers use a sliding window: none for Llama/Qwen, every sixth global for Gemma 3.
    A checkpoint that says otherwise would load but attend wrongly, so it is refused."""
    n_layer = h.get("num_hidden_layers")
    types = h.get("layer_types")
    if fam.arch == "gemma3":
        count = n_layer if isinstance(n_layer, int) and 0 < n_layer < 1 << 16 else 0
        expected = ["full_attention" if (i + 1) % 6 == 0 else "sliding_attention" for i in range(count)]
        pattern = h.get("sliding_window_pattern", 6)
        if pattern not in (6, None) or (types is not None and types != expected):
            raise ConversionError("config.json places Gemma 3's sliding-window layers differently from every "
                                  "sixth layer global, which llama.cpp cannot represent")
        return
    if h.get("use_sliding_window") or (isinstance(types, list) and any(t != "full_attention" for t in types)):
        raise ConversionError("config.json turns on sliding-window attention, which llama.cpp does not apply "
                              f"to the {fam.arch} architecture")


def expected_shapes(fam: Family, hp: HParams, n_rows: int) -> dict[str, tuple[int, ...]]:
    """Every GGUF tensor the checkpoint must provide, in PyTorch (out, in) order; output.weight optional."""
    e, q, kv = hp.n_embd, hp.n_head * hp.head_dim, hp.n_head_kv * hp.head_dim
    shapes: dict[str, tuple[int, ...]] = {"token_embd.weight": (n_rows, e), "output_norm.weight": (e,),
                                          "output.weight": (n_rows, e)}
    for i in range(hp.n_layer):
        b = f"blk.{i}."
        shapes.update({b + "attn_norm.weight": (e,), b + "attn_q.weight": (q, e), b + "attn_k.weight": (kv, e),
                       b + "attn_v.weight": (kv, e), b + "attn_output.weight": (e, q), b + "ffn_norm.weight": (e,),
                       b + "ffn_gate.weight": (hp.n_ff, e), b + "ffn_up.weight": (hp.n_ff, e),
                       b + "ffn_down.weight": (e, hp.n_ff)})
        if fam.qkv_bias:
            shapes.update({b + "attn_q.bias": (q,), b + "attn_k.bias": (kv,), b + "attn_v.bias": (kv,)})
        if fam.qk_norm:
            shapes.update({b + "attn_q_norm.weight": (hp.head_dim,), b + "attn_k_norm.weight": (hp.head_dim,)})
        if fam.sandwich_norms:
            shapes.update({b + "post_attention_norm.weight": (e,), b + "post_ffw_norm.weight": (e,)})
    return shapes


_PREFIXES = (("model.language_model.", "model."), ("language_model.model.", "model."),
             ("language_model.lm_head.", "lm_head."))
_SKIPPED = re.compile(r"(^|\.)(vision_tower|vision_model|multi_modal_projector)\.|rotary_emb\.inv_freq$")


def hf_tensor_name(name: str) -> str | None:
    """The checkpoint's name in plain causal-LM form, or None for tensors the text model does not use."""
    if _SKIPPED.search(name):
        return None
    for old, new in _PREFIXES:
        if name.startswith(old):
            return new + name[len(old):]
    return name


def llama3_rope_factors(hp: HParams) -> list[float]:
    """llama.cpp's rope_freqs for Llama 3.1+ rope scaling, computed as Meta's reference does."""
    s = hp.rope_scaling or {}
    factor, low, high = s["factor"], s["low_freq_factor"], s["high_freq_factor"]
    old_ctx = s["original_max_position_embeddings"]
    out = []
    for i in range(0, hp.head_dim, 2):
        wavelen = 2 * math.pi * hp.rope_theta ** (i / hp.head_dim)
        if wavelen < old_ctx / high:
            out.append(1.0)
        elif wavelen > old_ctx / low:
            out.append(factor)
        else:
            smooth = (old_ctx / wavelen - low) / (high - low)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return out
