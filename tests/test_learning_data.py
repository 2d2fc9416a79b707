"""Exercises grounded in language data: the conjugator, frequency bands, real-word checks, and the
model-language table. All deterministic: no model runs here, so every assertion is exact."""

from __future__ import annotations

import logging
import os
import random
import subprocess
import sys

import pytest

from assistant.backends.base import BackendInfo
from assistant.languages import get_language
from assistant.learning import agreement, conjugation, lexicon, parts_of_speech, present_tense
from assistant.learning.distractors import distractor_candidates
from assistant.learning.exercises import Exercise, ExerciseError, spec, types, unavailable
from assistant.learning.grading import grade
from assistant.learning.item_checks import validate
from assistant.learning.items import content_words, words_from_text
from assistant.model_languages import able, model_languages, refusal, refusal_with_advice
from assistant.prompting import Strategy

FR, EN, DE, ES = get_language("fr"), get_language("en"), get_language("de"), get_language("es")


# conjugation ------------------------------------------------------------------------------
@pytest.mark.parametrize("lang,text,wrong", [
    ("fr", "Je prend la ligne par train", ("je", "prend", "prends")),
    ("fr", "Nous mangeons et ils mange.", ("ils", "mange", "mangent")),
    ("fr", "J'aime les pommes, elle aimes le café", ("elle", "aimes", "aime")),
    ("fr", "Je ne le lui prend pas.", ("je", "prend", "prends")),
    ("es", "Yo come manzanas.", ("yo", "come", "como")),
    ("it", "Io sono stanco, lui sono felice.", ("lui", "sono", "è")),
    ("pt", "Eu falamos português.", ("eu", "falamos", "falo")),
])
def test_a_verb_that_does_not_agree_with_its_subject_pronoun_is_found(lang, text, wrong):
    found = agreement.disagreements(text, lang)
    assert [(d.pronoun, d.written, d.wanted) for d in found] == [wrong]


@pytest.mark.parametrize("lang,text", [
    ("fr", "Je prends la ligne. Je ne le lui donne pas. Nous nous levons tôt."),
    ("fr", "Je suis allé au cinéma et elles sont parties. Je vis à Paris."),
    ("fr", "Il parle avec elle souvent, on va au cinéma. Tu es là ? Vous êtes ici."),
    ("fr", "Je mange souvent les pâtes, je ___ le train."),  # a gap is no verb
    ("es", "Yo como manzanas y ella come pan. Voy con ella mañana. Ellos no lo saben."),
    ("es", "Voy con ellos vamos."),  # "ellos" after a preposition is no subject: not judged
    ("it", "Io non lo so. Parlo con lei spesso."),
    ("pt", "Nós falamos português e eu falo inglês."),
    ("de", "Ich gehe nach Hause."),  # no conjugator: nothing is judged
])
def test_verbs_that_agree_are_left_alone(lang, text):
    assert agreement.disagreements(text, lang) == []


def test_an_infinitive_where_the_participle_belongs_is_found_and_the_exercise_refused():
    (slip,) = agreement.participle_slips("Hier, j'ai acheter du pain.", "fr")
    assert (slip.auxiliary, slip.written, slip.wanted) == ("ai", "acheter", "acheté")
    assert agreement.participle_slips("Hier, j'ai acheté du pain et je vais manger.", "fr") == []
    assert agreement.participle_slips("Ayer he comer.", "es") == []  # French data only
    from assistant.languages import get_language
    from assistant.learning.exercises import ExerciseError
    from assistant.learning.item_checks import _check_agreement

    with pytest.raises(ExerciseError, match="participle “acheté”"):
        _check_agreement("Hier, j'ai acheter du pain.", get_language("fr"), "sentence")
    # a present form written for the participle, as Gemma wrote it in stop 42's benchmark
    with pytest.raises(ExerciseError, match="participle “fait”"):
        _check_agreement("J'ai fais le trajet en train avec mon grand-père.", get_language("fr"), "sentence")


def test_a_german_determiner_that_does_not_agree_with_its_noun_refuses_the_exercise():
    """Gemma wrote "einen T-Shirt" and "nach ihren Lehrerin" in stop 42's benchmark, and every word check passed
    them: by Wiktionary's nouns (german-nouns) T-Shirt is neuter and Lehrerin feminine. With an adjective between
    the determiner is still judged; a gap is no noun."""
    from assistant.languages import get_language
    from assistant.learning import determiners
    from assistant.learning.exercises import ExerciseError
    from assistant.learning.item_checks import _check_agreement

    assert determiners.can_check("de") and not determiners.can_check("es")
    german = get_language("de")
    for text, match in [("Ich kaufe einen T-Shirt.", "“einen T-Shirt”: “T-Shirt” is neuter"),
                        ("Ich gehe nach ihren Lehrerin.", "“ihren Lehrerin”: “Lehrerin” is feminine"),
                        ("Ich sehe einen schönen T-Shirt.", "“einen T-Shirt”"),
                        ("Ein Kinder spielt im Garten.", "“Ein Kinder”: “Kinder” is plural")]:
        with pytest.raises(ExerciseError, match=match):
            _check_agreement(text, german, "sentence")
    _check_agreement("Ich kaufe ein ___ für meinen Bruder.", german, "sentence")
    _check_agreement("Ich kaufe ein T-Shirt und eine Hose für meinen Bruder.", german, "sentence")


def test_a_german_nouns_distractors_have_its_gender_and_case_by_the_nouns_data():
    """After "einen" the answer "Zug" is masculine accusative: "Hund" and "Tisch" fit there, "Katze", "Haus" and
    "Kinder" would give the answer away. The data decides, so no model is asked (no backend is given)."""
    from assistant.learning import determiners
    from assistant.learning.distractors import _agreeing_nouns

    pool = ["Hund", "Katze", "Haus", "Tisch", "Kinder"]
    assert _agreeing_nouns(None, "einen", "Zug", pool, "de") == ["Hund", "Tisch"]
    assert determiners.slot_readings("die", "Schule", "de") and not determiners.slot_readings("das", "Schule", "de")
    assert not determiners.fits_slot("Haus", determiners.slot_readings("die", "Schule", "de"), "de")


def test_a_french_determiner_of_the_other_gender_refuses_the_exercise_and_the_data_chooses_distractors():
    """By DELA's nouns "voiture" is feminine and "père" masculine; "la ___" wants a feminine noun among the
    options, "un ___" a masculine one (or one of either gender, "livre"). No model is asked."""
    from assistant.languages import get_language
    from assistant.learning.distractors import _agreeing_nouns
    from assistant.learning.exercises import ExerciseError
    from assistant.learning.item_checks import _check_agreement

    french = get_language("fr")
    for text, match in [("Je vois un voiture rouge.", "“un voiture”: “voiture” is feminine"),
                        ("Il parle avec sa père.", "“sa père”: “père” is masculine")]:
        with pytest.raises(ExerciseError, match=match):
            _check_agreement(text, french, "sentence")
    with pytest.raises(ExerciseError, match="“les maison”: after “les” the noun is “maisons”"):
        _check_agreement("Je vois les maison.", french, "sentence")
    with pytest.raises(ExerciseError, match="“maison blanc”: the adjective agreeing is “blanche”"):
        _check_agreement("Nous avons une maison blanc.", french, "sentence")
    _check_agreement("Je la porte à une amie, puis je mange une grande pomme rouge.", french, "sentence")
    pool = ["voiture", "chien", "table", "livre", "garçon"]
    assert _agreeing_nouns(None, "la", "maison", pool, "fr") == ["voiture", "table", "livre"]
    assert _agreeing_nouns(None, "un", "chat", pool, "fr") == ["chien", "livre", "garçon"]


@pytest.mark.parametrize("lang,text,verb,some_wrong", [
    ("fr", "Je mange une pomme.", "mange", {"manges", "mangeons", "mangent"}),
    ("fr", "Le soir, elle finit son travail.", "finit", {"finis", "finissons", "finissent"}),
    ("fr", "J'ai une maison.", "ai", {"as", "a", "ont"}),
    ("fr", "Je vais au jardin.", "vais", {"vas", "va", "vont"}),
    ("es", "Ella habla español.", "habla", {"hablo", "hablamos", "hablan"}),  # simplemma: 'habla' the noun
    ("it", "Io parlo italiano.", "parlo", {"parla", "parliamo", "parlano"}),
    ("pt", "Eu falo português.", "falo", {"fala", "falamos", "falam"}),
])
def test_an_agreement_slip_is_a_mistake_by_the_conjugators_tables(lang, text, verb, some_wrong):
    """A 'find the mistake' item puts a verb in another person's form of its tense, one its pronoun never
    takes: the sentence with the slip is wrong whatever tense it is read in, and the correction is the
    sentence as written."""
    slips = agreement.slips(text, lang)
    assert {s.right for s in slips} == {verb}
    wrong = {s.wrong for s in slips}
    assert some_wrong <= wrong and verb not in wrong
    lemma = {"mange": "manger", "finit": "finir", "ai": "avoir", "vais": "aller", "habla": "hablar",
             "parlo": "parlare", "falo": "falar"}[verb]
    person = tuple(agreement._data()[lang]["person"][slips[0].pronoun])
    pronouns_forms, all_forms = set(), set()
    for tenses in conjugation.table(lang, lemma, pronouns=False)["moods"].values():
        for entries in tenses.values():
            for e in entries:
                all_forms.update(e.get("c", []))
                if (e.get("p"), e.get("n")) == person:
                    pronouns_forms.update(e.get("c", []))
    assert wrong <= all_forms - pronouns_forms  # forms of the verb that the pronoun takes in no tense
    assert "mangions" not in wrong and "finîmes" not in wrong  # the verb's commonest tense, not another


