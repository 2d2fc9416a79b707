"""Agreement inside a noun phrase, from the nouns' data rather than a model (which also checks the sentences
a model writes for exercises): a determiner that does not agree with its noun, for the languages whose
determiners say the noun's gender, number and case (German: "einen T-Shirt" → "ein", "nach ihren Lehrerin"
→ "ihrer"; French: "un voiture" → "une"; assistant.learning.determiners), and, in French, a noun in the
other number than its determiner's ("les maison" → "maisons") and an adjective right after them that does
not agree with the noun ("une maison blanc" → "blanche"; assistant.learning.adjectives). The rules' names
and messages are data (resources/grammar.json: "determiner_rules", "number_rules", "adjective_rules").
"""

from __future__ import annotations

from assistant.checking.data import grammar_data
from assistant.checking.personal import PersonalDictionary
from assistant.learning import adjectives, determiners
from assistant.markdown import overlaps, protected_spans
from assistant.text_diff import Edit
from assistant.text_units import cased_like


def serves(lang: str | None) -> bool:
    """Whether ``lang``'s determiners are checked (its data and its nouns' source are installed)."""
    return determiners.can_check(lang)


def determiner_edits(text: str, lang: str, personal: PersonalDictionary | None = None) -> list[Edit]:
    """The rule's edits for a paragraph in ``lang``, in text order: the determiner, with the forms that agree
    with the noun. None where an adjective stands between (its ending would change too), inside code or
    addresses, or for a writer who ignores the rule."""
    data = grammar_data()["determiner_rules"]
    if not serves(lang) or (personal is not None and personal.ignores(data["rule"])):
        return []
    shielded = protected_spans(text)
    edits = []
    for s in determiners.slips(text, lang):
        if s.adjectives or not s.wanted or overlaps(shielded, s.start, s.end):
            continue
        wanted = [cased_like(w, s.determiner) for w in s.wanted]
        gender = determiners.gender_name(s.gender, lang)
        message = data["message"] if gender else data["message_any_gender"]
        reason = message.format(noun=s.noun, gender=gender, wanted=wanted[0], determiner=s.determiner)
        edits.append(Edit(s.start, s.end, s.determiner, wanted[0], "agreement", reason, "rules", data["rule"],
                          wanted[1:]))
    return edits


def adjective_edits(text: str, lang: str, personal: PersonalDictionary | None = None) -> list[Edit]:
    """The adjective rule's edits for a paragraph in ``lang``, in text order: the adjective, with its forms
    that agree with the noun before it."""
    data = grammar_data()["adjective_rules"]
    if not adjectives.can_check(lang) or (personal is not None and personal.ignores(data["rule"])):
        return []
    shielded = protected_spans(text)
    edits = []
    for s in adjectives.slips(text, lang):
        if overlaps(shielded, s.start, s.end):
            continue
        gender = determiners.gender_name(s.gender, lang)
        number = data["plural"] if s.plural else ""
        kind = " ".join(w for w in (gender, number) if w) or data["any"]
        reason = data["message"].format(noun=s.noun, kind=kind, wanted=s.wanted[0], adjective=s.adjective)
        edits.append(Edit(s.start, s.end, s.adjective, s.wanted[0], "agreement", reason, "rules", data["rule"],
                          list(s.wanted[1:])))
    return edits


def number_edits(text: str, lang: str, personal: PersonalDictionary | None = None) -> list[Edit]:
    """The noun-number rule's edits for a paragraph in ``lang``: a noun in the other number than its
    determiner's, with its form in that number."""
    data = grammar_data()["number_rules"]
    if personal is not None and personal.ignores(data["rule"]):
        return []
    shielded = protected_spans(text)
    edits = []
    for s in determiners.number_slips(text, lang):
        if overlaps(shielded, s.start, s.end):
            continue
        reason = data["message"].format(determiner=s.determiner, wanted=s.wanted[0],
                                        number=data["plural" if s.plural else "singular"])
        edits.append(Edit(s.start, s.end, s.noun, s.wanted[0], "agreement", reason, "rules", data["rule"],
                          list(s.wanted[1:])))
    return edits


def agreement_edits(text: str, lang: str, personal: PersonalDictionary | None = None) -> list[Edit]:
    """The rules' edits, in text order."""
    return sorted(determiner_edits(text, lang, personal) + number_edits(text, lang, personal)
                  + adjective_edits(text, lang, personal), key=lambda e: (e.start, e.end))
