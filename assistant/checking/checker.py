"""The layers put together for one paragraph: rules (English: Harper and the learner patterns; the
languages the conjugator serves: its agreement and participle rules; German and French: a determiner's
agreement with its noun, and in French an adjective's) and spelling (every language with a dictionary)
first, quick and deterministic, for live checking as the writer types; the model judges their
candidates when the writer asks for a check (F7).

The language of each paragraph is detected (assistant.languages, Lingua) unless the writer
chose one; a paragraph in a language no layer serves is left unchecked, and said so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.checking import conjugator_rules, noun_phrase_rules
from assistant.checking.capitals import noun_capital_edits, sentence_start_edits
from assistant.checking.data import grammar_data
from assistant.checking.paragraph_end import paragraph_end_edits
from assistant.checking.personal import PersonalDictionary
from assistant.checking.rules import RulesChecker, harper_spellings
from assistant.checking.second_pass import recheck
from assistant.checking.second_pass import wanted as second_look_wanted
from assistant.checking.spelling import SpellingChecker, has_dictionary, is_known_word, zipf
from assistant.languages import detect_language, latin_candidates
from assistant.markdown import protected_spans
from assistant.text_diff import Edit
from assistant.text_units import Span, chunks

RULE_LANGUAGES = ("en",)
CHUNK = 4000  # characters checked at once
MIN_COVERAGE = 0.5  # share of a paragraph's words its language's dictionary must know
# A few words tell Lingua little: "I ate a egg." came out Italian (0.35), Dutch (0.23), English (0.15),
# and Dutch spelling made "egg" "erg". Below this many words the dictionaries judge more candidates.
SHORT_WORDS = 8
SHORT_WITHIN = 0.25


def _mean_zipf(words: list[str], lang: str) -> float:
    return sum(zipf(w, lang) for w in words) / len(words)


def _starts_sentence(text: str, at: int) -> bool:
    before = text[:at].rstrip()
    return not before or before[-1] in ".!?¡¿"


def can_check(lang: str | None) -> bool:
    return lang in RULE_LANGUAGES or has_dictionary(lang)


@dataclass
class ParagraphCheck:
    language: str | None  # the language it was checked as; None: none the checkers serve
    edits: list[Edit] = field(default_factory=list)
    detected: bool = True  # False when the writer chose the language
    searched: bool = True  # False: the wider search or the second look was left out (check's ``search``)


def merge(first: list[Edit], second: list[Edit]) -> list[Edit]:
    """``first`` wins where spans overlap; a candidate of ``second`` for the same span joins a spelling
    edit's alternatives ("Forexample": Harper's words, then the dictionary's "For example"). A grammar
    rule's candidates stay its own: "buyed" is bought, whatever the dictionary finds near it ("bayed")."""
    out = list(first)
    for e in second:
        clash = [f for f in out if f.start < e.end and e.start < f.end]
        if not clash:
            out.append(e)
            continue
        f = clash[0]
        if (f.start, f.end) == (e.start, e.end) and f.category == "spelling":
            for option in [e.replacement, *e.alternatives]:
                if option != f.replacement and option not in f.alternatives and option != f.original:
                    f.alternatives.append(option)
    return sorted(out, key=lambda x: (x.start, x.end))


SENTENCE_OPENING_RULES = frozenset({"SentenceCapitalization", "OpeningComma"})
_END_MARK = re.compile(r"[.!?…](?=\s|$)")


def _carried_on(line: str, edits: list[Edit]) -> list[Edit]:
    """``edits`` less those that take the line's first words for a sentence's opening: the sentence began
    on the line before (a capital for its first word, a comma after an "opening phrase")."""
    mark = _END_MARK.search(line)
    first_end = mark.end() if mark else len(line)
    return [e for e in edits if not (e.rule in SENTENCE_OPENING_RULES and e.start < first_end)]


