"""Does a verb written right after its subject pronoun agree with it? Checked against the conjugator.

"Je prend la ligne" passed every word check (each word is French); the conjugator's table of "prendre"
has "prend" only for il/elle/on, so after "je" it is wrong, and the form wanted is "prends". The verb is
the first word after the pronoun once negation and object pronouns are skipped (resources/
subject_pronouns.json); its lemma comes from simplemma. A word that is no form of a verb the conjugator
knows is left alone, so a noun or a verb the tables lack never makes a refusal.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from assistant.learning import conjugation
from assistant.paths import resource

TOKEN = re.compile(r"[^\W\d_]+(?:['’](?=[^\W\d_]))?|[^\w\s]")  # words, an elided "j'" as one, punctuation
MAX_BETWEEN = 3  # negation and object pronouns looked past ("je ne le lui donne")


@dataclass(frozen=True)
class Disagreement:
    pronoun: str
    written: str
    wanted: str  # the form for the pronoun in the tense the written form belongs to


@dataclass(frozen=True)
class Slip:
    """A verb that agrees with its subject pronoun, and a form of the same tense for another person that
    the pronoun never takes: writing it there makes an agreement mistake ("je mange" → "je manges")."""
    pronoun: str
    start: int  # the verb's place in the text
    end: int
    right: str  # the verb as written
    wrong: str


@cache
def _data() -> dict:
    return json.loads(resource("subject_pronouns.json").read_text("utf-8"))


def present_rules() -> dict:
    """resources/subject_pronouns.json's present-tense rules for languages without a conjugator, by language."""
    return _data()["present_rules"]


def pronoun_data(lang: str) -> dict:
    """resources/subject_pronouns.json's entry for ``lang``: its pronouns, the words between them and the verb."""
    return _data()[lang]


def can_check(lang: str) -> bool:
    return lang in _data() and conjugation.has_conjugator(lang)


def disagreements(text: str, lang: str) -> list[Disagreement]:
    """Each subject pronoun of ``text`` whose verb is a form of another person; [] where the language has no
    data or the conjugator cannot run."""
    return [d for d, _start, _end in located_disagreements(text, lang)]


def located_disagreements(text: str, lang: str) -> list[tuple[Disagreement, int, int]]:
    """disagreements, each with the verb's place in ``text`` (start, end)."""
    found = []
    for pronoun, person, verb, match, _skipped in _subject_verbs(text, lang):
        wrong = _disagreement(verb, person, lang)
        if wrong is not None:
            found.append((Disagreement(pronoun, verb, wrong), match.start(), match.end()))
    return found


@dataclass(frozen=True)
class NounDisagreement:
    """A verb right after a determiner and its noun in the other number's form ("les pommes était")."""
    subject: str  # the determiner and the noun, as written
    start: int  # the verb's place in the text
    end: int
    written: str
    wanted: str


NOT_SKIPPED = {"ADP", "DET", "CONJ", "CCONJ", "SCONJ", "PRON", "ADV"}  # what an adjective after the noun is not


def noun_subject_disagreements(text: str, lang: str) -> list[NounDisagreement]:
    """Each verb right after a subject made of a determiner and its noun at a clause's start (and at most one
    adjective after the noun) that is, by the conjugator's tables, a form of the other number only: "les
    pommes était" (étaient), "los niños come" (comen). resources/subject_pronouns.json: noun_subjects."""
    from assistant.learning import parts_of_speech

    rule = _data().get("noun_subjects", {}).get(lang)
    if rule is None or not can_check(lang):
        return []
    openers = set(_data()[lang]["clause_openers"]) - set(rule["coordinators"])
    matches = list(TOKEN.finditer(text))
    tokens = [m[0].casefold().replace("’", "'") for m in matches]

    def word(k: int) -> bool:
        return k < len(tokens) and tokens[k][:1].isalpha()

    found = []
    for i, tok in enumerate(tokens):
        number = "p" if tok in rule["plural"] else "s" if tok in rule["singular"] else None
        if number is None or not (i == 0 or not tokens[i - 1][:1].isalpha() or tokens[i - 1] in openers):
            continue
        j = i + 1  # the noun: a word written small (not a name), not one that counts a group
        if not word(j) or tokens[j] in rule["collective"] or tokens[j] in rule["when"] or \
                not matches[j][0][:1].islower():
            continue  # "la plupart sont", "los sábados vamos" (a time, not the subject)
        k = j + 1
        if word(k) and not _verbs_of(tokens[k], lang, guess=False):
            tags = parts_of_speech.tags(tokens[k], lang)
            if "ADJ" not in tags or tags & NOT_SKIPPED:
                continue  # "les pommes de terre": not an adjective; the verb is further on
            k += 1  # "les pommes rouges"
        if not word(k):
            continue
        wanted = _disagreement(tokens[k], ("3", number), lang)
        if wanted is not None:
            m = matches[k]
            found.append(NounDisagreement(text[matches[i].start():matches[j].end()], m.start(), m.end(), m[0], wanted))
    return found


