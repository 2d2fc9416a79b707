"""English grammar rules: Harper (harper-py, the Rust checker; offline, no server), and the
learner patterns it has no rule for (assistant.checking.patterns).

Each lint becomes an Edit on the paragraph's own characters: Harper's first suggestion as the
replacement, the others as alternatives, its lint kind as the rule (for "Ignore rule") and its
message as the reason. Lints that only re-space text are left out (a writer's spacing around
punctuation is theirs), and so is anything inside code, links or addresses.

A Harper Linter is not thread-safe and takes half a second to build: one per thread, built on
first use.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from assistant.checking.conjunction_comma import conjunction_comma_edits
from assistant.checking.data import grammar_data
from assistant.checking.irregular_verbs import irregular_forms, ordered, overregularised_edits
from assistant.checking.opening_comma import opening_comma_edits
from assistant.checking.patterns import is_form, pattern_edits, plural_rarity, winning_rules
from assistant.checking.personal import PersonalDictionary
from assistant.checking.spelling import (
    PLAIN_WORD,
    candidates,
    is_misspelled,
    meant_as_written,
    never_flagged,
    ranked_pool,
    zipf,
)
from assistant.markdown import overlaps, protected_spans
from assistant.text_diff import Edit, apply_edits

_local = threading.local()


def _kinds() -> dict[str, str]:
    return grammar_data()["harper_kinds"]


def rule_label(rule: str) -> str:
    """A rule's name as the writer reads it: "DiscourseMarkers" → "Discourse markers"."""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", rule)
    return " ".join([words[0], *(w if w.isupper() else w.lower() for w in words[1:])]) if words else rule


def _linter(name: str = "grammar"):
    """This thread's Harper: "grammar", every rule but spelling (the dictionaries' layer finds
    unknown words, and Harper's spelling rule searched each one in context, most of its time on new
    text: p95 60-80 ms for a 100-word paragraph against 25 without it); "spelling", its spelling
    rule alone, asked for one unknown word at a time (harper_spellings). A second Linter shares the
    first's dictionary: it takes milliseconds and no memory to make."""
    linter = getattr(_local, name, None)
    if linter is None:
        import harper

        linter = harper.Linter()
        config = linter.get_lint_config()
        if name == "spelling":
            config = {rule: rule == "SpellCheck" for rule in config}
        config["SpellCheck"] = name == "spelling"
        linter.set_lint_config(config)
        setattr(_local, name, linter)
    return linter


@lru_cache(maxsize=20_000)
def harper_spellings(word: str) -> tuple[str, ...]:
    """Harper's spellings for one unknown English word, best first by its own measure (letters
    alone): it finds words two or more slips away ("temparture" → "temperature"), which the
    dictionaries' search does not. The spelling layer pools them with its own (SpellingChecker)."""
    lints = _linter("spelling").organized_lints(word).get("SpellCheck", [])
    return tuple(s.replacement_text for lint in lints[:1] for s in lint.suggestions[:5])


def _replacement(text: str, start: int, end: int, suggestion) -> tuple[int, int, str] | None:
    """(start, end, new text) the suggestion makes of the lint's span, widened to whole words."""
    import harper

    kind = suggestion.kind
    if kind == harper.SuggestionKind.REMOVE:
        new = ""
    elif kind == harper.SuggestionKind.INSERT_AFTER:
        new = text[start:end] + suggestion.replacement_text
    else:
        new = suggestion.replacement_text
    # Whole words: an edit of "They're" for "Their" reads better than a change of letters.
    while start > 0 and text[start - 1].isalnum():
        new = text[start - 1] + new
        start -= 1
    while end < len(text) and text[end].isalnum():
        new += text[end]
        end += 1
    if new == text[start:end]:
        return None
    return start, end, new


def _splits_a_word(old: str, new: str) -> bool:
    """``new`` is the single word ``old`` written as two or more ("alot" → "a lot")."""
    return PLAIN_WORD.fullmatch(old) is not None and len(new.split()) > 1


