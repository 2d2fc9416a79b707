"""Grammar rules for the languages the conjugator serves (French, Spanish, Italian, Portuguese), as
Harper is for English, from language data rather than a model (assistant.learning.agreement, which
also checks the sentences a model writes for exercises):

- a verb right after its subject pronoun in another person's form ("je prend" → prends, "ellos
  come" → comen): the conjugator's tables;
- in French, an -er infinitive where the past participle belongs, after a form of avoir or être
  ("j'ai acheter" → acheté, "elle est aller" → allée): the two sound the same, and writers mix
  them up more than any other French forms.
- a verb right after a determiner and its noun at a clause's start in the other number's form ("les
  pommes était" → étaient, "los niños come" → comen): the determiner says the number.

Rule names and messages are data (resources/grammar.json, "conjugator_rules").
"""

from __future__ import annotations

from assistant.checking.data import grammar_data
from assistant.checking.personal import PersonalDictionary
from assistant.learning import agreement
from assistant.markdown import overlaps, protected_spans
from assistant.text_diff import Edit
from assistant.text_units import cased_like


def serves(lang: str | None) -> bool:
    """Whether ``lang`` has these rules (a conjugator and its pronouns)."""
    return bool(lang) and agreement.can_check(lang)


def conjugator_edits(text: str, lang: str, personal: PersonalDictionary | None = None) -> list[Edit]:
    """The rules' edits for a paragraph in ``lang``, in text order; none inside code or addresses, none
    for a rule the writer ignores."""
    if not serves(lang):
        return []
    data = grammar_data()["conjugator_rules"]
    edits = [Edit(start, end, text[start:end], cased_like(d.wanted, text[start:end]), "agreement",
                  data["agreement_message"].format(pronoun=d.pronoun, wanted=d.wanted), "rules", data["agreement_rule"])
             for d, start, end in agreement.located_disagreements(text, lang)]
    edits += [Edit(n.start, n.end, n.written, cased_like(n.wanted, n.written), "agreement",
                   data["noun_agreement_message"].format(subject=n.subject, wanted=n.wanted), "rules",
                   data["noun_agreement_rule"])
              for n in agreement.noun_subject_disagreements(text, lang)]
    edits += [Edit(p.start, p.end, p.written, p.wanted, "grammar",
                   data["participle_message"].format(auxiliary=p.auxiliary, wanted=p.wanted), "rules",
                   data["participle_rule"], list(p.alternatives))
              for p in agreement.participle_slips(text, lang)]
    shielded = protected_spans(text)
    kept = [e for e in edits if not overlaps(shielded, e.start, e.end)
            and not (personal is not None and personal.ignores(e.rule))]
    return sorted(kept, key=lambda e: (e.start, e.end))