def bare_infinitives(text: str, lang: str) -> list[tuple[str, str]]:
    """(pronoun, verb) as written where ``text`` opens with a subject pronoun followed by a bare infinitive
    ("Ich kochen gerne") or a verb's bare stem ("Ich kauf ein Kleid"): wrong whatever the verb in languages
    without a conjugator here that put the finite verb second (resources/subject_pronouns.json:
    no_infinitive_after); [] elsewhere."""
    import simplemma

    from assistant.learning import parts_of_speech

    rule = _data().get("no_infinitive_after", {}).get(lang)
    matches = [m for m in TOKEN.finditer(text) if m[0][:1].isalpha()][:2]
    if rule is None or len(matches) < 2 or matches[0][0].casefold() not in rule["pronouns"]:
        return []
    verb = matches[1][0]
    if not verb.islower():
        return []
    lemma = simplemma.lemmatize(verb, lang=lang)
    infinitive = verb.endswith(tuple(rule["endings"])) and lemma == verb and "VERB" in parts_of_speech.tags(verb, lang)
    # "Ich kauf", spoken German; the stem's own tag may be the noun's ("Kauf"), small after a pronoun
    stem = any(lemma == verb + ending for ending in rule.get("stem_of", ())) and \
        verb not in rule.get("stems_that_are_forms", ()) and bool({"VERB", "AUX"} & parts_of_speech.tags(lemma, lang))
    return [(matches[0][0], verb)] if infinitive or stem else []


def slips(text: str, lang: str) -> list[Slip]:
    """For each verb of ``text`` right after its subject pronoun and agreeing with it, the forms of its tense
    (the first of the language's 'slip_tenses' it belongs to) that the pronoun never takes in any tense,
    each an agreement mistake to make; [] where the language has no data. So the sentence with the slip is
    wrong by the conjugator's tables however it is read."""
    found = []
    order = [tuple(t) for t in _data().get(lang, {}).get("slip_tenses", [])]
    for pronoun, person, verb, match, _skipped in _subject_verbs(text, lang):
        for lemma in _verbs_of(verb, lang):
            forms = _finite_forms(lang, lemma)
            tenses = {tense for tense, p in forms.get(verb, ()) if p == person}
            tense = next((t for t in order if t in tenses), None)  # "mange": présent, not subjonctif
            if tense is None:
                continue
            for form, readings in forms.items():
                if tense not in {t for t, _p in readings} or any(p == person for _t, p in readings) \
                        or _elision_breaks(pronoun, form, lang):
                    continue
                wrong = form if match[0].islower() else form[:1].upper() + form[1:]
                found.append(Slip(pronoun, match.start(), match.end(), match[0], wrong))
            break
    return found


@dataclass(frozen=True)
class ParticipleSlip:
    """An infinitive written where the past participle belongs ("j'ai acheter": acheté)."""
    auxiliary: str  # as written
    start: int  # the infinitive's place in the text
    end: int
    written: str
    wanted: str
    alternatives: tuple[str, ...] = ()  # the other gender, where the subject does not say which


def _participle(lang: str, infinitive: str, gender: str, number: str) -> str | None:
    try:
        entries = conjugation.table(lang, infinitive, pronouns=False)["moods"]["participe"]["participe-passé"]
    except (conjugation.ConjugationError, KeyError):
        return None
    return next((c for e in entries if e.get("g") == gender and e.get("n") == number for c in e.get("c", []) if c),
                None)


