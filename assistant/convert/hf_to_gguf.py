"""Write a Hugging Face model folder as an f16 GGUF that llama.cpp loads, streaming.

Everything is checked before the output file is opened: the family, the hyperparameters,
every tensor's presence and shape, the tokenizer. Then the header is written from those
plans and the tensors follow one at a time (read, converted, written, released), so peak
memory stays near the size of the largest tensor. The file is written under a temporary
name and appears under its real name only when complete; a failure or cancel removes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.adapters import Cancelled, permute_rows
from assistant.atomic import new_file
from assistant.convert.families import (
    HParams,
    expected_shapes,
    family_of,
    hf_tensor_name,
    llama3_rope_factors,
    read_hparams,
)
from assistant.convert.hf_folder import ConversionError, HFFolder, read_json, require_free_space
from assistant.convert.vocab import Vocab, read_vocab

Progress = Callable[[int, int, str], None]


@dataclass
class TensorPlan:
    gguf_name: str
    source: str | None  # the checkpoint's tensor, or None for one computed here (rope_freqs)
    shape: tuple[int, ...]
    dtype: np.dtype
    permute_heads: int = 0  # > 0: llama.cpp's rotary row order, with this many heads
    add: float = 0.0  # Gemma stores RMSNorm weights minus one
    values: list[float] | None = None

    @property
    def count(self) -> int:
        return int(np.prod(self.shape))

    @property
    def nbytes(self) -> int:
        return self.count * self.dtype.itemsize


@dataclass
class ConversionInfo:
    path: str
    architecture: str
    hf_architecture: str
    tensor_count: int
    parameter_count: int
    vocab_size: int
    tokenizer: str  # "sentencepiece" or "bpe (<pre>)"
    base_model: str
    file_size: int


def base_model_of(folder: HFFolder) -> str:
    """The base the fine-tune names: README front matter ``base_model:``, else config's _name_or_path."""
    readme = folder.path / "README.md"
    if readme.is_file():
        try:
            head = readme.read_text("utf-8", errors="replace")[:20000]
        except OSError:
            head = ""
        m = re.match(r"---\s*\n(.*?)\n---", head, re.S)
        if m:
            b = re.search(r"^base_model:\s*(?:\n\s*-\s*)?['\"]?([\w./-]+)", m.group(1), re.M)
            if b:
                return b.group(1)
    name = folder.config.get("_name_or_path")
    if isinstance(name, str) and re.fullmatch(r"[\w.-]+/[\w.-]+", name):
        return name
    return ""


def plan_tensors(folder: HFFolder, hp: HParams) -> list[TensorPlan]:
    import gguf

    fam, arch_name = family_of(folder.architecture), folder.architecture  # the name the user knows
    shapes = expected_shapes(fam, hp, hp.vocab_size)
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH[fam.arch.upper()], hp.n_layer)
    found: dict[str, str] = {}
    for src in folder.tensors:
        hf = hf_tensor_name(src)
        if hf is None:
            continue
        target = names.get_name(hf, try_suffixes=(".weight", ".bias"))
        if target is None or target not in shapes:
            raise ConversionError(f"tensor {src} is not part of a {arch_name} model this app can convert")
        if target in found:
            raise ConversionError(f"tensors {found[target]} and {src} are both {target}")
        found[target] = src
    if "output.weight" not in found and not hp.tied:
        raise ConversionError("config.json says the output layer is not tied to the embeddings, but lm_head.weight "
                              "is missing")
    plans = []
    for target, shape in shapes.items():
        if target not in found:
            if target == "output.weight":
                continue  # tied: llama.cpp reuses token_embd
            what = target.removesuffix(".weight")
            if what.startswith("blk."):
                _, layer, what = what.split(".", 2)
                what = f"{what} for layer {layer}"
            raise ConversionError(f"the weights have no {what} (config.json describes a {hp.n_layer}-layer "
                                  f"{arch_name}; incomplete download?)")
        src = found[target]
        have = folder.tensors[src].shape
        if have != shape:
            raise ConversionError(f"{src} has shape {list(have)} but config.json implies {list(shape)} "
                                  "(a config from another model size?)")
        heads = 0
        if fam.permute_qk and target.endswith("attn_q.weight"):
            heads = hp.n_head
        elif fam.permute_qk and target.endswith("attn_k.weight"):
            heads = hp.n_head_kv
        dtype = np.dtype(np.float16) if len(shape) > 1 else np.dtype(np.float32)
        add = fam.norm_shift if target.endswith("norm.weight") else 0.0
        plans.append(TensorPlan(target, src, shape, dtype, heads, add))
    if hp.rope_scaling and hp.rope_scaling.get("rope_type") == "llama3":
        factors = llama3_rope_factors(hp)
        plans.append(TensorPlan("rope_freqs.weight", None, (len(factors),), np.dtype(np.float32), values=factors))
    return plans


def _tensor_data(folder: HFFolder, plan: TensorPlan) -> np.ndarray:
    if plan.values is not None:
        return np.asarray(plan.values, dtype=plan.dtype)
    if plan.add:
        with np.errstate(over="ignore", invalid="ignore"):
            data = (folder.read(plan.source, np.dtype(np.float32)) + np.float32(plan.add)).astype(plan.dtype)
    else:
        data = folder.read(plan.source, plan.dtype)
    if plan.permute_heads:
        data = np.ascontiguousarray(permute_rows(data, plan.permute_heads))
    if not np.isfinite(data).all():
        raise ConversionError(f"{plan.source} holds values that are not finite (NaN or infinity)"
                              + (" or too large for f16" if plan.dtype == np.float16 else ""))
    return data


