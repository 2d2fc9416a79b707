"""The checking layers: rules (Harper) and dictionaries are deterministic and tested exactly; the
judge's choice is tested on a given score table; with the real models, only what holds whatever
they score."""

from __future__ import annotations

import itertools
import os

import pytest

from assistant.checking import common_misspellings
from assistant.checking.checker import LayeredChecker, merge
from assistant.checking.judge import VETO, judge
from assistant.checking.personal import PersonalDictionary
from assistant.checking.rules import rule_label
from assistant.checking.sounds_like import sound_alikes
from assistant.checking.spelling import rank
from assistant.checking.typos import typo_cost
from assistant.engine import Job, JobState
from assistant.tasks.correct import GrammarChecker
from assistant.text_diff import Edit, apply_edits


@pytest.fixture(scope="module")
def layers():
    return LayeredChecker()


def found(layers, text, language=None):
    r = layers.check(text, language)
    return r.language, [(text[e.start:e.end], e.replacement) for e in r.edits]


@pytest.mark.parametrize("text,expected", [
    ("She go to school every days and dont like it.", [("go", "goes"), ("days", "day"), ("dont", "don't")]),
    ("I has a apple.", [("has", "have"), ("a", "an")]),
    ("Their going to the park tomorow.", [("Their", "They're"), ("tomorow", "tomorrow")]),
    ("The the cat sat on the mat.", [("The the", "The")]),
])
def test_the_issues_sentences(layers, text, expected):
    assert found(layers, text) == ("en", expected)


def test_french_nonsense_words_are_flagged_and_real_ones_are_not(layers):
    lang, edits = found(layers, "La ville est le grande crédit de la rue et le bricard leur même pour l'ouleur.")
    assert lang == "fr" and [o for o, _ in edits] == ["bricard", "ouleur"]
    (ouleur,) = [e for e in layers.check("La ville est le grande crédit de la rue et le bricard leur même pour "
                                         "l'ouleur.").edits if e.original == "ouleur"]
    # "ou leur" and "couleur" are one slip each and both frequent: the judge's context chooses.
    assert "couleur" in [ouleur.replacement, *ouleur.alternatives]


@pytest.mark.parametrize("text,lang,expected", [
    ("Hier j'ai acheter des pommes et tu parle trop.", "fr", [("acheter", "acheté"), ("parle", "parles")]),
    ("Elle est aller à Paris et nous sommes rester ici.", "fr", [("aller", "allée"), ("rester", "restés")]),
    ("Je ne l'ai pas regarder. Les enfants ont jouer dehors.", "fr", [("regarder", "regardé"), ("jouer", "joué")]),
    ("Je me suis lever tôt et je prend le bus.", "fr", [("lever", "levé"), ("prend", "prends")]),
    ("Nous nous sommes amuser et il s'est fier à lui.", "fr", [("amuser", "amusés"), ("fier", "fié")]),
    ("J'ai fais le trajet et il a dis non.", "fr", [("fais", "fait"), ("dis", "dit")]),
    ("Nous avons finis et elle a met la table.", "fr", [("finis", "fini"), ("met", "mis")]),
    ("Yo tiene un perro y ellos come mucho.", "es", [("tiene", "tengo"), ("come", "comen")]),
    ("Les pommes était bonnes, mais le chat mangent la souris.", "fr", [("était", "étaient"), ("mangent", "mange")]),
    ("Il dit que mes parents est à Paris.", "fr", [("est", "sont")]),
    ("Los niños come manzanas. El perro ladran.", "es", [("come", "comen"), ("ladran", "ladra")]),
    ("I bambini mangia la mela.", "it", [("mangia", "mangiano")]),
    ("Os meninos come maçãs.", "pt", [("come", "comem")]),
])
def test_the_conjugators_rules_in_other_languages(layers, text, lang, expected):
    """French, Spanish, Italian, Portuguese: a verb after its subject pronoun in another person's form, and in
    French an -er infinitive after avoir or être (the conjugator's participle, agreeing after être)."""
    assert found(layers, text, lang) == (lang, expected)
    assert all(e.layer == "rules" and e.reason for e in layers.check(text, lang).edits)


@pytest.mark.parametrize("text", [
    "Il pense a manger.",  # "a" for "à": not avoir without its pronoun
    "C'est facile à manger et il a beau chercher.", "J'ai été manger au restaurant.", "Ils sont arrivés hier.",
    "Elle nous a vus. Nous mangeons. Vous parlez. Je vous aime. On mange. Il est à Paris.",
    "Le plus important est participer.", "Nous nous sommes amusés.", "Il y a du pain.",
    "Il est fier de toi.", "Il est boulanger et elle est conseiller municipal.",  # -er words that are also verbs
    "Le chat et le chien mangent.", "Les pommes de terre sont cuites.", "La plupart sont partis.",
    "Le livre des enfants est beau.", "Les Français aiment le vin.", "Les enfants calmes sont sages.",
    "Des fois, je mange.", "La porte ferme mal.", "Il mange les pommes.",
    "J'ai envie de partir.", "Il a cours demain.", "J'ai hâte de te voir.", "J'ai fait le trajet.",
    "Qui a dit ça ?",
])
def test_correct_french_is_left_to_the_writer(layers, text):
    assert found(layers, text, "fr")[1] == []


def test_a_participle_after_etre_offers_the_other_gender_where_the_pronoun_has_none(layers):
    (edit,) = layers.check("Je suis aller à Paris.", "fr").edits
    assert (edit.replacement, edit.alternatives, edit.rule) == ("allé", ["allée"], "ParticipleNotInfinitive")


@pytest.mark.parametrize("text,lang", [
    ("La mayoría son buenos y el gato y el perro comen.", "es"),  # a group's noun; two subjects
    ("Los Ángeles es grande.", "es"),  # a name
    ("Los sábados vamos al mercado y este verano viajamos.", "es"),  # a time, not the subject
    ("Le samedi nous allons au marché.", "fr"),
    ("Le dico che i bambini mangiano.", "it"),
])
def test_a_noun_subject_that_agrees_or_cannot_be_read_is_left_alone(layers, text, lang):
    assert found(layers, text, lang)[1] == []


@pytest.mark.parametrize("text,lang", [
    ("Los perros ladran y nosotros cantaríamos.", "es"),  # "ladran" was "ladrón": rare forms the lists lack
    ("Nous mangeâmes et vous finissiez.", "fr"),
    ("Noi mangiammo.", "it"),
    ("Nós falávamos.", "pt"),
])
def test_a_verbs_rare_form_is_no_misspelling(layers, text, lang):
    """The word lists lack many of a verb's fifty forms; the conjugator's tables hold them."""
    from assistant.checking.spelling import is_misspelled

    assert found(layers, text, lang)[1] == []
    assert is_misspelled("ladrn", "es") and is_misspelled("parlle", "fr")  # a slip is still one


def test_an_english_words_regular_form_is_no_misspelling(layers):
    """"disking" (disk, a farmer's word) became "dishing"; LemmInflect's lexicon gives it as disk's -ing
    form. The slips it lists after a verb's own form ("occuring") and overregularised forms stay misspelt."""
    from assistant.checking.spelling import is_misspelled

    assert found(layers, "Like disking would stop an advancing fire.")[1] == []
    assert [w for w in ("occuring", "refering", "writed", "childs") if not is_misspelled(w, "en")] == []


