"""Trial loads run in a child process of this same program, also when it is the packaged app."""

from __future__ import annotations

import os
import stat
import sys
import textwrap

import numpy as np
import pytest

import assistant.model_library as model_library
from assistant.model_library import LibraryError, ModelLibrary, probe_adapter, probe_load
from assistant.probe import PROBE_FLAG, command

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def frozen_app(tmp_path, monkeypatch):
    """Stands in for the PyInstaller executable: a program whose every argument goes to the app's
    entry point (ui.app.main), as the frozen one's do. Given `-c CODE`, it starts the GUI."""
    exe = tmp_path / "writing-assistant"
    exe.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        export PYTHONPATH={REPO} QT_QPA_PLATFORM=offscreen
        exec {sys.executable} -c 'import sys; from ui.app import main; sys.exit(main())' "$@"
        """))
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    return exe


def test_the_packaged_app_probes_with_its_own_flag(frozen_app, smollm2):
    """Before the fix the probe ran `app -c CODE model.gguf`: a second window, and "Add model…"
    waited 120 s and failed."""
    assert command("model", "x.gguf") == [str(frozen_app), PROBE_FLAG, "model", "x.gguf"]
    probe_load(smollm2, timeout=60)


def test_the_packaged_app_reports_a_model_llama_cpp_refuses(frozen_app, tmp_path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + os.urandom(512))
    with pytest.raises(LibraryError, match="cannot load bad.gguf"):
        probe_load(bad, timeout=60)


def test_adapters_get_the_same_trial_load(tmp_path, smollm2, gemma):
    from tests.test_adapters import gguf_adapter

    # Shapes of Gemma-3-270M's attention (640 wide): llama.cpp refuses it for SmolLM2 in the child.
    wrong = gguf_adapter(tmp_path / "wrong.gguf", "llama",
                         {"blk.0.attn_v.weight.lora_a": np.zeros((8, 640)),
                          "blk.0.attn_v.weight.lora_b": np.zeros((256, 8))})
    with pytest.raises(LibraryError, match="llama.cpp cannot load wrong.gguf"):
        probe_adapter(smollm2, wrong, timeout=60)


def test_adding_an_adapter_runs_the_trial_load(tmp_path, smollm2, monkeypatch):
    from tests.test_adapters import gguf_adapter

    calls = []
    real = model_library.run_probe

    def spy(args, what, timeout):  # a spy: records the call, then runs the real child process
        calls.append(args[0])
        return real(args, what, timeout)

    monkeypatch.setattr(model_library, "run_probe", spy)
    ok = gguf_adapter(tmp_path / "ok.gguf", "llama",
                      {"blk.0.attn_v.weight.lora_a": np.zeros((8, 576)),
                       "blk.0.attn_v.weight.lora_b": np.zeros((192, 8))})
    (tmp_path / "lib").mkdir()
    lib = ModelLibrary(tmp_path / "lib")
    info = lib.add_adapter("smollm2-135m-instruct", ok)
    assert calls == ["adapter"]
    assert [a.path for a in lib.adapters("smollm2-135m-instruct")] == [info.path]
