"""The OpenAI-compatible backend against llama-cpp-python's own server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.backends.base import BackendError
from assistant.backends.factory import remote_factory
from assistant.backends.remote import RemoteBackend
from assistant.engine import Engine, Job, JobState
from assistant.prompting import Strategy, build_prompt


@pytest.fixture(scope="module")
def remote(llama_server):
    return RemoteBackend(llama_server)


def test_connects_and_names_the_model(remote):
    assert remote.model == "smollm2"
    assert remote.info.backend == "Remote" and remote.info.strategy is Strategy.INSTRUCT


def test_chat_streams(remote):
    pieces: list[str] = []
    result = remote.generate(build_prompt("chat", Strategy.INSTRUCT, text="Name three colours."), pieces.append)
    assert len(pieces) > 1 and "".join(pieces) == result.text
    assert any(c in result.text.lower() for c in ("red", "blue", "green", "yellow"))


def test_completion_matches_local_greedy(remote, smol_backend):
    prompt = build_prompt("complete", Strategy.BASE, {"max_tokens": 10}, before="The capital of France is")
    smol_backend.runtime.reset_cache()
    local = smol_backend.generate(prompt).text
    assert remote.generate(prompt).text.strip() == local.strip()


def test_cancel_midway(remote):
    seen: list[str] = []
    prompt = build_prompt("chat", Strategy.INSTRUCT, {"max_tokens": 200}, text="Write a long story about a ship.")
    result = remote.generate(prompt, seen.append, should_stop=lambda: len(seen) >= 3)
    assert result.finish_reason == "cancelled" and len(seen) == 3


def test_token_count_uses_server_tokenizer(remote, smol_backend):
    text = "Counting tokens through the server."
    assert remote.count_tokens(text) == smol_backend.count_tokens(text)


def test_engine_runs_tasks_through_the_server(llama_server):
    eng = Engine()
    try:
        load = eng.load(remote_factory(llama_server))
        assert load.wait(30) and load.state == JobState.DONE
        h = eng.submit(Job("chat", lambda ctx: ctx.generate(
            build_prompt("chat", ctx.backend.info.strategy, text="Say hello.")).text))
        assert h.wait(60) and h.state == JobState.DONE and h.result.strip()
    finally:
        eng.shutdown()


def test_cli_complete_through_server(llama_server):
    out = subprocess.run([sys.executable, "-m", "assistant", "complete", "Once upon a time", "--server",
                          llama_server, "--json", "--max-tokens", "8"], capture_output=True, env=dict(os.environ),
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["completion"].strip()


def test_unreachable_server():
    with pytest.raises(BackendError, match="cannot reach"):
        RemoteBackend("http://127.0.0.1:9", timeout=2)


def test_server_error_status_is_reported(llama_server):
    backend = RemoteBackend(llama_server)
    backend.model = "smollm2"
    prompt = build_prompt("chat", Strategy.INSTRUCT, text="hi")
    prompt.messages = [{"role": "nobody", "content": 5}]
    with pytest.raises(BackendError, match=r"answered [45]\d\d for /chat/completions"):
        backend.generate(prompt)


def test_no_network_in_default_path(monkeypatch, library):
    """Building the default local backend opens no socket."""
    import socket

    calls: list[tuple] = []
    real = socket.socket.connect

    def spy(self, addr):
        calls.append(addr)
        return real(self, addr)

    monkeypatch.setattr(socket.socket, "connect", spy)
    from assistant.backends.factory import local_factory

    backend = local_factory(library.get(), n_ctx=512)(lambda _p: True)
    backend.close()
    assert calls == []


@pytest.mark.parametrize("args,key", [
    (["correct", "The results was good and we was happy."], "edits"),
    (["summarize", "--length", "sentence", "The council voted to turn the old rail yard into a park. "
      "It will have trees, a playground and bike paths, and should open in two years."], "summary"),
    (["translate", "--to", "fr", "The library opens at nine.\n\n- Bring `notes`."], "refused"),
])
def test_writing_tasks_through_the_server(llama_server, args, key):
    out = subprocess.run([sys.executable, "-m", "assistant", *args, "--server", llama_server, "--json"],
                         capture_output=True, env=dict(os.environ), timeout=180, check=False)
    if key == "refused":  # the server names its model (SmolLM2): English only, so no French from it
        assert out.returncode != 0 and b"writes only English, not French" in out.stderr, out.stderr
        return
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert key in data
    if key == "translation":
        assert data["translation"].split("\n")[2].startswith("- ") and "`notes`" in data["translation"]
    elif key == "summary":
        assert data["summary"].strip()
