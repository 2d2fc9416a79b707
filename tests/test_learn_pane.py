"""The Learn pane keeps each job's results with what the job was started for."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.screens import screenshot


def profiles(pane, *names):
    out = []
    for name in names:
        pane.p_name.setText(name)
        pane.create_profile()
        out.append(pane.store.profile(name))
    return out


def wait_done(qtbot, pane):
    qtbot.waitUntil(lambda: pane.handle is not None and pane.handle.finished and pane.run_button.isEnabled(),
                    timeout=180_000)


def test_exercises_go_to_the_profile_they_were_made_for(qtbot, learn_window):
    _w, pane = learn_window
    french, german = profiles(pane, "French", "German")
    pane.profile_box.setCurrentIndex(pane.profile_box.findData(french.id))
    pane.type_box.setCurrentIndex(pane.type_box.findData("inflection"))  # the conjugator's: no model needed
    pane.count_box.setValue(1)
    pane.topic.setText("food")
    qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    pane.profile_box.setCurrentIndex(pane.profile_box.findData(german.id))  # while the job runs
    wait_done(qtbot, pane)
    assert pane.message.text().startswith("Added") and "to French" in pane.message.text()
    assert "very small model" not in pane.message.text()  # the conjugator built it: no model wrote it
    assert [pane.store.written_by(i) for i in pane.store.items(french)] == [None]
    assert pane.store.count(german) == 0


def test_only_the_collected_words_used_are_forgotten(qtbot, learn_window):
    """Gemma-3-270M is too small to write cards unasked: collected words no bank sentence uses are held back,
    the message says why and a button lets it write them; then each card keeps who wrote it, and only the words
    that got one leave the list."""
    w, pane = learn_window
    with qtbot.waitSignal(w.bridge.model_loaded, timeout=60_000):  # the default model writes only English
        w.load_model(w.library.get("gemma-3-270m"))
    (p,) = profiles(pane, "Words")
    words = ["table", "crayon", "pomme", "maison", "jardin", "chat", "livre", "école", "ville", "porte", "soleil",
             "voiture", "fleur", "chien"]  # no sentence of the bank uses the first two:
    from assistant.learning import sentence_bank
    assert not [s for s, _t in sentence_bank.every_pair("fr") if {"table", "tables", "crayon", "crayons"} &
                set(s.casefold().replace(".", " ").split())]
    for word in words:
        pane.collect(word)
    pane.source_box.setCurrentIndex(pane.source_box.findData("collected"))
    pane.count_box.setValue(2)
    qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    wait_done(qtbot, pane)
    assert pane.store.count(p) == 0 and pane.store.collected(p) == words
    assert pane.message.text().startswith("Added 0 exercises. 2 items were not made: Gemma-3-270M (Q4_K_M) is "
                                          "too small to write French")
    w.panes.setCurrentWidget(pane)
    assert not pane.let_write_button.isHidden() and pane.let_write_button.text().startswith("Let Gemma-3-270M")
    screenshot(w, "learn_held_back.png")
    qtbot.mouseClick(pane.let_write_button, Qt.MouseButton.LeftButton)
    wait_done(qtbot, pane)
    assert pane.let_write_button.isHidden()
    carded = {i.exercise.fields["word"] for i in pane.store.items(p)}
    assert carded <= set(words[:2])  # a card each for the first two words, if the model managed
    # Gemma-3-270M wrote them: the message says to read them and remove the wrong ones.
    assert ("Gemma-3-270M (Q4_K_M) is a very small model" in pane.message.text()) == bool(carded)
    # Each card keeps who wrote it, and says so while it is practised.
    assert {pane.store.written_by(i) for i in pane.store.items(p)} <= {("Gemma-3-270M (Q4_K_M)", True)}
    pane.profile_box.setCurrentIndex(pane.profile_box.findData(p.id))
    pane.next_item()
    if pane.current is not None:
        assert not pane.written_by.isHidden()
        assert pane.written_by.text().startswith("Written by Gemma-3-270M (Q4_K_M), a very small model")
    screenshot(w, "learn_caution.png")
    # Words that got their card leave the list; the rest stay for the next job, in order.
    assert pane.store.collected(p) == [x for x in words if x not in carded]


def test_items_from_a_french_document_are_built_on_its_sentences(qtbot, learn_window):
    """From the document, 'find the mistake' items take its own French sentences (the conjugator makes the
    mistake): the message says so, and no item says a small model wrote it."""
    w, pane = learn_window
    with qtbot.waitSignal(w.bridge.model_loaded, timeout=60_000):  # the default model writes only English
        w.load_model(w.library.get("gemma-3-270m"))
    w.editor.setPlainText("Le matin, je prends le train pour aller au travail.\n\n"
                          "Nous mangeons souvent des légumes du marché.")
    (p,) = profiles(pane, "Reading")
    pane.profile_box.setCurrentIndex(pane.profile_box.findData(p.id))
    pane.source_box.setCurrentIndex(pane.source_box.findData("document"))
    pane.type_box.setCurrentIndex(pane.type_box.findData("error_spot"))
    pane.count_box.setValue(2)
    qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    wait_done(qtbot, pane)
    assert pane.message.text().startswith("Added 2 exercises.") and "2 built on your text's own sentences" in \
        pane.message.text() and "very small model" not in pane.message.text()
    assert sorted(i.exercise.fields["answer"] for i in pane.store.items(p)) == [
        "Le matin, je prends le train pour aller au travail.", "Nous mangeons souvent des légumes du marché."]
    pane.next_item()
    assert pane.current is not None and pane.written_by.isHidden()
    w.panes.setCurrentWidget(pane)
    screenshot(w, "learn_from_text.png")


def test_items_on_a_common_topic_are_built_on_the_apps_example_sentences(qtbot, learn_window):
    """On a topic the sentence bank has, 'find the mistake' items take its sentences as their corrections: the
    message says how many, the Topic choice's tooltip names the bank's topics, and no item says a small model
    wrote it."""
    from assistant.learning import sentence_bank

    w, pane = learn_window
    with qtbot.waitSignal(w.bridge.model_loaded, timeout=60_000):  # the default model writes only English
        w.load_model(w.library.get("gemma-3-270m"))
    (p,) = profiles(pane, "Topics")
    pane.profile_box.setCurrentIndex(pane.profile_box.findData(p.id))
    pane.source_box.setCurrentIndex(pane.source_box.findData("topic"))
    assert "food, travel, weather" in pane.source_box.itemData(0, Qt.ItemDataRole.ToolTipRole)
    completer = pane.topic.completer()  # the bank's topics are offered as the learner types
    completer.setCompletionPrefix("anim")
    assert completer.currentCompletion() == "animals"
    assert completer.model().stringList() == sentence_bank.topic_names()
    pane.topic.setText("food and cooking")
    pane.type_box.setCurrentIndex(pane.type_box.findData("error_spot"))
    pane.count_box.setValue(2)
    qtbot.mouseClick(pane.run_button, Qt.MouseButton.LeftButton)
    wait_done(qtbot, pane)
    assert pane.message.text().startswith("Added 2 exercises.") and \
        "2 built on the app's example sentences" in pane.message.text() and \
        "very small model" not in pane.message.text()
    bank = dict(sentence_bank.pairs("food", "fr"))
    assert all(i.exercise.fields["answer"] in bank for i in pane.store.items(p))
    pane.next_item()
    assert pane.current is not None and pane.written_by.isHidden()
    w.panes.setCurrentWidget(pane)
    screenshot(w, "learn_from_bank.png")


def test_a_late_explanation_never_lands_on_the_next_item(qtbot, learn_window, tmp_path):
    w, pane = learn_window
    profiles(pane, "Late")
    deck = tmp_path / "deck.tsv"
    deck.write_text("le pain\tbread\nla pomme\tthe apple\n")
    assert pane.import_from(str(deck)) == 2
    pane.answer.setText("zzz")
    qtbot.mouseClick(pane.check_button, Qt.MouseButton.LeftButton)
    first = pane.current.id
    with qtbot.waitSignal(w.bridge.job_finished, timeout=60_000):
        qtbot.mouseClick(pane.explain_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(pane.next_button, Qt.MouseButton.LeftButton)  # before the model answers
    assert pane.current.id != first
    assert pane.result.text() == ""  # the new item's result: nothing carried over


def test_a_wrong_exercise_can_be_removed_from_practice_and_brought_back(qtbot, learn_window, tmp_path):
    from PySide6.QtWidgets import QApplication

    w, pane = learn_window
    w.panes.setCurrentWidget(pane)
    (p,) = profiles(pane, "Remove")
    deck = tmp_path / "deck.tsv"
    deck.write_text("le sac\twine bag\nla pomme\tthe apple\n")
    assert pane.import_from(str(deck)) == 2
    wrong = pane.current
    qtbot.mouseClick(pane.remove_button, Qt.MouseButton.LeftButton)
    assert pane.current is not None and pane.current.id != wrong.id
    assert "Exercise removed" in pane.message.text() and "(1 removed)" in pane.stats.text()
    screenshot(w, "learn_removed.png")
    assert pane.store.count(p) == 1 and pane.undo_button.isEnabled()
    qtbot.mouseClick(pane.undo_button, Qt.MouseButton.LeftButton)
    assert pane.current.id == wrong.id and pane.store.count(p) == 2
    assert pane.message.text() == "Exercise brought back." and "removed" not in pane.stats.text()
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5000)
    pane.practice.setFocus()
    qtbot.keyClick(pane.practice, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)  # from the keyboard
    assert pane.store.count(p) == 1 and pane.current.id != wrong.id
    pane.answer.setText(pane.current.exercise.answer)
    qtbot.mouseClick(pane.check_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(pane.practice, Qt.Key.Key_Space)  # rated: Undo now takes the rating back, not the removal
    assert pane.undoable[0] == "review"
    qtbot.mouseClick(pane.remove_button, Qt.MouseButton.LeftButton)  # nothing left to show: nothing to remove
    assert pane.current is None and not pane.remove_button.isEnabled() and pane.store.count(p) == 1


def test_a_find_the_mistake_item_says_what_its_mistake_was(qtbot, learn_window):
    """The app made the mistake, so it knows what it was: checked or revealed, the answer comes with it."""
    from assistant.learning.exercises import Exercise

    w, pane = learn_window
    w.panes.setCurrentWidget(pane)
    (p,) = profiles(pane, "Mistakes")
    pane.store.add_items(p, [Exercise("error_spot", {
        "sentence": "Je manges une pomme.", "answer": "Je mange une pomme.",
        "explanation": "after “je” the verb is “mange”, not “manges”"})])
    pane.next_item()
    assert pane.current.exercise.fields["sentence"] in pane.question.text()
    pane.answer.setText("Je manges une pomme.")
    qtbot.mouseClick(pane.check_button, Qt.MouseButton.LeftButton)
    shown = pane.result.text()  # the sentence given back unchanged: the mistake is not found, not "Almost"
    assert shown == ("<b>Not quite.</b> The mistake is still there: the answer is “Je mange une pomme.”."
                     "<br>After “je” the verb is “mange”, not “manges”.")
    assert pane.suggested.name == "Again"
    screenshot(w, "learn_mistake_reason.png")