def test_a_participle_after_to_as_a_preposition_is_left_alone(layers):
    """Harper's InflectedVerbAfterTo made "an alternative to prescribed burning" into "to prescribe"."""
    assert found(layers, "It is an alternative to prescribed burning.")[1] == []
    assert ("to reduced", "to reduce") in found(layers, "We have to reduced sulfur dioxide.")[1]  # still caught


def test_the_conjugators_rules_can_be_ignored(tmp_path):
    personal = PersonalDictionary(tmp_path)
    layers = LayeredChecker(personal)
    text = "Je suis aller à Paris et tu parle trop."
    personal.ignore_rule("ParticipleNotInfinitive")
    assert found(layers, text, "fr")[1] == [("parle", "parles")]
    personal.ignore_rule("ConjugatorAgreement")
    assert found(layers, text, "fr")[1] == []


@pytest.mark.parametrize("text,expected", [
    ("Ich kaufe einen T-Shirt für meinen Bruder.", [("einen", "ein", [])]),
    ("Wir gehen nach ihren Lehrerin.", [("ihren", "ihrer", ["ihre"])]),  # m.acc or pl.dat: f.dat or f.acc
    ("Ein Frau liest ein Buch im Garten.", [("Ein", "Eine", [])]),
    ("Er geht zur Bahnhof.", [("zur", "zum", [])]),
])
def test_a_german_determiner_that_does_not_agree_with_its_noun_is_found(layers, text, expected):
    r = layers.check(text, "de")
    got = [(e.original, e.replacement, e.alternatives) for e in r.edits if e.rule == "DeterminerAgreement"]
    assert got == expected
    assert "“" in r.edits[0].reason and any(g in r.edits[0].reason for g in ("neuter", "feminine", "masculine"))


def test_a_german_determiner_is_left_alone_where_its_noun_agrees_or_the_data_cannot_say(tmp_path):
    """What the rule must not touch, each met in Multi30k's German captions or in the rule's design: a relative
    pronoun after a comma, the pronoun "ihr", "der eine" (a pronoun), a compound's first half ("Obst- und
    Gemüsehändlers"), an infinitive as a noun ("das Tollen"), a capitalised adjective in a name ("einen
    Deutschen Schäferhund"), nouns in a row ("eine Tüte Eis"), the cases' own forms, and names; with an
    adjective between, the adjective's ending would change too, so nothing is offered. The rule can be ignored."""
    personal = PersonalDictionary(tmp_path)
    layers = LayeredChecker(personal)
    for text in ["Das Kind, das Hunde mag, spielt im Garten.", "Seid ihr Studenten an der Universität?",
                 "Zwei Männer, von denen der eine Obst verkauft, stehen am Markt.",
                 "Ein Mann steht vor eines asiatischen Obst- und Gemüsehändlers Laden.",
                 "Drei große Hunde genießen das Tollen im Schnee.",
                 "Ein Mann trainiert einen Deutschen Schäferhund mit einem Ball.",
                 "Eine Frau holt sich eine Tüte Eis bei einem Laden.",
                 "Wir fahren mit den Kindern in den Urlaub und geben der Frau das Buch des Lehrers.",
                 "Ich sehe einen schönen T-Shirt im Laden von Frau Schneider."]:
        assert [e for e in layers.check(text, "de").edits if e.rule == "DeterminerAgreement"] == [], text
    personal.ignore_rule("DeterminerAgreement")
    assert [e for e in layers.check("Ich kaufe einen T-Shirt.", "de").edits if e.rule == "DeterminerAgreement"] == []


def test_a_german_noun_in_lower_case_after_a_determiner_is_capitalised(layers):
    """The dictionaries know "hund" in any case; Wiktionary's nouns and the tagger say it is a noun. Left alone:
    a verb, adverb or adjective in lower case ("essen", "morgen", "gute"), a word before a capitalised one
    ("einem orangen Pullover"), and a lower-case word that no determiner introduces."""
    r = layers.check("Ich sehe einen kleinen hund im park und eine gute suppe.", "de")
    assert [(e.original, e.replacement) for e in r.edits if e.rule == "NounCapitalization"] == \
        [("hund", "Hund"), ("park", "Park"), ("suppe", "Suppe")]
    for text in ["Wir essen morgen eine gute Suppe.", "Ein Mann in einem orangen Pullover grillt lecker Essen.",
                 "Das Essen ist gut, und das Laufen auch."]:
        assert [e for e in layers.check(text, "de").edits if e.rule == "NounCapitalization"] == [], text


@pytest.mark.parametrize("text,expected", [
    ("Je vois un voiture dans la rue.", [("un", "une")]),
    ("La problème est grave pour ma père.", [("La", "Le"), ("ma", "mon")]),
    ("Du viande et au plage, cette garçon est content.", [("Du", "De la"), ("au", "à la"), ("cette", "ce")]),
    ("Elle mange le pomme.", [("le", "la")]),
])
def test_a_french_determiner_of_the_other_gender_is_found(layers, text, expected):
    r = layers.check(text, "fr")
    assert [(e.original, e.replacement) for e in r.edits if e.rule == "DeterminerAgreement"] == expected
    assert any(g in r.edits[0].reason for g in ("feminine", "masculine"))


@pytest.mark.parametrize("text,expected", [
    ("Nous avons une maison blanc.", [("blanc", "blanche")]),
    ("Les voitures rapide passent.", [("rapide", "rapides")]),
    ("C'est un homme grande avec un livre intéressante.", [("grande", "grand"), ("intéressante", "intéressant")]),
    ("Je vois des femmes heureux.", [("heureux", "heureuses")]),
])
def test_a_french_adjective_that_does_not_agree_with_its_noun_is_found(layers, text, expected):
    r = layers.check(text, "fr")
    assert [(e.original, e.replacement) for e in r.edits if e.rule == "AdjectiveAgreement"] == expected
    assert "“" in r.edits[0].reason


def test_a_french_noun_in_the_other_number_than_its_determiner_is_found(layers):
    """By DELA's forms and French's regular endings ("journal" → journaux), irregular plurals from the data
    ("oeil" → yeux); left alone: nouns the same in both numbers ("les bras", "le prix"), "les" as an object
    pronoun ("Marie les porte", "je les vois"). On Multi30k's French captions the rule fires once, a real
    mistake ("se tiennent la mains")."""
    r = layers.check("Je vois les maison, les journal et des oeil, mais un livres.", "fr")
    assert [(e.original, e.replacement) for e in r.edits if e.rule == "NounNumber"] == \
        [("maison", "maisons"), ("journal", "journaux"), ("oeil", "yeux"), ("livres", "livre")]
    assert "After “les” the noun is plural" in r.edits[0].reason
    for text in ["Marie les porte et je les vois.", "Les bras et le prix, les prix et les gens."]:
        assert [e for e in layers.check(text, "fr").edits if e.rule == "NounNumber"] == [], text


