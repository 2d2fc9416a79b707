"""Every file a user can bring in, fuzzed: deck CSV/TSV, recovery files, the model library,
settings values, GGUF adapters and PEFT configs. Whatever the input, the reader either takes
it or refuses it with its own one-line error type; it never raises anything else, the data
already there stays intact, and the app still starts afterwards."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.adapters import AdapterError, check_against_base, convert_peft
from assistant.gguf_validate import GGUFValidationError
from assistant.learning.item_checks import check_shape
from assistant.learning.store import StoreError, StudyStore
from assistant.model_library import ModelLibrary, parse_library
from assistant.recovery import RecoveryFileError, parse_recovery
from tests.test_adapters import gguf_adapter, peft_folder

pytestmark = pytest.mark.slow
FIXTURES_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63) | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20)
FIELD_NAMES = ["sentence", "answer", "hint", "word", "translation", "example", "source", "options",
               "explanation", "lemma", "form", "extra"]
fields = st.dictionaries(st.sampled_from(FIELD_NAMES),
                         st.text(max_size=60) | st.lists(st.text(max_size=20), max_size=5) | json_values,
                         max_size=6)
kinds = st.sampled_from(["cloze", "vocab", "translate", "choice", "error_spot", "inflection", "", "x"])


def csv_deck(rows: list[tuple[str, dict | str]]) -> str:
    import csv
    import io

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["type", "question", "answer", "fields", "topic"])
    for kind, f in rows:
        w.writerow([kind, "q", "a", f if isinstance(f, str) else json.dumps(f), "t"])
    return out.getvalue()


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    store = StudyStore(tmp_path_factory.mktemp("fuzz") / "bank.sqlite3")
    profile = store.add_profile("fuzz", "en", "fr", "A2")
    store.import_deck(profile, "chat\tcat\nchien\tdog\n")  # what the learner had before
    yield store, profile
    store.close()


@settings(max_examples=1500, deadline=None, suppress_health_check=FIXTURES_OK)
@given(deck=st.one_of(
    st.lists(st.tuples(kinds, fields | st.text(max_size=30)), max_size=4).map(csv_deck),
    st.lists(st.text(max_size=40), max_size=5).map("\n".join),  # Anki-ish text, tabs or not
    st.text(max_size=300),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1"))))
def test_deck_files(bank, deck):
    store, profile = bank
    before = [(i.id, i.exercise.fields) for i in store.items(profile)][:2]
    count = store.count(profile)
    try:
        store.import_deck(profile, deck)
    except (ValueError, StoreError) as exc:
        assert str(exc) and "\n" not in str(exc).strip()
        assert store.count(profile) == count  # a refused deck adds nothing
    assert [(i.id, i.exercise.fields) for i in store.items(profile)][:2] == before
    for item in store.due(profile, limit=1000):
        check_shape(item.exercise.type, item.exercise.fields, imported=True)
        item.exercise.question(), item.exercise.instruction()  # what the pane shows can be shown
    assert not store.damaged_rows


@settings(max_examples=1500, deadline=None)
@given(payload=st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"pid": json_values, "text": json_values, "original_path": json_values,
                           "saved_at": json_values, "encoding": json_values, "newline": json_values},
                          ).map(lambda d: json.dumps(d).encode())))
def test_recovery_files(payload):
    from pathlib import Path

    try:
        doc = parse_recovery(Path("1-x.json"), payload)
    except RecoveryFileError as exc:
        assert str(exc)
        return
    assert isinstance(doc.text, str) and doc.newline in ("\n", "\r\n", "\r")
    doc.text.encode(doc.encoding, errors="replace")


library_files = st.one_of(
    st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"default": json_values, "models": json_values}).map(lambda d: json.dumps(d).encode()),
    st.fixed_dictionaries({"default": st.text(max_size=5), "models": st.lists(st.fixed_dictionaries(
        {"id": json_values, "info": json_values | st.fixed_dictionaries({"path": json_values, "name": json_values}),
         "bundled": json_values, "gpu_layers": json_values, "adapters": json_values}), max_size=3)})
    .map(lambda d: json.dumps(d).encode()))


@settings(max_examples=2000, deadline=None)
@given(content=library_files)
def test_library_file_parsing(content):
    try:
        entries, default = parse_library(content)
    except ValueError as exc:
        assert str(exc)
        return
    assert default is None or isinstance(default, str)
    for key, entry in entries.items():
        assert key == entry.id and isinstance(entry.info.path, str) and isinstance(entry.adapters, list)


@settings(max_examples=25, deadline=None, suppress_health_check=FIXTURES_OK)
@given(content=library_files)
def test_library_files_at_start_up(tmp_path_factory, content):
    """The whole start-up path (each case re-reads the bundled models' headers, so fewer cases)."""
    root = tmp_path_factory.mktemp("lib")
    (root / "library.json").write_bytes(content)
    lib = ModelLibrary(root)
    assert lib.get().id in {e.id for e in lib.list()}  # the bundled default is always there
    if lib.load_warning:
        kept = list(root.glob("library.json.damaged*"))
        assert len(kept) == 1 and kept[0].read_bytes() == content and "\n" not in lib.load_warning


@settings(max_examples=600, deadline=None, suppress_health_check=FIXTURES_OK)
@given(values=st.dictionaries(st.sampled_from(sorted(__import__("ui.settings", fromlist=["OPTIONS"]).OPTIONS)),
                              st.text(max_size=30) | st.sampled_from(["@ByteArray(x)", "@Variant(\\0)", "true",
                                                                      "-1", "1e999", "@Invalid()"]), max_size=6))
def test_settings_values(tmp_path_factory, monkeypatch_module, values):
    from ui.settings import OPTIONS, Settings

    home = tmp_path_factory.mktemp("settings")
    monkeypatch_module.setenv("WRITING_ASSISTANT_HOME", str(home))
    lines = ["[General]"] + [f"{k}={v.replace(chr(10), ' ')}" for k, v in values.items()]
    (home / "settings.ini").write_text("\n".join(lines), encoding="utf-8", errors="replace")
    s = Settings()
    for key, opt in OPTIONS.items():
        value = s.get(key)
        assert isinstance(value, opt.type), key
        opt.check(value)  # in range, one of the choices


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def adapter_bytes(tmp_path_factory):
    path = gguf_adapter(tmp_path_factory.mktemp("ad") / "a.gguf", "llama",
                        {"blk.0.attn_v.weight.lora_a": np.zeros((8, 576)),
                         "blk.0.attn_v.weight.lora_b": np.zeros((192, 8))})
    return path.read_bytes()


@settings(max_examples=1000, deadline=None, suppress_health_check=FIXTURES_OK)
@given(flips=st.lists(st.tuples(st.integers(0, 4095), st.integers(1, 255)), min_size=1, max_size=8),
       cut=st.one_of(st.none(), st.integers(0, 5000)))
def test_adapter_gguf(tmp_path_factory, smollm2, adapter_bytes, flips, cut):
    data = bytearray(adapter_bytes)
    for pos, x in flips:
        data[pos % len(data)] ^= x
    if cut is not None:
        data = data[:cut]
    path = tmp_path_factory.mktemp("adg") / "m.gguf"
    path.write_bytes(bytes(data))
    try:
        check_against_base(path, smollm2)
    except (AdapterError, GGUFValidationError) as exc:
        assert str(exc)


peft_config = st.fixed_dictionaries(
    {}, optional={"peft_type": json_values | st.sampled_from(["LORA", "lora", "IA3"]),
                  "r": json_values | st.integers(-4, 64), "lora_alpha": json_values | st.floats(-10, 100),
                  "target_modules": json_values | st.just(["q_proj"]), "use_rslora": json_values,
                  "use_dora": json_values, "alpha_pattern": json_values, "rank_pattern": json_values,
                  "modules_to_save": json_values, "bias": json_values, "fan_in_fan_out": json_values,
                  "base_model_name_or_path": json_values})


@settings(max_examples=600, deadline=None, suppress_health_check=FIXTURES_OK)
@given(config=peft_config)
def test_peft_configs(tmp_path_factory, smollm2, config):
    rng = np.random.default_rng(0)
    key = "base_model.model.model.layers.0.self_attn.q_proj"
    tensors = {f"{key}.lora_A.weight": rng.normal(0, 0.01, (8, 576)).astype(np.float32),
               f"{key}.lora_B.weight": np.zeros((576, 8), np.float32)}
    root = tmp_path_factory.mktemp("peft")
    folder = peft_folder(root / "p", tensors)
    (folder / "adapter_config.json").write_text(json.dumps(config))
    out = root / "out.gguf"
    try:
        convert_peft(folder, smollm2, out)
    except AdapterError as exc:
        assert str(exc)
        assert not out.exists() and not [p for p in root.iterdir() if p.name.endswith(".tmp")]


def test_the_app_starts_with_every_kind_of_damage_at_once(qtbot, tmp_path, monkeypatch):
    """One of each import path left damaged in one data folder: the window comes up, says what it
    set aside, and keeps the learner's bank and the writer's recoverable text."""
    from PySide6.QtWidgets import QMessageBox

    from ui.main_window import MainWindow

    monkeypatch.setenv("WRITING_ASSISTANT_HOME", str(tmp_path))
    (tmp_path / "library.json").write_bytes(b"\x00{\xff")
    (tmp_path / "settings.ini").write_bytes(b"[General]\nfont_size=@Variant(\x00\x01)\nrecent_files=\xff\xfe\n"
                                            b"autosave_seconds=-5\ninline_delay_ms=1e999\n")
    rec = tmp_path / "recovery"
    rec.mkdir()
    (rec / "999999-00000001.json").write_bytes(os.urandom(64))
    (rec / "999999-00000002.json").write_text(json.dumps({"pid": 999999, "text": "keep me", "saved_at": 1}))
    bank = StudyStore(tmp_path / "study.sqlite3")
    p = bank.add_profile("fr", "en", "fr", "A2")
    bank.import_deck(p, "chat\tcat\n")
    bank.db.execute("INSERT INTO items (profile_id, type, fields, topic, source, key, card, due, created) VALUES "
                    "(?, 'choice', '{\"sentence\": 1}', '', '', 'bad', 'x', '2000', '2000')", (p.id,))
    bank.close()
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[1]))
    w = MainWindow(library=ModelLibrary())
    try:
        qtbot.waitUntil(lambda: bool(warned), timeout=5000)
        assert warned == ["Model library damaged"]
        assert [o.text for o in w.recovery.orphans()] == ["keep me"]
        assert w.learn_pane.current is not None and w.learn_pane.current.exercise.fields["word"] == "chat"
        assert "damaged and skipped" in w.learn_pane.message.text()
    finally:
        w.close()


