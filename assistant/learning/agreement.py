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

_TOKEN = re.compile(r"[^\W\d_]+(?:['’](?=[^\W\d_]))?|[^\w\s]")  # words, an elided "j'" as one, punctuation
MAX_BETWEEN = 3  # negation and object pronouns looked past ("je ne le lui donne")


@dataclass(frozen=True)
class Disagreement:
    pronoun: str
    written: str
    wanted: str  # the form for the pronoun in the tense the written form belongs to


@cache
def _data() -> dict:
    return json.loads(resource("subject_pronouns.json").read_text("utf-8"))


def can_check(lang: str) -> bool:
    return lang in _data() and conjugation.has_conjugator(lang)


def disagreements(text: str, lang: str) -> list[Disagreement]:
    """Each subject pronoun of ``text`` whose verb is a form of another person; [] where the language has no
    data or the conjugator cannot run."""
    if not can_check(lang):
        return []
    d = _data()[lang]
    persons, always = d["person"], set(d["always_subject"])
    openers, between = set(d["clause_openers"]), set(d["between"])
    tokens = [t.casefold().replace("’", "'") for t in _TOKEN.findall(text)]
    found = []
    for i, tok in enumerate(tokens):
        if tok not in persons:
            continue
        opens = i == 0 or not tokens[i - 1][:1].isalpha() or tokens[i - 1] in openers
        if tok not in always and not opens:
            continue
        j = i + 1
        while j < len(tokens) and j - i <= MAX_BETWEEN and tokens[j] in between:
            j += 1
        if j >= len(tokens) or not tokens[j][:1].isalpha():
            continue
        wrong = _disagreement(tokens[j], tuple(persons[tok]), lang)
        if wrong is not None:
            found.append(Disagreement(tok, tokens[j], wrong))
    return found


def _disagreement(word: str, person: tuple[str, str], lang: str) -> str | None:
    """The form wanted when ``word`` is a finite form of its verb for another person only; else None."""
    import simplemma

    lemma = simplemma.lemmatize(word, lang=lang)
    try:
        if lemma not in conjugation.infinitives(lang):
            return None
        forms = _finite_forms(lang, lemma)
    except conjugation.ConjugationError:
        return None
    tenses = forms.get(word)
    if not tenses or any(p == person for _tense, p in tenses):
        return None
    for tense, _p in tenses:
        for form, readings in forms.items():
            if (tense, person) in readings:
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
