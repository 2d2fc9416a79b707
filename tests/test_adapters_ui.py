"""Adapters in the window: import a PEFT folder from the Models pane, use it in one pane only,
switch per job without reloading the model; bad imports and cancel leave the library alone."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from test_adapters import lora, peft_folder

from assistant.model_library import ModelLibrary


@pytest.fixture
def window(open_window):
    w = open_window(pane_adapters="{}")
    yield w
    for a in w.library.adapters("smollm2-135m-instruct"):
        w.library.remove_adapter("smollm2-135m-instruct", a.path)
    w.settings.set("pane_adapters", "{}")
    w.settings.set("rewrite_action_adapters", "{}")


def import_and_wait(qtbot, box, path):
    box.import_path(str(path))
    qtbot.waitUntil(lambda: not box.importing, timeout=60_000)


def test_import_use_in_one_pane_and_switch_without_reload(qtbot, window, tmp_path):
    w = window
    box = w.models_pane.adapters_box
    assert box.model_id == "smollm2-135m-instruct"
    messages = []
    box.status.connect(messages.append)
    import_and_wait(qtbot, box, peft_folder(tmp_path / "house-style", lora(["self_attn.v_proj", "mlp.up_proj"])))
    assert box.table.rowCount() == 1 and box.table.item(0, 0).text() == "house-style"
    assert box.table.item(0, 1).text() == "8" and "attn_v" in box.table.item(0, 3).text()
    assert messages[-1].startswith("Converted PEFT adapter house-style")
    path = box.selected_path()
    box.pane_boxes["grammar"].click()  # the Models tab is not showing; click() is the user's toggle
    assert json.loads(w.settings.get("pane_adapters")) == {"smollm2-135m-instruct": {"grammar": [[path, 1.0]]}}
    backend = w.bridge.engine.backend

    w.editor.setPlainText("The results was good.")
    pane = w.grammar_pane
    qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.handle.finished and pane.run_button.isEnabled(), timeout=60_000)
    assert w.bridge.engine.adapters == ((path, 1.0),)
    pane = w.summary_pane
    qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.handle.finished and pane.run_button.isEnabled(), timeout=60_000)
    assert w.bridge.engine.adapters == ()  # the summary pane uses the base model
    assert w.bridge.engine.backend is backend  # switched on the context, not reloaded
    assert w.bridge.engine.adapter_switch_seconds < 1.0


def test_bad_import_and_cancel_leave_the_library_alone(qtbot, window, tmp_path):
    box = window.models_pane.adapters_box
    messages = []
    box.status.connect(messages.append)
    import_and_wait(qtbot, box, peft_folder(tmp_path / "dora", lora(["self_attn.v_proj"]), use_dora=True))
    assert "DoRA" in messages[-1] and box.table.rowCount() == 0
    big = peft_folder(tmp_path / "big", lora(["self_attn.q_proj", "mlp.up_proj", "mlp.down_proj"],
                                             layers=range(30), r=32))
    box.import_path(str(big))
    box.cancel_import()
    qtbot.waitUntil(lambda: not box.importing, timeout=60_000)
    assert messages[-1] == "Import cancelled; nothing was written."
    assert box.table.rowCount() == 0 and ModelLibrary().adapters("smollm2-135m-instruct") == []


def test_a_rewrite_action_can_have_its_own_adapter(qtbot, window, tmp_path):
    w = window
    box = w.models_pane.adapters_box
    import_and_wait(qtbot, box, peft_folder(tmp_path / "formal-style", lora(["self_attn.v_proj"])))
    path = box.selected_path()
    pane = w.rewrite_pane
    assert pane.adapter_box.findData(path) >= 0  # the new adapter is offered at once
    pane.action.setCurrentIndex(pane.action.findData("formal"))
    pane.adapter_box.setCurrentIndex(pane.adapter_box.findData(path))
    pane._adapter_chosen()
    w.editor.setPlainText("hey, the meeting moved to friday.")
    w.panes.setCurrentWidget(pane)
    qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.handle.finished and pane.run_button.isEnabled(), timeout=60_000)
    assert w.bridge.engine.adapters == ((path, 1.0),)
    pane.action.setCurrentIndex(pane.action.findData("concise"))  # no adapter of its own: the pane's (none)
    qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.handle.finished and pane.run_button.isEnabled(), timeout=60_000)
    assert w.bridge.engine.adapters == ()


def test_a_hugging_face_model_folder_is_converted_into_a_new_model(qtbot, window, tmp_path):
    import shutil

    from screens import screenshot
    from tiny_hf import train_sentencepiece, write_folder

    from ui.convert_dialog import ConversionOptionsDialog

    folder = tmp_path / "my-fine-tune"
    train_sentencepiece(folder, vocab_size=600)
    write_folder(folder, "llama", 600)
    (folder / "README.md").write_text("---\nbase_model: HuggingFaceTB/SmolLM2-135M-Instruct\n---\n")
    dialog = ConversionOptionsDialog(folder, window)
    qtbot.addWidget(dialog)
    dialog.show()
    texts = [dialog.combo.itemText(i) for i in range(dialog.combo.count())]
    assert [dialog.combo.itemData(i) for i in range(dialog.combo.count())] == ["Q4_K_M", "Q5_K_M", "Q8_0", "F16"]
    assert "recommended" in texts[0] and all(t.endswith(" MB") for t in texts)
    dialog.combo.setCurrentIndex(3)
    assert not dialog.keep.isEnabled() and dialog.quantization() == "F16"
    screenshot(dialog, "convert_dialog.png")
    dialog.close()

    pane = window.models_pane
    rows = pane.table.rowCount()
    messages = []
    pane.adapters_box.status.connect(messages.append)
    pane.adapters_box.import_path(str(folder), quantization="Q8_0")
    assert pane.adapters_box.cancel_button.isVisibleTo(pane)
    qtbot.waitUntil(lambda: not pane.adapters_box.importing, timeout=120_000)
    assert messages[-1].startswith("Converted and added model my-fine-tune-q8_0 (Q8_0)"), messages[-1]
    assert pane.table.rowCount() == rows + 1  # listed at once, no restart
    entry = window.library.get("my-fine-tune-q8_0")
    row = next(r for r in range(pane.table.rowCount())
               if pane.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == entry.id)
    pane.table.selectRow(row)
    assert "Fine-tune of HuggingFaceTB/SmolLM2-135M" in pane.details.text()
    assert f"Converted from {folder}" in pane.details.text() and pane.table.item(row, 3).text() == "Q8_0"
    window.panes.setCurrentWidget(pane)
    screenshot(window, "models_pane_converted.png")
    window.library.remove(entry.id)
    entry.path.unlink()
    shutil.rmtree(folder)
