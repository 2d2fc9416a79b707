"""A comma after an opening phrase or clause, before the sentence's subject: "In the commercials, they
are all good", "If you want to know somebody, you can", "Without facts, there will be no ideas".

The learner pattern IntroductoryComma knows fixed openers ("for example", "however"); this rule knows
their shape. A sentence that begins with a preposition or a subordinating conjunction (after "so", "and",
"but" at most), then, within a few words and with no comma, a subject pronoun and a finite verb ("they
are", "you can", "it's"): the opening ends before that pronoun. A preposition's phrase holds no subject
or finite verb of its own ("In fact I think we should" is no opening phrase before "we"), a conjunction's
clause begins with its own subject ("If you want ..."; "If the task we are trying ..." is left alone),
and neither holds a word that starts another clause ("that", "which", "when"). After a preposition's
phrase the subject may be a noun phrase instead, a determiner and a few words before a finite auxiliary
("In a market economy, the price must"); after a clause it may not ("When the game ended the fans
will go" is unsure). On JFLEG dev the rule fired 20 times, 14 of them as an annotator wrote; on 5,757
sentences of edited English 23 times, every one a comma a style guide would accept
(bench/bench_rule_firings.py). The words are data (grammar.json's "opening_comma").
"""

from __future__ import annotations

import re

from assistant.checking.data import grammar_data
from assistant.text_diff import Edit
from assistant.text_units import sentences

TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[^\w\s]")


def _opening_end(words: list[str], data: dict) -> tuple[int, bool] | None:
    """(index of the subject that follows the opening, whether the opening is a clause), or None."""
    first = 1 if words and words[0] in data["leading"] else 0
    if len(words) < first + 4:
        return None
    opener = words[first]
    preposition, conjunction = opener in data["prepositions"], opener in data["subordinators"]
    if conjunction and words[first + 1] in data["phrase_after_conjunction"]:
        preposition, conjunction = True, False  # "because of this"
    if not (preposition or conjunction):
        return None
    subjects, finite = set(data["subjects"]), set(data["finite"])
    for j in range(first + 2, min(len(words) - 1, first + data["max_words"] + 2)):
        between = words[first + 1 : j]
        if between[-1] in data["stops"] or not between[-1][:1].isalnum():
            return None  # another clause begins, or the writer punctuated the opening already
        if not ((words[j] in subjects and words[j + 1] in finite) or words[j] in data["subject_contractions"]):
            if preposition and _noun_subject_at(words, j, between, data, finite):
                return j, False
            continue
        clause = conjunction and len(between) >= 2 and between[0] in subjects
        phrase = preposition and not any(w in data["nominative"] or w in finite for w in between)
        if clause or phrase:
            return j, clause
    return None


def _noun_subject_at(words: list[str], j: int, phrase: list[str], data: dict, finite: set[str]) -> bool:
    """Whether a preposition's phrase (two words at least, ending in a content word) is followed at ``j``
    by a determiner's noun phrase and its finite auxiliary: "In a market economy | the price must"."""
    ends_a_phrase = phrase[-1] not in data["determiners"] and phrase[-1] not in data["prepositions"] and \
        phrase[-1] not in data["linking"]
    if len(phrase) < 2 or words[j] not in data["determiners"] or not ends_a_phrase or \
            any(w in data["nominative"] or w in finite for w in phrase):
        return False
    for k in range(j + 1, min(len(words), j + 2 + data["noun_phrase_words"])):
        if words[k] in finite:
            return k > j + 1
        if not words[k].isalpha() or words[k] in data["stops"] or words[k] in data["prepositions"]:
            return False
    return False


def opening_comma_edits(text: str) -> list[Edit]:
    """The commas an English paragraph's openings lack, each as an edit of the opening's last word."""
    data = grammar_data()["opening_comma"]
    edits = []
    for span in sentences(text):
        tokens = list(TOKEN.finditer(text, span.start, span.end))
        found = _opening_end([t.group().lower().replace("’", "'") for t in tokens], data)
        if found is None:
            continue
        j, clause = found
        last = tokens[j - 1]
        opening = text[tokens[0].start() : last.end()]
        reason = data["message"].format(kind="clause" if clause else "phrase", opening=opening)
        edits.append(Edit(last.start(), last.end(), last.group(), last.group() + ",", "punctuation", reason, "rules",
                          data["rule"]))
    return edits
