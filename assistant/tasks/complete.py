"""Inline completion: continue the text before the cursor.

The context window starts at a block boundary that stays put while the writer types, so
consecutive requests share their prompt prefix and llama.cpp evaluates only the new
tokens (the runtime reuses the KV cache). A sliding window would change the first token
on every keystroke and re-evaluate everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.engine import JobContext
from assistant.prompting import build_prompt

BLOCK_CHARS = 2048
WINDOW_CHARS = 6000  # about 1,500 tokens of English
TITLE_CHARS = 200


@dataclass
class CompletionRequest:
    before: str
    after: str = ""
    max_tokens: int = 24


def context_window(before: str, window: int = WINDOW_CHARS, block: int = BLOCK_CHARS) -> str:
    if len(before) <= window:
        return before
    start = ((len(before) - window) // block + 1) * block
    head = before.split("\n", 1)[0][:TITLE_CHARS]
    return f"{head}\n\n[...]\n\n{before[start:]}"


_SENTENCE_END = re.compile(r"[.!?…](?=\s)|\n")


def trim_suggestion(text: str, after: str = "") -> str:
    """End at a sentence or line boundary and never repeat what already follows the cursor."""
    m = _SENTENCE_END.search(text)
    if m:
        text = text[: m.end()] if text[m.start()] != "\n" else text[: m.start()]
    stripped_after = after.lstrip()
    if stripped_after:
        # Drop a tail of the suggestion that the document already continues with.
        for k in range(min(len(text), len(stripped_after)), 0, -1):
            if text.endswith(stripped_after[:k]) and k >= 3:
                text = text[:-k]
                break
    return text.rstrip() if not text.strip() else text


def run_completion(ctx: JobContext, req: CompletionRequest) -> str:
    prompt = build_prompt("complete", ctx.backend.info.strategy, {"max_tokens": req.max_tokens},
                          before=context_window(req.before))
    result = ctx.generate(prompt)
    return trim_suggestion(result.text, req.after)
