"""What llama_runtime binds by hand against llama-cpp-python 0.3.36 must fail loudly, here, if
the binding or the library under it changes: the ggml threadpool struct, the libc strlen used
as abort callback, and the order in which adapters, context and model are freed."""

from __future__ import annotations

import ctypes
import re
from pathlib import Path

import llama_cpp
import pytest

from assistant import llama_runtime
from assistant.llama_runtime import LlamaRuntime, _c_abort_callback, _ggml_lib, _ThreadpoolParams

BOUND_AGAINST = "0.3.36"
HEADER = Path(llama_cpp.__file__).resolve().parent.parent / "include" / "ggml.h"
C_TYPES = {"bool": ctypes.c_bool, "int": ctypes.c_int, "enum ggml_sched_priority": ctypes.c_int,
           "uint32_t": ctypes.c_uint32}


def test_the_binding_is_the_version_the_hand_bindings_were_checked_against():
    assert llama_cpp.__version__ == BOUND_AGAINST, (
        f"llama-cpp-python {llama_cpp.__version__} is installed; assistant/llama_runtime.py binds "
        f"ggml_threadpool_params and the strlen abort callback by hand against {BOUND_AGAINST}. "
        "Check both against the new ggml.h, then update BOUND_AGAINST here.")


def test_threadpool_params_match_ggml_h_field_by_field():
    text = HEADER.read_text()
    body = re.search(r"struct ggml_threadpool_params \{(.*?)\};", text, re.S).group(1)
    fields = []
    for line in body.splitlines():
        line = line.split("//")[0].strip().rstrip(";")
        if not line:
            continue
        m = re.match(r"(.+?)\s+(\w+)(?:\[(\w+)\])?$", line)
        ctype, name, dim = m.group(1).strip(), m.group(2), m.group(3)
        if dim:
            n = int(re.search(rf"#define {dim}\s+(\d+)", text).group(1))
            fields.append((name, C_TYPES[ctype] * n))
        else:
            fields.append((name, C_TYPES[ctype]))
    ours = _ThreadpoolParams._fields_
    assert [n for n, _ in ours] == [n for n, _ in fields]
    for (name, t_ours), (_, t_header) in zip(ours, fields, strict=True):
        assert ctypes.sizeof(t_ours) == ctypes.sizeof(t_header), name
        assert ctypes.alignment(t_ours) == ctypes.alignment(t_header), name


def test_threadpool_defaults_read_back_through_our_struct():
    """If the layout were off, the library's own defaults would come back as garbage."""
    default = _ggml_lib("ggml_threadpool_params_default")
    assert default is not None, "ggml_threadpool_params_default is no longer exported"
    default.restype = _ThreadpoolParams
    default.argtypes = [ctypes.c_int]
    p = default(3)
    assert (p.n_threads, p.prio, p.strict_cpu, p.paused) == (3, 0, False, False)
    assert 0 <= p.poll <= 100 and not any(p.cpumask)


def test_strlen_serves_as_the_abort_callback():
    cb = _c_abort_callback()
    fn = ctypes.CFUNCTYPE(ctypes.c_bool, ctypes.c_void_p)(ctypes.cast(cb, ctypes.c_void_p).value)
    flag = ctypes.create_string_buffer(2)
    assert fn(ctypes.cast(flag, ctypes.c_void_p)) is False
    flag[0] = b"x"
    assert fn(ctypes.cast(flag, ctypes.c_void_p)) is True


def test_adapters_are_freed_after_the_context_and_before_the_model(tmp_path, smollm2, monkeypatch):
    """Adapters belong to the model and the context refers to them. Spies record the frees (each
    then calls the real function)."""
    import numpy as np

    from tests.test_adapters import gguf_adapter

    order: list[str] = []
    for name, label in (("llama_free", "context"), ("llama_adapter_lora_free", "adapter"),
                        ("llama_model_free", "model"), ("llama_set_adapters_lora", "detach")):
        real = getattr(llama_runtime.C, name)

        def spy(*args, _real=real, _label=label):
            if _label != "detach" or args[2] == 0:
                order.append(_label)
            return _real(*args)

        monkeypatch.setattr(llama_runtime.C, name, spy)
    path = gguf_adapter(tmp_path / "a.gguf", "llama", {"blk.0.attn_v.weight.lora_a": np.zeros((8, 576)),
                                                       "blk.0.attn_v.weight.lora_b": np.zeros((192, 8))})
    rt = LlamaRuntime(smollm2, n_ctx=256)
    rt.set_adapters([(str(path), 1.0)])
    order.clear()
    rt.close()
    assert order == ["detach", "context", "adapter", "model"]


@pytest.mark.parametrize("n", [1, 2])
def test_runtime_threads_and_pool(smollm2, n):
    rt = LlamaRuntime(smollm2, n_ctx=256, n_threads=n)
    try:
        assert rt.n_threads == n and rt.threadpool
    finally:
        rt.close()
