"""Rewrites on the real models: every style yields edits that apply cleanly; actions round-trip as files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.engine import Job, JobState
from assistant.tasks.rewrite import (
    action_for,
    actions_from_json,
    actions_to_json,
    builtin_actions,
    clean_answer,
    custom_action,
    export_actions,
    import_actions,
    is_rewrite_of,
    keeps_markup,
    merge_close,
    rewrite,
    unfaithful,
)
from assistant.text_diff import Edit, apply_edits

TEXT = ("hey guys, the meeting got moved to friday cause the boss is sick. dont come thursday.\n\n"
        "Due to the fact that it was raining, the game was postponed until a later time.\n\n"
        "- bring ur laptop and the slides")


@pytest.fixture(scope="module")
def engine(each_model_engine):
    return each_model_engine


def run(engine, text, action, **kw):
    h = engine.submit(Job("rewrite", lambda ctx: rewrite(ctx, text, action), **kw))
    assert h.wait(300)
    return h


def test_builtin_styles_are_data():
    assert [a.style for a in builtin_actions()] == ["formal", "friendly", "concise", "simple", "expand", "flow"]


def per_paragraph_output(events: list[tuple]) -> dict[int, str]:
    """What the model streamed for each paragraph: the tokens between one progress event and the next."""
    out: dict[int, list[str]] = {}
    current = None
    for kind, value in events:
        if kind == "progress":
            current = value
            out.setdefault(current, [])
        elif current is not None:
            out[current].append(value)
    return {i: "".join(parts).removeprefix("\n\n") for i, parts in out.items()}


@pytest.mark.parametrize("style", ["formal", "friendly", "concise", "simple", "expand", "flow"])
def test_each_style_turns_the_models_answer_into_edits(engine, style):
    """Whatever the model writes, the result is exactly its answer, paragraph by paragraph, or the
    paragraph is left as it was and counted as refused. (How often a style changes the text is
    bench material: a tiny model's greedy answer differs from one CPU to the next.)"""
    events = []
    h = run(engine, TEXT, action_for(style), on_token=lambda t: events.append(("token", t)),
            on_progress=lambda d, t, m: d < t and events.append(("progress", d)))
    assert h.state == JobState.DONE, h.error
    result = h.result
    assert result.paragraphs == 3
    answers = per_paragraph_output(events)
    assert sorted(answers) == [0, 1, 2]
    strategy = engine.backend.info.strategy
    originals, finals = TEXT.split("\n\n"), result.text.split("\n\n")
    refused, unfaithful_paragraphs = 0, []
    for i, (original, final) in enumerate(zip(originals, finals, strict=True)):
        prefix = "- " if original.startswith("- ") else ""
        core = original[len(prefix):]
        answer = clean_answer(answers[i], core, strategy)
        if not answer or not is_rewrite_of(answer, core, style == "expand"):
            refused += 1
            assert final == original
        elif unfaithful(answer, core, action_for(style), "en"):
            unfaithful_paragraphs.append(i + 1)
            assert final == original  # a fact lost or the example copied: not offered
        else:
            assert final == prefix + answer  # every change the model made, and nothing else
    assert refused == result.refused
    assert [int(u.split(":")[0].split()[1]) for u in result.unfaithful] == unfaithful_paragraphs
    for e in result.edits:
        assert TEXT[e.start : e.end] == e.original and e.reason == action_for(style).name
    assert apply_edits(TEXT, result.edits) == result.text


def test_custom_instruction_runs(engine):
    h = run(engine, "The new library opens on Monday.", custom_action("Shout", "Rewrite in capital letters."))
    assert h.state == JobState.DONE, h.error
    assert apply_edits("The new library opens on Monday.", h.result.edits) == h.result.text


def test_cancel_midway_on_many_paragraphs(engine):
    text = "\n\n".join(f"Paragraph {i}: we was late because the bus were slow." for i in range(300))
    h = engine.submit(Job("rewrite", lambda ctx: rewrite(ctx, text, action_for("formal")),
                          on_progress=lambda d, t, m: d == 2 and h.cancel()))
    assert h.wait(120) and h.state == JobState.CANCELLED


def test_bad_instructions_are_refused():
    with pytest.raises(ValueError, match="empty"):
        custom_action("Mine", "   ")
    with pytest.raises(ValueError, match="characters long"):
        custom_action("Mine", "x" * 501)
    with pytest.raises(ValueError, match="needs a name"):
        custom_action(" ", "Make it shorter.")


def test_actions_round_trip_through_a_file(tmp_path):
    mine = [custom_action("Product announcement", "Make this sound like a product announcement."),
            custom_action("For a 10-year-old", "Rewrite for a 10-year-old.")]
    path = tmp_path / "actions.json"
    export_actions(path, builtin_actions() + mine)  # built-ins are not exported
    assert import_actions(path) == mine
    assert json.loads(path.read_text())["version"] == 1
    assert actions_from_json(actions_to_json(mine)) == mine


@pytest.mark.parametrize("content,message", [
    ("not json", "not a rewrite-actions file"), ('{"actions": 5}', "no list"),
    ('{"actions": [{"name": "x"}]}', "needs a 'name' and an 'instruction'"),
    ('{"actions": [{"name": "x", "instruction": ""}]}', "empty"),
])
def test_bad_action_files_are_refused(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        import_actions(path)


def test_markup_and_headings_are_not_rewritten(engine):
    text = "# Trip report\n\nPlease bring your `notes` and read [the guide](https://example.com) before we go."
    h = run(engine, text, action_for("flow"))
    assert h.state == JobState.DONE, h.error
    out = h.result.text
    assert out.startswith("# Trip report\n") and "`notes`" in out and "](https://example.com)" in out
    assert all(keeps_markup(e) for e in h.result.edits)


def test_merge_close_and_chatter_guard():
    text = "the old red car broke down"
    edits = [Edit(4, 7, "old", "ancient"), Edit(12, 15, "car", "truck")]
    merged = merge_close(text, edits)
    assert len(merged) == 1 and apply_edits(text, merged) == apply_edits(text, edits)
    assert not is_rewrite_of("I'm sorry, but as an editor I can only help with text.", "bring the slides")
    assert is_rewrite_of("Please bring the slides.", "bring the slides")


def test_cli_rewrite_json_and_custom_action_file(tmp_path):
    path = tmp_path / "mine.json"
    export_actions(path, [custom_action("Pirate", "Make this sound like a pirate.")])
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-m", "assistant", "rewrite", "--style", "concise", "--json",
                          "Due to the fact that it was raining, the game was postponed until a later time."],
                         capture_output=True, env=env, timeout=180, check=False)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["action"]["style"] == "concise" and data["edits"]
    out = subprocess.run([sys.executable, "-m", "assistant", "rewrite", "--style", "Pirate", "--actions", str(path),
                          "--json", "The ship leaves at dawn."], capture_output=True, env=env, timeout=180,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["action"]["instruction"] == "Make this sound like a pirate."
    out = subprocess.run([sys.executable, "-m", "assistant", "rewrite", "--style", "x" * 600, "text"],
                         capture_output=True, env=env, timeout=60, check=False)
    assert out.returncode == 2 and b"keep it under 500" in out.stderr
