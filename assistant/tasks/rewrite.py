"""Rewrites in another tone or style, returned as changes against the original.

Each paragraph is rewritten on its own (so a 5 MB document works with progress, and a
paragraph's result streams as it is written). The rewrite is aligned word by word with
the original (assistant.text_diff); changes separated by a word or two are merged so the
writer reviews phrases, not single words.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.atomic import atomic_write_text
from assistant.engine import JobContext
from assistant.faithfulness.grounding import lost_facts
from assistant.faithfulness.leaks import leaked
from assistant.languages import detect_language
from assistant.markdown import markup_pieces, split_frame
from assistant.prompting import Strategy, build_prompt, load_prompt_spec
from assistant.text_diff import Edit, align, apply_edits
from assistant.text_units import paragraphs

MERGE_GAP_WORDS = 2
MAX_ACTIONS = 200
ACTIONS_FILE_VERSION = 1


@dataclass(frozen=True)
class RewriteAction:
    name: str  # what the writer sees
    instruction: str
    style: str | None = None  # key of a built-in style; None for the writer's own action

    @property
    def builtin(self) -> bool:
        return self.style is not None


@dataclass
class RewriteResult:
    text: str  # the original with every edit applied
    edits: list[Edit] = field(default_factory=list)
    paragraphs: int = 0
    refused: int = 0  # paragraphs left as they were: the model talked instead of rewriting
    unfaithful: list[str] = field(default_factory=list)  # why paragraphs were left: a fact lost, an example copied


def max_instruction_chars() -> int:
    return int(load_prompt_spec("rewrite")["max_instruction_chars"])


def builtin_actions() -> list[RewriteAction]:
    styles = load_prompt_spec("rewrite")["styles"]
    return [RewriteAction(s["label"], s["instruction"], key) for key, s in styles.items()]


def action_for(style_or_instruction: str) -> RewriteAction:
    """A built-in style by key (formal, friendly, ...) or else the text as the writer's own instruction."""
    for action in builtin_actions():
        if style_or_instruction in (action.style, action.name):
            return action
    return custom_action("Custom", style_or_instruction)


def custom_action(name: str, instruction: str) -> RewriteAction:
    name, instruction = name.strip(), " ".join(instruction.split())
    if not name:
        raise ValueError("the action needs a name")
    if not instruction:
        raise ValueError("the instruction is empty; say how the text should change")
    limit = max_instruction_chars()
    if len(instruction) > limit:
        raise ValueError(f"the instruction is {len(instruction)} characters long; keep it under {limit}")
    return RewriteAction(name[:80], instruction)


# the writer's own actions as a small file -------------------------------------------
def actions_to_json(actions: list[RewriteAction]) -> str:
    own = [{"name": a.name, "instruction": a.instruction} for a in actions if not a.builtin]
    return json.dumps({"version": ACTIONS_FILE_VERSION, "actions": own}, ensure_ascii=False, indent=2)


def actions_from_json(text: str) -> list[RewriteAction]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a rewrite-actions file: {exc.msg} at line {exc.lineno}") from exc
    items = data.get("actions") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError("not a rewrite-actions file: no list of actions")
    if len(items) > MAX_ACTIONS:
        raise ValueError(f"the file holds {len(items)} actions; at most {MAX_ACTIONS} are kept")
    actions, seen = [], set()
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(
                item.get("instruction"), str):
            raise ValueError(f"action {i} needs a 'name' and an 'instruction'")
        try:
            action = custom_action(item["name"], item["instruction"])
        except ValueError as exc:
            raise ValueError(f"action {i} ({item['name']!r}): {exc}") from exc
        if action.name.lower() not in seen:
            seen.add(action.name.lower())
            actions.append(action)
    return actions


def export_actions(path: str | Path, actions: list[RewriteAction]) -> None:
    atomic_write_text(Path(path), actions_to_json(actions) + "\n")