def test_a_french_adjective_is_left_alone_where_it_may_go_with_another_word(layers):
    """An adjective further on ("une tasse de café chaud"), after a coordination ("des costumes et un maquillage
    colorés"), a colour with its shade ("bleu foncé"), a noun in apposition ("des hommes torses nus"), a
    participle ("une femme marchant"), a preposition DELA also lists as an adjective ("une femme sur la
    plage"), and agreeing forms. On Multi30k's 1,014 French captions the rule fires on none."""
    for text in ["Une tasse de café chaud, des costumes et un maquillage colorés.", "Une voiture bleu foncé passe.",
                 "Des hommes torses nus et une femme marchant dans la neige.", "Une femme sur la plage.",
                 "Une maison blanche, des voitures rapides et un homme grand."]:
        assert [e for e in layers.check(text, "fr").edits if e.rule == "AdjectiveAgreement"] == [], text


def test_a_french_determiner_is_left_alone_where_it_may_be_a_pronoun_or_the_word_an_adjective(layers):
    """Each met in Multi30k's French captions or in the rule's design: object pronouns ("je la porte", "pour
    la manger", "Marie le porte"), elision and "mon" before a vowel ("mon amie"), an adjective before its
    noun ("une vaste étendue", "une grand maison": the adjective's slip, not the determiner's), "l'un", "la
    plus jeune", a noun of both genders ("le livre", "la livre"), and names. On Multi30k's 1,014 French
    captions the rule fires twice, both real mistakes ("dans un rue", "face au caméra")."""
    for text in ["Je la porte et il faut la manger, mais Marie le porte.", "Mon amie a une vaste étendue d'eau.",
                 "Une grand maison et un grand homme.", "L'un tape et l'autre montre la plus jeune.",
                 "Le livre coûte une livre à la Seine.", "Je ne la vois pas ce soir."]:
        assert [e for e in layers.check(text, "fr").edits if e.rule == "DeterminerAgreement"] == [], text


@pytest.mark.parametrize("text", [
    "Pierre and Ngozi met Mr Okonkwo in Szczecin.",  # names inside a sentence
    "Run `teh_fn()` and read https://exmple.com/docs or write to bob@exmple.com.",  # code, URL, e-mail
    "The app is on GitHub and shows emoji in JSON for iPhone photos.",  # real words the dictionary lacks
    "See [the guide](https://exmple.org/teh) and <b>bold</b> text.",  # link targets, HTML
])
def test_names_code_and_addresses_are_never_flagged(layers, text):
    assert found(layers, text)[1] == []


def test_german_nouns_are_checked_though_capitalised(layers):
    assert found(layers, "Der Hund spielt im Gartn mit dem Ball.") == ("de", [("Gartn", "Garten")])


def test_unsupported_language_is_checked_by_nothing(layers):
    r = layers.check("Bu cümle Türkçe yazılmıştır ve kontrol edilmez.")
    assert r.language is None and r.edits == []
    assert layers.check("ཀུན་ལ་བདེ་བ").language is None


@pytest.mark.parametrize("text,lang", [
    ("I ate a egg.", "en"),  # Lingua: Italian, Dutch, then English; Dutch spelling made "egg" "erg"
    ("Il a un chat.", "fr"),  # "Il" counts: a sentence's first word is no name
    ("Le chat dort.", "fr"),  # the English list knows "le" and "dort": the words' frequency tells
    ("Io mangio la mela.", "it"), ("Tengo un perro.", "es"), ("Der Hund schläft.", "de"), ("Ik heb een hond.", "nl"),
    ("She go to school.", "en"), ("Eu tenho um cão.", "pt"),
])
def test_a_short_sentence_is_checked_in_its_own_language(layers, text, lang):
    assert layers.language_of(text) == (lang, True)


def test_the_writer_can_choose_the_language(layers):
    r = layers.check("Le chat est sur la table et il dort bien.", "en")
    assert r.language == "en" and not r.detected


def test_spans_are_python_indices_past_emoji_and_combining_marks(layers):
    text = "😀 The cafe\u0301 👩‍👩‍👧 was nice and I has a apple."
    r = layers.check(text, "en")
    assert all(text[e.start:e.end] == e.original for e in r.edits)
    assert [(text[e.start:e.end], e.replacement) for e in r.edits] == [("has", "have"), ("a", "an")]


def test_a_megabyte_on_one_line_is_checked_in_pieces(layers):
    text = "She go to school and dont like it. " * 30_000
    r = layers.check(text, "en")
    assert len(r.edits) == 60_000
    assert all(text[e.start:e.end] == e.original for e in r.edits[-4:])


def test_a_long_line_with_no_full_stop_is_checked_in_pieces(layers):
    """A paragraph with no sentence end was one piece: 1 MB of it took minutes (Harper's cost and some learner
    patterns' look-ahead grow faster than the text). It is cut at spaces into pieces of at most CHUNK."""
    from assistant.checking.checker import CHUNK
    from assistant.text_units import chunks

    text = "She go to school and dont like it " * 6_000  # 200 KB, no full stop
    pieces = chunks(text, CHUNK)
    assert max(p.end - p.start for p in pieces) <= CHUNK and pieces[0].start == 0 and pieces[-1].end == len(text)
    assert all(a.end == b.start for a, b in itertools.pairwise(pieces))  # nothing lost between them
    assert all(text[p.end] == " " for p in pieces[:-1])  # cut at spaces, not inside a word
    r = layers.check(text, "en")
    assert all(text[e.start:e.end] == e.original for e in r.edits)
    assert sum(e.replacement == "don't" for e in r.edits) == 6_000


def test_markdown_tables_and_code_are_left_alone():
    text = "| Item | Price |\n|------|-------|\n\n```\nteh code\n```\n\n    indented teh\n\nI has a apple."
    checker = GrammarChecker(model_edits=False)
    checker.judge = False
    from tests.fakes import echo_engine

    eng = echo_engine()  # no model is asked: rules and dictionaries only
    try:
        h = eng.submit(Job("c", lambda ctx: checker.check(ctx, text)))
        assert h.wait(30) and h.state == JobState.DONE, h.error
        assert [(text[e.start:e.end], e.replacement) for e in h.result.edits] == [("has", "have"), ("a", "an")]
    finally:
        eng.shutdown()


@pytest.mark.parametrize("typed,meant,other", [
    ("wark", "work", "walk"), ("writting", "writing", "writhing"), ("salf", "self", "sale"),
    ("palce", "place", "pace"), ("docters", "doctors", "dockers"), ("studing", "studying", "studding"),
])
def test_spellings_rank_by_frequency_and_typing_slips(typed, meant, other):
    assert rank(typed, [other, meant], "en") == [meant, other]


@pytest.mark.parametrize("typed,meant,other", [
    ("rememberd", "remembered", "remember"), ("probles", "problems", "problem"), ("poins", "points", "point"),
])
def test_a_typed_ending_is_kept_over_a_commoner_word_without_it(typed, meant, other):
    assert rank(typed, [other, meant], "en") == [meant, other]