def test_small_word_variants_change_one_article_or_preposition():
    from assistant.learning.items import small_word_variants

    variants = small_word_variants("Je passe par train.", "fr")
    assert "Je passe en train." in variants  # swapped
    assert "Je passe train." in variants  # taken out
    assert "Je passe par le train." in variants  # put in
    assert not any(v.startswith(("Le Je", "Je Je")) or v == "Je passe par train." for v in variants)
    assert all(v.split()[0] == "Je" for v in variants)  # the first word keeps its place and capital
    assert small_word_variants("Je passe par train.", "zh") == []  # no list for the language
    # the insides of "l'homme" and "aujourd'hui" are no place for a small word
    assert not any("l' " in v or "l'le" in v or "aujourd'le" in v
                   for v in small_word_variants("Aujourd'hui je vois l'homme.", "fr"))


def test_a_model_sentence_naming_the_same_thing_twice_is_refused():
    from assistant.learning.item_checks import _check_said_twice

    with pytest.raises(ExerciseError, match="the sentence says “gare” twice"):
        _check_said_twice("Je vais à la gare de la gare", FR)
    with pytest.raises(ExerciseError, match="the sentence says “estación” twice"):
        _check_said_twice("Viaje por tren, la estación de la estación", ES)
    with pytest.raises(ExerciseError, match="the sentence says “œufs” twice"):  # stop 38's benchmark
        _check_said_twice("Je mange des oeuf et des œufs.", FR)
    _check_said_twice("Je vais au jardin, je vais voir les plantes.", FR)  # a verb may come back
    _check_said_twice("Me gusta la playa, pero no me gusta el sol", ES)
    _check_said_twice("Der Zug fährt um acht Uhr.", DE)


@pytest.mark.parametrize("lang,sentence,message", [
    ("fr", "le tombe en bois.", "does not start with a capital letter"),  # stop 34's benchmark, a vocab example
    ("de", "Wir leben in einem.", "stops at “einem”, mid-phrase"),
    ("fr", "Je suis un grand fan de.", "stops at “de”"),
    ("es", "Mi casa y.", "stops at “y”"),
    ("fr", "Je joue à l'acteur", "does not end with a full stop"),
    ("de", "« Ich schlafe »", "does not end with a full stop"),
    ("es", "Cual es la escuela donde mis padres se unieron?", "does not open with “¿”"),  # stop 42's benchmark
    ("es", "Qué bonito día!", "does not open with “¡”"),
])
def test_a_model_sentence_that_is_no_whole_sentence_is_refused(lang, sentence, message):
    from assistant.learning.item_checks import check_whole

    with pytest.raises(ExerciseError, match=message):
        check_whole(sentence, get_language(lang), "sentence")


@pytest.mark.parametrize("lang,sentence", [
    ("fr", "Donne-la."),  # a pronoun joined by a hyphen, not a dangling article
    ("fr", "« Bonjour ! »"),
    ("fr", "Il a dit « oui »."),
    ("es", "¿Dónde está la estación?"),
    ("es", "¡Qué bonito día!"),
    ("es", "Dime, ¿dónde está la estación?"),  # the question opens mid-sentence
    ("de", "Ich komme mit."),  # a separable verb's particle, not a stranded preposition
    ("de", "Ich mag das."),
    ("nl", "Ik weet het."),
    ("fr", "200 personnes viennent."),
    ("en", "What are you afraid of?"),
    ("zh", "我在读一本关于这座城市历史的书。"),  # no capitals, an ideographic full stop
])
def test_a_whole_sentence_is_let_through(lang, sentence):
    from assistant.learning.item_checks import check_whole

    check_whole(sentence, get_language(lang), "sentence")


def test_a_german_sentence_opening_with_a_pronoun_and_an_infinitive_is_refused():
    """"Ich kochen gerne" (stop 34's benchmark) passed every check: German has no conjugator here, and a
    main clause's finite verb is never its infinitive after ich, du, er or es."""
    from assistant.learning.item_checks import _check_agreement

    for wrong, pair in [("Ich kochen gerne auf der Couch.", "“Ich kochen”"), ("Er wandern oft.", "“Er wandern”"),
                        ("Du sammeln Briefmarken.", "“Du sammeln”")]:
        with pytest.raises(ExerciseError, match=f"the sentence has {pair}: after .* not the infinitive"):
            _check_agreement(wrong, DE, "sentence")
    for right in ["Ich koche gerne.", "Wir kochen gerne.", "Sie kochen gerne.", "Es regnet.", "Ich gehe morgen.",
                  "Weil ich kochen kann, bleibe ich zu Hause.", "Ich morgen?", "Ich | gerne."]:
        _check_agreement(right, DE, "sentence")  # wir/sie take that form; a subordinate clause may end so
    assert agreement.bare_infinitives("Je manger.", "fr") == []  # the conjugator's languages: disagreements


def test_a_french_pas_without_ne_is_refused_as_spoken_french():
    """"Je l'ai ___ lu." with the answer "pas" (stop 38's benchmark): written French keeps "ne". "pas" the noun,
    "pourquoi pas" and a sentence opening with "Pas" are left alone."""
    from assistant.learning.item_checks import check_negation

    fr = get_language("fr")
    for wrong in ["Je l'ai pas lu.", "C'est pas mal.", "J'aime pas ça."]:
        with pytest.raises(ExerciseError, match="has “pas” without “ne”: spoken, not written French"):
            check_negation(wrong, fr, "sentence")
    for right in ["Je ne l'ai pas lu.", "Il n'est pas là.", "Je n’ai pas faim.", "Pourquoi pas ?",
                  "La gare est à deux pas.", "Pas de problème.", "Il fait un pas en avant.", "Il avance pas à pas.",
                  "Il marche à grands pas."]:
        check_negation(right, fr, "sentence")
    check_negation("Das ist pas.", DE, "sentence")  # only where the data has the pair


def test_a_german_sentence_opening_with_a_pronoun_and_a_bare_stem_is_refused():
    """"Ich ___ ein Kleid." with the answer "kauf" (stop 38's benchmark): spoken German a learner should not
    copy. "soll" is a stem and a form of its own ("ich soll", "er soll"); strong pasts are not stems."""
    from assistant.learning.item_checks import _check_agreement

    for wrong, pair in [("Ich kauf ein Kleid.", "“Ich kauf”"), ("Ich hab Hunger.", "“Ich hab”"),
                        ("Du geh nach Hause.", "“Du geh”"), ("Ich trag eine Jacke.", "“Ich trag”")]:
        with pytest.raises(ExerciseError, match=f"the sentence has {pair}"):
            _check_agreement(wrong, DE, "sentence")
    for right in ["Ich kaufe ein Kleid.", "Er soll kommen.", "Ich soll gehen.", "Ich kann schwimmen.",
                  "Ich sah ihn.", "Ich las ein Buch.", "Ich weiß es.", "Ich sammle Briefmarken.", "Ich tu das."]:
        _check_agreement(right, DE, "sentence")


def test_the_apps_english_translation_gets_the_grammar_rules_corrections():
    """Gemma translated a sentence as "I am working in a office." (stop 34's benchmark); the translation a learner
    reads gets the Grammar pane's rule corrections. Right English, and other languages, stay as written."""
    from assistant.learning.glosses import rules_corrected

    assert rules_corrected("I am working in a office.", EN) == "I am working in an office."
    assert rules_corrected("She have a apple.", EN) == "She has an apple."
    for right in ["The train is fast, and I feel good.", "My class has been visiting the school since 1965."]:
        assert rules_corrected(right, EN) == right
    assert rules_corrected("Il a un pomme.", FR) == "Il a un pomme."  # no rules for French here


def test_a_slip_keeps_the_elision_its_verb_takes():
    """"j'" stands before a vowel and "je" before a consonant: a slip makes no second mistake of elision."""
    assert {s.wrong for s in agreement.slips("Je vais voir.", "fr")} == {"vas", "va", "vont"}  # not "je allez"
    assert all(s.wrong[0] in "aeiouh" for s in agreement.slips("J'habite ici.", "fr"))
    assert agreement.slips("Ich gehe nach Hause.", "de") == []  # no conjugator
    assert agreement.slips("Le train part à huit heures.", "fr") == []  # no subject pronoun


