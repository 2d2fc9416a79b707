"""The grammar and spelling data (resources/grammar.json), read once."""

from __future__ import annotations

import json
from functools import cache

from assistant.paths import resource


@cache
def grammar_data() -> dict:
    return json.loads(resource("grammar.json").read_text("utf-8"))