# Hugging Face model folders ------------------------------------------------------------
CONFIG_KEYS = ["architectures", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
               "num_key_value_heads", "head_dim", "max_position_embeddings", "rms_norm_eps", "rope_theta",
               "rope_scaling", "rope_parameters", "tie_word_embeddings", "vocab_size", "sliding_window",
               "query_pre_attn_scalar", "text_config", "_name_or_path", "bos_token_id", "eos_token_id"]
config_changes = st.dictionaries(st.sampled_from(CONFIG_KEYS), json_values | st.dictionaries(
    st.sampled_from(["rope_type", "type", "factor", "low_freq_factor", "high_freq_factor",
                     "original_max_position_embeddings", "rope_theta", "full_attention"]), json_values, max_size=4),
    min_size=1, max_size=4)


@pytest.fixture(scope="module")
def hf_folders(tmp_path_factory):
    from tests.tiny_hf import train_bpe, train_sentencepiece, write_folder

    root = tmp_path_factory.mktemp("hf")
    train_sentencepiece(root / "llama", vocab_size=600)
    write_folder(root / "llama", "llama", 600, shards=2)
    train_bpe(root / "qwen2", vocab_size=500)
    write_folder(root / "qwen2", "qwen2", 500)
    train_sentencepiece(root / "gemma3", vocab_size=600, dummy_prefix=False)
    write_folder(root / "gemma3", "gemma3", 600)
    return root


