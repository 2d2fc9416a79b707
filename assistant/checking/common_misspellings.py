"""English words people commonly misspell, and what they meant: "wich" → which, "baed" → based,
"develope" → develop. The table is codespell's dictionary (derived from English Wikipedia's lists of
common misspellings; CC BY-SA 3.0), read as data from the installed package, offline; codespell's code
(GPL-2.0) is not imported.

A line with one correction and no comma is one codespell fixes by itself ("wich->which"); a line with a
comma lists several ("ther->there, their, the, other,") with an optional reason after the last comma,
and is only a hint. The spelling layer uses the first kind to rank the word meant first and pools the
second kind's into its candidates (assistant.checking.spelling); a word is flagged only where the
dictionary and the frequency lists already call it misspelt, so this table adds no underline.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from functools import cache

SOURCE = ("codespell_lib", "data/dictionary.txt")


@dataclass(frozen=True)
class Meant:
    words: tuple[str, ...]  # what the misspelling is meant as, the likeliest first
    sure: bool  # codespell fixes it by itself: one correction, no reason to doubt


@cache
def _table() -> dict[str, str]:
    """Each misspelling → its line's corrections as written (parsed when asked: 65,000 lines)."""
    package, name = SOURCE
    try:
        text = importlib.resources.files(package).joinpath(name).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return {}  # not installed: the spelling layer ranks by its noisy channel alone
    return dict(line.split("->", 1) for line in text.splitlines() if "->" in line)


def meant(word: str) -> Meant | None:
    """What the lower-case English ``word`` is commonly a misspelling of, or None."""
    fixes = _table().get(word)
    if fixes is None:
        return None
    if "," not in fixes:
        return Meant((fixes.strip(),), True)
    words = tuple(w.strip() for w in fixes[: fixes.rfind(",")].split(",") if w.strip())
    return Meant(words, False) if words else None


def available() -> bool:
    return bool(_table())
