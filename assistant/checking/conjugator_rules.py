"""Grammar rules for the languages the conjugator serves (French, Spanish, Italian, Portuguese), as
Harper is for English, from language data rather than a model:

- a verb right after its subject pronoun in another person's form ("je prend" → prends, "ellos
  come" → comen): the conjugator's tables (assistant.learning.agreement);
- in French, an -er infinitive where the past participle belongs, after a form of avoir or être
  ("j'ai acheter" → acheté, "elle est aller" → allée): the two sound the same, and writers mix
  them up more than any other French forms. The participle comes from the conjugator's table.

What counts as a subject, an auxiliary and the words between is data (resources/grammar.json,
"conjugator_rules"; resources/subject_pronouns.json).
"""

from __future__ import annotations

from assistant.checking.data import grammar_data
from assistant.checking.personal import PersonalDictionary
from assistant.learning import agreement, conjugation
from assistant.markdown import overlaps, protected_spans
from assistant.text_diff import Edit


def _data() -> dict:
    return grammar_data()["conjugator_rules"]


def serves(lang: str | None) -> bool:
    """Whether ``lang`` has these rules (a conjugator and its pronouns)."""
    return bool(lang) and agreement.can_check(lang)


def _cased(form: str, like: str) -> str:
    return form[:1].upper() + form[1:] if like[:1].isupper() else form


def _agreement_edits(text: str, lang: str) -> list[Edit]:
    data = _data()
    return [Edit(start, end, text[start:end], _cased(d.wanted, text[start:end]), "agreement",
                 data["agreement_message"].format(pronoun=d.pronoun, wanted=d.wanted), "rules", data["agreement_rule"])
            for d, start, end in agreement.located_disagreements(text, lang)]


def _participle(lang: str, infinitive: str, gender: str, number: str) -> str | None:
    try:
        entries = conjugation.table(lang, infinitive, pronouns=False)["moods"]["participe"]["participe-passé"]
    except (conjugation.ConjugationError, KeyError):
        return None
    return next((c for e in entries if e.get("g") == gender and e.get("n") == number for c in e.get("c", []) if c),
                None)


def _subject_before(tokens: list[str], i: int, skip: set[str], pronouns: dict, openers: set[str]) -> int | None:
    """Where the subject pronoun of the auxiliary at ``i`` is: the word before the object pronouns and
    negation in ``skip``, or the first of those where nothing else comes before ("nous sommes", "nous
    nous sommes"; in "il nous a" the subject is "il"); None if none."""
    j = i - 1
    while j >= 0 and tokens[j] in skip:
        j -= 1
    if j >= 0 and tokens[j] in pronouns:
        return j
    opens = j < 0 or not tokens[j][:1].isalpha() or tokens[j] in openers  # "et nous avons"
    return j + 1 if j + 1 < i and opens and tokens[j + 1] in pronouns else None


def _participle_edits(text: str, lang: str) -> list[Edit]:
    rules = _data()
    data = rules.get(lang)
    if data is None:
        return []
    try:
        known = conjugation.infinitives(lang)
    except conjugation.ConjugationError:
        return []
    pronouns, between = data["pronouns"], set(data["between"])
    words = agreement.pronoun_data(lang)
    objects, openers = set(words["between"]), set(words["clause_openers"])  # "je l'ai", "il y a"; "et"
    matches = list(agreement.TOKEN.finditer(text))
    tokens = [m[0].casefold().replace("’", "'") for m in matches]
    out = []
    for i, tok in enumerate(tokens):
        if tok in data["avoir"]:
            person, aux = tuple(data["avoir"][tok]), "avoir"
        elif tok in data["etre"]:
            person, aux = tuple(data["etre"][tok]), "être"
        else:
            continue
        at = _subject_before(tokens, i, objects | set(data["reflexive"]), pronouns, openers)
        subject = None if at is None else tokens[at]
        reflexive = at is not None and any(t in data["reflexive"] for t in tokens[at + 1 : i])
        if subject is not None and tuple(pronouns[subject]) != person:
            continue  # "nous a": nous is an object there ("il nous a vus")
        if subject is None and not (aux == "avoir" and tok in data["avoir_anywhere"]):
            continue  # "a" is also a misspelt "à", "est" the east; "ont" is only avoir
        j = i + 1
        while j < len(tokens) and tokens[j] in between:
            j += 1
        if j >= len(tokens):
            continue
        verb = tokens[j]
        if not (verb.endswith(data["infinitive_ending"]) and verb in known and matches[j][0].islower()):
            continue
        if aux == "être" and not (reflexive or verb in data["etre_verbs"]):
            continue  # "il est fier", "il est boulanger": an adjective or a noun that is also a verb
        number = person[1]
        gender = "f" if aux == "être" and subject in data["feminine"] else "m"
        wanted = _participle(lang, verb, gender, "s" if aux == "avoir" else number)
        if wanted is None or wanted == verb:
            continue
        alternatives = []
        if aux == "être" and subject in data["either_gender"]:
            other = _participle(lang, verb, "f" if gender == "m" else "m", number)
            alternatives = [other] if other and other != wanted else []
        start, end = matches[j].span()
        out.append(Edit(start, end, text[start:end], wanted, "grammar",
                        rules["participle_message"].format(auxiliary=matches[i][0], wanted=wanted), "rules",
                        rules["participle_rule"], alternatives))
    return out


def conjugator_edits(text: str, lang: str, personal: PersonalDictionary | None = None) -> list[Edit]:
    """The rules' edits for a paragraph in ``lang``, in text order; none inside code or addresses, none
    for a rule the writer ignores."""
    if not serves(lang):
        return []
    shielded = protected_spans(text)
    edits = _agreement_edits(text, lang) + _participle_edits(text, lang)
    kept = [e for e in edits if not overlaps(shielded, e.start, e.end)
            and not (personal is not None and personal.ignores(e.rule))]
    return sorted(kept, key=lambda e: (e.start, e.end))