def import_actions(path: str | Path) -> list[RewriteAction]:
    p = Path(path)
    if p.stat().st_size > 1_000_000:
        raise ValueError(f"{p.name} is too large for a rewrite-actions file")
    try:
        return actions_from_json(p.read_text("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{p.name} is not UTF-8 text") from exc


# rewriting ------------------------------------------------------------------------------
def merge_close(text: str, edits: list[Edit], gap_words: int = MERGE_GAP_WORDS) -> list[Edit]:
    merged: list[Edit] = []
    for e in edits:
        if merged:
            prev = merged[-1]
            between = text[prev.end : e.start]
            if len(re.findall(r"\w+", between)) <= gap_words and "\n" not in between:
                merged[-1] = Edit(prev.start, e.end, text[prev.start : e.end],
                                  prev.replacement + between + e.replacement)
                continue
        merged.append(e)
    return merged


def _prompt(ctx: JobContext, action: RewriteAction, text: str):
    strategy = ctx.backend.info.strategy
    budget = ctx.backend.count_tokens(text) * (3 if action.style == "expand" else 2) + 64
    if action.builtin:
        style = load_prompt_spec("rewrite")["styles"][action.style]
        (ex1, out1), (ex2, out2) = style["examples"]
        return build_prompt("rewrite", strategy, {"max_tokens": budget}, text=text, instruction=action.instruction,
                            base_label=style["base_label"], example1=ex1, example1_out=out1, example2=ex2,
                            example2_out=out2)
    return build_prompt("rewrite_custom", strategy, {"max_tokens": budget}, text=text,
                        instruction=action.instruction)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[^\W\d_]{4,}", text.lower())}


def is_rewrite_of(out: str, original: str, expand: bool = False) -> bool:
    """False for an answer that talks to the writer, runs on, or shares (almost) no words with the original."""
    low = out.lower()
    if any(re.search(p, low) for p in load_prompt_spec("rewrite")["chatter"]):
        return False
    if len(out) > (6 if expand else 3) * len(original) + 40:
        return False
    words = _words(original)
    return not words or len(words & _words(out)) / len(words) >= 0.2


def examples(action: RewriteAction) -> list[str]:
    """The worked examples the action's prompt shows (inputs and answers): what no rewrite may be."""
    if not action.builtin:
        return []
    return [t for pair in load_prompt_spec("rewrite")["styles"][action.style]["examples"] for t in pair]


def unfaithful(out: str, original: str, action: RewriteAction, lang: str) -> str | None:
    """Why a rewrite may not be offered though it is a rewrite: it copies the prompt's example, or it
    drops or invents a name or number, or loses or adds a negation. None when it is faithful."""
    leak = leaked(out, examples(action), lang, original)
    if leak:
        return f"it copied the prompt's example (\"{leak}\")"
    why = lost_facts(original, out, lang)
    return f"the rewrite {why}" if why else None


def keeps_markup(edit: Edit) -> bool:
    """False for a change that would drop inline code, a link or emphasis from the writer's text."""
    replacement = edit.replacement
    for piece in markup_pieces(edit.original):
        if piece not in replacement:
            return False
        replacement = replacement.replace(piece, "", 1)
    return True


def clean_answer(out: str, original: str, strategy: Strategy) -> str:
    """The model's answer for one paragraph as it would replace it: its first block for a base model, one
    line for a one-line paragraph, without quotes wrapped around it."""
    out = out.strip()
    if strategy is Strategy.BASE:
        out = out.split("\n\n", 1)[0].strip()
    if "\n" not in original:
        out = " ".join(out.split())  # a one-line paragraph stays one line
    # Quotes the model wrapped around its answer are not part of the text.
    if len(out) > 1 and out[0] == out[-1] and out[0] in "\"“”'" and original[:1] != out[0]:
        out = out[1:-1].strip()
    return out


PREFETCH_PARAGRAPHS = 8  # paragraphs rewritten together, then reviewed in order


def _prose(para: str) -> tuple[int, str]:
    """Where a paragraph's prose starts, and the prose: list bullets and heading marks stay as they are,
    and a heading (it names the section; restyling it is not what the writer asked) has none."""
    prefix, core, _ = split_frame(para)
    return len(prefix), "" if prefix.lstrip().startswith("#") else core


def rewrite(ctx: JobContext, text: str, action: RewriteAction) -> RewriteResult:
    if not text.strip():
        raise ValueError("there is no text to rewrite")
    spans = paragraphs(text)
    result = RewriteResult(text, paragraphs=len(spans))
    strategy = ctx.backend.info.strategy
    lang = detect_language(text[:2000]).code or "en"
    step = ctx.prefetch_window(PREFETCH_PARAGRAPHS)
    for i, span in enumerate(spans):
        ctx.check()
        ctx.progress(i, len(spans), f"paragraph {i + 1} of {len(spans)}")
        if i % step == 0:
            window = [_prose(text[sp.start : sp.end])[1] for sp in spans[i : i + step]]
            ctx.prefetch([_prompt(ctx, action, core) for core in window if core])
        lead, core = _prose(text[span.start : span.end])
        if i:
            ctx.emit("\n\n")
        if not core:
            continue
        out = clean_answer(ctx.generate(_prompt(ctx, action, core)).text, core, strategy)
        if not out or not is_rewrite_of(out, core, action.style == "expand"):
            result.refused += 1
            continue
        why = unfaithful(out, core, action, lang)
        if why:
            result.unfaithful.append(f"paragraph {i + 1}: {why}")
            continue
        for e in merge_close(core, align(core, out)):
            if not keeps_markup(e):
                continue
            e.reason = action.name
            result.edits.append(e.shifted(span.start + lead))
    result.text = apply_edits(text, result.edits)
    ctx.progress(len(spans), len(spans), "done")
    return result


def result_to_dict(result: RewriteResult, action: RewriteAction) -> dict:
    return {"action": asdict(action), "rewritten": result.text, "edits": [e.to_dict() for e in result.edits],
            "paragraphs": result.paragraphs, "unfaithful": result.unfaithful}