@pytest.mark.parametrize("lang,verb,mood,tense,person,answer", [
    ("fr", "aller", "indicatif", "présent", ("1", "p"), "nous allons"),
    ("fr", "être", "indicatif", "imparfait", ("1", "s"), "j'étais"),
    ("fr", "finir", "indicatif", "passé-composé", ("3", "p"), "ils ont fini"),
    ("fr", "venir", "subjonctif", "présent", ("2", "s"), "que tu viennes"),
    ("es", "ser", "indicativo", "presente", ("1", "s"), "yo soy"),
    ("es", "tener", "indicativo", "pretérito-perfecto-simple", ("3", "s"), "él tuvo"),
    ("it", "essere", "indicativo", "presente", ("1", "s"), "io sono"),
    ("it", "avere", "indicativo", "futuro", ("1", "p"), "noi avremo"),
    ("pt", "ser", "indicativo", "presente", ("1", "s"), "eu sou"),
    ("pt", "falar", "indicativo", "pretérito-perfeito", ("1", "s"), "eu falei"),
])
def test_conjugator_gives_the_known_forms(lang, verb, mood, tense, person, answer):
    f = conjugation.form(lang, verb, mood, tense, person)
    assert f.answer == answer
    assert f.bare and answer.endswith(f.bare) and f.bare != answer  # the form alone, its pronoun left out


@pytest.mark.parametrize("lang", conjugation.languages())
def test_every_drilled_tense_and_person_exists_for_common_verbs(lang):
    """The tense table in resources names only tenses the conjugator has, for every person asked."""
    persons = [tuple(p) for p in lexicon.data()["conjugation"]["persons"]]
    verbs = conjugation.verbs_for(lang, "A1")
    assert len(verbs) >= 30  # the A1 band holds the common verbs
    for mood, tense in conjugation.tenses_for(lang, "C2"):
        for person in persons:
            for verb in verbs[:3]:  # être/avoir/faire and the like: the irregular ones
                assert conjugation.form(lang, verb, mood, tense, person).answer


def test_drills_are_correct_by_construction_and_graded_with_or_without_the_pronoun():
    rng = random.Random(7)
    for lang in conjugation.languages():
        for level in ("A1", "B1", "C2"):
            allowed = conjugation.tenses_for(lang, level)
            for _ in range(5):
                f = conjugation.drill(lang, level, rng)
                assert (f.mood, f.tense) in allowed
                assert f.infinitive in conjugation.verbs_for(lang, level)
                ex = Exercise("inflection", {"lemma": f.infinitive, "form": f.label, "answer": f.answer})
                validate(ex, get_language(lang))
                assert grade(f.answer, ex.answer, ex.alternatives()).correct
                if f.person and f.answer.split()[0] == f.person:
                    assert grade(f.bare, ex.answer, ex.alternatives()).correct  # "allons" for "nous allons"
    assert conjugation.tenses_for("fr", "A1") == [("indicatif", "présent")]


def test_an_unknown_verb_is_refused_not_invented():
    with pytest.raises(conjugation.ConjugationError, match="does not know the verb “bricarder”"):
        conjugation.table("fr", "bricarder")
    with pytest.raises(conjugation.ConjugationError, match="no conjugator"):
        conjugation.table("de", "gehen")


def test_drills_skip_what_the_bank_has():
    seen: set[str] = set()
    rng = random.Random(1)
    for _ in range(20):
        f = conjugation.drill("fr", "A1", rng, lambda f: f.answer not in seen)
        assert f.answer not in seen
        seen.add(f.answer)
    with pytest.raises(conjugation.ConjugationError, match="already in the bank"):
        conjugation.drill("fr", "A1", rng, lambda _f: False)


def test_the_conjugator_leaves_no_log_file_and_the_logging_set_up_alone(tmp_path):
    """verbecc's own set-up writes verbecc.log into the working directory and resets the root
    logger; through the app it does neither (checked in a fresh interpreter)."""
    code = ("import logging; logging.getLogger().setLevel(logging.DEBUG);"
            "from assistant.learning import conjugation as c; c.form('fr','aller','indicatif','présent',('1','p'));"
            "assert logging.getLogger().level == logging.DEBUG, logging.getLogger().level; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": os.getcwd()}, check=False)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
    assert list(tmp_path.iterdir()) == []
    # only a handler that keeps its complaints off stderr (logging's last resort), none of verbecc's own
    assert all(type(h) is logging.NullHandler for h in logging.getLogger("verbecc").handlers)


# words ------------------------------------------------------------------------------------
def test_nonsense_french_is_named_word_by_word():
    text = "La ville est le grande crédit de la rue et le bricard leur même pour l'ouleur, et l'aubrage."
    assert lexicon.unknown_words(text, "fr") == ["bricard", "ouleur", "aubrage"]
    assert lexicon.unknown_words("Nous sommes allés au cinéma avec Marie hier soir.", "fr") == []
    # Polish has no spelling dictionary here: its frequency list decides.
    assert lexicon.unknown_words("Dzisiaj jest ładna pogoda, ale blorpt.", "pl") == ["blorpt"]
    assert lexicon.is_real_word("sommes allés", "fr") and not lexicon.is_real_word("Bricard", "fr")
    with pytest.raises(lexicon.NoLanguageData):
        lexicon.unknown_words("我在读书。", "zh")


def test_frequency_bands_follow_the_levels():
    a1, a2 = lexicon.words_for_level("fr", "A1"), lexicon.words_for_level("fr", "A2")
    assert {"maison", "parler", "femme"} <= set(a1) and not set(a1) & set(a2)
    assert lexicon.band("A1") == (0, 1000) and lexicon.band("A2") == (1000, 2000)
    assert lexicon.level_of("maison", "fr") == "A1" and lexicon.level_of("parapluie", "fr") not in ("A1", "A2")
    assert lexicon.level_of("xqzt", "fr") is None
    cards = content_words(FR, "A1")
    assert "maison" in cards and not {"de", "le", "et", "un"} & set(cards)  # grammatical words get no card
    assert all(lexicon.is_real_word(w, "fr") for w in cards[:200])
    with pytest.raises(ValueError, match="unknown level"):
        lexicon.band("Z9")


def test_words_from_a_document_in_the_target_language():
    text = "Ma famille habite dans une petite maison. La maison de ma famille a un jardin et un chat."
    words = words_from_text(text, FR, "A2")
    assert words[:2] == ["famille", "maison"] or words[:2] == ["maison", "famille"]
    assert "jardin" in words and "la" not in words
    assert words_from_text("My family lives in a small house with a garden.", FR, "A2") == []


@pytest.mark.parametrize("kind,fields,message", [
    ("cloze", {"sentence": "La ville est le grande crédit de la rue et le bricard ___ même.", "answer": "leur",
               "hint": "their"}, "words that are not French: “bricard”"),
    ("cloze", {"sentence": "Il a été la naï___des chagrés.", "answer": "Bien sûr", "hint": "x"}, "inside a word"),
    ("cloze", {"sentence": "Je bois un ___ le matin.", "answer": "ouleur", "hint": "a drink"},
     "“ouleur” is not a French word"),
    ("cloze", {"sentence": "Le chien ___.", "answer": "mange ses oeufs pour le repas", "hint": "x"}, "a phrase"),
    ("choice", {"sentence": "Nous ___ au cinéma hier soir.", "options": ["sommes allés", "allons", "bricons", "aller"],
                "answer": "sommes allés"}, "“bricons” is not a French word"),
    ("vocab", {"word": "pomme", "translation": "the aple", "example": "Je mange une pomme."},
     "translation has words that are not English: “aple”"),
    ("translate", {"source": "The train leaves at eight.", "answer": "Le trane part à huit heures."},
     "answer has words that are not French: “trane”"),
    # a name no frequency list has seen is the model's invention (benchmark: "d'Écossie" for Écosse)
    ("translate", {"source": "I am going to Scotland tomorrow.", "answer": "Je vais en Écossie demain."},
     "answer has words that are not French: “Écossie”"),
    # a verb that does not agree with its subject pronoun (benchmark: "Je prend la ligne par train")
    ("translate", {"source": "I take the train.", "answer": "Je prend le train."},
     "after “je” the verb is “prends”"),
    ("error_spot", {"sentence": "Yo comer manzanas.", "answer": "Yo come manzanas.", "explanation": "person"},
     None),
    # a model stuck in a loop, and a "translation" twice the sentence's length (benchmark: both were hints)
    ("translate", {"source": "The garden is as big as a garden garden garden garden.",
                   "answer": "Le jardin est grand."}, "the translation repeats “garden”"),
    ("translate", {"source": "The students are the most welcoming.",
                   "answer": "Les élèves sont les plus accueillants et les plus accueillants."},
     "the sentence says “les plus accueillants” twice"),
    ("translate", {"source": "I used to buy my clothes for the summer, so I took them to the winter to buy shoes.",
                   "answer": "J'achète des chaussures."}, "the translation has 19 words for a sentence of 3"),
    # a card whose example does not use its word, or whose "translation" is a sentence (benchmark)
    ("vocab", {"word": "extérieur", "translation": "outside", "example": "La ferme est ouverte le matin."},
     "the example does not use “extérieur”"),
    ("vocab", {"word": "secret", "translation": "in train, but not too far from the train",
               "example": "C'est un secret."}, "the translation is 9 words, not the word's meaning"),
    # markup the model left in (benchmark: "Je cuisine une salade de cour</h4>")
    ("translate", {"source": "I cook a salad.", "answer": "Je cuisine une salade</h4>"}, "the answer has markup: “<”"),
    # the worked example's explanation copied onto a correction that is no reordering (benchmark)
    ("error_spot", {"sentence": "Le mode du shopping.", "answer": "La mode du shopping.", "explanation": "word order"},
     "the explanation “word order” is the example's"),
    # the "correction" is another sentence, not the first with its one mistake put right
    ("error_spot", {"sentence": "Les écoles de Paris sont bien meilleures que les écoles de Lyon.",
                    "answer": "Mon frère aime beaucoup le chocolat chaud le matin.", "explanation": "word order"},
     "changes 12 words, not one mistake"),
])
def test_items_with_words_the_language_lacks_are_refused(kind, fields, message):
    target = ES if kind == "error_spot" and message is None else FR
    with pytest.raises(ExerciseError, match=message or "after “yo” the verb is “como”"):
        validate(Exercise(kind, fields), target, None, EN)