@pytest.mark.parametrize("text,typed,meant,nearer", [
    ("This is the car wich I like.", "wich", "which", "with"),
    ("It is baed on facts.", "baed", "based", "bad"),
    ("We need to develope it.", "develope", "develop", "developed"),
])
def test_a_common_misspelling_gets_the_word_people_mean_first(layers, text, typed, meant, nearer):
    """codespell's list of common misspellings (read from the installed package) outranks the noisy
    channel's nearer, commoner word; that word stays among the alternatives."""
    assert common_misspellings.available()
    [edit] = [e for e in layers.check(text, "en").edits if e.original == typed]
    assert (edit.replacement, edit.rule) == (meant, "SpellCheck") and nearer in edit.alternatives


def test_a_misspelling_with_several_meanings_only_adds_candidates(layers):
    """'ther' may be there, their, the or other: codespell does not choose, so the ranking does, among them."""
    assert common_misspellings.meant("ther").sure is False
    [edit] = layers.check("Ther is a cat.", "en").edits
    assert {edit.replacement, *edit.alternatives} >= {"The", "There", "Their"}
    assert common_misspellings.meant("wrods") is None  # only listed misspellings: the rest as before


def test_the_dictionarys_dialect_goes_first_and_a_british_spelling_is_left_alone():
    assert rank("theorise", ["theories", "theorist", "theorize"], "en")[0] == "theorize"
    layers = LayeredChecker()
    text = "They theorise about the utilisation of colour."  # real British words: nothing to underline
    assert [e for e in layers.check(text, "en").edits if e.rule == "SpellCheck"] == []


@pytest.mark.parametrize("typed,turned", [("unmeaningful", "meaningful"), ("disorganised", "organised"),
                                          ("happy", "unhappy")])
def test_a_candidate_that_turns_the_meaning_round_is_never_offered(typed, turned):
    assert turned not in rank(typed, [turned], "en")
    assert rank("untill", ["until"], "en") == ["until"]  # the prefix kept: an ordinary slip


def test_common_slips_cost_less_than_other_letters():
    assert typo_cost("wark", "work") < typo_cost("wark", "walk") == 1
    assert typo_cost("palce", "place") < typo_cost("palce", "pale") == 1
    assert typo_cost("writting", "writing") < 1 and typo_cost("dont", "don't") < 1
    assert typo_cost("i", "I") < typo_cost("dont", "don't")
    assert typo_cost("experinces", "experiences") < 1 == typo_cost("rememberd", "remember")  # a vowel left out
    assert typo_cost("disking", "risking") > typo_cost("disking", "dishing") == 1  # the first letter is seldom wrong
    assert typo_cost("etre", "être") < 1 and typo_cost("ecole", "école") < 1  # an accent left out, even first


@pytest.mark.parametrize("typed,meant,other,lang", [
    ("etre", "être", "entre", "fr"), ("tres", "très", "trois", "fr"), ("fur", "für", "fuhr", "de"),
])
def test_an_accent_left_out_is_a_small_slip(typed, meant, other, lang):
    assert rank(typed, [other, meant], lang)[0] == meant


@pytest.mark.parametrize("text,lang,expected", [
    ("Tres bien, je suis content d'etre a l'ecole.", "fr", [("Tres", "Très"), ("etre", "être"), ("ecole", "école")]),
    ("Yo tambien quiero ver la pelicula.", "es", [("tambien", "también"), ("pelicula", "película")]),
    ("Das ist fur dich, wir mochten es.", "de", [("fur", "für")]),  # "mochten" (liked) is a word
    ("Perche la citta è bella?", "it", [("Perche", "Perché"), ("citta", "città")]),
    # Right as written, though an accented word strips to them: both common, or a real word known
    # to the lexicon and not far rarer ("publico": I publish; "realizo": I carry out).
    ("Yo publico un libro y realizo el trabajo. Esta casa es mas grande que el tuyo.", "es", []),
    ("Il a une maison ou il va la voir.", "fr", []),
    ("We met at the cafe for a resume review.", "en", []),  # English writes them without accents
])
def test_words_written_without_their_accents_are_flagged(layers, text, lang, expected):
    edits = layers.check(text, lang).edits
    assert [(text[e.start:e.end], e.replacement) for e in edits] == expected
    assert {(e.layer, e.rule) for e in edits} <= {("spelling", "MissingAccents")}


def test_an_ambiguous_bare_word_offers_each_accented_word(layers):
    (edit,) = layers.check("Il achete du pain.", "fr").edits
    assert {"acheté", "achète"} <= {edit.replacement, *edit.alternatives}
    assert edit.reason.startswith("Written without its accents")


def test_missing_accents_can_be_ignored_alone(tmp_path):
    personal = PersonalDictionary(tmp_path)
    checker = LayeredChecker(personal)
    text = "Je suis tres content du bricard."
    assert [e.original for e in checker.check(text, "fr").edits] == ["tres", "bricard"]
    personal.ignore_rule("MissingAccents")
    assert [e.original for e in checker.check(text, "fr").edits] == ["bricard"]  # the rest of spelling stays
    assert rule_label("MissingAccents") == "Missing accents"


def test_german_letters_spelled_out_are_offered_back(layers):
    assert typo_cost("muede", "müde") < 1 and typo_cost("Groesse", "Größe") < 1
    text = "Die Groesse ist gut, ich bin muede und das Wetter ist schoen."
    assert found(layers, text, "de")[1] == [("Groesse", "Größe"), ("muede", "müde"), ("schoen", "schön")]
    assert found(layers, "Die Straße ist groß und er heißt Paul.", "de")[1] == []  # ß is a letter, not "ss"


@pytest.mark.parametrize("typed,meant,other", [
    ("experinces", "experiences", "experience"), ("diversifed", "diversified", "diversify"), ("oher", "other", "her"),
])
def test_a_left_out_vowel_and_a_sound_first_letter_decide_between_near_words(typed, meant, other):
    assert rank(typed, [other, meant], "en")[0] == meant


def test_a_word_after_a_title_is_a_name(layers):
    assert found(layers, "But Mr. Bacchan rejected this.")[1] == []
    assert found(layers, "It ended. Bacchan rejected this.")[1] != []  # a sentence's first word may be a slip


def test_harpers_spellings_are_reranked_and_pieces_that_are_not_words_dropped(layers):
    (e,) = layers.check("I wark in a factory and the students are studing.", "en").edits[:1]
    assert (e.original, e.replacement, e.rule) == ("wark", "work", "SpellCheck")
    (s,) = [x for x in layers.check("The students are studing.", "en").edits]
    assert s.replacement == "studying" and all(" " not in o for o in s.alternatives)  # no "stud ing"


@pytest.mark.parametrize("text,typed,meant,rare", [
    ("I like cigarrets.", "cigarrets", "cigarettes", "cigarets"),  # only a rare word one slip away
    ("He has a bisnes in town.", "bisnes", "business", "bines"),
    ("Ask the proffeser.", "proffeser", "professor", "proffered"),
])
def test_a_word_spelt_by_ear_gets_the_word_it_sounds_like(layers, text, typed, meant, rare):
    (e,) = layers.check(text, "en").edits
    assert (e.original, e.replacement) == (typed, meant) and rare in e.alternatives


def test_sound_alikes_never_displace_a_common_word_one_slip_away_and_are_english_only(layers):
    assert found(layers, "It is a hazzle.")[1] == [("hazzle", "hassle")]  # not "hazel", which sounds the same
    assert sound_alikes("bisnes", "en")[:1] == ("business",) and sound_alikes("bisnes", "fr") == ()
    assert sound_alikes("日本語", "en") == () == sound_alikes("x" * 100_000, "en")  # no word to sound out


