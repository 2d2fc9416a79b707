"""Spelling and grammar in the window: underlines while typing, the underline's menu, the pane's
language, counts and personal dictionary. Rules and dictionaries are deterministic, so these are
exact; the model is not needed for live checking."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu


def type_text(qtbot, w, text):
    w.editor.setFocus()
    w.editor.insertPlainText(text)


def live_marks(w):
    return [(t.current_text(), t.edit.replacement) for t in w.live.review.edits]


def shows_marks(qtbot, w, text, marks, shot, timeout=15_000):
    """Type ``text``, wait for its underlines, check them and save a screenshot named ``shot``. The quick
    check's underlines come first and the full check's suggestions after them (LayeredChecker.check's
    ``search``): the marks are waited for until they are the full check's, or the time is up."""
    from pytestqt.exceptions import TimeoutError as QtTimeout

    from tests.screens import screenshot

    type_text(qtbot, w, text)
    try:
        qtbot.waitUntil(lambda: live_marks(w) == marks, timeout=timeout)
    except QtTimeout:
        pass  # the assertion below says what was shown instead
    assert live_marks(w) == marks
    screenshot(w, shot)


_menus: list[QMenu] = []  # alive until their actions have been triggered


def menu_at(w, position):
    menu = QMenu()
    _menus.append(menu)
    w._extend_context_menu(menu, position)
    return {a.text(): a for a in menu.actions()}


def test_underlines_appear_while_typing(qtbot, window):
    type_text(qtbot, window, "I has a apple.")
    qtbot.waitUntil(lambda: live_marks(window) == [("has", "have"), ("a", "an")], timeout=15_000)
    assert len([s for s in window.editor.extraSelections()]) >= 2  # drawn as underlines


def test_live_marks_never_move_the_writers_cursor(qtbot, window):
    """The live marks live in an EditReview, whose list, refreshed, made its first mark current and took the
    cursor there: typing "I has a apple and we", pausing and typing on put the words after "I" (found in stop
    40, when the new full-stop mark at the end made the ghost-text tests' suggestions vanish)."""
    type_text(qtbot, window, "I has a apple and we")
    qtbot.waitUntil(lambda: len(window.live.review.edits) >= 2, timeout=15_000)
    assert window.editor.textCursor().position() == len("I has a apple and we")
    qtbot.keyClicks(window.editor, " went")
    assert window.editor.toPlainText() == "I has a apple and we went"


def test_a_far_misspelling_is_underlined_then_given_its_suggestion(qtbot, window):
    """The underline comes from the quick check; Harper's spelling search fills in the suggestion
    from a second check right after (LiveChecking._submit)."""
    shown = []
    window.live.review.changed.connect(lambda _n: shown.append(live_marks(window)))
    type_text(qtbot, window, "Im sure it was a very high temparture.")
    final = [("Im", "I'm"), ("temparture", "temperature")]
    qtbot.waitUntil(lambda: live_marks(window) == final, timeout=15_000)
    assert [("Im", "I'm"), ("temparture", "temparture")] in shown  # first the underline alone
    from tests.screens import screenshot

    screenshot(window, "live_far_misspelling.png")


def test_a_lower_case_sentence_start_is_underlined_and_its_rule_can_be_ignored(qtbot, window):
    type_text(qtbot, window, "he went home. it rained all day, etc. and we stayed in.")
    qtbot.waitUntil(lambda: live_marks(window) == [("he", "He"), ("it", "It")], timeout=15_000)
    from tests.screens import screenshot

    screenshot(window, "live_sentence_capitals.png")
    actions = menu_at(window, 1)
    assert "→ He" in actions
    actions["Ignore rule “Sentence capitalization”"].trigger()
    qtbot.waitUntil(lambda: live_marks(window) == [], timeout=15_000)
    assert window.editor.toPlainText() == "he went home. it rained all day, etc. and we stayed in."