def test_real_items_pass():
    for kind, fields in [
        ("cloze", {"sentence": "Je bois un ___ le matin.", "answer": "café", "hint": "a hot drink"}),
        ("choice", {"sentence": "Nous ___ au cinéma hier soir.",
                    "options": ["sommes allés", "allons", "irons", "aller"], "answer": "sommes allés"}),
        ("vocab", {"word": "pomme", "translation": "apple", "example": "Je mange une pomme rouge."}),
        ("translate", {"source": "The train leaves at eight.", "answer": "Le train part à huit heures."}),
        ("error_spot", {"sentence": "Elle a mangé les pommes vert.", "answer": "Elle a mangé les pommes vertes.",
                        "explanation": "agreement"}),
        ("error_spot", {"sentence": "Hier je suis mangé au restaurant.",
                        "answer": "Hier j'ai mangé au restaurant.", "explanation": "the auxiliary"}),
        ("error_spot", {"sentence": "Je pas aime le café.", "answer": "Je n'aime pas le café.",
                        "explanation": "negation"}),
        ("translate", {"source": "I am going to Paris with Marie.", "answer": "Je vais à Paris avec Marie."}),
        ("error_spot", {"sentence": "Je mange pomme une.", "answer": "Je mange une pomme.",
                        "explanation": "word order"}),
        ("vocab", {"word": "vouloir", "translation": "to want", "example": "J'ai voulu partir tôt."}),
        ("vocab", {"word": "la pomme", "translation": "the apple", "example": "Les pommes sont rouges."}),
    ]:
        validate(Exercise(kind, fields), FR, None, EN)


@pytest.mark.parametrize("lang,word,translation,example", [
    ("es", "pago", "to pay", "Yo pago la cuenta."),  # "pago": a payment, or "I pay" (stop 40's benchmark)
    ("fr", "gueule", "to laugh", "Il a une grande gueule."),  # a noun
    ("de", "Arbeit", "to work", "Die Arbeit ist schwer."),
])
def test_a_card_translated_as_an_infinitive_must_be_an_infinitive(lang, word, translation, example):
    with pytest.raises(ExerciseError, match=f"“{translation}” translates a verb's infinitive, and “{word}” is not one"):
        validate(Exercise("vocab", {"word": word, "translation": translation, "example": example}),
                 get_language(lang), None, EN)


@pytest.mark.parametrize("lang,word,translation,example", [
    ("es", "pagar", "to pay", "Tengo que pagar la cuenta."),
    ("es", "pago", "payment", "El pago es mañana."),
    ("fr", "se souvenir", "to remember", "Je veux me souvenir de toi."),
    ("de", "arbeiten", "to work", "Ich will heute arbeiten."),
    ("de", "Arbeit", "work", "Die Arbeit ist schwer."),
])
def test_cards_whose_translation_matches_the_words_kind_pass(lang, word, translation, example):
    validate(Exercise("vocab", {"word": word, "translation": translation, "example": example}),
             get_language(lang), None, EN)


def test_multiple_choice_distractors_come_from_the_answers_frequency_band():
    def choice(options, answer):
        return Exercise("choice", {"sentence": "J'habite dans une petite ___ avec un jardin.", "options": options,
                                   "answer": answer})

    assert [lexicon.reach_level(w, "fr") for w in ("maison", "ville", "chambre", "parapluie", "sommes")] == [
        "A1", "A1", "A1", "C1", "A1"]  # "sommes" as a form: simplemma reads it as the noun "somme"
    validate(choice(["maison", "ville", "chambre", "voiture"], "maison"), FR, None, EN)
    with pytest.raises(ExerciseError, match=r"the option “parapluie” \(C1\) is not from the answer's frequency "
                                            r"band \(A1\)"):
        validate(choice(["maison", "ville", "parapluie", "voiture"], "maison"), FR, None, EN)


# parts of speech ---------------------------------------------------------------------------
@pytest.mark.parametrize("lang,word,tag", [
    ("fr", "maison", "NOUN"), ("fr", "mangeons", "VERB"), ("fr", "pense", "VERB"), ("fr", "rapidement", "ADV"),
    ("fr", "heureusement", "ADV"), ("fr", "dans", "ADP"), ("fr", "terre", "NOUN"),  # terre: by elimination
    ("es", "hablamos", "VERB"), ("es", "duermo", "VERB"), ("es", "fácilmente", "ADV"), ("es", "por", "ADP"),
    ("es", "estación", "NOUN"), ("it", "stazione", "NOUN"), ("it", "parliamo", "VERB"), ("it", "velocemente", "ADV"),
    ("de", "Bahnhof", "NOUN"), ("de", "laufen", "VERB"), ("de", "gestern", "ADV"), ("de", "schnell", "ADJ"),
    ("en", "quickly", "ADV"), ("en", "dog", "NOUN"), ("nl", "lopen", "VERB"), ("pt", "falamos", "VERB"),
    ("pt", "por", "ADP"), ("pt", "casa", "NOUN"),
    ("fr", "sommes allés", "VERB"),  # a multiword unit has its words' parts of speech
])
def test_parts_of_speech_come_from_the_language_data(lang, word, tag):
    assert tag in parts_of_speech.tags(word, lang)


@pytest.mark.parametrize("lang,word,tag", [
    ("fr", "maison", "VERB"), ("fr", "rapidement", "NOUN"), ("fr", "mangeons", "ADV"), ("es", "hablamos", "NOUN"),
    ("es", "por", "VERB"), ("de", "Bahnhof", "VERB"), ("de", "laufen", "ADJ"), ("en", "quickly", "NOUN"),
])
def test_a_word_is_not_every_part_of_speech(lang, word, tag):
    assert tag not in parts_of_speech.tags(word, lang)


def test_a_word_the_data_cannot_place_has_no_part_of_speech():
    assert parts_of_speech.tags("", "fr") == frozenset()
    assert parts_of_speech.tags("дом", "ru") == frozenset()  # no data for Russian
    # a real word the tables do not hold is guessed a noun or adjective, and said to be only guessed
    assert parts_of_speech.tags("michel", "fr") and not parts_of_speech.placed("michel", "fr")
    assert parts_of_speech.placed("maison", "fr") and parts_of_speech.placed("Haus", "de")
    assert not parts_of_speech.placed("дом", "ru")


def test_the_tagger_is_loaded_from_its_package_not_the_working_directory(tmp_path, monkeypatch):
    """HanTa unpickles a model file named as given, from the working directory first; a file of that name
    there must not be read (an unpickled file can run code)."""
    parts_of_speech._tagger.cache_clear()
    parts_of_speech.tags.cache_clear()
    (tmp_path / parts_of_speech.data()["sources"]["de"]["tagger"]).write_bytes(b"not a model")
    monkeypatch.chdir(tmp_path)
    assert "NOUN" in parts_of_speech.tags("Hund", "de")


def _choice(sentence, options, answer):
    return Exercise("choice", {"sentence": sentence, "options": options, "answer": answer})


def test_multiple_choice_distractors_are_the_answers_part_of_speech():
    validate(_choice("J'habite dans une petite ___ avec un jardin.", ["maison", "ville", "chambre", "voiture"],
                     "maison"), FR, None, EN)
    with pytest.raises(ExerciseError, match="the option “rapidement” is an adverb, not .*a noun.* like the answer "
                                            "“maison”"):
        validate(_choice("J'habite dans une petite ___ avec un jardin.", ["maison", "ville", "rapidement", "voiture"],
                         "maison"), FR, None, EN)
    validate(_choice("Nous ___ au cinéma hier soir.", ["sommes allés", "allons", "irons", "aller"], "sommes allés"),
             FR, None, EN)
    with pytest.raises(ExerciseError, match="the option “laufen” is a verb"):
        validate(_choice("Der ___ ist groß.", ["Bahnhof", "Zug", "laufen", "Garten"], "Bahnhof"), DE, None, EN)
    validate(_choice("Der ___ ist groß.", ["Bahnhof", "Zug", "Garten", "Hund"], "Bahnhof"), DE, None, EN)
    with pytest.raises(ExerciseError, match="the option “perro” is a noun"):
        validate(_choice("Voy al cine ___ mi hermano.", ["con", "sin", "de", "perro"], "con"), ES, None, EN)