def participle_slips(text: str, lang: str) -> list[ParticipleSlip]:
    """Each -er infinitive of ``text`` after a form of avoir or être where the past participle belongs, and
    each present form listed as sounding like its participle after avoir and its pronoun ("j'ai fais",
    "il a dis": resources/subject_pronouns.json, "participles"); [] for a language without that data."""
    data = _data().get("participles", {}).get(lang)
    if data is None or not can_check(lang):
        return []
    try:
        known = conjugation.infinitives(lang)
    except conjugation.ConjugationError:
        return []
    persons = _data()[lang]["person"]
    between, reflexives = set(data["between"]), set(data["reflexive"])
    # The subject and the words between it and its verb come from the agreement check's own reading
    # ("je ne l'ai", "il y a", "nous nous sommes", "et nous avons"), keyed by the verb's place.
    subjects = {match.start(): (pronoun, skipped)
                for pronoun, _person, _verb, match, skipped in _subject_verbs(text, lang)}
    matches = list(TOKEN.finditer(text))
    tokens = [m[0].casefold().replace("’", "'") for m in matches]
    out = []
    for i, tok in enumerate(tokens):
        if tok in data["avoir"]:
            aux, person = "avoir", tuple(data["avoir"][tok])
        elif tok in data["etre"]:
            aux, person = "être", tuple(data["etre"][tok])
        else:
            continue
        subject, skipped = subjects.get(matches[i].start(), (None, []))
        if subject is not None and tuple(persons[subject]) != person:
            continue  # "nous a": nous is an object there ("il nous a vus")
        if subject is None and tok not in data["avoir_anywhere"]:
            continue  # "a" is also a misspelt "à", "est" the east; "ont" is only avoir
        j = i + 1
        while j < len(tokens) and tokens[j] in between:
            j += 1
        if j >= len(tokens):
            continue
        verb = tokens[j]
        if not matches[j][0].islower():
            continue
        if verb.endswith(data["infinitive_ending"]) and verb in known:
            infinitive = verb
        elif aux == "avoir" and subject is not None and verb in data["present_slips"]:
            infinitive = data["present_slips"][verb]  # "j'ai fais": a present form that sounds like the participle
        else:
            continue
        if aux == "être" and not (reflexives.intersection(skipped) or verb in data["etre_verbs"]):
            continue  # "il est fier", "il est boulanger": an adjective or a noun that is also a verb
        number = "s" if aux == "avoir" else person[1]
        gender = "f" if aux == "être" and subject in data["feminine"] else "m"
        wanted = _participle(lang, infinitive, gender, number)
        if wanted is None or wanted == verb:
            continue
        other = _participle(lang, infinitive, "f" if gender == "m" else "m", number) \
            if aux == "être" and subject in data["either_gender"] else None
        out.append(ParticipleSlip(matches[i][0], matches[j].start(), matches[j].end(), matches[j][0], wanted,
                                  (other,) if other and other != wanted else ()))
    return out


ELIDING = "aeiouyhâàäéèêëîïôöûùü"


def _elision_breaks(pronoun: str, form: str, lang: str) -> bool:
    """Would ``form`` after ``pronoun`` be a second mistake, of elision ("je as", "j'mange")?"""
    return elision_breaks(pronoun, form, _data()[lang].get("elision", {}))


def elision_breaks(before: str, word: str, pairs: dict[str, str]) -> bool:
    """Would ``word`` after ``before`` break the elision ``pairs`` ask for (a full form before a vowel or h,
    "je as", "la eau"; an elided one before anything else, "j'mange", "l'sol")?"""
    vowel = word[:1].casefold() in ELIDING
    return (before in pairs and vowel) or (before in pairs.values() and not vowel)