def test_a_hard_wrapped_paragraph_gets_no_marks_where_its_lines_join(qtbot, window):
    """Typed as a hard-wrapped paragraph, the first line is not missing a full stop nor the second a capital;
    once the second line begins with a capital they are two paragraphs, and the first line's end is marked."""
    type_text(qtbot, window, "We stayed at home all day because it\nrained and the roads were closed.\nI has a apple.")
    qtbot.waitUntil(lambda: live_marks(window) == [("has", "have"), ("a", "an")], timeout=15_000)
    cursor = window.editor.textCursor()
    cursor.setPosition(window.editor.toPlainText().index("rained"))
    cursor.deleteChar()
    cursor.insertText("R")  # the second line now begins a paragraph: the first one's end is open
    qtbot.waitUntil(lambda: ("it", "it.") in live_marks(window), timeout=15_000)
    from tests.screens import screenshot

    screenshot(window, "live_wrapped_paragraph.png")


def test_live_checking_keeps_one_thread_for_good(window):
    """Harper's linter, and its cache of each sentence's lints that keeps a re-check as the writer
    types at ~10 ms, belong to the live checker's thread: Qt must not retire it when idle."""
    assert window.live.pool.maxThreadCount() == 1
    assert window.live.pool.expiryTimeout() < 0


def test_the_underlines_menu_applies_a_suggestion(qtbot, window):
    type_text(qtbot, window, "I has a apple.")
    qtbot.waitUntil(lambda: len(window.live.review.edits) == 2, timeout=15_000)
    actions = menu_at(window, window.editor.toPlainText().index("has") + 1)
    assert "→ have" in actions and "Ignore" in actions and "Ignore rule “Pronoun verb agreement”" in actions
    actions["→ have"].trigger()
    assert window.editor.toPlainText() == "I have a apple."
    window.editor.undo()
    assert window.editor.toPlainText() == "I has a apple."


def test_add_to_dictionary_and_ignore_rule_persist(qtbot, window, tmp_path):
    type_text(qtbot, window, "I has seen the zorblax today.")
    qtbot.waitUntil(lambda: ("zorblax", "zorblax") in live_marks(window) or
                    any(t.current_text() == "zorblax" for t in window.live.review.edits), timeout=15_000)
    actions = menu_at(window, window.editor.toPlainText().index("zorblax") + 2)
    actions["Add “zorblax” to dictionary"].trigger()
    assert window.personal.knows("zorblax")
    assert all(t.current_text() != "zorblax" for t in window.live.review.edits)
    actions = menu_at(window, window.editor.toPlainText().index("has") + 1)
    actions["Ignore rule “Pronoun verb agreement”"].trigger()
    assert window.personal.ignores("PronounVerbAgreement")
    window.editor.insertPlainText(" He go.")  # a new check of the paragraph honours both
    qtbot.wait(1500)
    assert all(t.edit.rule != "PronounVerbAgreement" and t.current_text() != "zorblax"
               for t in window.live.review.edits)
    window.personal.set_rules([])
    window.personal.set_words([])


def test_ignoring_the_spelling_rule_silences_the_dictionaries_too(qtbot, window):
    pane = window.grammar_pane
    pane.language.setCurrentIndex(pane.language.findData("fr"))  # French: the dictionary layer, not Harper
    type_text(qtbot, window, "Je vois le blorvax aujourd'hui.")
    qtbot.waitUntil(lambda: any(t.current_text() == "blorvax" for t in window.live.review.edits), timeout=15_000)
    (mark,) = [t for t in window.live.review.edits if t.current_text() == "blorvax"]
    assert mark.edit.layer == "spelling"
    actions = menu_at(window, window.editor.toPlainText().index("blorvax") + 2)
    actions["Ignore rule “Spell check”"].trigger()
    assert window.personal.ignores("SpellCheck")
    assert all(t.current_text() != "blorvax" for t in window.live.review.edits)
    window.personal.set_rules([])


