"""Which model a task runs on: the core's choice (exact, on the bundled models' real metadata) and the window
running a translation on a second model loaded beside the writer's, without blocking it."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt

from assistant.backends.base import BackendInfo
from assistant.hub.fit import Machine
from assistant.model_routing import able_models, choose, choose_entry, parse_choices
from assistant.prompting import Strategy
from tests.screens import screenshot

GB = 1024**3
ROOMY = Machine(free_ram=16 * GB, total_ram=32 * GB, cores=8)
SMOL, GEMMA = "SmolLM2-135M-Instruct (Q4_1)", "Gemma-3-270M (Q4_K_M)"


def info_of(entry) -> BackendInfo:
    i = entry.info
    declared = entry.declared_languages
    return BackendInfo(model_name=i.name, backend="CPU", gpu_layers=0, n_layers=i.block_count, n_ctx=4096,
                       strategy=Strategy.INSTRUCT if i.has_chat_template else Strategy.BASE,
                       architecture=i.architecture, title=i.name, languages=tuple(declared) if declared else None)


@pytest.fixture
def entries(library):
    return {e.id: e for e in library.list()}


def variant(entry, model_id: str, name: str, params: int, size: int | None = None, languages=None):
    """A library entry as another model of the same family would have it (name, parameters, file size)."""
    info = dataclasses.replace(entry.info, name=name, parameter_count=params,
                               file_size=size or entry.info.file_size,
                               memory_estimate=(size or entry.info.file_size) + entry.info.memory_estimate
                               - entry.info.file_size)
    return dataclasses.replace(entry, id=model_id, info=info, languages=languages)


def test_a_language_the_loaded_model_cannot_write_goes_to_an_able_one(entries):
    smol, gemma = entries["smollm2-135m-instruct"], entries["gemma-3-270m"]
    route = choose(list(entries.values()), ["fr", "en"], info_of(smol), smol.id, machine=ROOMY)
    assert route.entry is gemma and not route.refusal
    assert route.why == f"{SMOL} writes only English, not French"
    assert choose(list(entries.values()), ["en"], info_of(smol), smol.id, machine=ROOMY).on_loaded
    # The loaded model writes both: it stays, nothing else is loaded.
    assert choose(list(entries.values()), ["fr", "en"], info_of(gemma), gemma.id, machine=ROOMY).on_loaded


def test_the_writers_choice_for_a_task_wins_unless_it_cannot_write_the_language(entries):
    smol, gemma = entries["smollm2-135m-instruct"], entries["gemma-3-270m"]
    all_ = list(entries.values())
    route = choose(all_, ["en"], info_of(smol), smol.id, chosen_id=gemma.id, machine=ROOMY)
    assert route.entry is gemma and route.why == "chosen for this task in the Models pane"
    assert choose(all_, ["en"], info_of(gemma), gemma.id, chosen_id=gemma.id).on_loaded
    refused = choose(all_, ["fr", "en"], info_of(gemma), gemma.id, chosen_id=smol.id)
    assert refused.refusal == (f"you chose {SMOL} for this task in the Models pane, but {SMOL} writes only "
                               "English, not French") and refused.language == "fr"
    # A choice naming a model since removed reads as automatic.
    assert choose(all_, ["fr"], info_of(smol), smol.id, chosen_id="gone", machine=ROOMY).entry is gemma


def test_no_able_model_is_an_honest_refusal(entries):
    smol, gemma = entries["smollm2-135m-instruct"], entries["gemma-3-270m"]
    route = choose([smol], ["de"], info_of(smol), smol.id, machine=ROOMY)
    assert route.entry is None and route.language == "de"
    assert route.refusal == (f"{SMOL} writes only English, not German, and no installed model is known to write "
                             "it. Get one in Models › Get models… (Gemma 3 or Qwen2.5, for example)")
    starved = Machine(free_ram=100 * 1024**2, total_ram=GB, cores=2)
    route = choose([smol, gemma], ["de"], info_of(smol), smol.id, machine=starved)
    assert route.refusal.endswith("the installed models that write it are too big for this machine's free memory")


def test_a_model_nothing_vouches_for_stays_as_the_writer_chose(entries):
    smol = entries["smollm2-135m-instruct"]
    mystery = dataclasses.replace(info_of(smol), model_name="house-model", title="house-model",
                                  architecture="mamba", languages=None)
    assert choose(list(entries.values()), ["fr"], mystery, None).on_loaded


def test_able_models_rank_by_how_they_run_then_size(entries):
    gemma = entries["gemma-3-270m"]
    small = variant(gemma, "g1b", "Gemma-3-1B", 1_000_000_000, 800 * 1024**2)
    huge = variant(gemma, "g27b", "Gemma-3-27B", 27_000_000_000, 17 * GB)
    english = variant(gemma, "en-only", "Tuned", 4_000_000_000, 2 * GB, languages=["en"])
    pool = [gemma, small, huge, english]
    assert [e.id for e in able_models(pool, ["fr"], ROOMY)] == ["g1b", "gemma-3-270m"]  # 27B: too big here
    assert [e.id for e in able_models(pool, ["fr"])] == ["g27b", "g1b", "gemma-3-270m"]  # machine unknown
    slow_laptop = Machine(free_ram=40 * GB, total_ram=64 * GB, cores=2)
    assert [e.id for e in able_models(pool, ["fr"], slow_laptop)][0] == "g1b"  # 27B fits but crawls
    assert [e.id for e in able_models(pool, ["en"], ROOMY)][0] == "en-only"  # the writer's own statement counts


def test_the_command_line_switches_only_when_it_must(entries):
    smol, gemma = entries["smollm2-135m-instruct"], entries["gemma-3-270m"]
    assert choose_entry(list(entries.values()), smol, ["en"], ROOMY) == (smol, "")
    assert choose_entry(list(entries.values()), smol, ["fr", "en"], ROOMY) == (
        gemma, f"{SMOL} writes only English, not French")
    assert choose_entry([smol], smol, ["fr"], ROOMY) == (smol, "")  # the task refuses it itself


@pytest.mark.parametrize("raw", ["", "not json", "[1, 2]", '{"translate": 3}', '{"translate": ""}'])
def test_damaged_task_choices_read_as_automatic(raw):
    assert parse_choices(raw) == {}


def test_engine_unload_frees_the_model():
    from assistant.backends.factory import local_factory
    from assistant.engine import Engine, Job, JobState
    from assistant.model_library import ModelLibrary

    eng = Engine()
    try:
        assert eng.load(local_factory(ModelLibrary().get("smollm2-135m-instruct"), n_ctx=512)).wait(120)
        assert eng.backend is not None
        assert eng.unload().wait(30) and eng.backend is None
        h = eng.submit(Job("x", lambda ctx: ctx.backend))
        h.wait(10)
        assert h.state == JobState.ERROR and "no model is loaded" in h.error
    finally:
        eng.shutdown()


# the window ------------------------------------------------------------------------------
def test_translation_runs_on_a_second_model_loaded_beside_the_writers(qtbot, open_window):
    w = open_window()
    pane = w.translate_pane
    assert w.model_id == "smollm2-135m-instruct" and w.router.enabled
    w.editor.setPlainText("The library opens at nine.")
    pane.target.setCurrentIndex(pane.target.findData("fr"))
    with qtbot.waitSignal(w.router.ready, timeout=60_000):
        qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
        assert pane.handle is None  # nothing runs on the English-only model
        assert pane.message.text() == (f"Loading {GEMMA}: {SMOL} writes only English, not French. "
                                       "This starts by itself when it is ready.")
    # The pane runs by itself once the model is ready, on the second engine; the writer's model stays.
    qtbot.waitUntil(lambda: pane.handle is not None and pane.handle.finished and pane.run_button.isEnabled(),
                    timeout=120_000)
    assert pane.result is not None and pane.result.target_lang == "fr", pane.message.text()
    assert w.router.second.engine.info.model_name == GEMMA and w.bridge.engine.info.model_name == SMOL
    assert w.model_id == "smollm2-135m-instruct"
    assert not pane.model_note.isHidden() and pane.model_note.text() == (
        f"Runs on {GEMMA}: {SMOL} writes only English, not French.")
    assert w.model_label.text() == f"{SMOL} + {GEMMA}"
    w.panes.setCurrentWidget(pane)
    screenshot(w, "routed_translation.png")
    # Ghost text and the other panes still use the writer's model.
    assert w.inline.bridge is w.bridge
    # A second run needs no load.
    qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    assert pane.handle is not None and not pane.message.text().startswith("Loading")
    qtbot.waitUntil(lambda: pane.handle.finished and pane.run_button.isEnabled(), timeout=120_000)
    # Loading the second model as the writer's own frees the copy beside it.
    with qtbot.waitSignal(w.bridge.model_loaded, timeout=60_000):
        w.load_model(w.library.get("gemma-3-270m"))
    qtbot.waitUntil(lambda: w.router.second.engine.backend is None, timeout=30_000)
    assert w.router.model_name() is None and w.model_label.text() == GEMMA


def test_a_model_chosen_for_a_task_in_the_models_pane(qtbot, open_window):
    w = open_window()
    box = w.models_pane.task_models
    combo = box.combos["translate"]
    try:
        assert combo.currentIndex() == 0 and combo.itemText(0).startswith("Automatic")
        assert combo.itemText(combo.findData("smollm2-135m-instruct")) == f"{SMOL} (writes only English)"
        w.panes.setCurrentWidget(w.models_pane)
        screenshot(w, "task_models.png")
        combo.setCurrentIndex(combo.findData("smollm2-135m-instruct"))
        assert json.loads(w.settings.get("task_models")) == {"translate": "smollm2-135m-instruct"}
        pane = w.translate_pane
        w.editor.setPlainText("The library opens at nine.")
        pane.target.setCurrentIndex(pane.target.findData("fr"))
        qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
        assert pane.handle is None and pane.message.text() == (
            f"You chose {SMOL} for this task in the Models pane, but {SMOL} writes only English, not French.")
        assert w.router.loading_id is None and w.router.second.engine.backend is None  # nothing was loaded
        combo.setCurrentIndex(0)
        assert json.loads(w.settings.get("task_models")) == {}
    finally:
        w.settings.set("task_models", "{}")


def test_with_routing_off_the_pane_refuses_and_offers_the_switch(qtbot, open_window):
    w = open_window()
    w.models_pane.task_models.route.setChecked(False)
    try:
        assert w.settings.get("route_models") is False
        pane = w.translate_pane
        w.editor.setPlainText("The library opens at nine.")
        pane.target.setCurrentIndex(pane.target.findData("fr"))
        qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
        assert pane.handle is None and pane.message.text().startswith(f"{SMOL} writes only English, not French.")
        assert pane.switch_button.text() == f"Use {GEMMA}" and w.router.second.engine.backend is None
    finally:
        w.settings.set("route_models", True)


def test_the_command_line_runs_a_translation_on_a_model_that_writes_the_language():
    out = subprocess.run([sys.executable, "-m", "assistant", "translate", "--to", "fr", "The library opens at nine."],
                         capture_output=True, env=dict(os.environ), timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    assert f"note: using {GEMMA}: {SMOL} writes only English, not French;".encode() in out.stderr
    assert out.stdout.strip()


def test_grammar_of_a_french_text_runs_its_model_layers_on_a_model_that_reads_french(qtbot, open_window):
    w = open_window()
    pane = w.grammar_pane
    w.editor.setPlainText("Nous sommes allés au marché hier et nous avons acheté des pommes.")
    with qtbot.waitSignal(w.router.ready, timeout=60_000):
        qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.handle is not None and pane.handle.finished and pane.run_button.isEnabled(),
                    timeout=120_000)
    assert pane.model_note.text() == f"Runs on {GEMMA}: {SMOL} writes only English, not French."
    assert "Checked as French." in pane.message.text(), pane.message.text()
    # English stays on the writer's model; with no model able, the rules and dictionaries still run.
    w.editor.setPlainText("The results was good and we was happy.")
    qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.handle.finished and pane.run_button.isEnabled(), timeout=120_000)
    assert pane.model_note.isHidden() and "Checked as English." in pane.message.text()
