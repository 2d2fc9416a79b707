"""English grammar rules: Harper (harper-py, the Rust checker; offline, no server).

Each lint becomes an Edit on the paragraph's own characters: Harper's first suggestion as the
replacement, the others as alternatives, its lint kind as the rule (for "Ignore rule") and its
message as the reason. Lints that only re-space text are left out (a writer's spacing around
punctuation is theirs), and so is anything inside code, links or addresses.

A Harper Linter is not thread-safe and takes half a second to build: one per thread, built on
first use.
"""

from __future__ import annotations

import json
import re
import threading
from functools import cache

from assistant.checking.personal import PersonalDictionary
from assistant.checking.spelling import is_misspelled, never_flagged
from assistant.markdown import overlaps, protected_spans
from assistant.paths import resource
from assistant.text_diff import Edit

_local = threading.local()


@cache
def _kinds() -> dict[str, str]:
    return json.loads(resource("grammar.json").read_text("utf-8"))["harper_kinds"]


def _linter():
    linter = getattr(_local, "linter", None)
    if linter is None:
        import harper

        linter = _local.linter = harper.Linter()
    return linter


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


def _apostrophe_missing(word: str, lint) -> bool:
    """Harper's first suggestion is the word with an apostrophe put back ("dont" → "don't")."""
    first = lint.suggestions[0].replacement_text if lint.suggestions else ""
    return first.replace("'", "").replace("’", "").casefold() == word.casefold() and first != word


class RulesChecker:
    def __init__(self, personal: PersonalDictionary | None = None) -> None:
        self.personal = personal

    def check(self, text: str) -> list[Edit]:
        """Harper's lints for an English paragraph, as edits (replacement = its first suggestion)."""
        linter = _linter()
        shielded = protected_spans(text)
        edits = []
        for lint in linter.lint(text):
            start, end = lint.span.start, lint.span.end
            original = text[start:end]
            if overlaps(shielded, start, end) or not lint.suggestions:
                continue
            kind = str(lint.lint_kind)
            if self.personal is not None and self.personal.ignores(kind):
                continue
            if kind == "Spelling" and (never_flagged(text, start, original, "en", self.personal) or (
                    re.fullmatch(r"[^\W\d_]+(?:['’][^\W\d_]+)*", original)
                    and not is_misspelled(original, "en") and not _apostrophe_missing(original, lint))):
                continue  # a name, or a word the dictionaries and frequency lists know ("intro", "etc")
            options: list[tuple[int, int, str]] = []
            for suggestion in lint.suggestions[:5]:
                r = _replacement(text, start, end, suggestion)
                if r is None or r in options:
                    continue
                s, e, new = r
                if re.sub(r"\s+", "", text[s:e]) == re.sub(r"\s+", "", new):
                    continue  # only re-spaces: the writer's spacing is theirs
                added = new[len(text[s:e]):] if new.startswith(text[s:e]) else ""
                if added.strip() and text[e:].lstrip().startswith(added.strip()):
                    continue  # the mark it adds is there already, after a space ("Thus , even")
                options.append(r)
            if not options:
                continue
            s, e, _ = options[0]
            same_span: list[str] = []
            for s2, e2, new in options:
                if (s2, e2) == (s, e) and new.strip() not in [x.strip() for x in same_span]:
                    same_span.append(new.strip() if text[s:e].strip() == text[s:e] else new)
            edits.append(Edit(s, e, text[s:e], same_span[0], _kinds().get(kind, "grammar"),
                              str(lint.message), "rules", kind, same_span[1:]))
        return edits