def test_missing_accents_are_underlined_and_can_be_ignored_alone(qtbot, window):
    from tests.screens import screenshot

    pane = window.grammar_pane
    pane.language.setCurrentIndex(pane.language.findData("fr"))
    type_text(qtbot, window, "Je suis tres content d'etre ici avec le blorvax.")
    qtbot.waitUntil(lambda: ("tres", "très") in live_marks(window), timeout=15_000)
    assert ("etre", "être") in live_marks(window)
    screenshot(window, "missing_accents.png")
    actions = menu_at(window, window.editor.toPlainText().index("tres") + 1)
    assert "→ très" in actions and "Ignore rule “Missing accents”" in actions
    actions["Ignore rule “Missing accents”"].trigger()
    assert window.personal.ignores("MissingAccents") and not window.personal.ignores("SpellCheck")
    assert [t.current_text() for t in window.live.review.edits] == ["blorvax"]  # the rest of spelling stays
    window.personal.set_rules([])


def test_turning_live_checking_off_clears_the_marks(qtbot, window):
    type_text(qtbot, window, "I has a apple.")
    qtbot.waitUntil(lambda: len(window.live.review.edits) == 2, timeout=15_000)
    window.live_action.trigger()
    assert window.live.review.edits == [] and window.settings.get("live_checking") is False
    window.live_action.trigger()
    qtbot.waitUntil(lambda: len(window.live.review.edits) == 2, timeout=15_000)


def test_style_suggestions_come_only_when_turned_on(qtbot, window):
    type_text(qtbot, window, "Thus I has a plan.")
    qtbot.waitUntil(lambda: live_marks(window) == [("has", "have")], timeout=15_000)
    assert window.settings.get("style_suggestions") is False
    window.style_action.trigger()
    try:
        qtbot.waitUntil(lambda: live_marks(window) == [("Thus", "Thus,"), ("has", "have")], timeout=15_000)
        assert window.settings.get("style_suggestions") is True
    finally:
        window.style_action.trigger()
    qtbot.waitUntil(lambda: live_marks(window) == [("has", "have")], timeout=15_000)


def test_code_blocks_are_not_checked_live(qtbot, window):
    type_text(qtbot, window, "```\nteh code here\n```\nI has a apple.")
    qtbot.waitUntil(lambda: len(window.live.review.edits) == 2, timeout=15_000)
    assert [t.current_text() for t in window.live.review.edits] == ["has", "a"]


def test_the_pane_says_what_it_checked_as_and_counts_by_kind(qtbot, window):
    with qtbot.waitSignal(window.bridge.model_loaded, timeout=60_000):
        window.load_configured_model()
    window.inline.set_enabled(False)
    pane = window.grammar_pane
    window.editor.setPlainText("Their going to the park tomorow.\n\nLe chat est sur la table avec le bricard.\n\n"
                               "Bu cümle Türkçe yazılmıştır ve kontrol edilmez.")
    pane.run()  # mostly French: its model layers run on a model that reads French (test_model_routing.py)
    qtbot.waitUntil(lambda: pane.handle is not None and pane.handle.finished and pane.run_button.isEnabled(),
                    timeout=120_000)
    msg = pane.message.text()
    assert "Checked as English and French" in msg or "Checked as French and English" in msg
    assert "1 paragraph in a language no checker serves was not checked" in msg
    counts = pane.counts.text()
    assert counts.startswith("Spelling ") and "Grammar " in counts and "Style " in counts
    spelling = int(counts.split("Spelling ")[1].split(" ")[0])
    assert spelling >= 1  # "bricard" has no suggestion the judge can veto away: it stays flagged at least
    kinds = [pane.group_rank(t.edit) for t in pane.review.edits]
    assert kinds == sorted(kinds)  # listed grouped by kind


def test_the_writer_can_choose_the_language(qtbot, window):
    pane = window.grammar_pane
    pane.language.setCurrentIndex(pane.language.findData("fr"))
    assert window.live.language() == "fr"


def test_every_paragraph_of_a_pasted_document_is_checked(qtbot, window):
    """A change that reaches the document's end (a paste, setPlainText) marks every paragraph it
    touched; before the fix only the first was checked."""
    window.editor.setPlainText("She go to school.\n\nTheir going to the park tomorow.")
    qtbot.waitUntil(lambda: len(window.live.review.edits) == 3, timeout=15_000)
    assert live_marks(window) == [("go", "goes"), ("Their", "They're"), ("tomorow", "tomorrow")]


