"""The worker: streaming, priorities, supersede, cancel, errors, model switches."""

from __future__ import annotations

import threading

import pytest

from assistant.backends.factory import local_factory
from assistant.engine import Engine, Job, JobState, Priority
from assistant.llama_runtime import SamplingParams
from assistant.prompting import Strategy, build_prompt


@pytest.fixture(scope="module")
def engine(library):
    eng = Engine()
    handle = eng.load(local_factory(library.get("smollm2-135m-instruct"), n_ctx=2048))
    assert handle.wait(120) and handle.state == JobState.DONE, handle.error
    yield eng
    eng.shutdown()


def gen_job(kind: str, text: str, max_tokens: int = 16, **kw) -> Job:
    def run(ctx):
        prompt = build_prompt("complete", Strategy.BASE, {"max_tokens": max_tokens}, before=text)
        return ctx.generate(prompt).text

    return Job(kind, run, **kw)


def blocker(started: threading.Event, release: threading.Event) -> Job:
    def run(ctx):
        started.set()
        release.wait(30)
        return "blocked"

    return Job("blocker", run)


def test_job_streams_tokens_and_result(engine):
    tokens: list[str] = []
    done: list[str] = []
    h = engine.submit(gen_job("t", "The weather today is", on_token=tokens.append, on_done=done.append))
    assert h.wait(60) and h.state == JobState.DONE
    assert done == [h.result] and "".join(tokens) == h.result
    assert engine.last_result is not None and engine.last_result.generated_tokens > 0


def test_interactive_runs_before_background(engine):
    started, release = threading.Event(), threading.Event()
    order: list[str] = []
    engine.submit(blocker(started, release))
    assert started.wait(10)
    bg = engine.submit(gen_job("bg", "Background", 4, priority=Priority.BACKGROUND,
                               on_done=lambda _r: order.append("bg")))
    fg = engine.submit(gen_job("fg", "Foreground", 4, priority=Priority.INTERACTIVE,
                               on_done=lambda _r: order.append("fg")))
    release.set()
    assert bg.wait(60) and fg.wait(60)
    assert order == ["fg", "bg"]


def test_newer_job_supersedes_older_of_same_kind(engine):
    started, release = threading.Event(), threading.Event()
    engine.submit(blocker(started, release))
    assert started.wait(10)
    reasons: list[str] = []
    old = engine.submit(gen_job("ghost", "Old text", supersede=True, on_cancelled=reasons.append))
    new = engine.submit(gen_job("ghost", "New text", supersede=True))
    release.set()
    assert old.wait(60) and new.wait(60)
    assert old.state == JobState.CANCELLED and reasons == ["superseded"]
    assert new.state == JobState.DONE


def test_supersede_cancels_a_running_generation(engine):
    first_token = threading.Event()
    old = engine.submit(gen_job("ghost", "A very long story begins", 400, supersede=True,
                                on_token=lambda _t: first_token.set()))
    assert first_token.wait(30)
    new = engine.submit(gen_job("ghost", "Another", 4, supersede=True))
    assert old.wait(30) and new.wait(60)
    assert old.state == JobState.CANCELLED
    assert engine.last_result is not None


def test_cancel_stops_within_one_token(engine):
    seen: list[str] = []
    holder = {}

    def on_token(t):
        seen.append(t)
        if len(seen) == 3:
            holder["h"].cancel()

    def run(ctx):
        prompt = build_prompt("complete", Strategy.BASE, None, before="Chapter one")
        prompt.params = SamplingParams(max_tokens=300)
        return ctx.generate(prompt)

    h = engine.submit(Job("c", run, on_token=on_token))
    holder["h"] = h
    assert h.wait(60)
    assert h.state == JobState.CANCELLED
    # Tokens the model generated, not those the emitter let through: at most the one in flight.
    last = engine.last_result
    assert last.finish_reason == "cancelled" and 3 <= last.generated_tokens <= 4


def test_error_is_reported_and_worker_survives(engine):
    errors: list[str] = []

    def boom(ctx):
        raise ValueError("bad input from the writer")

    h = engine.submit(Job("x", boom, on_error=errors.append))
    assert h.wait(10) and h.state == JobState.ERROR
    assert errors == ["bad input from the writer"]
    ok = engine.submit(gen_job("t", "Still alive", 4))
    assert ok.wait(60) and ok.state == JobState.DONE


def test_failed_load_keeps_previous_model(engine, tmp_path):
    from assistant.backends.factory import local_factory as lf
    from assistant.model_library import ModelLibrary

    before = engine.info
    entry = ModelLibrary().get("smollm2-135m-instruct")
    bad = type(entry)(id="bad", info=type(entry.info)(**{**entry.info.to_dict(), "path": str(tmp_path / "gone.gguf")}))
    h = engine.load(lf(bad))
    assert h.wait(60) and h.state == JobState.ERROR
    assert "could not load" in (h.error or "")
    assert engine.info is before
    ok = engine.submit(gen_job("t", "After a failed load", 4))
    assert ok.wait(60) and ok.state == JobState.DONE


def test_model_switch_cancels_waiting_jobs(library):
    eng = Engine()
    try:
        assert eng.load(local_factory(library.get("smollm2-135m-instruct"), n_ctx=1024)).wait(60)
        started, release = threading.Event(), threading.Event()
        eng.submit(blocker(started, release))
        assert started.wait(10)
        waiting = eng.submit(gen_job("t", "queued", 4))
        load = eng.load(local_factory(library.get("gemma-3-270m"), n_ctx=1024))
        release.set()
        assert waiting.wait(60) and load.wait(120)
        assert waiting.state == JobState.CANCELLED and waiting.cancel_reason == "the model was switched"
        assert eng.info.strategy is Strategy.BASE
    finally:
        eng.shutdown()
