"""The model library on a real data folder with the real bundled models."""

from __future__ import annotations

import json
import shutil
import struct

import pytest

from assistant.model_info import read_model_info
from assistant.model_library import LibraryError, ModelLibrary


@pytest.fixture
def lib_root(tmp_path, gemma):
    return tmp_path / "lib"


def make_library(root):
    root.mkdir(parents=True, exist_ok=True)
    return ModelLibrary(root)


def test_bundled_models_registered_with_metadata(lib_root):
    lib = make_library(lib_root)
    ids = {e.id for e in lib.list()}
    assert {"smollm2-135m-instruct", "gemma-3-270m"} <= ids
    assert lib.default_id == "smollm2-135m-instruct"
    smol = lib.get().info
    assert (smol.architecture, smol.quantization, smol.size_label) == ("llama", "Q4_1", "135M")
    assert smol.has_chat_template and smol.context_length == 8192
    assert 130_000_000 < smol.parameter_count < 140_000_000
    assert smol.memory_estimate > smol.file_size
    gemma = lib.get("gemma-3-270m").info
    assert gemma.architecture == "gemma3" and not gemma.has_chat_template and gemma.quantization == "Q4_K_M"


def test_add_set_default_remove_persist(lib_root, smollm2, tmp_path):
    copy = tmp_path / "My-Model.gguf"
    shutil.copyfile(smollm2, copy)
    lib = make_library(lib_root)
    entry = lib.add(copy)
    assert entry.id == "my-model" and entry.info.path == str(copy)
    assert lib.add(copy).id == entry.id  # adding twice does not duplicate
    lib.set_default("my-model")
    lib.set_gpu_layers("my-model", 7)
    again = ModelLibrary(lib_root)
    assert again.default_id == "my-model" and again.get("my-model").gpu_layers == 7
    again.remove("my-model")
    assert "my-model" not in {e.id for e in ModelLibrary(lib_root).list()}
    assert ModelLibrary(lib_root).default_id == "smollm2-135m-instruct"


def test_corrupt_file_rejected_and_library_unchanged(lib_root, smollm2, tmp_path):
    lib = make_library(lib_root)
    before = lib.file.read_bytes()
    bad = tmp_path / "half.gguf"
    bad.write_bytes(smollm2.read_bytes()[: smollm2.stat().st_size // 3])
    with pytest.raises(LibraryError, match="not a usable GGUF model.*beyond the end"):
        lib.add(bad)
    junk = tmp_path / "notes.gguf"
    junk.write_text("hello")
    with pytest.raises(LibraryError, match="too small|magic"):
        lib.add(junk)
    assert lib.file.read_bytes() == before


def test_file_llama_cpp_refuses_is_caught_by_the_probe(lib_root, smollm2, tmp_path):
    """A header that validates but names an architecture llama.cpp lacks: refused in a child process."""
    data = bytearray(smollm2.read_bytes())
    key = b"general.architecture"
    i = data.index(key) + len(key)
    assert struct.unpack_from("<I", data, i)[0] == 8  # string value
    assert data[i + 12 : i + 17] == b"llama"
    data[i + 12 : i + 17] = b"llamx"
    odd = tmp_path / "odd-arch.gguf"
    odd.write_bytes(bytes(data))
    assert read_model_info(odd).architecture == "llamx"
    lib = make_library(lib_root)
    with pytest.raises(LibraryError, match="llama.cpp cannot load"):
        lib.add(odd)
    assert all(e.path != odd for e in lib.list())


def test_unknown_model_id(lib_root):
    with pytest.raises(LibraryError, match="no model named"):
        make_library(lib_root).get("nope")


def test_damaged_library_file_is_kept_aside(lib_root):
    lib_root.mkdir(parents=True)
    (lib_root / "library.json").write_text("{not json")
    lib = ModelLibrary(lib_root)
    kept = sorted(lib_root.glob("library.json.damaged*"))
    assert [p.read_text() for p in kept] == ["{not json"]
    assert "damaged" in lib.load_warning and kept[0].name in lib.load_warning
    assert json.loads((lib_root / "library.json").read_text())["default"] == "smollm2-135m-instruct"


def test_a_second_damage_keeps_the_first_backup(lib_root):
    """Before the fix the backup had one fixed name, so the next damage overwrote it."""
    lib_root.mkdir(parents=True)
    (lib_root / "library.json").write_text("{first damage")
    ModelLibrary(lib_root)
    (lib_root / "library.json").write_text("[second damage]")
    ModelLibrary(lib_root)
    assert sorted(p.read_text() for p in lib_root.glob("library.json.damaged*")) == [
        "[second damage]", "{first damage"]


def test_the_window_shows_the_damage_warning(qtbot, lib_root, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from ui.main_window import MainWindow

    lib_root.mkdir(parents=True)
    (lib_root / "library.json").write_text("{not json")
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text: shown.append((title, text)))
    w = MainWindow(library=ModelLibrary(lib_root))
    try:
        qtbot.waitUntil(lambda: bool(shown), timeout=5000)
        assert shown[0][0] == "Model library damaged" and "kept as library.json.damaged" in shown[0][1]
        assert "damaged" in w.statusBar().currentMessage()
    finally:
        w.close()


def test_what_a_model_writes_from_its_metadata_and_the_writers_setting(lib_root, tmp_path):
    """general.languages in the GGUF is read; the writer's own statement wins and is kept across
    restarts; a library file from before this setting existed still loads."""
    import gguf
    import numpy as np

    path = tmp_path / "tiny-french.gguf"
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("Tiny French")
    w.add_languages(["fr", "de"])
    w.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    assert read_model_info(path).languages == ["fr", "de"]
    lib = make_library(lib_root)
    smol = lib.get("smollm2-135m-instruct")
    assert smol.info.languages == ["en"] and smol.declared_languages == ["en"]  # SmolLM2's card says so
    assert lib.get("gemma-3-270m").declared_languages is None  # the family table speaks for it
    lib.set_languages("gemma-3-270m", ["fr", "es"])
    again = make_library(lib_root)
    assert again.get("gemma-3-270m").declared_languages == ["fr", "es"]
    data = json.loads((lib_root / "library.json").read_text())
    for m in data["models"]:
        m.pop("languages", None)
        m["info"].pop("languages", None)
    (lib_root / "library.json").write_text(json.dumps(data))
    old = make_library(lib_root)
    assert old.load_warning is None or "damaged" not in old.load_warning
    assert old.get("gemma-3-270m").languages is None
