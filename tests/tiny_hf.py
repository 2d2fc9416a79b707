"""Tiny Hugging Face model folders built with numpy, and a numpy forward pass to check them.

The folders have the real layout (config.json, safetensors shards, tokenizer files) of
Llama/SmolLM2, Qwen2/Qwen3 and Gemma 3 checkpoints, with random weights. The tokenizers are
trained here: SentencePiece BPE with ``sentencepiece`` (as Llama 2, Mistral and Gemma ship
it) and byte-level BPE with Hugging Face ``tokenizers`` (as Qwen ships it). ``forward``
computes logits the way transformers' modeling code does (rotate-half RoPE on the
unpermuted weights, Gemma's (1 + w) norms), so it checks the converter's layout changes.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from assistant.safetensors_io import write_tensors

CORPUS = [
    "The quick brown fox jumps over the lazy dog, then it runs home to sleep.",
    "Writing every day makes the words come easier; editing makes them better.",
    "Le renard brun saute par-dessus le chien paresseux et rentre à la maison.",
    "Der schnelle braune Fuchs springt über den faulen Hund. Straße, Größe, Mädchen.",
    "El zorro marrón salta sobre el perro perezoso; ¿dónde está la niña?",
    "Быстрая коричневая лиса прыгает через ленивую собаку.",
    "東京は日本の首都です。今日はいい天気ですね。",
    "Numbers like 12, 345 and 6789 appear in text, as do emails: a.b@example.org.",
    "def main():\n    return 42  # code has indentation and symbols like {} [] <>",
]
# Not all of it was in the training text: unseen characters go through byte fallback.
PROBE_TEXT = ("Hello world! The fox writes 2024 notes. Café, naïve, Größe; ¿Qué tal? Привет, мир. "
              "東京タワー 🙂 ü\n\tIndented  twice   spaced. €42.50 — «quoted» ‘text’")
QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_REGEX = QWEN2_REGEX.replace(r"|\p{N}|", r"|\p{N}{1,3}|")


def pre_tokenizer(style: str):
    """The pre-tokenizers of Qwen2, Llama 3 and SmolLM2 as their tokenizer.json files define them."""
    from tokenizers import Regex, pre_tokenizers

    if style == "smollm":
        return pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    regex = {"qwen2": QWEN2_REGEX, "llama3": LLAMA3_REGEX}[style]
    return pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(regex), behavior="isolated", invert=False),
                                    pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False,
                                                             use_regex=False)])


def _lines() -> list[str]:
    return [f"{line} {i}" for i in range(40) for line in CORPUS]


def train_sentencepiece(folder: Path, vocab_size: int = 400, model_type: str = "bpe",
                        normalization: str = "identity", byte_fallback: bool = True,
                        dummy_prefix: bool = True) -> Path:
    import sentencepiece as spm

    out = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_lines()), model_writer=out, vocab_size=vocab_size, model_type=model_type,
        byte_fallback=byte_fallback, normalization_rule_name=normalization, remove_extra_whitespaces=False,
        add_dummy_prefix=dummy_prefix, character_coverage=0.9995, split_digits=True, unk_id=0, bos_id=1, eos_id=2,
        pad_id=3, minloglevel=2, hard_vocab_limit=False)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tokenizer.model").write_bytes(out.getvalue())
    return folder / "tokenizer.model"


def train_bpe(folder: Path, vocab_size: int = 500, pre: str = "qwen2", normalizer: str | None = "NFC") -> Path:
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    if normalizer == "NFC":
        tok.normalizer = normalizers.NFC()
    elif normalizer == "NFKC":
        tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizer(pre)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>", "<|im_start|>",
                                                                          "<|im_end|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(_lines(), trainer)
    folder.mkdir(parents=True, exist_ok=True)
    tok.save(str(folder / "tokenizer.json"))
    return folder / "tokenizer.json"


CONFIGS = {
    "mistral": {"architectures": ["MistralForCausalLM"], "model_type": "mistral", "hidden_size": 64,
                "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
                "num_key_value_heads": 1, "max_position_embeddings": 512, "rms_norm_eps": 1e-5,
                "rope_theta": 1000000.0, "sliding_window": None, "tie_word_embeddings": False, "bos_token_id": 1,
                "eos_token_id": 2, "hidden_act": "silu"},
    "llama": {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
              "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
              "max_position_embeddings": 256, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
              "tie_word_embeddings": True, "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu"},
    "qwen2": {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 64,
              "intermediate_size": 160, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
              "max_position_embeddings": 512, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
              "tie_word_embeddings": False, "hidden_act": "silu"},
    "qwen3": {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": 64, "head_dim": 32,
              "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
              "max_position_embeddings": 512, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
              "tie_word_embeddings": True, "hidden_act": "silu"},
    "gemma3": {"architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", "hidden_size": 64,
               "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 1,
               "head_dim": 32, "query_pre_attn_scalar": 32, "max_position_embeddings": 1024, "rms_norm_eps": 1e-6,
               "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0, "sliding_window": 512,
               "sliding_window_pattern": 6, "tie_word_embeddings": True, "bos_token_id": 1, "eos_token_id": 2,
               "hidden_activation": "gelu_pytorch_tanh", "final_logit_softcapping": None,
               "attn_logit_softcapping": None},
}


def hf_weights(cfg: dict, seed: int = 0) -> dict[str, np.ndarray]:
    """Random weights under transformers' names, scaled so activations stay near 1."""
    rng = np.random.default_rng(seed)
    e, ff, n_layer = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    hd = cfg.get("head_dim") or e // cfg["num_attention_heads"]
    q, kv = cfg["num_attention_heads"] * hd, cfg["num_key_value_heads"] * hd
    gemma = cfg["model_type"].startswith("gemma")

    def mat(rows, cols):
        return rng.normal(0, 1 / np.sqrt(cols), (rows, cols)).astype(np.float32)

    def norm(n):  # Gemma stores w - 1
        return rng.normal(0 if gemma else 1, 0.1, n).astype(np.float32)

    w = {"model.embed_tokens.weight": rng.normal(0, 1, (cfg["vocab_size"], e)).astype(np.float32),
         "model.norm.weight": norm(e)}
    if not cfg.get("tie_word_embeddings", True):
        w["lm_head.weight"] = mat(cfg["vocab_size"], e)
    for i in range(n_layer):
        p = f"model.layers.{i}."
        w.update({p + "input_layernorm.weight": norm(e), p + "post_attention_layernorm.weight": norm(e),
                  p + "self_attn.q_proj.weight": mat(q, e), p + "self_attn.k_proj.weight": mat(kv, e),
                  p + "self_attn.v_proj.weight": mat(kv, e), p + "self_attn.o_proj.weight": mat(e, q),
                  p + "mlp.gate_proj.weight": mat(ff, e), p + "mlp.up_proj.weight": mat(ff, e),
                  p + "mlp.down_proj.weight": mat(e, ff)})
        if cfg["model_type"] == "qwen2":
            w.update({p + "self_attn.q_proj.bias": rng.normal(0, 0.5, q).astype(np.float32),
                      p + "self_attn.k_proj.bias": rng.normal(0, 0.5, kv).astype(np.float32),
                      p + "self_attn.v_proj.bias": rng.normal(0, 0.5, kv).astype(np.float32)})
        if cfg["model_type"] in ("qwen3", "gemma3_text"):
            w.update({p + "self_attn.q_norm.weight": norm(hd), p + "self_attn.k_norm.weight": norm(hd)})
        if gemma:
            w.update({p + "pre_feedforward_layernorm.weight": norm(e),
                      p + "post_feedforward_layernorm.weight": norm(e)})
    return w