def test_the_dictionary_dialog_lists_ignored_rules_by_name_and_brings_one_back(qtbot, tmp_path):
    from PySide6.QtCore import Qt

    from assistant.checking.personal import PersonalDictionary
    from tests.screens import screenshot
    from ui.dictionary_dialog import DictionaryDialog

    personal = PersonalDictionary(tmp_path)
    personal.add_word("zorblax")
    for rule in ("PronounVerbAgreement", "MissingAccents", "SpellCheck"):
        personal.ignore_rule(rule)
    dialog = DictionaryDialog(personal)
    qtbot.addWidget(dialog)
    dialog.show()
    screenshot(dialog, "dictionary_dialog.png")
    items = [dialog.rules.item(i) for i in range(dialog.rules.count())]
    assert [i.text() for i in items] == ["Missing accents", "Pronoun verb agreement", "Spell check"]
    assert all(i.checkState() == Qt.CheckState.Checked for i in items)
    items[0].setCheckState(Qt.CheckState.Unchecked)  # "Missing accents" checked again
    dialog.save()
    assert personal.rules() == ["PronounVerbAgreement", "SpellCheck"]
    assert personal.words() == ["zorblax"]
    assert PersonalDictionary(tmp_path).rules() == ["PronounVerbAgreement", "SpellCheck"]  # persisted


def test_learner_patterns_and_folded_fixes_are_underlined_live(qtbot, window):
    shows_marks(qtbot, window, "I am agree with you. She discuss about the plan. We went to home early.",
                [("am agree", "agree"), ("discuss about", "discusses"), ("to home", "home")], "learner_patterns.png")
    actions = menu_at(window, window.editor.toPlainText().index("agree"))
    assert "→ agree" in actions and "Ignore rule “Be agree”" in actions
    actions["Ignore rule “Be agree”"].trigger()
    assert window.personal.ignores("BeAgree")
    assert [m[0] for m in live_marks(window)] == ["discuss about", "to home"]  # the other rules stay
    window.personal.set_rules([])


def test_this_stops_rules_are_underlined_live_and_right_english_is_not(qtbot, window):
    """Stop 35's rules in the window: a plural after "many", agreement after a determiner, "alot"; and
    "I was there yesterday" and "you guys", which Harper flagged, carry no underline."""
    shows_marks(qtbot, window, "There are many car in the street. My friends is here. I have alot of work. "
                               "I was there yesterday and I hope you guys enjoyed it.",
                [("car", "cars"), ("is", "are"), ("alot", "a lot")], "stop35_rules.png")
    actions = menu_at(window, window.editor.toPlainText().index("car "))
    assert "→ cars" in actions
    actions["→ cars"].trigger()
    assert window.editor.toPlainText().startswith("There are many cars in the street.")


def test_a_missing_comma_after_an_opening_phrase_is_underlined_on_its_word(qtbot, window):
    """IntroductoryComma in the window: the underline is on the word the comma follows, and taking it puts
    the comma there, the rest of the text as it was."""
    shows_marks(qtbot, window, "It rained all day. For example we stayed home. In my opinion it was fine.",
                [("example", "example,"), ("opinion", "opinion,")], "opening_comma.png")
    actions = menu_at(window, window.editor.toPlainText().index("example"))
    assert "→ example," in actions
    actions["→ example,"].trigger()
    assert window.editor.toPlainText() == "It rained all day. For example, we stayed home. In my opinion it was fine."


def test_stop_41s_commas_and_sound_alike_spellings_are_underlined_live(qtbot, window):
    """A comma before "but" between two clauses, one after an opening phrase before a noun subject, and a
    word spelt by ear with the word it sounds like first in its menu."""
    shows_marks(qtbot, window, "I am sorry to go on like this but right now I am busy. "
                               "In a market economy the price must reflect costs. I like cigarrets.",
                [("this", "this,"), ("economy", "economy,"), ("cigarrets", "cigarettes")], "stop41_rules.png")
    actions = menu_at(window, window.editor.toPlainText().index("cigarrets"))
    assert "→ cigarettes" in actions and "→ cigarets" in actions
    actions["→ cigarettes"].trigger()
    assert window.editor.toPlainText().endswith("I like cigarettes.")