def _verbs_of(word: str, lang: str, guess: bool = True) -> list[str]:
    """Infinitives the conjugator knows of which ``word`` is a finite form: simplemma's lemma and, with
    ``guess``, guesses from the language's infinitive endings ("habla": hablar), each kept only when its
    table holds the word. A guess serves to make a slip, where the word must be a form of the pronoun's
    own person, not to judge one."""
    import simplemma

    try:
        known = conjugation.infinitives(lang)
    except conjugation.ConjugationError:
        return []
    guesses = [simplemma.lemmatize(word, lang=lang), *(_ending_guesses(word, lang, 3) if guess else [])]
    out = []
    for g in dict.fromkeys(guesses):
        if g in known:
            try:
                if word in _finite_forms(lang, g):
                    out.append(g)
            except conjugation.ConjugationError:
                continue
    return out


def infinitives_of(word: str, lang: str) -> list[str]:
    """The infinitives the conjugator knows of which ``word`` is a finite form ("oublie": oublier; "visita":
    visitar), guessed from simplemma's lemma and the language's infinitive endings; [] without a conjugator."""
    return _verbs_of(word.casefold(), lang) if can_check(lang) else []


def is_verb_form(word: str, lang: str) -> bool:
    """Whether ``word`` is a form of a verb the conjugator knows (any mood, participles too): its lemma or an
    infinitive guessed from its ending ("ladran": ladrar) whose table holds it. False where the language
    has no conjugator."""
    import simplemma

    if not can_check(lang):
        return False
    low = word.casefold()
    known = conjugation.infinitives(lang)
    guesses = [simplemma.lemmatize(low, lang=lang), *_ending_guesses(low, lang, 4)]
    return any(g in known and low in _all_forms(lang, g) for g in dict.fromkeys(guesses))


def _ending_guesses(word: str, lang: str, longest: int) -> list[str]:
    """Infinitives ``word`` may be a form of, its last 1 to ``longest`` letters swapped for each of the
    language's infinitive endings ("habla": hablar, hablir, ...)."""
    endings = _data()[lang].get("infinitive_endings", [])
    return [word[:-cut] + e for cut in range(1, longest + 1) if len(word) - cut >= 2 for e in endings]


@cache
def _all_forms(lang: str, infinitive: str) -> frozenset[str]:
    try:
        moods = conjugation.table(lang, infinitive, pronouns=False)["moods"]
    except conjugation.ConjugationError:
        return frozenset()
    return frozenset(c.casefold() for tenses in moods.values() for entries in tenses.values()
                     for e in entries for c in e.get("c", []) if c and " " not in c)


def _subject_verbs(text: str, lang: str):
    """(pronoun, its (person, number), word after it, that word's match, the words skipped) for each subject
    pronoun of ``text``, the words that may stand between them (negation, object pronouns) skipped; pronouns
    that can also be objects ("elle") count only at a clause's start."""
    if not can_check(lang):
        return
    d = _data()[lang]
    persons, always = d["person"], set(d["always_subject"])
    openers, between = set(d["clause_openers"]), set(d["between"])
    matches = list(TOKEN.finditer(text))
    tokens = [m[0].casefold().replace("’", "'") for m in matches]
    for i, tok in enumerate(tokens):
        if tok not in persons:
            continue
        opens = i == 0 or not tokens[i - 1][:1].isalpha() or tokens[i - 1] in openers
        if tok not in always and not opens:
            continue
        j = i + 1
        while j < len(tokens) and j - i <= MAX_BETWEEN and tokens[j] in between:
            j += 1
        if j < len(tokens) and tokens[j][:1].isalpha():
            yield tok, tuple(persons[tok]), tokens[j], matches[j], tokens[i + 1 : j]


def _disagreement(word: str, person: tuple[str, str], lang: str) -> str | None:
    """The form wanted when ``word`` is a finite form of its verb for another person only; else None."""
    verbs = _verbs_of(word, lang, guess=False)  # a guess can misread: "nous sommes" as "sommer", "you summon"
    readings = [(verb, tense, p) for verb in verbs for tense, p in _finite_forms(lang, verb)[word]]
    if not readings or any(p == person for _verb, _tense, p in readings):
        return None
    for verb, tense, _p in readings:
        for form, served in _finite_forms(lang, verb).items():
            if (tense, person) in served:
                return form
    return None