def _spelling_options(text: str, options: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Harper's spellings for a word, pooled with the dictionary's and ranked by frequency and
    typing slips (spelling.rank): Harper's own order is by letters alone ("salf" → "sale" first,
    "wark" → "walk"). Splits into pieces that are not words ("hearted ly") and guesses too far
    from the word are left out."""
    s, e, _ = options[0]
    word = text[s:e]
    if not PLAIN_WORD.fullmatch(word):
        return options
    same = [new for s2, e2, new in options if (s2, e2) == (s, e)]
    pool = ranked_pool(word, same + candidates(word, "en"), "en")
    if meant_as_written(word, pool[0] if pool else None, "en"):
        return []
    # No plausible spelling: the word is flagged without a suggestion (replacement = itself).
    return [(s, e, new) for new in pool or [word]] + [o for o in options if (o[0], o[1]) != (s, e)]


_NEXT_WORD = re.compile(r"\s+([A-Za-z]+)")
_TWO_WORDS = re.compile(r"\s+([A-Za-z]+)\s+([A-Za-z]+)")
_WORD_BEFORE_END = re.compile(r"([A-Za-z]+)\s+$")


def _a_name_by_mistake(name: str, text: str, start: int, end: int, new: str) -> bool:
    """A case change by Harper's case rule that makes the writer's word a name Harper knows, capitalises
    a letter ("yong" → "Yong", "u" → "U"), changes capitals the writer wrote ("CoM" → "com", "Ph.D." →
    "pH", "Dupont" → "DuPont"), writes a word all in capitals ("af" → "AF"), or capitalises a particle
    inside a name ("Jean le Rond" → "Le"): grammar.json's harper_case_changes."""
    word = text[start:end]
    if name != grammar_data()["harper_case_changes"]["rule"] or new.lower() != word.lower():
        return False
    if len(word) == 1 or not word.islower() or new == word.upper():
        return True
    before, after = _WORD_BEFORE_END.search(text, 0, start), _NEXT_WORD.match(text, end)
    if before and after and before.group(1)[:1].isupper() and after.group(1)[:1].isupper():
        return True
    floor = grammar_data()["harper_case_changes"]["min_zipf_to_capitalise"]
    return word.islower() and new == word.capitalize() and zipf(word, "en") < floor


_NUMBER_OR_CLAUSE_END = re.compile(r"\s*(?:\d|[.,;:!?)]|$)")


def _a_word_not_a_month(name: str, text: str, start: int, end: int) -> bool:
    """"may" or "march" that Harper's Months rule would capitalise, with no number beside it and
    more of the clause after it ("in may parts": grammar.json's harper_months_also_words)."""
    data = grammar_data()["harper_months_also_words"]
    if name != data["rule"] or text[start:end].lower() not in data["words"]:
        return False
    return not (_NUMBER_OR_CLAUSE_END.match(text, end) or re.search(r"\d\s*$", text[:start]))


_YOU_BEFORE = re.compile(r"\byou\s+$", re.IGNORECASE)