def test_rare_real_words_stay_and_far_guesses_are_only_flagged(layers):
    assert found(layers, "The perseverant student left.")[1] == []  # rare, likelier than "perseverance"
    assert found(layers, "I left becuase it rained.")[1] == [("becuase", "because")]  # a common slip
    (e,) = layers.check("I saw the zorblax today.", "en").edits
    assert e.is_flag and e.alternatives == []  # "relax" is three slips away: a guess, not offered


@pytest.mark.parametrize("text,expected", [
    ("I think im late and theyre gone.", [("im", "I'm"), ("theyre", "they're")]),
    ("It doesnt matter, youll see.", [("doesnt", "doesn't"), ("youll", "you'll")]),
    ("It wasent like that.", [("wasent", "wasn't")]),  # two slips: Harper's spelling search finds it
    ("I cant say its wrong and well see.", [("cant", "can't")]),  # "its", "well" are words; "cant" is Harper's rule
    ("A guide knows the dos and don'ts, dont worry.", [("dont", "don't")]),  # a contraction as a plural noun
])
def test_contractions_without_their_apostrophe(layers, text, expected):
    assert found(layers, text) == ("en", expected)


def test_the_underlines_need_not_wait_for_harpers_spelling_search(layers):
    """Without the search a word two slips from any the dictionary knows is flagged with no
    suggestion and the result says so; with it, Harper's spelling is offered."""
    quick = layers.check("It was a very high temparture.", "en", search=False)
    assert not quick.searched and [(e.original, e.is_flag) for e in quick.edits] == [("temparture", True)]
    full = layers.check("It was a very high temparture.", "en")
    assert full.searched and [(e.original, e.replacement) for e in full.edits] == [("temparture", "temperature")]
    known = layers.check("I like teh cat.", "en", search=False)  # nothing left for the search
    assert known.searched and [(e.original, e.replacement) for e in known.edits] == [("teh", "the")]


def test_the_underlines_need_not_wait_for_the_second_look(layers):
    """The second look at a sentence the rules changed (second_pass.recheck) is left to the full check, as the
    spelling search is: the quick check shows the first edits' underlines and says it is not complete, and
    the full check folds what the second look finds into them ("discuss about" → "discusses")."""
    text = "She discuss about the plan."
    quick = layers.check(text, "en", search=False)
    full = layers.check(text, "en")
    assert not quick.searched and full.searched
    assert [e.original for e in quick.edits] == ["discuss about"]
    assert [(e.original, e.replacement) for e in full.edits] == [("discuss about", "discusses")]
    agreed = layers.check("I has a apple.", "en", search=False)  # an agreement: the second look is wanted
    assert not agreed.searched and agreed.edits == layers.check("I has a apple.", "en").edits


def test_no_search_serves_french(layers):
    french = layers.check("Le bricard et l'ouleur sont partis.", "fr", search=False)  # no search serves French
    assert french.searched and {e.original for e in french.edits} == {"bricard", "ouleur"}


@pytest.mark.parametrize("text,expected", [
    ("I like italian food and ipod music.", [("italian", "Italian"), ("ipod", "iPod")]),
    ("The definition yong or old is not clear.", []),  # not the name "Yong"
    ("By these facts u will agree.", []),  # not "U"
])
def test_case_changes_make_names_only_of_common_words(layers, text, expected):
    assert found(layers, text) == ("en", expected)


def test_style_rules_only_when_the_writer_asks(layers):
    """Harper's DiscourseMarkers is style ("Thus," "Meanwhile,": the comma is optional there); the commas
    JFLEG's annotators put in after "Therefore", "For example" are the learner pattern IntroductoryComma's."""
    text = "Thus people will be able to live. Finding petrol is a very good idea."
    assert found(layers, text)[1] == []
    styled = LayeredChecker(style=True).check(text, "en").edits
    assert [(e.original, e.rule) for e in styled] == [
        ("Thus", "DiscourseMarkers"), ("petrol", "Regionalisms"), ("a very good", "Excellent")]
    assert found(layers, "Therefore people will be able to live.")[1] == [("Therefore", "Therefore,")]
    assert found(layers, "Second the amount is large.")[1] == [("Second", "Second,")]  # an ordinal opener
    assert found(layers, "Hence the amount is large.")[1] == []  # Harper's DiscourseMarkers, style only
    assert styled[-1].replacement == "an excellent"  # the article follows the word, in one edit
    assert rule_label("DiscourseMarkers") == "Discourse markers"


@pytest.mark.parametrize("text", [
    "I know what he wants will be hard.", "I hope the things I learned will help me.",  # MissingTo
])
def test_rules_that_flag_correct_english_are_off(layers, text):
    assert found(layers, text)[1] == []


def test_may_and_march_are_months_only_where_they_read_as_months(layers):
    assert found(layers, "It is rare in may parts of India.")[1] == []  # a slip for "many", not May
    assert found(layers, "We met in may.")[1] == [("may", "May")]
    assert found(layers, "We met in may 2010.")[1] == [("may", "May")]


def test_merge_keeps_the_first_layer_and_pools_candidates():
    harper = [Edit(0, 10, "Forexample", "Forecastle", "spelling", "", "rules", "Spelling", ["Example"])]
    spell = [Edit(0, 10, "Forexample", "For example", "spelling", "", "spelling", "spelling", [])]
    (m,) = merge(harper, spell)
    assert m.replacement == "Forecastle" and m.alternatives == ["Example", "For example"]
    # A grammar rule's candidates are the verb's forms; the dictionary's neighbours of "buyed" are not.
    rule = [Edit(10, 15, "buyed", "bought", "grammar", "", "rules", "RegularIrregulars", [])]
    (m,) = merge(rule, [Edit(10, 15, "buyed", "bayed", "spelling", "", "spelling", "spelling", ["buoyed"])])
    assert m.replacement == "bought" and m.alternatives == []


def test_a_grammar_rules_forms_are_found_whole_with_the_dictionaries():
    layers = LayeredChecker()
    assert found(layers, "They buyed it and he has teached me.")[1] == [("buyed", "bought"), ("teached", "taught")]
    edits = layers.check("I goed home and eated.").edits
    assert [(e.original, e.replacement, e.alternatives) for e in edits] == [
        ("goed", "went", ["gone"]), ("eated", "ate", ["eaten"])]