@pytest.mark.parametrize("lang,sentence,answer,wrong", [
    ("fr", "Je ___ un plat de légumes.", "cuisine", "maison"),  # "cuisine" is also a noun: after "je", a verb
    ("es", "Nosotros ___ español en clase.", "hablamos", "por"),
    ("es", "Nosotros ___ español en clase.", "hablamos", "comer"),  # a verb, but not in the answer's form
    ("fr", "Je ___ un plat de légumes.", "cuisine", "mangeons"),  # a form of another person
])
def test_after_a_subject_pronoun_every_option_is_a_verb_in_the_answers_form(lang, sentence, answer, wrong):
    target = get_language(lang)
    slot = agreement.verb_slot(sentence, answer, lang)
    assert slot is not None and slot.cell[1] == tuple(agreement.pronoun_data(lang)["person"][slot.pronoun])
    with pytest.raises(ExerciseError, match=f"the option “{wrong}” is not a verb in the answer"):
        validate(_choice(sentence, [answer, wrong, *_verb_options(sentence, answer, target)[:2]], answer), target,
                 None, EN)


def _verb_options(sentence, answer, target):
    from assistant.learning.distractors import distractor_candidates

    return distractor_candidates(sentence, answer, target, "A2", random.Random(0))


@pytest.mark.parametrize("lang,sentence,answer,forms", [
    ("fr", "Je ___ un plat de légumes.", "cuisine", {"cuisines", "cuisinons", "cuisinez", "cuisinent"}),
    ("fr", "J'___ le chocolat.", "aime", {"aimes", "aimons", "aimez", "aiment"}),
    ("fr", "Je me ___ de mes parents.", "souviens", {"souvient", "souvenons", "souvenez", "souviennent"}),
    ("fr", "Ils ___ du pain.", "mangent", {"mange", "manges", "mangeons", "mangez"}),
    ("es", "Nosotros ___ español en clase.", "hablamos", {"hablo", "hablas", "habla", "habláis", "hablan"}),
    ("it", "Io ___ la pasta.", "mangio", {"mangia", "mangiamo", "mangiate", "mangiano"}),
])
def test_a_verbs_distractors_are_its_other_persons_forms(lang, sentence, answer, forms):
    """The answer's verb in the same mood and tense for the other persons, so only the answer can follow the
    pronoun ("Je ___ en entreprise" had "reste" beside "travaille"): never a spelling the pronoun's person has
    in any tense ("cuisine" is also the third person's; "mangi" the subjunctive's), never "vos hablás"."""
    target = get_language(lang)
    slot = agreement.verb_slot(sentence, answer, lang)
    assert set(slot.other_forms()) == forms
    found = _verb_options(sentence, answer, target)
    assert len(found) >= 3 and set(found) <= forms
    for word in found:
        cells = agreement._finite_forms(lang, slot.lemma)[word]
        assert slot.cell[0] in {c[0] for c in cells} and slot.cell[1] not in {c[1] for c in cells}
    validate(_choice(sentence, [answer, *found[:3]], answer), target, None, EN)


def test_a_choice_after_a_subject_pronoun_takes_no_score_from_the_model():
    """Wrong by grammar, the other persons' forms are kept whatever a model would score (none is loaded)."""
    from assistant.learning.distractors import choice_distractors

    target = get_language("fr")
    found = choice_distractors(None, "Je ___ en entreprise et je suis occupé.", "travaille", target, "A2",
                         random.Random(1))
    assert found is not None and len(found) == 3
    assert set(found) <= {"travailles", "travaillons", "travaillez", "travaillent"}


@pytest.mark.parametrize("infinitive,person,expected", [
    ("arbeiten", ("1", "s"), "arbeite"), ("kaufen", ("1", "s"), "kaufe"), ("sammeln", ("1", "s"), "sammle"),
    ("ändern", ("1", "s"), "ändere"), ("tun", ("1", "s"), "tue"), ("fahren", ("1", "s"), "fahre"),
    ("sein", ("1", "s"), "bin"), ("sein", ("1", "p"), "sind"), ("können", ("1", "s"), "kann"),
    ("wissen", ("1", "s"), "weiß"), ("spielen", ("1", "p"), "spielen"), ("können", ("1", "p"), "können"),
])
def test_german_present_forms_after_ich_and_wir(infinitive, person, expected):
    assert present_tense.form("de", infinitive, person) == expected
    assert infinitive in present_tense.infinitives_of(expected, "de", person)


@pytest.mark.parametrize("sentence,answer,pronoun", [
    ("Ich ___ als Gastarbeiter.", "arbeite", "ich"),
    ("Wir ___ jeden Samstag Fußball.", "spielen", "wir"),
    ("Es regnet, und ich ___ zu Hause.", "bleibe", "ich"),
    ("Ich ___ müde.", "bin", "ich"),
])
def test_a_german_gap_after_ich_or_wir_is_a_verb_slot(sentence, answer, pronoun):
    slot = present_tense.verb_slot(sentence, answer, "de")
    assert slot is not None and slot.pronoun == pronoun and slot.form_of(slot.lemma) == answer


@pytest.mark.parametrize("sentence,answer", [
    ("Heute ich ___ Brot.", "esse"),  # no clause opener before the pronoun
    ("Er sagt, dass ich ___ viel.", "rede"),  # a subordinate clause: the verb goes last
    ("Ich ___ gut aus.", "sehe"),  # a separable verb's particle: the options could not share it
    ("Ich habe ein ___ im Haus.", "Gericht"),  # a noun's gap
    ("Ich ___ Kleider.", "Kaufe"),  # capitalised: a noun, not a verb form
])
def test_other_german_gaps_are_no_verb_slots(sentence, answer):
    assert present_tense.verb_slot(sentence, answer, "de") is None


@pytest.mark.parametrize("sentence,answer,forms", [
    ("Ich ___ als Gastarbeiter.", "arbeite", {"arbeitest", "arbeitet", "arbeiten"}),
    ("Wir ___ jeden Samstag Fußball.", "spielen", {"spiele", "spielst", "spielt"}),
    ("Ich ___ die Straßen.", "sehe", {"siehst", "sieht", "sehen", "seht"}),  # a stem-changer the data lists
    ("Ich ___ müde.", "bin", {"bist", "ist", "sind", "seid"}),
    ("Ich ___ das Buch.", "weiß", {"weißt", "wissen", "wisst"}),  # "weiß" is also the third person's
])
def test_german_verb_distractors_are_the_answers_verb_for_other_persons(sentence, answer, forms):
    """"Ich ___ die Straßen" had "kenne" among "sehe", "zeige", "stelle" (stop 42's benchmark): "sehe" fitted
    too. The options are now the answer's verb for the other persons, none of which can follow the pronoun."""
    target = get_language("de")
    slot = present_tense.verb_slot(sentence, answer, "de")
    assert set(slot.other_forms()) == forms
    found = _verb_options(sentence, answer, target)
    assert len(found) >= 3 and set(found) <= forms
    validate(_choice(sentence, [answer, *found[:3]], answer), target, None, EN)
    wrong = "unternehmen" if slot.cell[1] == ("1", "s") else "bringe"
    with pytest.raises(ExerciseError, match=f"the option “{wrong}” is not a verb in the answer"):
        validate(_choice(sentence, [answer, wrong, *found[:2]], answer), target, None, EN)


def test_a_german_form_the_endings_build_wrong_is_never_an_option():
    """A stem-changer the data does not list: the endings build "rechnst" and "rechnt" (German writes
    "rechnest", "rechnet"), which the frequency list does not know well enough: only "rechnen" is left,
    too few options, and the gap is not offered as a choice."""
    slot = present_tense.verb_slot("Ich ___ viel.", "rechne", "de")
    assert slot.other_forms() == ["rechnen"]
    assert _verb_options("Ich ___ viel.", "rechne", get_language("de")) == ["rechnen"]


@pytest.mark.parametrize("lang,sentence,answer", [
    ("fr", "J'habite dans une petite ___ avec un jardin.", "maison"),
    ("de", "Der ___ fährt um acht Uhr ab.", "Zug"),
    ("es", "Nosotros ___ español en clase.", "hablamos"),
])
def test_distractor_candidates_are_words_of_the_answers_band_and_kind(lang, sentence, answer):
    from assistant.learning.distractors import distractor_candidates

    target = get_language(lang)
    found = distractor_candidates(sentence, answer, target, "A2", random.Random(0))
    assert len(found) >= 3 and len(set(found)) == len(found) and answer not in found
    assert not any(w.casefold() in sentence.casefold().split() for w in found)
    for i in range(0, len(found) - 2, 3):  # real words, the answer's band and part of speech, no repeats
        validate(_choice(sentence, [answer, *found[i:i + 3]], answer), target, None, EN)
    if lang == "de":
        assert all(o[:1].isupper() for o in found)  # nouns in German are capitalised