def test_stop_42s_rules_are_underlined_live(qtbot, window):
    """An article before an adjective and its noun, a regular past of an irregular verb, a split compound,
    "its" for "it's", and a short French sentence checked as French ("j'ai fais")."""
    shows_marks(qtbot, window, "This is important thing. Their parents teached them. Now a days its very hard.\n\n"
                               "J'ai fais le trajet.",
                [("important", "an important"), ("teached", "taught"), ("Now a days", "Nowadays"),
                 ("its", "it's"), ("fais", "fait")], "stop42_rules.png", 30_000)
    actions = menu_at(window, window.editor.toPlainText().index("teached"))
    assert "→ taught" in actions
    actions["→ taught"].trigger()
    assert "Their parents taught them." in window.editor.toPlainText()


def test_stop_43s_rules_are_underlined_live(qtbot, window):
    """A German determiner that does not agree with its noun (by Wiktionary's genders), with both forms it can
    take in the menu, beside this stop's English patterns ("a lot of scientist", "an experts")."""
    shows_marks(qtbot, window, "There are a lot of scientist who will become an experts.\n\n"
                               "Ich kaufe einen T-Shirt und gehe dann nach ihren Lehrerin.",
                [("scientist", "scientists"), ("experts", "expert"), ("einen", "ein"), ("ihren", "ihrer")],
                "stop43_rules.png", 30_000)
    actions = menu_at(window, window.editor.toPlainText().index("ihren"))
    assert "→ ihrer" in actions and "→ ihre" in actions
    actions["→ ihrer"].trigger()
    assert window.editor.toPlainText().endswith("gehe dann nach ihrer Lehrerin.")


def test_stop_44s_rules_are_underlined_live(qtbot, window):
    """This stop's rules in the window as the writer types: French determiners and adjectives by DELA's genders,
    a German noun in lower case, an English irregular verb given the regular ending, a learner pattern."""
    shows_marks(qtbot, window, "She like apples and has dealed with it.\n\n"
                               "Je vois un voiture devant une maison blanc.\n\n"
                               "Ich habe einen kleinen hund.",
                [("like", "likes"), ("dealed", "dealt"), ("un", "une"), ("blanc", "blanche"), ("hund", "Hund")],
                "stop44_rules.png", 30_000)
    actions = menu_at(window, window.editor.toPlainText().index("blanc"))
    assert "→ blanche" in actions
    actions["→ blanche"].trigger()
    assert "devant une maison blanche." in window.editor.toPlainText()


def test_stop_45s_spellings_and_patterns_are_underlined_live(qtbot, window):
    """A common misspelling gets the word people mean first ("wich": which, the nearer "with" in the menu
    after it), and this stop's learner patterns and commas, as the writer types."""
    shows_marks(qtbot, window, "Second the car wich I like is old. We will able to fix it and I got good score.",
                [("Second", "Second,"), ("wich", "which"), ("able", "be able"), ("good", "a good")],
                "stop45_rules.png", 30_000)
    actions = menu_at(window, window.editor.toPlainText().index("wich"))
    names = list(actions)
    assert names.index("→ which") < names.index("→ with")
    actions["→ which"].trigger()
    assert window.editor.toPlainText().startswith("Second the car which I like")


def test_the_conjugators_french_rules_are_underlined_live(qtbot, window):
    """A French paragraph gets the conjugator's rules as it is typed: the participle after avoir and
    être (the other gender in the menu), a verb in another person's form, and one in the other number than
    its noun subject's."""
    shows_marks(qtbot, window, "Hier je suis aller au marché et j'ai acheter des pommes, mais tu parle trop. "
                               "Les pommes était bonnes.",
                [("aller", "allé"), ("acheter", "acheté"), ("parle", "parles"), ("était", "étaient")],
                "french_conjugator_rules.png", 30_000)
    actions = menu_at(window, window.editor.toPlainText().index("aller"))
    assert "→ allé" in actions and "→ allée" in actions
    actions["→ allée"].trigger()
    assert window.editor.toPlainText().startswith("Hier je suis allée au marché")