def test_the_judge_ranks_as_a_noisy_channel_and_vetoes():
    sentence = "Forexample, the cat sat."
    # SmolLM2's scores on this machine: alone, the model would drop a word ("Example").
    table = {"Forexample, the cat sat.": -44.9, "For example, the cat sat.": -33.7,
             "Example, the cat sat.": -26.0, "Forecastle, the cat sat.": -47.3}
    e = Edit(0, 10, "Forexample", "Forecastle", "spelling", "", "rules", "Spelling", ["Example", "For example"])
    (chosen,) = judge(sentence, [e], lambda texts: [table.get(t) for t in texts])
    assert chosen.replacement == "For example"  # -33.7 - 4.5 beats -26.0 - 4.5 × 3.17
    assert typo_cost("Forexample", "For example") == 1 and typo_cost("a", "A") < 1
    # Every candidate clearly worse than leaving it: a rule's edit goes, an unknown word stays flagged.
    worse = {sentence: -10.0, "Forecastle, the cat sat.": -10.0 - VETO - 1}
    rule = Edit(0, 10, "Forexample", "Forecastle", "spelling", "", "rules", "Spelling", [])
    by_table = lambda texts: [worse.get(t) for t in texts]  # noqa: E731
    assert judge(sentence, [rule], by_table) == []
    (flag,) = judge(sentence, [Edit(0, 10, "Forexample", "Forecastle", "spelling", "", "spelling")], by_table)
    assert flag.is_flag and flag.replacement == "Forexample"
    # A grammar rule's forms are not typing slips: the model's score alone ranks them ("eaten" is
    # nearer the letters of "eated" and would win as a slip).
    forms = {"I ate.": -19.0, "I eaten.": -22.0, "I eated.": -30.0}
    irregular = Edit(2, 7, "eated", "eaten", "grammar", "", "rules", "RegularIrregulars", ["ate"])
    (chosen,) = judge("I eated.", [irregular], lambda texts: [forms.get(t) for t in texts])
    assert chosen.replacement == "ate" and typo_cost("eated", "eaten") < typo_cost("eated", "ate")
    # ... but the rule's own first, chosen by its context, stands unless another wins clearly.
    close = {"I ate.": -21.0, "I eaten.": -22.0, "I eated.": -30.0}
    (kept,) = judge("I eated.", [irregular], lambda texts: [close.get(t) for t in texts])
    assert kept.replacement == "eaten" and kept.alternatives == ["ate"]
    # A backend that cannot score leaves the layers' order alone.
    assert judge(sentence, [rule], lambda texts: [None] * len(texts)) == [rule]


def test_the_judge_leaves_case_and_commas_a_rule_decides_alone():
    """A sentence's capital and an opening's comma are kept however the model scores them (the score
    table here makes both clearly worse than the text as written), and are not scored at all."""
    sentence = "so in this field it is hard."
    capital = Edit(0, 2, "so", "So", "capitalization", "", "rules", "SentenceCapitalization")
    comma = Edit(11, 16, "field", "field,", "punctuation", "", "rules", "OpeningComma")
    slip = Edit(23, 27, "hard", "herd", "spelling", "", "rules", "SpellCheck")
    asked: list[str] = []

    def worse(texts: list[str]) -> list[float]:
        asked.extend(texts)
        return [0.0 if t == sentence else -10.0 - VETO for t in texts]

    assert judge(sentence, [capital, comma, slip], worse) == [capital, comma]  # the spelling is vetoed
    assert asked == [sentence, "so in this field it is herd."]


def test_personal_dictionary_and_ignored_rules(tmp_path):
    personal = PersonalDictionary(tmp_path)
    layers = LayeredChecker(personal)
    assert [o for o, _ in found(layers, "I met Grzegorz and the zorblax yesterday.")[1]] == ["zorblax"]
    personal.add_word("zorblax")
    assert found(layers, "I met Grzegorz and the zorblax yesterday.")[1] == []
    personal.ignore_rule("Agreement")  # a lint kind, as earlier versions stored it
    assert found(layers, "I has a apple.")[1] == [("a", "an")]
    personal.ignore_rule("AnA")  # a Harper rule, as the underline's menu stores it now
    assert found(layers, "I has a apple.")[1] == []
    assert (tmp_path / "personal-dictionary.txt").read_text() == "zorblax\n"
    assert PersonalDictionary(tmp_path).ignores("Agreement")  # persisted
    assert found(layers, "I saw the blorvax.", "en")[1] and found(layers, "Je vois le blorvax.", "fr")[1]
    personal.ignore_rule("SpellCheck")  # what "Ignore rule “Spell check”" stores: both layers, every language
    assert found(layers, "I saw the blorvax.", "en")[1] == found(layers, "Je vois le blorvax.", "fr")[1] == []
    out = tmp_path / "export.txt"
    assert personal.export_words(out) == 1
    other = PersonalDictionary(tmp_path / "other")
    os.makedirs(tmp_path / "other", exist_ok=True)
    assert other.import_words(out) == 1 and other.knows("zorblax")


def test_an_unreadable_personal_dictionary_is_set_aside_not_lost(tmp_path):
    (tmp_path / "personal-dictionary.txt").write_bytes(b"caf\xe9\nna\xefve\n")  # Latin-1, not UTF-8
    personal = PersonalDictionary(tmp_path)
    assert "could not be read" in personal.warning and personal.words() == []
    kept = list(tmp_path.glob("personal-dictionary.txt.unreadable-*"))
    assert [p.read_bytes() for p in kept] == [b"caf\xe9\nna\xefve\n"]


def test_layers_then_the_model_on_a_real_model(default_engine):
    """Whatever the model scores: every edit points into the text, says its layer, and applies."""
    text = "She go to school every days and dont like it.\n\nForexample, the cat sat.\n\nThe weather is nice."
    checker = GrammarChecker()
    h = default_engine.submit(Job("c", lambda ctx: checker.check(ctx, text)))
    assert h.wait(300) and h.state == JobState.DONE, h.error
    r = h.result
    assert r.languages == {"en": 3} and r.unchecked == 0
    first = text.split("\n\n")[0]
    offered = {(x.start, x.end): {x.replacement, *x.alternatives} for x in LayeredChecker().check(first).edits}
    for e in r.edits:
        assert text[e.start:e.end] == e.original and e.layer in ("rules", "spelling", "forms", "model")
        if e.end <= len(first) and e.layer == "rules":
            assert e.replacement in offered[(e.start, e.end)]  # the judge chooses; it never invents
    fixes = [e for e in r.edits if not e.is_flag]
    assert apply_edits(text, fixes) != text or not fixes


@pytest.mark.parametrize("text", [
    # each flagged as a mistake by a Harper rule before stop 35, in GUM's edited texts or Multi30k's captions
    "It is quite big, it fits three people.", "It is a department dedicated to examining how people think.",
    "Dropout rates at West Point are low.", "A couple sits on a bench talking.",
    "She was less interested in details, such as staircases.", "Both of their faces were red.",
    "A woman stands to their right.", "It was the sovereign will of God.", "I was terrified that they would fling it.",
    "My mother says, \"Is it time to go?\"", "A swell rose and fell like a gentle breathing.",
    "We were so interested because we had time.", "They were workers, all of whom gave their lives.",
    "It's Marcia.", "So yeah, I hope you guys enjoyed watching!", "He made the District 8-4A All-District team.",
    "It was a Class-A affiliate.", "It was 10:38 a.m. on Monday.", "The location of the CoM can be a key factor.",
    "He earned a Ph.D. in philosophy from Harvard.", "He arrived in Washington D.C. after many difficulties.",
    "A lightness lifted his spirit.", "He had a passion for it.", "One might expect a number.",
    "It depends on time, speed, stability and accuracy.", "Let's do all of the rooms.",
    "The corner of California and Dupont streets.", "A biography of Jean le Rond d'Alembert.",
    "I had had enough.", "She said that that was fine.", "I told her her bag was here.",  # right twice in a row
])
def test_harpers_firings_on_edited_english_are_left_alone(layers, text):
    """Style rules are offered only on request (harper_style_rules); rules wrong more often than right
    there are off (harper_off_rules); others are narrowed (harper_narrowed, harper_case_changes)."""
    assert [e for e in layers.check(text, "en").edits if e.layer == "rules"] == [], text