@pytest.mark.parametrize("options,wrong,kind", [
    (["internet", "desde", "según", "yo"], "desde", "a preposition"),
    (["internet", "prensa", "también", "comunicación"], "también", "an adverb"),
    (["internet", "inglés", "tu", "viaje"], "tu", "a determiner"),
])
def test_a_closed_class_word_is_no_distractor_for_a_noun(options, wrong, kind):
    """Spanish's tables read "desde", "según", "yo", "también" as nouns too (a suffix rule's guess), and they
    stood beside "internet" and "escuela" in stop 40's benchmark."""
    with pytest.raises(ExerciseError, match=f"the option “{wrong}” is {kind}, not a noun"):
        validate(_choice("Hay muchos sitios para comprar ropa en el ___.", options, "internet"), ES, None, EN)
    from assistant.learning.distractors import distractor_candidates

    found = distractor_candidates("Hay muchos sitios para comprar ropa en el ___.", "internet", ES, "A2",
                                  random.Random(0))
    assert len(found) >= 3 and not [w for w in found if parts_of_speech.closed_class(w, "es")]


@pytest.mark.parametrize("word,lang,fair", [
    ("schönem", "de", False), ("große", "de", False), ("regelmäßig", "de", False), ("souvent", "fr", False),
    ("Haus", "de", True), ("arbeite", "de", True), ("maison", "fr", True), ("cocina", "es", True),
])
def test_a_multiple_choice_blanks_no_adjective_or_adverb(word, lang, fair):
    """"Ich kenne die Straßen mit ___ Ausblick" had "schönem" among "schön", "schnell", "gemeinsam" (stop 40's
    benchmark): the ending gave it away, and adjectives with its ending ("tollem", "gutem") fit as well. A fill
    the gap item keeps them: its hint says which is meant."""
    from assistant.learning.items import fair_gap

    assert fair_gap(word, "choice", lang) == fair
    assert fair_gap(word, "cloze", lang)


def test_a_common_nouns_distractors_are_no_names():
    """"Twitter" stood beside "Gericht" (stop 39's benchmark), "Bayern" beside "Schule" (stop 40's): the tagger
    reads both as proper nouns too, and a name among common nouns is picked out without knowing the words."""
    from assistant.learning.distractors import distractor_candidates

    target = get_language("de")
    assert "PROPN" in parts_of_speech.tags("Twitter", "de") and "PROPN" in parts_of_speech.tags("Bayern", "de")
    for seed in range(5):
        found = distractor_candidates("Ich habe ein ___ im Haus.", "Gericht", target, "A2", random.Random(seed))
        assert len(found) >= 3 and not [w for w in found if "PROPN" in parts_of_speech.tags(w, "de")]


@pytest.mark.parametrize("lang,sentence,answer,level,names", [
    ("fr", "Il a pris le ___ pour aller au travail.", "train", "A1", {"michel", "françois"}),
    ("es", "Ayer compramos una ___ muy bonita.", "casa", "A1", {"juan", "carlos", "pedro", "maría"}),
])
def test_a_first_name_is_neither_a_distractor_nor_a_card(lang, sentence, answer, level, names):
    """The frequency lists are in lower case: "michel" ranks among French nouns, and nothing but the
    list of first names keeps it from a learner's options or vocabulary cards."""
    from assistant.learning.distractors import distractor_candidates
    from assistant.learning.items import content_words

    target = get_language(lang)
    band = lexicon.words_for_level(lang, level)
    assert names <= set(band)  # the names are there to be drawn: the test tests the filter
    drawn = set()
    for seed in range(40):
        drawn.update(distractor_candidates(sentence, answer, target, level, random.Random(seed), count=40))
    assert len(drawn) > 100 and not {w for w in drawn if lexicon.is_given_name(w, lang)}
    cards = set(content_words(target, level))
    assert not names & cards
    # a first name that is also a word the data places stays a card ("rosa", a rose; "pierre", a stone)
    kept = {"fr": "pierre", "es": "rosa"}[lang]
    assert lexicon.is_given_name(kept, lang) and kept in content_words(target, lexicon.level_of(kept, lang))


def test_a_german_nouns_distractors_are_nouns_in_lower_case_too():
    """Capitalised to stand beside a noun, a conjunction or an interjection reads as a noun to the tagger:
    "Falls", "Sowas", "Hey" and "Ausschliesslich" were options beside "Nähe" and "Krankenhaus" (stop 38's
    benchmark)."""
    assert {"NOUN"} <= parts_of_speech.tags("Falls", "de") and "NOUN" not in parts_of_speech.tags("falls", "de")
    drawn = set()
    for seed in range(40):
        drawn.update(distractor_candidates("Ich arbeite in einem ___.", "Krankenhaus", DE, "A2", random.Random(seed),
                                           count=40))
    assert len(drawn) > 100 and all(w[:1].isupper() for w in drawn)
    assert all("NOUN" in parts_of_speech.tags(w.casefold(), "de") for w in drawn)
    assert not {w.casefold() for w in drawn} & {"falls", "sowas", "hey", "ausschliesslich"}


def test_a_name_the_lower_case_list_holds_is_no_distractor():
    """"madrid" and "rodríguez" were options beside "banco" and "cocina" (stop 35's benchmark): the frequency
    list is in lower case and the part-of-speech data only guessed them nouns. A distractor must be a word
    the data places."""
    es = get_language("es")
    names = {"cuba", "rusia", "londres", "garcía"}
    assert names <= set(lexicon.words_for_level("es", "A2"))  # there to be drawn: the test tests the filter
    assert not any(parts_of_speech.placed(w, "es") for w in names)
    drawn = set()
    for seed in range(40):
        drawn.update(distractor_candidates("Vivo en una ___ grande.", "casa", es, "A2", random.Random(seed), count=40))
    assert len(drawn) > 100 and all(parts_of_speech.placed(w, "es") for w in drawn)


@pytest.mark.parametrize("lang,sentence,answer,rude", [
    ("fr", "Il y a une ___ ici.", "maison", {"putain", "merde"}),
    ("es", "Hay una ___ aquí.", "casa", {"mierda", "puta"}),
])
def test_a_vulgar_word_is_neither_a_distractor_nor_a_card_nor_in_a_sentence(lang, sentence, answer, rude):
    """The frequency lists rank "putain" among A1 French; the benchmark drew it as a distractor."""
    from assistant.learning.distractors import distractor_candidates
    from assistant.learning.items import content_words

    target = get_language(lang)
    assert rude <= set(lexicon.words_for_level(lang, "A1"))  # there to be drawn: the test tests the filter
    drawn = set()
    for seed in range(60):
        drawn.update(w.casefold() for w in distractor_candidates(sentence, answer, target, "A1",
                                                                 random.Random(seed), count=40))
    assert len(drawn) > 100 and not drawn & rude
    assert not rude & set(content_words(target, "A1"))
    word = sorted(rude)[0]
    with pytest.raises(ExerciseError, match=f"vulgar or offensive word: “{word}”"):
        validate(Exercise("translate", {"source": "It is raining.", "answer": sentence.replace("___", word)}),
                 target, None, EN)


def test_german_cards_are_written_as_a_dictionary_writes_them():
    """The frequency list is in lower case: "veranstaltung" was a card's word, and so was "york"."""
    words = set(content_words(DE, "B1"))
    assert {"Antrag", "Parlament", "Brücke"} <= words  # nouns, capitalised
    assert {"zählen", "öffnen", "komisch"} <= words  # verbs and adjectives stay in lower case
    assert not {w for w in words if w.casefold() in {"york", "bonn", "wilhelm", "amerika", "veranstaltung"}
                and w[:1].islower()} and "antrag" not in words
    assert not {"York", "Bonn", "Wilhelm", "Amerika"} & words  # read only as names: no card
    assert parts_of_speech.dictionary_form("essen", "de") == "essen"  # a verb as well as a noun


def test_english_words_in_another_languages_list_are_not_its_words():
    """wordfreq's Spanish list holds "the" (zipf 5.4) from English on Spanish pages; the benchmark drew it as a
    Spanish distractor. A loanword about as common in both languages is the language's own."""
    assert {w for w in ("the", "you", "and", "world") if lexicon.is_english_intruder(w, "es")} == {
        "the", "you", "and", "world"}
    assert not [w for w in ("hotel", "internet", "club", "radio", "come", "vos", "no") if
                lexicon.is_english_intruder(w, "es")]
    assert not lexicon.is_english_intruder("the", "en")
    es = get_language("es")
    assert "the" in lexicon.words_for_level("es", "A1")  # there to be drawn: the test tests the filter
    drawn = set()
    for seed in range(40):
        drawn.update(distractor_candidates("Vivo en una ___ grande.", "casa", es, "A1", random.Random(seed), count=40))
    assert drawn and not {w for w in drawn if lexicon.is_english_intruder(w, "es")}
    with pytest.raises(ExerciseError, match="the answer has English words: “the”"):
        validate(Exercise("translate", {"source": "I eat the apple.", "answer": "Yo como the manzana."}), es, None, EN)


@pytest.mark.parametrize("lang,sentence,never,some", [
    ("fr", "Il fait beau aujourd'hui à la gare.", {"Il", "aujourd", "hui", "la"}, {"gare"}),
    ("fr", "Je vais à l'école avec mon frère.", {"Je", "à", "l", "avec", "mon"}, {"école", "frère"}),
    ("de", "Ich lese mit Marie ein Buch über die Stadt.", {"Ich", "Marie", "ein", "die"}, {"Buch", "Stadt"}),
    ("es", "Mañana voy a la playa con mi hermano.", {"Mañana", "a", "la", "mi"}, {"playa", "hermano"}),
])
def test_the_app_chooses_gaps_that_are_fair(lang, sentence, never, some):
    """Whole words of the learner's band: not the first word, a name, a piece of "aujourd'hui", a
    grammatical word; after an elision ("l'___") is fine."""
    from assistant.learning.items import gap_words

    target = get_language(lang)
    chosen = set()
    for seed in range(12):
        for word, start, end in gap_words(sentence, target, "B1", random.Random(seed)):
            assert sentence[start:end] == word
            chosen.add(word)
    assert not chosen & never, chosen & never
    assert some <= chosen, chosen


