"""The command line, run as a user would run it, in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def cli(*args: str, stdin: str | bytes | None = None, home=None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if home is not None:
        env["WRITING_ASSISTANT_HOME"] = str(home)
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run([sys.executable, "-m", "assistant", *args], input=data, capture_output=True,
                          env=env, timeout=300, check=False)


@pytest.fixture(scope="module", autouse=True)
def _library_ready(library):
    """The session library is registered once; the child processes reuse its file."""


def test_models_list_json():
    out = cli("models", "list", "--json")
    assert out.returncode == 0, out.stderr
    models = json.loads(out.stdout)
    ids = {m["id"]: m for m in models}
    assert ids["smollm2-135m-instruct"]["default"] is True
    assert ids["gemma-3-270m"]["info"]["architecture"] == "gemma3"


def test_models_info_text():
    out = cli("models", "info", "gemma-3-270m")
    assert out.returncode == 0
    assert b"Q4_K_M" in out.stdout and b"has_chat_template  False" in out.stdout


def test_complete_json_from_argument():
    out = cli("complete", "The three primary colours are", "--json", "--max-tokens", "12")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["completion"].strip() and data["tokens"] > 0 and data["tokens_per_second"] > 0
    assert data["model"].startswith("SmolLM2")


def test_complete_from_stdin_with_base_model():
    out = cli("complete", "--model", "gemma-3-270m", "--max-tokens", "8", stdin="My favourite season is")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()


def test_complete_from_non_utf8_file(tmp_path):
    p = tmp_path / "latin.txt"
    p.write_bytes("Le café est".encode("cp1252"))
    out = cli("complete", "--file", str(p))
    assert out.returncode == 2
    assert out.stderr.decode().count("\n") == 1 and "--encoding" in out.stderr.decode()
    ok = cli("complete", "--file", str(p), "--encoding", "cp1252", "--max-tokens", "4")
    assert ok.returncode == 0, ok.stderr


@pytest.mark.parametrize("args,message", [
    (("complete", ""), "empty"),
    (("complete", "hi", "--model", "nope"), "no model named"),
    (("models", "add", "/etc/hostname"), "not a usable GGUF"),
    (("models", "remove", "nope"), "no model named"),
])
def test_bad_input_gives_one_line_and_nonzero(args, message):
    out = cli(*args)
    assert out.returncode == 2
    err = out.stderr.decode()
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_unreachable_server_is_a_clear_error():
    out = cli("complete", "Hello", "--server", "http://127.0.0.1:9")
    assert out.returncode == 2
    assert "cannot reach the server" in out.stderr.decode()


def test_correct_json_and_apply():
    text = "The results was good and we was happy."
    out = cli("correct", text, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["edits"] and all(text[e["start"] : e["end"]] == e["original"] for e in data["edits"])
    assert all(e["category"] and e["reason"] for e in data["edits"])
    applied = cli("correct", "--apply", stdin=text)
    assert applied.returncode == 0 and applied.stdout.decode().strip() == data["corrected"]
    assert data["corrected"] != text


def test_correct_offers_style_only_with_style():
    text = "Thus we has left."
    plain = json.loads(cli("correct", text, "--json", "--layers", "rules").stdout)
    styled = json.loads(cli("correct", text, "--json", "--layers", "rules", "--style").stdout)
    assert [(e["original"], e["rule"]) for e in plain["edits"]] == [("has", "PronounVerbAgreement")]
    assert [(e["original"], e["rule"]) for e in styled["edits"]] == [
        ("Thus", "DiscourseMarkers"), ("has", "PronounVerbAgreement")]
    assert all(e["layer"] == "rules" for e in styled["edits"])


def test_summarize_json_with_chunks(tmp_path):
    p = tmp_path / "long.md"
    para = ("The village of Larkmoor sits in a narrow valley. For three hundred years its people lived from wool. "
            "When the mill closed, families moved away; then a bicycle workshop brought tourists back.")
    p.write_text("\n\n".join(f"{i}. {para}" for i in range(14)))
    out = cli("summarize", "--file", str(p), "--ctx", "512", "--length", "bullets", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["chunks"] >= 2 and data["length"] == "bullets" and data["summary"].strip()
    # The map step really ran chunk by chunk: its progress reached stderr, the JSON stayed clean.
    assert f"progress: chunk {data['chunks']} of {data['chunks']}" in out.stderr.decode()


def test_translate_json_keeps_structure():
    out = cli("translate", "--to", "de", "--model", "gemma-3-270m", "--json",
              stdin="# Title\n\nThe house is small.\n\n- one item")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    lines = data["translation"].split("\n")
    assert lines[0].startswith("# ") and lines[4].startswith("- ") and lines[1] == lines[3] == ""
    assert data["source"] == "en" and data["target"] == "de" and len(data["paragraphs"]) == 3


@pytest.mark.parametrize("args,message", [
    (["translate", "--to", "xx", "hello"], b"unknown language 'xx'"),
    (["translate", "--to", "fr", "   "], b"nothing to translate"),
    (["summarize", "--length", "haiku", "text"], b"unknown length"),
    (["correct", ""], b"nothing to check"),
    (["summarize", "ཀུན་ལ་བདེ་བ་ཡོང་བར་ཤོག"], b"Tibetan script"),
])
def test_writing_commands_refuse_bad_input(args, message):
    out = cli(*args)
    assert out.returncode == 2 and message in out.stderr, out.stderr


def test_correct_reports_the_forms_layer_and_can_leave_it_out():
    """The forms the model judges are labelled as such in --json, are only ever forms the data offers,
    and --layers without 'forms' has none."""
    from assistant.checking.confusions import candidates

    text = "There are several reason to visit the museum every days. She like it."
    with_forms = json.loads(cli("correct", text, "--json", "--layers", "rules,judge,forms").stdout)
    offered = {(c.original, c.replacement) for c in candidates(text)}
    for e in with_forms["edits"]:
        assert e["layer"] in ("rules", "spelling", "forms")
        assert text[e["start"] : e["end"]] == e["original"]
        if e["layer"] == "forms":
            assert (e["original"], e["replacement"]) in offered
    without = json.loads(cli("correct", text, "--json", "--layers", "rules,judge").stdout)
    assert all(e["layer"] != "forms" for e in without["edits"])