@cache
def _finite_forms(lang: str, infinitive: str) -> dict[str, set[tuple[tuple[str, str], tuple[str, str]]]]:
    """Each one-word finite form of the verb with the (mood, tense) and (person, number) it serves."""
    out: dict[str, set] = {}
    for mood, tenses in conjugation.table(lang, infinitive, pronouns=False)["moods"].items():
        if mood.startswith("imperat"):
            continue  # an imperative has no subject
        for tense, entries in tenses.items():
            for e in entries:
                if "p" not in e or "n" not in e:
                    continue
                for c in e.get("c", []):
                    if c and " " not in c:
                        out.setdefault(c.casefold(), set()).add(((mood, tense), (e["p"], e["n"])))
    return out


Cell = tuple[tuple[str, str], tuple[str, str]]  # (mood, tense), (person, number)


@dataclass(frozen=True)
class VerbSlot:
    """A gap right after a subject pronoun whose answer is a finite form of that pronoun's person."""
    lang: str
    pronoun: str
    verbs: tuple[str, ...]  # the answer's infinitives
    cell: Cell  # the answer's (mood, tense) and (person, number)

    @property
    def lemma(self) -> str:
        """The answer's verb (its first reading), whose frequency band the options' verbs share."""
        return self.verbs[0]

    def form_of(self, infinitive: str) -> str | None:
        """The verb's one-word form for the slot's cell, if it follows the pronoun without breaking its
        elision ("je" + "use" is "j'use"); None for a defective verb or one the conjugator does not know."""
        try:
            forms = _finite_forms(self.lang, infinitive)
        except conjugation.ConjugationError:
            return None
        form = next((f for f, served in forms.items() if self.cell in served and "/" not in f), None)
        return None if form is None or _elision_breaks(self.pronoun, form, self.lang) else form

    def verb_of(self, word: str) -> str | None:
        """The infinitive of which ``word`` is the slot's form, or None: an option of a verb slot must be."""
        return next((v for v in _verbs_of(word.casefold(), self.lang) if self.form_of(v) == word.casefold()), None)

    def other_forms(self) -> list[str]:
        """The answer's verb in the slot's mood and tense for the other persons, as the conjugation drills
        give them (the first form of each: "tú hablas", not "vos hablás"), less every spelling one of the
        answer's verbs has for the pronoun's person in any tense ("travaille" is also the third person's,
        "mangi" a subjunctive's): none can follow the pronoun, so among them the answer is the one right."""
        person = self.cell[1]
        own = {f for verb in self.verbs for f, cells in _finite_forms(self.lang, verb).items()
               if any(c[1] == person for c in cells)}
        out: list[str] = []
        for other in conjugation.persons_drilled():
            try:
                form = conjugation.form(self.lang, self.lemma, *self.cell[0], other).bare.casefold()
            except conjugation.ConjugationError:
                continue
            if " " not in form and "/" not in form and form not in own and form not in out:
                out.append(form)
        return out


def verb_slot(gapped: str, answer: str, lang: str) -> VerbSlot | None:
    """Where the gap ("___") of ``gapped`` is a verb's place: right after a subject pronoun (negation and
    object pronouns skipped), ``answer`` a finite form of that pronoun's person; the indicative first
    where a form is in two moods ("mange"). None otherwise, and for a language without a conjugator. A
    choice's options there are forms of the same cell, so the person does not give the answer away
    ("Je ___ un plat": "cuisine" among nouns)."""
    at = gapped.find("___")
    if at < 0 or not can_check(lang):
        return None
    text = gapped[:at] + answer + gapped[at + 3 :]
    word = answer.casefold()
    for pronoun, person, after, match, _skipped in _subject_verbs(text, lang):
        if match.start() != at or after != word:
            continue
        verbs = _verbs_of(word, lang)  # a guess ("cuisine": cuisiner) must still be of the pronoun's person
        cells = {cell for verb in verbs for cell in _finite_forms(lang, verb).get(word, ()) if cell[1] == person}
        cells = sorted(cells, key=lambda cell: (not cell[0][0].startswith("indicati"), cell))
        return VerbSlot(lang, pronoun, tuple(verbs), cells[0]) if cells else None
    return None