def test_a_gap_word_in_the_hint_is_not_chosen():
    from assistant.learning.items import gap_words

    sentence = "Nous prenons le train pour Paris."
    assert "train" in {w for w, _, _ in gap_words(sentence, FR, "A2", random.Random(0))}
    assert "train" not in {w for w, _, _ in gap_words(sentence, FR, "A2", random.Random(0),
                                                      "We take the train to Paris.")}


def test_the_answer_is_not_always_in_the_same_place():
    """The options are shuffled: a learner would otherwise learn the place, not the word. A fake backend
    (tests/fakes.py) writes the same sentence every time, which no real model can be made to do on demand;
    it cannot score, so the distractors are chosen by band and part of speech alone. The sentence gives every
    gap two words of context (choice.context_words)."""
    import json

    from assistant.engine import Job
    from assistant.learning.items import generate_one
    from tests.fakes import fixed_answer_engine

    item = {"sentence": "Nous prenons le train rapide pour la gare."}
    engine = fixed_answer_engine(json.dumps(item, ensure_ascii=False))
    try:
        places = set()
        for seed in range(8):
            h = engine.submit(Job("choice", lambda ctx, seed=seed: generate_one(
                ctx, "choice", EN, FR, "A2", "trains", set(), rng=random.Random(seed))))
            assert h.wait(30) and h.error is None, h.error
            f = h.result.fields
            assert f["sentence"].replace("___", f["answer"]) == item["sentence"]
            places.add(f["options"].index(f["answer"]))
        assert len(places) > 1
    finally:
        engine.shutdown()


def test_sentences_stay_within_reach_of_the_learners_level():
    assert lexicon.words_above("Le sénateur a dénoncé la prévarication du gouvernement.", "fr", "A2") == [
        "sénateur", "dénoncé", "prévarication"]
    assert lexicon.words_above("J'aime l'école et aujourd'hui il fait beau avec Marie.", "fr", "A1") == []
    hard = Exercise("translate", {"source": "The senator denounced the embezzlement.",
                                  "answer": "Le sénateur a dénoncé la prévarication."})
    validate(hard, FR, None, EN)  # real French words: fine without a level
    validate(hard, FR, None, EN, "C1")
    with pytest.raises(ExerciseError, match="above A1: “sénateur”, “dénoncé”"):
        validate(hard, FR, None, EN, "A1")
    long = Exercise("translate", {
        "source": "We went to the market with my friends and my sister to buy bread.",
        "answer": "Nous sommes allés au marché avec mes amis et ma sœur pour acheter du pain."})
    validate(long, FR, None, EN, "B1")
    with pytest.raises(ExerciseError, match="the answer is longer than 8 words, the bound for A1"):
        validate(long, FR, None, EN, "A1")
    two = Exercise("translate", {"source": "I eat bread. It is good.", "answer": "Je mange du pain."})
    with pytest.raises(ExerciseError, match="the source is 2 sentences, not one"):
        validate(two, FR, None, EN)
    two = Exercise("translate", {"source": "I eat bread.", "answer": "Je mange du pain. Il est bon."})
    with pytest.raises(ExerciseError, match="the answer is 2 sentences, not one"):
        validate(two, FR, None, EN, "A2")
    easy = Exercise("cloze", {"sentence": "Je bois un ___ le matin.", "answer": "café", "hint": "a drink"})
    validate(easy, FR, None, EN, "A1")


@pytest.mark.parametrize("target", ["fr", "es", "de", "it", "pt", "nl"])
@pytest.mark.parametrize("native", ["en", "de"])
def test_every_worked_example_is_in_the_learners_languages(target, native):
    """A base model copies its example's language: shown a French vocabulary card, Gemma wrote a Spanish
    word's example sentence in French (23 of 50 Spanish cards failed so in the benchmark)."""
    from assistant.languages import detect_language
    from assistant.learning.items import example

    tgt, nat = get_language(target), get_language(native)
    if tgt == nat:
        return
    for kind in types():
        if spec()["types"][kind].get("built_by"):
            continue
        request, fields = example(kind, nat, tgt)
        assert tgt.name in request and "French" not in request.replace(tgt.name, "").replace(nat.name, "")
        in_target = {"vocab": ["example"]}.get(kind, ["sentence"])
        for name in in_target:
            assert detect_language(fields[name]).code == target, (kind, name, fields[name])
        if kind == "vocab":
            assert fields["word"] == tgt.sample_word and fields["translation"] == nat.sample_word
            assert tgt.sample_word.casefold() in fields["example"].casefold()
            assert tgt.sample_word in request


def test_types_a_language_has_no_data_for_are_not_offered():
    assert unavailable("inflection", "de") == "Conjugation drills need a conjugator; the app has none for German"
    assert unavailable("inflection", "fr") is None and unavailable("cloze", "de") is None
    assert "no word list to check Chinese" in unavailable("cloze", "zh")
    assert all(unavailable(k, "fr") is None for k in types())
    assert unavailable("choice", "ru") == ("Multiple choice needs to know each word's part of speech; the app has "
                                           "no such data for Russian")
    assert all(unavailable("choice", lang) is None for lang in ("fr", "de", "es", "it", "pt", "en", "nl"))
    assert spec()["types"]["inflection"]["built_by"] == "conjugator"


# which model writes what ------------------------------------------------------------------
def _info(name: str, arch: str) -> BackendInfo:
    return BackendInfo(name, "CPU", 0, 30, 2048, Strategy.INSTRUCT, architecture=arch, title=name)


def test_model_languages_come_from_the_table():
    assert model_languages("SmolLM2 135M", "llama").codes == frozenset({"en"})
    assert model_languages("Gemma 3 270m", "gemma3").serves("fr")
    assert model_languages("Llama 3.2 1B Instruct", "llama").serves("de")
    assert not model_languages("Llama 3.2 1B Instruct", "llama").serves("zh")
    assert model_languages("Some Mistral", "mistral").serves("fr") is None  # unknown: not refused
    smol = _info("SmolLM2-135M-Instruct", "llama")
    assert refusal(smol, "fr") == "SmolLM2-135M-Instruct writes only English, not French"
    assert refusal(_info("SmolLM2-135M-Instruct", "llama"), "en") is None
    assert refusal(_info("my-model", "mistral"), "fr") is None
    installed = [("SmolLM2-135M-Instruct", "llama", None), ("Gemma-3-270M", "gemma3", None)]
    assert able(installed, "fr") == ["Gemma-3-270M"]
    assert able([*installed, ("my-tune", "llama", ["en", "fr"])], "fr") == ["Gemma-3-270M", "my-tune"]
    assert model_languages("SmolLM2 fine-tuned on French", "llama", ["fr", "xx"]).codes == frozenset({"fr"})
    advice = refusal_with_advice(_info("SmolLM2-135M-Instruct", "llama"), "fr", installed)
    assert advice == ("SmolLM2-135M-Instruct writes only English, not French. Gemma-3-270M is installed and writes "
                      "French: choose it in the Models pane.")
    assert "Get models" in refusal_with_advice(_info("SmolLM2-135M-Instruct", "llama"), "fr", installed[:1])


@pytest.mark.parametrize("lang,gapped,answer,enough", [
    ("de", "Der ___ ist kühl.", "Tag", False),  # "Februar" fitted as well (stop 42's benchmark)
    ("de", "Die ___ ist groß.", "Familie", False),
    ("fr", "Les ___ sont très fraîches.", "journées", False),  # "sont" and "très" say nothing of the gap
    ("es", "Una cena de ___ a la parrilla.", "carne", True),
    ("fr", "J'habite dans une petite ___ avec un jardin.", "maison", True),
    ("fr", "Je ___ du pain.", "mange", True),  # a verb after its pronoun: the options are wrong by grammar
])
def test_a_choice_gap_needs_words_around_it_that_say_what_it_is(lang, gapped, answer, enough):
    from assistant.learning.items import _too_little_context

    why = _too_little_context(gapped, answer, get_language(lang))
    assert (why == "") is enough
    if not enough:
        assert "too little around the gap" in why


def test_every_sentence_of_the_bank_passes_the_checks_a_models_sentence_passes_at_a2():
    """The sentence bank's sentences are people's, yet held to what a model's sentence is held to: the target
    language by Lingua, real words within A2's reach, one sentence, verbs agreeing with their subjects; their
    translations are English sentences of real words. Every language has every topic, each with enough
    sentences for a job of several items."""
    from assistant.learning import sentence_bank
    from assistant.learning.item_checks import check_language, check_words, checked_sentence

    data = sentence_bank._data()
    assert sentence_bank.translations_in() == "en"
    for lang, by_topic in data["sentences"].items():
        assert list(by_topic) == sentence_bank.topic_names(), lang
        target = get_language(lang)
        for topic, pairs in by_topic.items():
            assert len(pairs) >= 8 and len({s for s, _t in pairs}) == len(pairs), (lang, topic)
            for sentence, translation in pairs:
                assert checked_sentence(sentence, target, "A2") == sentence
                check_language(translation, EN, "translation")
                check_words(translation, EN, "translation")
                assert translation[-1] in ".!?" and translation[0].isupper(), translation