def _convert_or_refuse(folder, out):
    from assistant.convert.hf_folder import ConversionError
    from assistant.convert.hf_to_gguf import convert_hf_folder

    try:
        convert_hf_folder(folder, out)
    except ConversionError as exc:
        assert str(exc) and "\n" not in str(exc)
        assert not out.exists()
    assert not list(out.parent.glob(".*.part"))


@settings(max_examples=400, deadline=None, suppress_health_check=FIXTURES_OK)
@given(kind=st.sampled_from(["llama", "qwen2", "gemma3"]), changes=config_changes)
def test_hf_model_configs(tmp_path_factory, hf_folders, kind, changes):
    import shutil

    folder = tmp_path_factory.mktemp("cfg") / kind
    shutil.copytree(hf_folders / kind, folder)
    cfg = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**cfg, **changes}))
    _convert_or_refuse(folder, folder.parent / "out.gguf")


@settings(max_examples=400, deadline=None, suppress_health_check=FIXTURES_OK)
@given(kind=st.sampled_from(["llama", "qwen2"]),
       target=st.sampled_from(["tokenizer.json", "tokenizer.model", "tokenizer_config.json", "model.safetensors",
                               "model-00001-of-00002.safetensors", "model.safetensors.index.json"]),
       flips=st.lists(st.tuples(st.integers(0, 4095), st.integers(1, 255)), min_size=1, max_size=6),
       cut=st.none() | st.integers(0, 4096))
def test_hf_model_files_damaged(tmp_path_factory, hf_folders, kind, target, flips, cut):
    import shutil

    folder = tmp_path_factory.mktemp("dmg") / kind
    shutil.copytree(hf_folders / kind, folder)
    path = folder / target
    if path.exists():
        data = bytearray(path.read_bytes())
        for pos, x in flips:
            if data:
                data[pos % len(data)] ^= x
        path.write_bytes(bytes(data[:cut] if cut is not None else data))
    _convert_or_refuse(folder, folder.parent / "out.gguf")