@pytest.mark.parametrize("text,expected", [
    ("Thus we share a information.", ("a information", "information")),
    ("She has diverse knowledges about it.", ("knowledges", "knowledge")),
    ("It is a apple.", ("a", "an")),
    ("We saw the the car.", ("the the", "the")),
    ("She have a car.", ("have", "has")),
    ("I like italian food.", ("italian", "Italian")),
    ("I have an ipod.", ("ipod", "iPod")),
])
def test_the_narrowed_rules_still_catch_learners_mistakes(layers, text, expected):
    assert expected in found(layers, text)[1]


def test_since_a_year_is_not_for_a_year(layers):
    """Harper's SinceDuration made "since 2010 year" into "for 2010 year"."""
    assert found(layers, "I have lived here since 2010 year.")[1] == []
    assert ("since two months", "for two months") in found(layers, "I work here since two months.")[1]


def test_a_question_without_its_inversion_keeps_where(layers):
    """Harper's WereWhere made "Where you are going?" into "Were you are going?"."""
    for text in ["Where you are going?", "Where you going?", "Where they will stay?"]:
        assert found(layers, text)[1] == [], text
    assert ("Where", "Were") in found(layers, "Where you happy?")[1]  # the rule still works
    assert ("where", "were") in found(layers, "They where happy.")[1]
    # a verb's base form after the pronoun wants "do", which the learner patterns put in; never "Were you live?"
    assert found(layers, "Where you live?")[1] == [("you", "do you")]
    assert found(layers, "I went to there.")[1] == [("to there", "there")]  # not Harper's "too there"


def test_call_me_as_soon_as_possible_keeps_its_as(layers):
    """Harper's CallThem made "Please call me as soon as possible" into "call me soon as possible"."""
    for text in ["Please call me as soon as possible.", "They call him as a witness.", "I called her as she left."]:
        assert found(layers, text)[1] == [], text
    assert ("him as", "him") in found(layers, "They call him as Bob.")[1]  # the rule still works


def test_harpers_will_going_to_and_too_are_narrowed(layers):
    """WillGonna made "I will going to Paris" into "I will Paris"; ToTwoToo made "Me too I like it" into "Me to",
    "too fast a speed" into "to fast" and "move those to there" into "too there"."""
    assert found(layers, "I will going to Paris.")[1] == [("going", "go")]  # the learner pattern instead
    assert found(layers, "I will going to go there.")[1] == [("will going to", "will")]  # the rule still works
    for text in ["Me too I like it.", "It was too fast a uniform speed.", "You can't move those to there."]:
        assert found(layers, text)[1] == [], text


def test_there_before_a_time_word_is_not_their(layers):
    """Harper's ThereToTheir turned "I was there yesterday" into "their yesterday"."""
    for text in ["I was there yesterday.", "We were there today.", "She lived there years ago.",
                 "We stayed there last summer."]:
        assert found(layers, text)[1] == [], text
    assert ("there", "their") in found(layers, "I saw there house.")[1]  # the rule still works


@pytest.mark.parametrize("text,expected", [
    ("I have alot of work.", ("alot", "a lot")),
    ("He came aswell.", ("aswell", "as well")),
    ("It is ofcourse true.", ("ofcourse", "of course")),
])
def test_a_word_written_as_one_that_is_two_is_split(layers, text, expected):
    """Re-spacing alone is the writer's business ("Thus , even"), but a word split in two is a correction."""
    assert expected in found(layers, text)[1]


@pytest.mark.parametrize("text,expected", [
    ("It would be a wasteful idean.", "idean"), ("A successful preson.", "preson"), ("Put it togather.", "togather"),
])
def test_a_misspelt_word_is_not_split_into_two_wrong_ones(layers, text, expected):
    """Harper's SplitWords read "idean" as "i dean" (17 of 19 firings on JFLEG dev wrong): it is off, and the
    word is the spelling layer's."""
    edits = [(old, new) for old, new in found(layers, text)[1] if old == expected]
    assert edits and all(" " not in new for _old, new in edits), edits


@pytest.mark.parametrize("text,expected", [
    ("Inorder to do this we work.", ("Inorder", "In order")),
    ("They wait untill they know.", ("untill", "until")),
    ("Due to their unability to walk far.", ("unability", "inability")),
])
def test_misspelt_negatives_are_spelled_not_turned_into_dis_words(layers, text, expected):
    assert expected in found(layers, text)[1]  # Harper's WrongNegative said Disorder, distill, disability


@pytest.mark.parametrize("text,language,expected", [
    ("he has a lot of money and no family life.", "en", [("he", "He")]),  # Harper leaves this one
    ("It rained all day. however we stayed home, etc. and then... maybe not! wow it works.", "en",
     [("however", "However,"), ("wow", "Wow")]),  # not after an abbreviation or an ellipsis; an opening comma
    ("Mr. smith came, e.g. on Monday. e.g. this one.", "en", []),  # a title's stop; an abbreviation opening
    ("`ls` lists files. www.example.org is down.", "en", []),  # code, an address
    ("il pleut beaucoup ce matin. nous restons à la maison.", "fr", [("il", "Il"), ("nous", "Nous")]),
])
def test_a_sentence_that_begins_lower_case_is_capitalised_in_every_language(layers, text, language, expected):
    assert found(layers, text, language) == (language, expected)


@pytest.mark.parametrize("text,expected", [
    ("In the commercials they are all good.", ("commercials", "commercials,")),
    ("Without facts there will be no ideas.", ("facts", "facts,")),
    ("Because of this it's hard to say.", ("this", "this,")),
    ("If you want to know somebody you can spend a day with them.", ("somebody", "somebody,")),
    ("Before it was built there were trees here.", ("built", "built,")),
    ("It rained. When it comes to sports I am bad.", ("sports", "sports,")),
    ("When I saw it there was nobody.", ("it", "it,")),  # "it" the object: the comma goes before "there"
    ("In a market economy the price must reflect costs.", ("economy", "economy,")),  # a noun phrase subject
    ("In a flash the fairy was out of my nose.", ("flash", "flash,")),
])
def test_an_opening_phrase_or_clause_gets_its_comma_before_the_subject(layers, text, expected):
    _language, edits = found(layers, text, "en")
    assert expected in edits
    rules = {e.rule for e in layers.check(text, "en").edits if (text[e.start:e.end], e.replacement) == expected}
    assert rules == {"OpeningComma"}