class LayeredChecker:
    """Rules and spelling for paragraphs; thread-safe (each thread gets its own Harper)."""

    def __init__(self, personal: PersonalDictionary | None = None, style: bool = False) -> None:
        self.personal = personal
        self.rules = RulesChecker(personal, style)
        self.spelling = SpellingChecker(personal, more_candidates={"en": harper_spellings})

    @property
    def style(self) -> bool:
        """Whether style suggestions are offered besides errors (RulesChecker)."""
        return self.rules.style

    @style.setter
    def style(self, on: bool) -> None:
        self.rules.style = on

    def language_of(self, paragraph: str, override: str | None = None) -> tuple[str | None, bool]:
        """The writer's choice, or the detected language. Lingua alone misreads short sentences
        ("The app is on GitHub and uses emoji." as German), so among the languages it finds close
        the one whose dictionary knows most of the words wins."""
        if override:
            return override, False
        prose = paragraph[:2000]
        for start, end in reversed(protected_spans(prose)):  # code and addresses say nothing of the language
            prose = prose[:start] + " " + prose[end:]
        found = detect_language(prose)
        if found.code is None or found.script != "Latin":
            return found.code, True
        # lower-case words, and a sentence's first word ("Il a un chat."): a name elsewhere says nothing
        words = [m[0].lower() for m in re.finditer(r"[^\W\d_]+", prose)
                 if len(m[0]) > 1 and (m[0][:1].islower() or _starts_sentence(prose, m.start()))][:200]
        within = SHORT_WITHIN if len(words) < SHORT_WORDS else 0.5
        close = [code for code, _share in latin_candidates(prose, within) if has_dictionary(code)]
        if not words or not close:
            return found.code, True
        coverage = {code: sum(is_known_word(w, code) for w in words) / len(words) for code in close}
        if len(words) >= 4 and max(coverage.values()) < MIN_COVERAGE:
            return None, True  # Turkish, Czech...: Lingua only knows the app's languages, it picks the nearest
        # Where the dictionaries tie (the English one knows "le" and "dort"), the words' frequency in each
        # language tells: "Le chat dort." is French, whatever Lingua's first guess (German).
        best = max(close, key=lambda code: (coverage[code], _mean_zipf(words[:50], code), code == found.code))
        return (best if coverage[best] > coverage.get(found.code, 0.0) + 0.15 else found.code), True

    def warm_up(self) -> ParagraphCheck:
        """Load what the first check would (Harper, its spelling search, LemmInflect, Lingua, the
        English dictionary: about 4 s on 2 cores, once per process) before the writer waits on it."""
        return self.check(grammar_data()["warm_up_text"]["text"])

    def check(self, paragraph: str, language: str | None = None, search: bool = True, starts: bool = True,
              ends: bool = True) -> ParagraphCheck:
        """``search`` False leaves out Harper's wider search for unknown words the dictionary has no
        convincing spelling for: such a word is flagged (or not) on the dictionary's word alone; and the
        second look at the sentences the rules changed (second_pass.recheck: about a fifth of a 100-word
        paragraph's check); the result says ``searched`` False where either was wanted. Live checking
        shows that at once and checks again in full (the search can take 100 ms on one long word), so the
        underlines never wait for them: on JFLEG's 100-word paragraphs the underlines' p95 went from 61 to
        39 ms on this 2-core machine once the second look waited too (stop 46, bench_grammar --latency).
        ``starts`` and ``ends`` False: the line carries on the one before it, or the next line carries it
        on (a hard-wrapped paragraph: text_units.wraps), so its first word need not be capitalised, or
        its last sentence need not end with a mark."""
        lang, detected = self.language_of(paragraph, language)
        if not can_check(lang):
            return ParagraphCheck(None if detected else lang, [], detected)
        edits: list[Edit] = []
        deferred: list[str] = []
        # A megabyte on one line is checked a few sentences at a time: the layers' cost grows
        # faster than linearly with the text they see at once.
        for part in chunks(paragraph, CHUNK) if len(paragraph) > CHUNK else [Span(0, len(paragraph))]:
            text = paragraph[part.start : part.end]

            def spelling(s: str, lang: str = lang or "") -> list[Edit]:
                return self.spelling.check(s, lang, search, deferred)

            def layers(s: str, lang: str = lang or "") -> list[Edit]:
                if lang in RULE_LANGUAGES:
                    found = merge(self.rules.check(s), spelling(s))
                elif conjugator_rules.serves(lang):
                    found = merge(conjugator_rules.conjugator_edits(s, lang, self.personal), spelling(s))
                else:
                    found = spelling(s)
                if noun_phrase_rules.serves(lang):
                    found = merge(noun_phrase_rules.agreement_edits(s, lang, self.personal), found)
                found = merge(found, sentence_start_edits(s, lang, self.personal))
                return merge(found, noun_capital_edits(s, lang, self.personal))

            found = layers(text)
            if lang in RULE_LANGUAGES and search:
                found = recheck(text, found, layers)
            elif lang in RULE_LANGUAGES and second_look_wanted(text, found):
                deferred.append("second look")  # with the wider search: the underlines are shown first
            edits += [e.shifted(part.start) for e in found]
        if not starts:
            edits = _carried_on(paragraph, edits)
        if ends:  # the whole paragraph's end
            edits = merge(edits, paragraph_end_edits(paragraph, lang or "", self.personal))
        return ParagraphCheck(lang, edits, detected, searched=not deferred)