def _narrowed_out(name: str, text: str, start: int, end: int, new: str) -> bool:
    """A firing of a Harper rule that grammar.json's harper_narrowed leaves out: a noun after "you" read
    as a verb ("you guys"), "their" before an -ly word ("their newly formed"), a letter of "Class-A" read
    as an article, a mass-noun change other than a plural's ending or an article dropped before a common
    noun ("a passion", "one might" → "one piece of might"), "where" before a pronoun and its verb
    ("Where you are going?", "Where you live?"), a year read as a number of years ("since 2010 year"), "as"
    dropped after "call me" before anything but a name ("call me as soon as possible"), "will going to"
    before anything but a verb ("I will going to Paris"), "too" after an object pronoun ("Me too I like it"),
    a participle after "to" as a preposition ("an alternative to prescribed burning"), a stray "a" before a
    preposition read as an article ("air a on car"), a number typed apart ("1 2th"), a repeat of a word
    that is right twice ("had had")."""
    data = grammar_data()["harper_narrowed"]
    word = text[start:end]
    if name == data["after_you_rule"] and word.lower() in data["after_you"] and _YOU_BEFORE.search(text[:start]):
        return True
    if name == data["after_you_rule"] and word.lower() not in data["auxiliaries"]:
        # "He last chose", "He last choosed": the verb follows, the word is an adverb ("we has left" stays)
        after = _NEXT_WORD.match(text, end)
        following = after.group(1).lower() if after else ""
        return bool(following) and (is_form(following, "VBD") or bool(irregular_forms(following)))
    if name == data["since_year_rule"]:  # "since 2010 year": a year, not a number of years
        return bool(re.search(r"\b\d{4}\b", word))
    if name == data["were_where_rule"]:  # "Where you are going?": the pronoun's verb follows it
        after = _TWO_WORDS.match(text, end)
        if after is None or after.group(1).lower() not in data["were_where_pronouns"]:
            return False
        verb = after.group(2).lower()  # "Where you live?": a question without its "do" (WhQuestionNoDo)
        return verb in data["were_where_not_before"] or verb.endswith("ing") or is_form(verb, "VBP")
    if name == data["call_as_rule"]:  # "call me as soon as": only "call him as Bob" loses its "as"
        after = _NEXT_WORD.match(text, end)
        return after is None or not after.group(1)[:1].isupper() or after.group(1) == "I"
    if name == data["will_gonna_rule"]:  # "I will going to Paris": only "will going to go" loses "going to"
        after = _NEXT_WORD.match(text, end)
        return after is None or not is_form(after.group(1), "VB")
    if name == data["too_rule"]:
        return _too_kept(text, start, end, word, data)
    if name == data["to_participle_rule"]:
        return _participle_after_preposition(text, start, end, word)
    if name == data["split_number_rule"]:  # "1 2th": "12th" typed apart, not a second number
        return bool(re.search(r"\d\s+$", text[:start]))
    if name == data["before_ly_rule"]:
        after = _NEXT_WORD.match(text, end)
        return after is not None and after.group(1).lower().endswith("ly")
    if name == data["letter_article_rule"]:
        beside = text[start - 1:start] + text[end:end + 1]  # "Class-A", "8-4A", "a.m."
        after = _NEXT_WORD.match(text, end)
        stray = after is not None and after.group(1).lower() in data["article_not_before"]  # "air a on car"
        return word.lower() not in ("a", "an") or stray or any(ch in "-." or ch.isdigit() for ch in beside)
    if name in data["repeat_rules"]:  # "I had had enough", "said that that was", "told her her bag"
        words = word.lower().split()
        return len(words) >= 2 and words[-1] == words[-2] and words[-1] in data["repeats_kept"]
    if name == data["plural_only_rule"]:
        w, n = word.lower(), new.lower()
        ending = w.endswith("s") and n and w.startswith(n) and len(w) - len(n) <= 2  # "knowledges"
        article = re.fullmatch(r"an? ([a-z]+)", w)  # "a information", not "a passion" or "one might"
        if ending:
            return False
        if not article or n != article[1] or zipf(n, "en") < data["mass_noun_min_zipf"]:
            return True
        rarity = plural_rarity(n)
        return rarity is not None and rarity < data["mass_noun_plural_gap"]
    return False


def _participle_after_preposition(text: str, start: int, end: int, word: str) -> bool:
    """"to" after a word that is no verb, then an -ed word before a noun: a preposition and a participle
    ("an alternative to prescribed burning", "due to increased demand"), not an infinitive."""
    from assistant.learning import parts_of_speech

    before = _WORD_BEFORE_END.search(text, 0, start)
    after = _NEXT_WORD.match(text, end)
    if before is None or after is None or not word.lower().endswith("ed"):
        return False
    return not parts_of_speech.tags(before.group(1).lower(), "en") & {"VERB", "AUX"} and \
        "NOUN" in parts_of_speech.tags(after.group(1).lower(), "en")


def _too_kept(text: str, start: int, end: int, word: str, data: dict) -> bool:
    """Harper's ToTwoToo left out: "too" after an object pronoun ("Me too I like it") or before an adjective
    or adverb ("too fast a speed"), and "to" before "there" or "here" ("move those to there": the learner
    pattern GoToHome drops "to" after a verb of movement)."""
    from assistant.learning import parts_of_speech

    after = _NEXT_WORD.match(text, end)
    following = after.group(1).lower() if after else ""
    if word.lower() == "to":
        return following in data["to_before"]
    before = _WORD_BEFORE_END.search(text, 0, start)
    return (before is not None and before.group(1).lower() in data["too_after"]) or \
        bool(following and parts_of_speech.tags(following, "en") & {"ADJ", "ADV"})


def _there_before_a_time(name: str, text: str, end: int) -> bool:
    """"there" that Harper's ThereToTheir would make "their" before a time word ("I was there yesterday":
    grammar.json's harper_there_before_time)."""
    data = grammar_data()["harper_there_before_time"]
    if name != data["rule"]:
        return False
    after = _NEXT_WORD.match(text, end)
    return after is not None and after.group(1).lower() in data["words"]


