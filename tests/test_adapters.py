"""LoRA import on the real SmolLM2 runtime: PEFT adapters built here with numpy, converted without torch.

Correctness is checked through llama.cpp itself: a zero B leaves the logits exactly as they
were; a real adapter changes them; and a rank-8 adapter gives the same logits as a full-rank
adapter that carries the merged delta (alpha/r)·B·A computed in numpy, which is what merging
into W would add.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from assistant.adapters import (
    AdapterError,
    Cancelled,
    check_against_base,
    convert_peft,
    inspect_gguf_adapter,
    permute_rows,
)
from assistant.backends.local import LocalBackend
from assistant.fine_tune_import import import_fine_tune
from assistant.gguf_validate import validate_gguf
from assistant.model_library import LibraryError, ModelLibrary
from assistant.safetensors_io import write_tensors

PROMPT = "The quick brown fox jumps over the lazy dog, and then it runs home to sleep."
SHAPES = {"self_attn.q_proj": (576, 576), "self_attn.k_proj": (576, 192), "self_attn.v_proj": (576, 192),
          "self_attn.o_proj": (576, 576), "mlp.gate_proj": (576, 1536), "mlp.up_proj": (576, 1536),
          "mlp.down_proj": (1536, 576)}


def peft_folder(path, tensors, dtype="F32", **config):
    path.mkdir(parents=True, exist_ok=True)
    write_tensors(path / "adapter_model.safetensors", tensors, dtype)
    cfg = {"peft_type": "LORA", "r": 8, "lora_alpha": 16, "bias": "none", "target_modules": ["q_proj"],
           "base_model_name_or_path": "HuggingFaceTB/SmolLM2-135M-Instruct", **config}
    (path / "adapter_config.json").write_text(json.dumps(cfg))
    return path


def lora(modules, layers=(0, 1), r=8, seed=0, zero_b=False, scale=0.05):
    rng = np.random.default_rng(seed)
    t = {}
    for layer in layers:
        for mod in modules:
            n_in, n_out = SHAPES[mod]
            key = f"base_model.model.model.layers.{layer}.{mod}"
            t[f"{key}.lora_A.weight"] = rng.normal(0, scale, (r, n_in)).astype(np.float32)
            t[f"{key}.lora_B.weight"] = (np.zeros((n_out, r)) if zero_b else rng.normal(0, scale, (n_out, r)))
    return t


@pytest.fixture(scope="module")
def base(smollm2):
    return smollm2


@pytest.fixture(scope="module")
def runtime(smollm2):
    backend = LocalBackend(smollm2, name="SmolLM2", n_ctx=512)
    yield backend
    backend.close()


def logprobs(backend, adapters=()):
    backend.set_adapters(list(adapters))
    tokens = backend.runtime.tokenize(PROMPT, add_special=True)
    out = np.array(backend.runtime.token_logprobs(tokens))
    backend.set_adapters([])
    return out


def convert(tmp_path, base, tensors, name="a", dtype="F32", **config):
    folder = peft_folder(tmp_path / name, tensors, dtype, **config)
    return convert_peft(folder, base, tmp_path / f"{name}.gguf")


def test_zero_b_leaves_logits_unchanged(tmp_path, base, runtime):
    info = convert(tmp_path, base, lora(SHAPES, zero_b=True))
    assert info.rank == 8 and info.alpha == 16 and info.architecture == "llama"
    assert set(info.target_modules) == {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up",
                                        "ffn_down"}
    assert np.array_equal(logprobs(runtime, [(info.path, 1.0)]), logprobs(runtime))


@pytest.mark.parametrize("dtype", ["F32", "F16", "BF16"])
def test_adapter_changes_logits_and_switches_back(tmp_path, base, runtime, dtype):
    info = convert(tmp_path, base, lora(SHAPES), dtype=dtype)
    plain = logprobs(runtime)
    adapted = logprobs(runtime, [(info.path, 1.0)])
    assert np.max(np.abs(adapted - plain)) > 0.05
    assert np.array_equal(logprobs(runtime), plain)  # detached: the base model again, no reload


@pytest.mark.parametrize("module", ["self_attn.v_proj", "self_attn.q_proj", "mlp.down_proj"])
def test_low_rank_adapter_equals_its_merged_delta(tmp_path, base, runtime, module):
    r, alpha = 8, 32.0
    low = lora([module], layers=(3,), r=r, seed=1, scale=0.02)
    key = f"base_model.model.model.layers.3.{module}"
    a, b = low[f"{key}.lora_A.weight"], low[f"{key}.lora_B.weight"]
    delta = (alpha / r) * (b @ a)  # what merging adds to W (out x in)
    n_in = a.shape[1]
    full = {f"{key}.lora_A.weight": np.eye(n_in, dtype=np.float32), f"{key}.lora_B.weight": delta}
    x = convert(tmp_path, base, low, "low", r=r, lora_alpha=alpha)
    y = convert(tmp_path, base, full, "full", r=n_in, lora_alpha=float(n_in))  # scale 1
    lx, ly = logprobs(runtime, [(x.path, 1.0)]), logprobs(runtime, [(y.path, 1.0)])
    # The adapter moves the logits (by 0.21-0.40 measured here) far more than the two forms may differ.
    assert np.max(np.abs(lx - logprobs(runtime))) > 5 * 0.02
    assert np.max(np.abs(lx - ly)) < 0.02


def test_rslora_and_alpha_pattern_are_folded_into_b(tmp_path, base, runtime):
    t = lora(["self_attn.v_proj", "mlp.up_proj"], seed=2, scale=0.1)
    # rsLoRA scales by alpha/sqrt(r): with r=16... here r=8, alpha=8 -> 8/sqrt(8); plain needs alpha=8*sqrt(8).
    rs = convert(tmp_path, base, t, "rs", lora_alpha=8, use_rslora=True)
    plain = convert(tmp_path, base, t, "plain", lora_alpha=8 * 8 ** 0.5)
    assert np.max(np.abs(logprobs(runtime, [(rs.path, 1.0)]) - logprobs(runtime, [(plain.path, 1.0)]))) < 1e-3
    # alpha_pattern: v_proj gets alpha 4, the rest 16 — the same as halving v_proj's B... twice.
    pat = convert(tmp_path, base, t, "pat", lora_alpha=16, alpha_pattern={"v_proj": 4})
    t2 = {k: (v / 4 if "v_proj.lora_B" in k else v) for k, v in t.items()}
    ref = convert(tmp_path, base, t2, "ref", lora_alpha=16)
    assert np.max(np.abs(logprobs(runtime, [(pat.path, 1.0)]) - logprobs(runtime, [(ref.path, 1.0)]))) < 1e-3


def test_llama_q_permutation_matches_llama_cpp_converter():
    # convert_hf_to_gguf.py's LlamaModel.permute for one head of 8 rows: rotary halves interleaved.
    rows = np.arange(8, dtype=np.float32).reshape(8, 1)
    assert permute_rows(rows, 1).ravel().tolist() == [0, 4, 1, 5, 2, 6, 3, 7]
    two_heads = np.arange(8, dtype=np.float32).reshape(8, 1)
    assert permute_rows(two_heads, 2).ravel().tolist() == [0, 2, 1, 3, 4, 6, 5, 7]


def test_gguf_adapter_is_checked_against_its_base(tmp_path, base, gemma):
    info = convert(tmp_path, base, lora(["self_attn.v_proj"]))
    assert check_against_base(info.path, base).rank == 8
    with pytest.raises(AdapterError, match="llama architecture; .* is gemma3"):
        check_against_base(info.path, gemma)
    assert inspect_gguf_adapter(info.path).source.startswith("PEFT")
    with pytest.raises(AdapterError, match="not a LoRA adapter"):
        inspect_gguf_adapter(base)


def bad(tmp_path, tensors=None, **config):
    return peft_folder(tmp_path / "bad", tensors if tensors is not None else lora(["self_attn.v_proj"]), **config)


@pytest.mark.parametrize("make,message", [
    (lambda p: bad(p, use_dora=True), "DoRA"),
    (lambda p: bad(p, modules_to_save=["lm_head"]), "saves whole modules"),
    (lambda p: bad(p, bias="all"), "trains biases"),
    (lambda p: bad(p, peft_type="IA3"), "IA3 adapters cannot be converted"),
    (lambda p: bad(p, {"base_model.model.model.embed_tokens.lora_embedding_A": np.zeros((8, 49152))}),
     "embeddings"),
    (lambda p: bad(p, {"base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight": np.zeros((8, 576))}),
     "not its pair"),
    (lambda p: bad(p, {"base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight": np.zeros((8, 2048)),
                       "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight": np.zeros((256, 8))}),
     "maps 2048 -> 256 features"),
    (lambda p: bad(p, lora(["self_attn.v_proj"], layers=(40,))), "no counterpart blk.40"),
])
def test_bad_peft_adapters_are_refused_and_nothing_is_written(tmp_path, base, make, message):
    folder = make(tmp_path)
    with pytest.raises(AdapterError, match=message):
        convert_peft(folder, base, tmp_path / "out.gguf")
    assert not (tmp_path / "out.gguf").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_truncated_safetensors_is_refused(tmp_path, base):
    folder = bad(tmp_path)
    st = folder / "adapter_model.safetensors"
    st.write_bytes(st.read_bytes()[:-100])
    with pytest.raises(AdapterError, match="truncated"):
        convert_peft(folder, base, tmp_path / "out.gguf")


def test_never_overwrites_and_cancel_leaves_nothing(tmp_path, base):
    folder = bad(tmp_path)
    existing = tmp_path / "exists.gguf"
    existing.write_bytes(b"mine")
    with pytest.raises(AdapterError, match="already exists"):
        convert_peft(folder, base, existing)
    assert existing.read_bytes() == b"mine"
    with pytest.raises(Cancelled):
        convert_peft(folder, base, tmp_path / "c.gguf", should_stop=lambda: True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "exists.gguf"]


def test_import_registers_under_the_base_and_failures_leave_the_library_alone(tmp_path, library, base):
    lib = ModelLibrary()
    before = json.dumps([e.to_dict() for e in lib.list()], sort_keys=True)
    with pytest.raises(LibraryError, match="DoRA"):
        import_fine_tune(bad(tmp_path, use_dora=True), lib, "smollm2-135m-instruct")
    with pytest.raises(LibraryError, match="architecture"):
        good = convert(tmp_path, base, lora(["self_attn.v_proj"]), "g")
        import_fine_tune(good.path, lib, "gemma-3-270m")
    assert json.dumps([e.to_dict() for e in ModelLibrary().list()], sort_keys=True) == before
    folder = peft_folder(tmp_path / "style", lora(["self_attn.q_proj", "mlp.down_proj"]))
    progress = []
    result = import_fine_tune(folder, lib, "smollm2-135m-instruct", progress=lambda *a: progress.append(a))
    assert result.kind == "peft" and progress[-1][2] == "done"
    stored = ModelLibrary().adapters("smollm2-135m-instruct")
    assert [a.name for a in stored] == ["style"] and stored[0].rank == 8
    assert validate_gguf(stored[0].path).file_type == "adapter"
    lib.remove_adapter("smollm2-135m-instruct", stored[0].path)
    assert ModelLibrary().adapters("smollm2-135m-instruct") == []


def test_cli_import_and_adapter_option(tmp_path, library, base):
    folder = peft_folder(tmp_path / "cli-style", lora(["self_attn.v_proj"]))
    run = lambda *a: subprocess.run([sys.executable, "-m", "assistant", *a], capture_output=True,  # noqa: E731
                                    timeout=240, check=False)
    out = run("import", str(folder), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["kind"] == "peft" and data["model"] == "smollm2-135m-instruct"
    path = data["adapter"]["path"]
    out = run("complete", "The capital of France is", "--adapter", f"{path}:0.5", "--json", "--max-tokens", "4")
    assert out.returncode == 0, out.stderr
    out = run("complete", "x", "--adapter", str(base))
    assert out.returncode == 2 and b"not a LoRA adapter" in out.stderr
    out = run("import", str(tmp_path / "nope"))
    assert out.returncode == 2 and b"does not exist" in out.stderr
    ModelLibrary().remove_adapter("smollm2-135m-instruct", path)


def shapes_of(base, names):
    s = validate_gguf(base)
    return {hf: s.tensor_shapes[f"blk.0.{gg}.weight"] for hf, gg in names.items()}


def test_gemma_adapter_converts_and_applies(tmp_path, gemma):
    names = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "mlp.down_proj": "ffn_down"}
    rng = np.random.default_rng(5)
    zero, real = {}, {}
    for hf, (n_in, n_out) in shapes_of(gemma, names).items():
        key = f"base_model.model.model.language_model.layers.0.{hf}"  # Gemma 3's multimodal naming
        a = rng.normal(0, 0.05, (8, n_in))
        zero.update({f"{key}.lora_A.weight": a, f"{key}.lora_B.weight": np.zeros((n_out, 8))})
        real.update({f"{key}.lora_A.weight": a, f"{key}.lora_B.weight": rng.normal(0, 0.05, (n_out, 8))})
    z = convert(tmp_path, gemma, zero, "zero", dtype="BF16")
    r = convert(tmp_path, gemma, real, "real")
    assert z.architecture == "gemma3"
    backend = LocalBackend(gemma, name="Gemma", n_ctx=256)
    try:
        plain = logprobs(backend)
        assert np.array_equal(logprobs(backend, [(z.path, 1.0)]), plain)
        assert np.max(np.abs(logprobs(backend, [(r.path, 1.0)]) - plain)) > 0.01
        both = logprobs(backend, [(z.path, 1.0), (r.path, 0.5)])  # several at once, each with a scale
        assert not np.array_equal(both, plain)
    finally:
        backend.close()


def gguf_adapter(path, arch, tensors):
    import gguf

    w = gguf.GGUFWriter(str(path), arch)
    w.add_type(gguf.GGUFType.ADAPTER)
    w.add_string("adapter.type", "lora")
    w.add_float32("adapter.lora.alpha", 8.0)
    for name, arr in tensors.items():
        w.add_tensor(name, np.asarray(arr, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


@pytest.mark.parametrize("tensors,message", [
    ({"blk.0.attn_v.weight.lora_a": np.zeros((8, 2048)), "blk.0.attn_v.weight.lora_b": np.zeros((192, 8))},
     r"expects blk.0.attn_v.weight of 2048x192; .* has 576x192 \(a different size\)"),
    ({"token_embd.weight.lora_a": np.zeros((8, 576)), "token_embd.weight.lora_b": np.zeros((32000, 8))},
     "a different vocabulary size"),
    ({"blk.99.attn_v.weight.lora_a": np.zeros((8, 576)), "blk.99.attn_v.weight.lora_b": np.zeros((192, 8))},
     "does not have"),
    ({"blk.0.attn_v.weight.lora_a": np.zeros((8, 576))}, "no matching lora_b"),
])
def test_mismatched_gguf_adapters_name_what_differs(tmp_path, base, tensors, message):
    path = gguf_adapter(tmp_path / "x.gguf", "llama", tensors)
    with pytest.raises(AdapterError, match=message):
        check_against_base(path, base)


def test_importing_a_gguf_model_notes_it_as_a_model(library, gemma):
    result = import_fine_tune(gemma, ModelLibrary())
    assert result.kind == "model" and result.model.id == "gemma-3-270m" and result.adapter is None