def special_vocab(folder: HFFolder, vocab: Vocab):
    """Special tokens, add_bos/add_eos, merges and the chat template, read by gguf's SpecialVocab."""
    import gguf

    try:
        special = gguf.SpecialVocab(folder.path, load_merges=vocab.model == "gpt2", n_vocab=len(vocab.tokens))
    except (AttributeError, TypeError, ValueError, KeyError, IndexError, RecursionError, OSError) as exc:
        # SpecialVocab trusts the JSON it reads; a damaged or odd file surfaces as any of these.
        raise ConversionError(f"the tokenizer files could not be read ({exc.__class__.__name__}: "
                              f"{str(exc)[:120]})".replace("\n", " ")) from exc
    if vocab.model == "gpt2" and not special.merges:
        raise ConversionError("tokenizer.json has no merges; a BPE vocabulary without them cannot tokenize")
    if not all(isinstance(m, str) for m in special.merges) or not (
            special.chat_template is None or isinstance(special.chat_template, str)):
        raise ConversionError("tokenizer.json's merges or the chat template are malformed")
    for kind, tid in vocab.defaults.items():
        special.special_token_ids.setdefault(kind, tid)
    return special


def _write_metadata(writer, folder: HFFolder, hp: HParams, vocab: Vocab, base: str, special) -> None:
    import gguf

    fam = family_of(folder.architecture)
    writer.add_type(gguf.GGUFType.MODEL)
    writer.add_name(folder.path.name)
    if base:
        writer.add_base_model_count(1)
        writer.add_base_model_name(0, base)
        writer.add_base_model_repo_url(0, f"https://huggingface.co/{base}")
    writer.add_context_length(hp.n_ctx)
    writer.add_embedding_length(hp.n_embd)
    writer.add_block_count(hp.n_layer)
    writer.add_feed_forward_length(hp.n_ff)
    writer.add_head_count(hp.n_head)
    writer.add_head_count_kv(hp.n_head_kv)
    writer.add_layer_norm_rms_eps(hp.eps)
    writer.add_rope_freq_base(hp.rope_theta)
    writer.add_vocab_size(hp.vocab_size)
    if fam.arch == "gemma3" or hp.head_dim != hp.n_embd // hp.n_head:
        writer.add_key_length(hp.head_dim)
        writer.add_value_length(hp.head_dim)
    if fam.arch != "gemma3":
        writer.add_rope_dimension_count(hp.head_dim)
    if hp.sliding_window:
        writer.add_sliding_window(hp.sliding_window)
    if hp.rope_scaling and hp.rope_scaling["rope_type"] == "linear":
        writer.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        writer.add_rope_scaling_factor(hp.rope_scaling["factor"])
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)

    writer.add_tokenizer_model(vocab.model)
    writer.add_tokenizer_pre(vocab.pre)
    writer.add_token_list(vocab.tokens)
    if vocab.scores is not None:
        writer.add_token_scores(vocab.scores)
    writer.add_token_types(vocab.types)
    if vocab.add_space_prefix is not None:
        writer.add_add_space_prefix(vocab.add_space_prefix)
    special.add_to_gguf(writer, quiet=True)


def _write_gguf(path: Path, folder: HFFolder, hp: HParams, vocab: Vocab, base: str, special,
                plans: list[TensorPlan], progress: Progress | None, should_stop: Callable[[], bool] | None) -> None:
    """Header and metadata from the plans, then the tensors one at a time."""
    import gguf

    writer = gguf.GGUFWriter(str(path), family_of(folder.architecture).arch)
    try:
        _write_metadata(writer, folder, hp, vocab, base, special)
        for p in plans:
            writer.add_tensor_info(p.gguf_name, p.shape, p.dtype, p.nbytes)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_ti_data_to_file()
        for i, p in enumerate(plans):
            if should_stop is not None and should_stop():
                raise Cancelled()
            if progress is not None:
                progress(i, len(plans), f"tensor {i + 1} of {len(plans)}")
            writer.write_tensor_data(_tensor_data(folder, p))
    finally:
        writer.close()


def needed_space(plans: list[TensorPlan]) -> int:
    return sum(p.nbytes for p in plans) + 64 * 1024 * 1024


def convert_hf_folder(path: str | Path, out: str | Path, progress: Progress | None = None,
                      should_stop: Callable[[], bool] | None = None) -> ConversionInfo:
    """Convert the folder into ``out`` (f16 GGUF); never overwrites, never leaves a partial file."""
    folder, out = HFFolder(path), Path(out)
    if out.exists():
        raise ConversionError(f"{out.name} already exists; choose another name")
    fam = family_of(folder.architecture)
    hp = read_hparams(folder.hparams, fam)
    vocab = read_vocab(folder.path)
    vocab.pad_to(hp.vocab_size)
    read_json(folder.path, "tokenizer_config.json")  # a damaged one is refused here, not half-read later
    special = special_vocab(folder, vocab)
    plans = plan_tensors(folder, hp)
    out.parent.mkdir(parents=True, exist_ok=True)
    require_free_space(out.parent, needed_space(plans), "converting")
    base = base_model_of(folder)
    try:
        with new_file(out) as tmp:
            _write_gguf(tmp, folder, hp, vocab, base, special, plans, progress, should_stop)
            if should_stop is not None and should_stop():
                raise Cancelled()
    except FileExistsError as exc:
        raise ConversionError(f"{out.name} already exists; choose another name") from exc
    except OSError as exc:
        raise ConversionError(f"could not write {out.name}: {exc.strerror or exc}") from exc
    if progress is not None:
        progress(len(plans), len(plans), "converted")
    params = sum(p.count for p in plans)
    tokenizer = "sentencepiece" if vocab.model == "llama" else f"bpe ({vocab.pre})"
    return ConversionInfo(str(out), fam.arch, folder.architecture, len(plans), params, len(vocab.tokens),
                          tokenizer, base, out.stat().st_size)