class RulesChecker:
    """``style``: also Harper's style rules (grammar.json's harper_style_rules), which are choices a
    writer may reject ("Thus," "excellent" for "very good", "gas" for "petrol"), not errors."""

    def __init__(self, personal: PersonalDictionary | None = None, style: bool = False) -> None:
        self.personal = personal
        self.style = style

    def _skipped(self, name: str) -> bool:
        data = grammar_data()
        return name in data["harper_off_rules"] or (not self.style and name in data["harper_style_rules"])

    def corrected(self, text: str) -> str:
        """``text`` with each edit of ``check`` made (of two that overlap, the first): for text the app
        writes itself, such as a translation shown to a learner, where no writer reviews the edits."""
        kept, end = [], -1
        for e in self.check(text):  # in text order
            if e.start >= end:
                kept.append(e)
                end = e.end
        return apply_edits(text, kept)

    def check(self, text: str) -> list[Edit]:
        """Harper's lints for an English paragraph, as edits (replacement = its first suggestion);
        not its spelling rule: unknown words are the dictionaries' layer's (harper_spellings)."""
        linter = _linter()
        shielded = protected_spans(text)
        edits = []
        # The whole text in one call: Harper caches each sentence's lints, so a paragraph re-checked as
        # the writer types costs only the sentence that changed, and one call is cheaper than one per
        # sentence on new text (JFLEG dev, 100-word paragraphs: p50 17 ms against 23).
        lints = [(name, lint) for name, found in linter.organized_lints(text).items() for lint in found]
        for name, lint in sorted(lints, key=lambda x: (x[1].span.start, x[1].span.end)):
            start, end = lint.span.start, lint.span.end
            original = text[start:end]
            if overlaps(shielded, start, end) or not lint.suggestions or self._skipped(name):
                continue
            kind = str(lint.lint_kind)
            if self.personal is not None and (self.personal.ignores(name) or self.personal.ignores(kind)):
                continue
            if kind == "Spelling" and (never_flagged(text, start, original, "en", self.personal) or (
                    PLAIN_WORD.fullmatch(original) and not is_misspelled(original, "en"))):
                continue  # a name, or a word the dictionaries and frequency lists know ("intro", "etc")
            options: list[tuple[int, int, str]] = []
            for suggestion in lint.suggestions[:5]:
                r = _replacement(text, start, end, suggestion)
                if r is None or r in options:
                    continue
                s, e, new = r
                respaced = re.sub(r"\s+", "", text[s:e]) == re.sub(r"\s+", "", new)
                if respaced and not (kind != "Spelling" and _splits_a_word(text[s:e], new)):
                    continue  # only re-spaces: the writer's spacing is theirs ("Thus , even"), but "alot" is a slip
                added = new[len(text[s:e]):] if new.startswith(text[s:e]) else ""
                if added.strip() and text[e:].lstrip().startswith(added.strip()):
                    continue  # the mark it adds is there already, after a space ("Thus , even")
                options.append(r)
            if kind == "Spelling" and options:
                options = _spelling_options(text, options)
            elif name == "RegularIrregulars" and len(options) > 1:
                order = ordered(text, options[0][0], [o[2] for o in options])
                options.sort(key=lambda o: order.index(o[2]))
            preferred = grammar_data()["harper_preferred"].get(name)
            if preferred:  # "want be": "want to be", not Harper's first, "won't be"
                options.sort(key=lambda o: preferred not in o[2].lower())
            if not options or _a_name_by_mistake(name, text, options[0][0], options[0][1], options[0][2]) or \
                    _a_word_not_a_month(name, text, start, end) or _there_before_a_time(name, text, end) or \
                    _narrowed_out(name, text, options[0][0], options[0][1], options[0][2]):
                continue
            s, e, _ = options[0]
            same_span: list[str] = []
            for s2, e2, new in options:
                if (s2, e2) == (s, e) and new.strip() not in [x.strip() for x in same_span]:
                    same_span.append(new.strip() if text[s:e].strip() == text[s:e] else new)
            edits.append(Edit(s, e, text[s:e], same_span[0], _kinds().get(kind, "grammar"),
                              str(lint.message), "rules", name, same_span[1:]))
        # where Harper has nothing to say, or says worse
        irregular = overregularised_edits(text)  # wins over Harper's spelling of the same word ("dealed": dialed)
        for extra in [*pattern_edits(text), *opening_comma_edits(text), *conjunction_comma_edits(text), *irregular]:
            if overlaps(shielded, extra.start, extra.end) or (
                    self.personal is not None and self.personal.ignores(extra.rule)):
                continue
            clash = [x for x in edits if x.start < extra.end and extra.start < x.end]
            if clash and (extra.rule in winning_rules() or extra in irregular):
                edits = [x for x in edits if x not in clash]
            elif clash:
                continue
            edits.append(extra)
        return sorted(edits, key=lambda x: (x.start, x.end))