def write_folder(folder: Path, kind: str, vocab_size: int, *, dtype: str = "BF16", shards: int = 1,
                 seed: int = 0, tokenizer_config: dict | None = None, **config) -> tuple[Path, dict, dict]:
    """config.json, weights (one file or ``shards`` with an index) and tokenizer_config.json."""
    cfg = {**CONFIGS[kind], "vocab_size": vocab_size, "torch_dtype": "bfloat16", **config}
    folder.mkdir(parents=True, exist_ok=True)
    weights = hf_weights(cfg, seed)
    names = sorted(weights)
    if shards == 1:
        write_tensors(folder / "model.safetensors", weights, dtype)
    else:
        weight_map = {}
        for s in range(shards):
            part = names[s::shards]
            fname = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
            write_tensors(folder / fname, {n: weights[n] for n in part}, dtype)
            weight_map.update({n: fname for n in part})
        (folder / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    (folder / "config.json").write_text(json.dumps(cfg))
    tc = {"add_bos_token": kind in ("llama", "gemma3"), "add_eos_token": False,
          "chat_template": "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}",
          **(tokenizer_config or {})}
    (folder / "tokenizer_config.json").write_text(json.dumps(tc))
    if dtype == "BF16":  # what the file holds, to compare against
        weights = {n: (a.view(np.uint32) >> 16 << 16).view(np.float32) for n, a in weights.items()}
    return folder, cfg, weights


# numpy reference forward -------------------------------------------------------------
def _rms(x, w, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def _llama3_inv_freq(inv, s):
    """transformers' _compute_llama3_parameters, written the way it is there."""
    factor, low, high = s["factor"], s["low_freq_factor"], s["high_freq_factor"]
    old = s["original_max_position_embeddings"]
    wavelen = 2 * np.pi / inv
    out = np.where(wavelen > old / low, inv / factor, inv)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * out / factor + smooth * out
    medium = ~(wavelen < old / high) & ~(wavelen > old / low)
    return np.where(medium, smoothed, out)


def _rope(x, theta, scaling=None):  # x: (n, heads, hd); transformers' rotate_half convention
    n, _, hd = x.shape
    inv = 1.0 / theta ** (np.arange(0, hd, 2, dtype=np.float64) / hd)
    if scaling and scaling.get("rope_type") == "llama3":
        inv = _llama3_inv_freq(inv, scaling)
    if scaling and scaling.get("rope_type") == "linear":
        inv = inv / scaling["factor"]
    ang = np.arange(n)[:, None] * inv[None, :]
    cos, sin = np.cos(np.concatenate([ang, ang], -1))[:, None, :], np.sin(np.concatenate([ang, ang], -1))[:, None, :]
    rot = np.concatenate([-x[..., hd // 2:], x[..., : hd // 2]], -1)
    return x * cos + rot * sin


def forward(weights: dict[str, np.ndarray], cfg: dict, tokens: list[int], f16: bool = True) -> np.ndarray:
    """Logits (n x vocab) as transformers computes them; matrices rounded to f16 as the GGUF stores them."""
    def W(name):
        a = weights[name].astype(np.float64)
        return a.astype(np.float16).astype(np.float64) if f16 and a.ndim > 1 else a

    gemma = cfg["model_type"].startswith("gemma")
    e, n_head, n_kv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim") or e // n_head
    eps = cfg["rms_norm_eps"]
    theta = cfg.get("rope_local_base_freq", cfg["rope_theta"]) if gemma else cfg["rope_theta"]
    scale = cfg.get("query_pre_attn_scalar", hd) ** -0.5

    def norm(x, name):
        w = weights[name].astype(np.float64)
        return _rms(x, 1.0 + w if gemma else w, eps)

    n = len(tokens)
    h = W("model.embed_tokens.weight")[tokens]
    if gemma:
        h = h * np.sqrt(e)
    mask = np.triu(np.full((n, n), -np.inf), 1)
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        x = norm(h, p + "input_layernorm.weight")
        q, k, v = (x @ W(p + f"self_attn.{m}_proj.weight").T for m in "qkv")
        if cfg["model_type"] == "qwen2":
            q, k, v = (t + weights[p + f"self_attn.{m}_proj.bias"] for t, m in zip((q, k, v), "qkv", strict=True))
        q, k, v = q.reshape(n, n_head, hd), k.reshape(n, n_kv, hd), v.reshape(n, n_kv, hd)
        if cfg["model_type"] in ("qwen3", "gemma3_text"):
            q, k = norm(q, p + "self_attn.q_norm.weight"), norm(k, p + "self_attn.k_norm.weight")
        layer_theta, scaling = theta, cfg.get("rope_scaling")
        if gemma:  # every sixth layer attends globally, with the global base and the scaling; others locally
            is_global = (i + 1) % cfg["sliding_window_pattern"] == 0
            layer_theta, scaling = (cfg["rope_theta"], scaling) if is_global else (theta, None)
        q, k = _rope(q, layer_theta, scaling), _rope(k, layer_theta, scaling)
        rep = n_head // n_kv
        k, v = np.repeat(k, rep, axis=1), np.repeat(v, rep, axis=1)
        att = np.einsum("qhd,khd->hqk", q, k) * scale + mask
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        o = np.einsum("hqk,khd->qhd", att, v).reshape(n, n_head * hd) @ W(p + "self_attn.o_proj.weight").T
        if gemma:
            o = norm(o, p + "post_attention_layernorm.weight")
        h = h + o
        x = norm(h, p + ("pre_feedforward_layernorm.weight" if gemma else "post_attention_layernorm.weight"))
        g, u = x @ W(p + "mlp.gate_proj.weight").T, x @ W(p + "mlp.up_proj.weight").T
        if gemma:
            act = 0.5 * g * (1 + np.tanh(np.sqrt(2 / np.pi) * (g + 0.044715 * g ** 3)))
        else:
            act = g / (1 + np.exp(-g))
        f = (act * u) @ W(p + "mlp.down_proj.weight").T
        if gemma:
            f = norm(f, p + "post_feedforward_layernorm.weight")
        h = h + f
    h = norm(h, "model.norm.weight")
    out = W("lm_head.weight") if "lm_head.weight" in weights else W("model.embed_tokens.weight")
    return (h @ out.T).astype(np.float32)


# a real model back to a Hugging Face folder ----------------------------------------------
def _unpermute(w: np.ndarray, n_head: int) -> np.ndarray:
    """The inverse of llama.cpp's q/k row order (assistant.adapters.permute_rows)."""
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def hf_folder_from_gguf(gguf_path: Path, folder: Path) -> dict:
    """Write a llama-architecture GGUF with a SmolLM2-style BPE vocabulary as the Hugging Face folder it
    was converted from: dequantized weights (f16 safetensors), config.json, tokenizer.json with the
    SmolLM2 pre-tokenizer, tokenizer_config.json with the chat template. Returns the config."""
    from gguf import GGUFReader, dequantize

    r = GGUFReader(str(gguf_path))

    def meta(key):
        return r.fields[key].contents()

    arch = meta("general.architecture")
    assert arch == "llama" and meta("tokenizer.ggml.model") == "gpt2", "only llama + BPE models"
    n_head, n_kv = meta("llama.attention.head_count"), meta("llama.attention.head_count_kv")
    names = {"token_embd": "model.embed_tokens", "output_norm": "model.norm", "output": "lm_head",
             "attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm", "attn_q": "self_attn.q_proj",
             "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
             "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
    tensors = {}
    for t in r.tensors:
        parts = t.name.split(".")
        # f16, as a fine-tune is saved: half the memory of f32 and what the converter writes anyway.
        w = dequantize(t.data, t.tensor_type).astype(np.float16).reshape([int(d) for d in reversed(t.shape)])
        if parts[0] == "blk":
            hf = f"model.layers.{parts[1]}.{names[parts[2]]}.weight"
            if parts[2] in ("attn_q", "attn_k"):
                w = _unpermute(w, n_head if parts[2] == "attn_q" else n_kv)
        else:
            hf = names[parts[0]] + ".weight"
        tensors[hf] = w
    folder.mkdir(parents=True, exist_ok=True)
    write_tensors(folder / "model.safetensors", tensors, "F16")
    tokens, types = meta("tokenizer.ggml.tokens"), meta("tokenizer.ggml.token_type")
    special = [{"id": i, "content": tok, "special": True, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False} for i, (tok, ty) in enumerate(zip(tokens, types, strict=True)) if ty == 3]
    tokenizer = {
        "version": "1.0", "added_tokens": special, "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]},
        "post_processor": None, "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                                            "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "vocab": {tok: i for i, tok in enumerate(tokens)},
                  "merges": meta("tokenizer.ggml.merges")}}
    (folder / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False))
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
           "hidden_size": meta("llama.embedding_length"), "intermediate_size": meta("llama.feed_forward_length"),
           "num_hidden_layers": meta("llama.block_count"), "num_attention_heads": n_head,
           "num_key_value_heads": n_kv, "max_position_embeddings": meta("llama.context_length"),
           "rms_norm_eps": meta("llama.attention.layer_norm_rms_epsilon"), "rope_theta": meta("llama.rope.freq_base"),
           "vocab_size": len(tokens), "tie_word_embeddings": "lm_head.weight" not in tensors,
           "bos_token_id": meta("tokenizer.ggml.bos_token_id"), "eos_token_id": meta("tokenizer.ggml.eos_token_id")}
    (folder / "config.json").write_text(json.dumps(cfg))
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "add_bos_token": bool(meta("tokenizer.ggml.add_bos_token")), "chat_template": meta("tokenizer.chat_template"),
        "bos_token": tokens[cfg["bos_token_id"]], "eos_token": tokens[cfg["eos_token_id"]]}))
    return cfg