@pytest.mark.parametrize("text", [
    "In the commercials, they are all good.",  # punctuated already
    "If the task we are trying to complete is hard, it takes work.",  # no clause of its own before "we"
    "In fact I think we should go.",  # the phrase is "In fact" (IntroductoryComma's), not "In fact I think"
    "I think that in the end we will go.",  # not at the sentence's start
    "If you know Megumi then you'll know her.",  # the comma belongs before "then": left to the writer
    "In the morning people go to work.",  # no subject pronoun: the opening's end is unsure
    "After the game ended the fans went home.",
    "When the game ended the fans will go home.",  # a clause's subject may be a noun phrase: unsure
    "In the morning the sun rises early.",  # no auxiliary after the noun phrase: where it ends is unsure
    "In the house the dog of my friend was asleep.",  # the auxiliary too far for a short noun phrase
    "In the case of the price the",  # "of" goes on the phrase; nothing after
])
def test_openings_whose_end_is_unsure_or_punctuated_get_no_comma(layers, text):
    assert [e for e in layers.check(text, "en").edits if e.rule == "OpeningComma"] == []


@pytest.mark.parametrize("text,expected", [
    ("I am really sorry to continue like this but right now I am taking the test.", ("this", "this,")),
    ("Cars will not be replaced completely but they will be fewer.", ("completely", "completely,")),
    ("This tax is not well publicized but it is essential to remember it.", ("publicized", "publicized,")),
    ("These ideas are good in theory but the facts are not found yet.", ("theory", "theory,")),
])
def test_but_joining_two_clauses_gets_its_comma(layers, text, expected):
    rules = {e.rule for e in layers.check(text, "en").edits if (text[e.start:e.end], e.replacement) == expected}
    assert rules == {"ConjunctionComma"}


@pytest.mark.parametrize("text", [
    "I am really sorry to continue like this, but I am taking the test.",  # punctuated already
    "They have ideas but they cannot say them.",  # a short clause before: the comma is optional
    "It is not about adding years to life but life to years.",  # no clause after
    "She does nothing but he is still kind.",  # "nothing but"
    "He is not only rich but also he is kind.",  # "but also"
    "We were tired but happy when we got home.",  # two adjectives, no second clause
    "It is so cold so we will stay at home.",  # "so" is left out
])
def test_but_that_joins_no_two_clauses_gets_no_comma(layers, text):
    assert [e for e in layers.check(text, "en").edits if e.rule == "ConjunctionComma"] == []


@pytest.mark.parametrize("text,expected", [
    ("We must trust ourselves", [("ourselves", "ourselves.")]),
    ("So in the end I think we can go", [("go", "go.")]),
    ("It rained. We stayed at home all day", [("day", "day.")]),
    ("Nous restons à la maison ce soir", [("soir", "soir.")]),
    ("Wir bleiben heute zu Hause", [("Hause", "Hause.")]),
    ("Die Kinder sind im Garten mit dem Hund", [("Hund", "Hund.")]),  # capitalised nouns make no title
])
def test_a_paragraph_whose_last_sentence_has_no_end_mark_gets_a_full_stop(layers, text, expected):
    lang = "fr" if text.startswith("Nous") else "de" if text.startswith(("Wir", "Die")) else "en"
    assert found(layers, text, lang) == (lang, expected)
    assert layers.check(text + ".", lang).edits == []


@pytest.mark.parametrize("text", [
    "The history of the Roman empire",  # no clause: a heading
    "How I Spent My Summer Holidays",  # a title
    "# We must trust ourselves",  # a Markdown heading, list item, quote
    "- we can go there today",
    "> we can go there today",
    "We can go (if it is dry)",  # a bracket: where the mark goes is the writer's style
    "Roses are red\nviolets are blue",  # lines of verse
    "I can go",  # too short to be sure it is a sentence
    "He went home and then he and",  # ends in a word no sentence ends with
])
def test_no_full_stop_is_put_after_headings_titles_lists_or_brackets(layers, text):
    assert [e for e in layers.check(text, "en").edits if e.rule == "ParagraphEnd"] == []


WRAPPED = "We stayed at home all day because it\nrained and the roads were closed\n\nin the morning it was fine"


def test_a_hard_wrapped_paragraphs_lines_get_no_full_stop_or_capital_where_they_join():
    """Each line is a paragraph to the app (text_units.paragraphs): without its neighbours, the first line
    of a hard-wrapped paragraph lacked a full stop and the second a capital."""
    from assistant.text_units import line_bounds, paragraphs

    spans = paragraphs(WRAPPED)
    assert [line_bounds(WRAPPED, s) for s in spans] == [(True, False), (False, True), (True, True)]
    checker = LayeredChecker()
    marks = [[(WRAPPED[s.start:s.end][e.start:e.end], e.replacement, e.rule)
              for e in checker.check(WRAPPED[s.start:s.end], "en", True, *line_bounds(WRAPPED, s)).edits]
             for s in spans]
    assert marks == [[], [("closed", "closed.", "ParagraphEnd")],  # the paragraph's end is the second line's
                     [("in", "In", "SentenceCapitalization"), ("morning", "morning,", "OpeningComma"),
                      ("fine", "fine.", "ParagraphEnd")]]
    alone = [[e.rule for e in checker.check(WRAPPED[s.start:s.end], "en").edits] for s in spans[:2]]
    assert alone == [["ParagraphEnd"], ["SentenceCapitalization", "ParagraphEnd"]]  # what the flags take away


@pytest.mark.parametrize("line,following,joined", [
    ("We stayed at home because it", "rained all day.", True),
    ("We stayed at home.", "then we left", False),  # the line ends with a mark
    ("We stayed at home because it", "Rained all day.", False),  # a capital: a paragraph of its own
    ("We stayed at home because it", "- a list item", False),
    ("We stayed at home because it", "", False),
])
def test_a_line_wraps_into_the_next_when_it_ends_open_and_the_next_begins_lower_case(line, following, joined):
    from assistant.text_units import wraps

    assert wraps(line, following) == joined


def test_ignoring_the_paragraph_end_rule_silences_it(tmp_path):
    personal = PersonalDictionary(tmp_path)
    personal.ignore_rule("ParagraphEnd")
    assert LayeredChecker(personal).check("We must trust ourselves", "en").edits == []


def test_ignoring_the_sentence_capital_rule_silences_it(tmp_path):
    personal = PersonalDictionary(tmp_path)
    personal.ignore_rule("SentenceCapitalization")
    assert LayeredChecker(personal).check("he has a lot of money and no family life.", "en").edits == []


def test_a_stray_a_before_a_preposition_is_no_article_to_mend(layers):
    """Harper's AnA made "put air a on car" into "an on" and "air a in car" into "and in" (JFLEG dev ref0)."""
    assert [e for e in found(layers, "Put air a on car and air a in car.", "en")[1] if e[0] == "a"] == []
    assert ("a", "an") in found(layers, "I ate a egg for breakfast.", "en")[1]


def test_a_number_typed_apart_keeps_its_suffix(layers):
    """Harper's CorrectNumberSuffix made the "1 2th" of "12th" typed apart into "1 2nd" (JFLEG dev ref0)."""
    assert [e for e in found(layers, "My 1 0th exam and 1 2th exam are good.", "en")[1] if "th" in e[0]] == []
    assert ("2th", "2nd") in found(layers, "I live on the 2th floor.", "en")[1]


def test_a_split_compound_is_joined_and_harpers_pronoun_rule_does_not_eat_it(layers):
    """Harper's MultipleSequentialPronouns read "it him self" as two pronouns and dropped "him"."""
    assert found(layers, "He did it him self.", "en")[1] == [("him self", "himself")]