@pytest.mark.parametrize("topic,lang,expected", [
    ("food and cooking", "fr", "food"), ("travel by train", "de", "travel"), ("the weather", "es", "weather"),
    ("my parents", "fr", "family"), ("shopping for clothes", "es", "shopping"), ("health and the doctor", "de",
                                                                                  "health"),
    ("la cuisine", "fr", "food"), ("Urlaub", "de", "travel"), ("la escuela", "es", "school"),
    ("free time", "fr", "hobbies"), ("Haustiere", "de", "animals"), ("la rutina diaria", "es", "daily routine"),
    ("a day at the beach", "es", "nature"), ("birthday party", "de", "parties"), ("la ville", "fr", "city"),
    ("quantum physics", "fr", None), ("", "de", None),
])
def test_a_learners_topic_finds_the_banks_topic_by_its_words(topic, lang, expected):
    """In English or the target language, by lemma ("parents" names family); a topic the bank has no words
    for is none of its topics, and the model writes on it."""
    from assistant.learning import sentence_bank

    assert sentence_bank.topic_of(topic, lang) == expected
    assert bool(sentence_bank.pairs(topic, lang)) == (expected is not None)


def test_the_banks_sentences_for_a_level_and_their_translations_for_an_english_learner_only():
    """A1 takes the bank's shorter sentences of A1 words, A2 all of them; only a learner whose language is the
    one the translations are in gets them (another is given the app's translation)."""
    from assistant.learning import sentence_bank
    from assistant.learning.items import bank_sentences

    pairs = dict(sentence_bank.pairs("food", "fr"))
    own, known = bank_sentences("food", EN, FR, "A2")
    assert own == list(pairs) and known == pairs
    a1, _ = bank_sentences("food", EN, FR, "A1")
    assert a1 and set(a1) < set(own)
    assert "Elle coupe les légumes pour la soupe." not in a1  # "légumes", "soupe": beyond A1's reach
    assert bank_sentences("food", DE, FR, "A2") == (own, {})
    assert bank_sentences("quantum physics", EN, FR, "A2") == ([], {})


def test_a_learner_of_english_reads_the_banks_english_with_the_sentences_of_their_own_language():
    """The bank's translations are English: a French speaker learning English gets them as sentences, with the
    French sentences they were written from as the translations people made; a learner of English whose
    language the bank has no sentences in gets none (a collected word: every topic, no level filter)."""
    from assistant.learning import sentence_bank
    from assistant.learning.items import bank_sentences

    french = sentence_bank.pairs("food", "fr")
    own, known = bank_sentences("la cuisine", FR, EN, "A2")
    assert own and known == {t: s for s, t in french if t in own} and set(own) <= {t for _s, t in french}
    assert bank_sentences("food", get_language("it"), EN, "A2") == ([], {})
    every, translated = sentence_bank.for_learner(None, "en", "de")
    assert translated and len(every) == len(sentence_bank.every_pair("de"))
    assert sentence_bank.for_learner(None, "fr", "de")[1] is False  # the app translates for a German speaker
    from assistant.learning.generation import _card_on_bank
    assert _card_on_bank(None, DE, FR, "A2", "food", set(), own, {}, random.Random(0)) is None


def test_a_wrong_meaning_on_a_bank_sentence_tries_another_gap(monkeypatch):
    """On a sentence a person translated, a cloze whose answer's meaning the translation does not say has the
    meaning wrong, not the translation: another gap of the sentence is tried (on the app's own translation
    the sentence is refused, test_learning). Fakes: the word prompt's meaning (wrong for the first gap, by
    construction: a model's wrong meaning cannot be had on demand) and the fit score (the model's, not the
    point here)."""
    from assistant.learning import glosses, items
    from assistant.learning.glosses import says_meaning

    meanings = iter(["banana", "morning", "apple", "eat", "every"])
    monkeypatch.setattr(glosses, "word_translation", lambda ctx, word, native, target: next(meanings))
    monkeypatch.setattr(items, "_check_fit", lambda ctx, ex, target, level, rng: None)
    sentence, english = "Je mange une pomme tous les matins.", "I eat an apple every morning."
    ex = items._gap_item(None, "cloze", sentence, EN, FR, "A2", set(), random.Random(1), "food", "bank",
                             english)
    assert ex.fields["hint"] != "banana" and says_meaning(english, ex.fields["hint"], EN)
    assert ex.fields["sentence"].replace("___", ex.fields["answer"]) == sentence


@pytest.mark.parametrize("translation,meaning,said", [
    ("I eat an apple every morning.", "apple", True), ("I eat an apple every morning.", "to eat", True),
    ("There are many cafés in this street.", "coffee", False),  # the answer's cognate is there, not its meaning
    ("There are many cafés in this street.", "café", True), ("The leaves fall in autumn.", "to fall", True),
    ("The professor reads a book.", "teacher", False), ("I eat an apple every morning.", "the", False),
    ("The children play.", "children", True), ("She falls.", "to fall", True),
])
def test_a_translation_says_a_meaning_by_its_word_or_a_form_of_it(translation, meaning, said):
    """What holds a cloze's hint and a card's meaning to a sentence's translation: one of the meaning's words
    that is no function word, as it is, or in a form of it where it is a dictionary form; the word's own
    cognate in the translation says nothing of the meaning ("café", carded "coffee" on "There are many
    cafés"), nor does another form of the translation's lemma ("vestida", dressed, for "vestido")."""
    from assistant.learning.glosses import says_meaning

    assert says_meaning(translation, meaning, EN) is said
    assert not says_meaning("Compro un vestido para la fiesta.", "vestida", ES)
    assert says_meaning("Compro un vestido para la fiesta.", "vestido", ES)


@pytest.mark.parametrize("token,lang,before,first", [
    ("buying", "en", "am", "buy"), ("children", "en", "The", "child"), ("left", "en", "Turn", "left"),
    ("meeting", "en", "a", "meeting"), ("écoutent", "fr", "élèves", "écouter"), ("grandes", "fr", "les", "grand"),
    ("Kaffee", "de", "trinkt", "Kaffee"), ("Kinder", "de", "Die", "Kind"), ("oublie", "fr", "Il", "oublier"),
    ("blanche", "fr", "chemise", "blanc"), ("porte", "fr", "la", "porte"), ("visita", "es", "nos", "visitar"),
    ("frío", "es", "Hace", "frío"),
])
def test_a_cards_word_is_a_dictionary_form_where_the_sentence_has_an_inflection(token, lang, before, first):
    """A form that is only an inflection gives way to its lemma ("buying", "oublie", "blanche" were carded as
    such); a verb form after no determiner to its infinitive, a French adjective to its masculine; a noun after
    a determiner ("la porte") and an English word of its own ("left", "meeting") stay."""
    from assistant.learning.generation import _card_forms

    assert _card_forms(token, lang, before)[0] == first
    assert "buying" not in _card_forms("buying", "en")  # where "buy" has no card to give, "buying" gets none


def test_a_nouns_plural_for_a_choice_is_one_the_frequency_list_knows():
    """A noun's plural offered beside a plural answer is one people write: "novembres", which the spelling
    dictionary takes and no frequency list knows, stood as an option in stop 47's benchmark."""
    from assistant.learning.distractors import plural_of

    assert plural_of("novembre", "fr") is None
    assert plural_of("joueur", "fr") == "joueurs" and plural_of("ciudad", "es") == "ciudades"


def test_a_time_answers_distractors_are_no_words_of_time_and_german_ones_are_written_as_words():
    """A choice whose answer is a word of time takes no other (resources/exercises.json: time_words): "Im April"
    is as right as "Im Sommer". Beside a German verb, a noun or name written small ("lage", "europa") is no
    option. Whatever the random source picks, over many draws."""
    from assistant.learning import parts_of_speech
    from assistant.learning.distractors import _time_word, distractor_candidates

    assert _time_word("Sommer", "de") and _time_word("Stunden", "de") and _time_word("matins", "fr")
    assert not _time_word("Bus", "de") and not _time_word("Markt", "de")
    for seed in range(5):
        found = distractor_candidates("Im ___ essen wir auf der Terrasse.", "Sommer", DE, "A2", random.Random(seed),
                                      count=8)
        assert found and not any(_time_word(w, "de") for w in found), found
        found = distractor_candidates("Sonntags ___ sie im Restaurant.", "essen", DE, "A2", random.Random(seed),
                                      count=8)
        assert all(parts_of_speech.tags(w, "de") - {"NOUN", "PROPN"} for w in found), found
    found = distractor_candidates("Ich warte auf den ___.", "Bus", DE, "A2", random.Random(0), count=40)
    assert found  # an answer that is no word of time may still have one beside it
