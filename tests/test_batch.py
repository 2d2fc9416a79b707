"""Many prompts decoded together (assistant.llama_batch) on the real models, through the engine and a server.

What is asserted holds whatever the model writes: logits within the rounding the one-at-a-time
path already shows, slots and cells freed, cancel, an interactive job run between two steps,
the prefix cache kept and invalidated, and what a grammar forces.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import llama_cpp as C
import numpy as np
import pytest

from assistant.backends.local import LocalBackend
from assistant.backends.remote import RemoteBackend
from assistant.engine import Engine, Job, JobState, Priority
from assistant.llama_batch import BatchItem, generate_many
from assistant.llama_runtime import SamplingParams
from assistant.prompting import Prompt, Strategy, build_prompt

SENTENCES = [
    "She go to school every days.",
    "I has a apple and two orange.",
    "Their going to the park tomorow.",
    "The results was good and we was happy.",
    "He dont like coffee in the morning.",
    "We goes to the cinema on friday.",
]


def _prompts(backend, n: int = 6, max_tokens: int = 24) -> list[Prompt]:
    return [build_prompt("correct", backend.info.strategy, {"max_tokens": max_tokens}, text=t)
            for t in SENTENCES[:n]]


@pytest.fixture(scope="module", params=["smollm2", "gemma"])
def batch_backend(request, smollm2, gemma):
    backend = LocalBackend(smollm2 if request.param == "smollm2" else gemma, n_ctx=1024, batch_sequences=4)
    yield backend
    backend.close()


def _row(rt, ptr) -> np.ndarray:
    return np.ctypeslib.as_array(ptr, shape=(C.llama_vocab_n_tokens(rt.vocab),)).astype(np.float64).copy()


def first_answer_logits(backend) -> tuple[list[np.ndarray], list[np.ndarray], dict[int, np.ndarray]]:
    """The first answer token's logits for six correction prompts: each prompt in one whole pass, one
    after another with the previous prompt's prefix cached (the sequential path), and as many at a
    time as the backend decodes together (the batch path). Also bench/check_batch_on_device.py's measure
    of a GPU's rounding."""
    rt = backend.runtime
    tokens = [backend.prompt_tokens(p) for p in _prompts(backend)]
    whole = [rt.logits(t)[-1].astype(np.float64) for t in tokens]
    sequential = []
    rt.reset_cache()
    rt._prepare(tokens[-1], None)  # the prefix cached, as by the previous sentence of a document
    for t in tokens:
        rt._prepare(t, None)
        sequential.append(_row(rt, C.llama_get_logits_ith(rt.ctx, -1)))
    batched: dict[int, np.ndarray] = {}
    items = [BatchItem(t, SamplingParams(max_tokens=1)) for t in tokens]
    generate_many(rt, items, on_logits=lambda i, ptr: batched.setdefault(i, _row(rt, ptr)))
    return whole, sequential, batched


def test_batched_logits_match_one_at_a_time_within_its_own_rounding(batch_backend):
    """The first answer token's logits, six prompts four at a time, against the one-at-a-time path.

    The tolerance is measured, not assumed: evaluating a prompt whose prefix is cached (as the
    sequential path does) already moves logits away from one whole pass by a CPU-dependent amount
    (up to ~1 logit for these Q4 models on one machine); the batch may differ from the sequential
    path by no more than that amount again, and must keep the same best token where the sequential
    path's best leads clearly."""
    whole, sequential, batched = first_answer_logits(batch_backend)
    assert sorted(batched) == list(range(len(whole)))
    noise = max(np.abs(s - w).max() for s, w in zip(sequential, whole, strict=True))
    for s, b in zip(sequential, batched.values(), strict=True):
        assert np.abs(b - s).max() <= 2 * noise + 0.05
        top2 = np.sort(s)[-2:]
        if top2[1] - top2[0] > 2 * (2 * noise + 0.05):
            assert b.argmax() == s.argmax()


def test_every_prompt_answered_in_order_and_every_slot_freed(batch_backend):
    rt = batch_backend.runtime
    seen: list[int] = []
    results = batch_backend.generate_many(_prompts(batch_backend), on_result=lambda i, _r: seen.append(i))
    assert sorted(seen) == list(range(6)) and len(results) == 6
    for r in results:
        assert r.finish_reason in ("stop", "length") and r.generated_tokens <= 24
    assert sum(r.generated_tokens for r in results) > 0
    assert not rt.batch_active
    for seq in rt.slot_seqs:
        assert C.llama_memory_seq_pos_max(rt.mem, seq) == -1  # no cells left behind


def test_a_grammar_and_a_stop_string_hold_in_every_sequence(batch_backend):
    """Each sequence has its own sampler: the grammar forces the text, the stop string ends it early."""
    rt = batch_backend.runtime
    forced = 'root ::= "Alpha beta. Gamma delta epsilon zeta eta theta iota kappa lambda."'
    items = [BatchItem(rt.tokenize(f"Sentence {i}:"), SamplingParams(max_tokens=40, grammar=forced,
                                                                    stop=["Gamma"] if i % 2 else []))
             for i in range(6)]
    results = generate_many(rt, items)
    for i, r in enumerate(results):
        if i % 2:
            assert r.text == "Alpha beta. " and r.finish_reason == "stop"
        else:
            assert r.text == "Alpha beta. Gamma delta epsilon zeta eta theta iota kappa lambda."
    assert all(C.llama_memory_seq_pos_max(rt.mem, s) == -1 for s in rt.slot_seqs)


def test_cancel_one_sequence_and_cancel_all(batch_backend):
    rt = batch_backend.runtime
    prompts = _prompts(batch_backend, max_tokens=40)
    items = [BatchItem(batch_backend.prompt_tokens(p), p.params) for p in prompts]
    items[1].should_stop = lambda: True
    results = generate_many(rt, items)
    assert results[1].finish_reason == "cancelled" and results[1].text == ""
    assert all(r.finish_reason != "cancelled" for i, r in enumerate(results) if i != 1)

    steps = [0]

    def stop_all() -> bool:
        steps[0] += 1
        return steps[0] > 3

    items = [BatchItem(batch_backend.prompt_tokens(p), p.params) for p in prompts]
    results = generate_many(rt, items, should_stop=stop_all)
    # Three steps ran: no answer got past three tokens, none ran to its length, and those still generating
    # or waiting for a slot (four slots, six prompts) were cancelled.
    assert all(r.generated_tokens <= 3 and r.finish_reason in ("stop", "cancelled") for r in results)
    assert any(r.finish_reason == "cancelled" for r in results)
    assert not rt.batch_active and all(C.llama_memory_seq_pos_max(rt.mem, s) == -1 for s in rt.slot_seqs)
    again = batch_backend.generate(build_prompt("complete", Strategy.BASE, {"max_tokens": 4}, before="Once"))
    assert again.finish_reason in ("stop", "length")


def test_prefix_is_stored_once_reused_across_jobs_and_dropped_when_it_no_longer_applies(batch_backend):
    rt = batch_backend.runtime
    rt.set_adapters([])  # a clean start: no stored prefix
    assert rt.prefixes == {}
    prompts = _prompts(batch_backend, 3)
    tokens = [batch_backend.prompt_tokens(p) for p in prompts]
    first = batch_backend.generate_many(prompts)
    (stored,) = rt.prefixes.values()
    common = min(len(t) for t in tokens)
    for t in tokens:
        common = min(common, next((k for k, (a, b) in enumerate(zip(t, tokens[0], strict=False)) if a != b),
                                  len(t)))
    assert stored == tokens[0][:common] and all(r.reused_tokens == common for r in first)
    # The next job of the same task starts from the stored prefix, even with one prompt.
    (alone,) = generate_many(rt, [BatchItem(batch_backend.prompt_tokens(_prompts(batch_backend, 4)[3]),
                                            SamplingParams(max_tokens=2))])
    assert alone.reused_tokens == common
    # Another prompt shares nothing with it: nothing is reused.
    (other,) = generate_many(rt, [BatchItem(rt.tokenize("Unrelated words about the sea."),
                                            SamplingParams(max_tokens=2))])
    assert other.reused_tokens == 0
    # Adapters change what every cached entry means: all prefixes go.
    rt.set_adapters([])
    assert rt.prefixes == {}


def test_scoring_between_steps_leaves_the_batch_intact(batch_backend):
    """An interactive job may score text (the judge) in the middle of a batch: it uses the interactive
    sequence only. A grammar forces the same answer tokens in both runs, so every step's logits can be
    compared: with scoring in between they stay as without it (measured: identical here), while a batch
    whose cells were damaged (part of each slot removed between steps) moves them by 4.8 logits with
    SmolLM2 and 33 with Gemma."""
    rt = batch_backend.runtime
    forced = 'root ::= "She goes to school every day and likes it a lot."'
    tokens = [batch_backend.prompt_tokens(p) for p in _prompts(batch_backend, 4)]

    def run(between_steps=None) -> dict[int, list[np.ndarray]]:
        rows: dict[int, list[np.ndarray]] = {}
        items = [BatchItem(t, SamplingParams(max_tokens=40, grammar=forced)) for t in tokens]
        results = generate_many(rt, items, between_steps=between_steps,
                                on_logits=lambda i, ptr: rows.setdefault(i, []).append(_row(rt, ptr)))
        assert all(r.text == "She goes to school every day and likes it a lot." for r in results)
        return rows

    plain = run()
    scores: list[float | None] = []
    mixed = run(lambda: scores.extend(batch_backend.logprobs(["I have an apple.", "I has a apple."])))
    assert scores and all(s is not None and s < 0 for s in scores)
    assert sorted(mixed) == sorted(plain) == list(range(4))
    for i in plain:
        assert len(mixed[i]) == len(plain[i])
        assert max(np.abs(a - b).max() for a, b in zip(plain[i], mixed[i], strict=True)) <= 0.5
    assert not rt.batch_active


def test_interactive_job_runs_within_one_step_of_a_running_batch(library):
    from assistant.backends.factory import local_factory

    eng = Engine()
    try:
        assert eng.load(local_factory(library.get(), n_ctx=1024, batch_sequences=2)).wait(120)
        steps = [0]
        real = eng.interject

        def counting(running):
            steps[0] += 1
            real(running)

        eng.interject = counting
        marks: dict[str, int] = {}

        def ghost(ctx):
            marks["started"] = steps[0]
            marks["in_batch"] = ctx.backend.runtime.batch_active
            return ctx.generate(build_prompt("complete", ctx.backend.info.strategy, {"max_tokens": 6},
                                             before="The weather today is"), stream=False).text

        def document(ctx):
            def first_result(_i, _r):
                if "submitted" not in marks:
                    marks["submitted"] = steps[0]
                    eng.submit(Job("ghost", ghost, Priority.INTERACTIVE, supersede=True))
            return ctx.generate_many(_prompts(ctx.backend, 6, max_tokens=24), on_result=first_result)

        doc = eng.submit(Job("grammar", document, Priority.BACKGROUND))
        assert doc.wait(300) and doc.state == JobState.DONE, doc.error
        assert marks["in_batch"] and marks["started"] == marks["submitted"] + 1
        assert len(doc.result) == 6
    finally:
        eng.shutdown()


def test_a_step_evaluates_a_bounded_share_of_the_waiting_prompts(batch_backend):
    """An interactive job waits for the batch step in progress, so no step may hold a whole long prompt:
    beside each generating sequence's token a step takes at most ``step_prompt_tokens`` prompt tokens
    (16 on the CPU), and the answers are what whole-prompt steps give (the same cells, the same logits)."""
    from assistant.llama_batch import BatchGenerator

    rt = batch_backend.runtime
    assert rt.step_prompt_tokens == 16  # no GPU in the tests
    long_text = " ".join(SENTENCES) * 3
    items = [BatchItem(rt.tokenize(f"{i}. {long_text}"), SamplingParams(max_tokens=4)) for i in range(3)]
    sizes: list[int] = []
    real = BatchGenerator._decode

    def counted(self, batch):
        sizes.append(batch.n_tokens)
        return real(self, batch)

    BatchGenerator._decode = counted
    try:
        results = generate_many(rt, items)
    finally:
        BatchGenerator._decode = real
    assert all(r.finish_reason in ("stop", "length") for r in results)
    assert max(sizes) <= rt.step_prompt_tokens + rt.batch_sequences
    # The prompts differ from their second token, so no prefix is shared: every prompt token is evaluated.
    assert sum(sizes) >= sum(len(i.tokens) for i in items) > 3 * rt.step_prompt_tokens
    assert not rt.batch_active


def test_prefetched_answers_are_served_without_the_model(default_engine):
    def job(ctx):
        prompts = _prompts(ctx.backend, 3)
        ctx.prefetch(prompts + prompts[:1], on_answer=ready.append)  # the duplicate is generated once
        stored = dict(ctx._prefetched)
        calls = [0]
        real = ctx.backend.generate
        ctx.backend.generate = lambda *a, **k: (calls.__setitem__(0, calls[0] + 1), real(*a, **k))[1]
        try:
            answers = [ctx.generate(p, stream=False) for p in prompts]
            again = ctx.generate(prompts[0], stream=False)  # taken once: a second ask generates
        finally:
            del ctx.backend.generate
        return stored, answers, again, calls[0]

    ready = []
    h = default_engine.submit(Job("grammar", job))
    assert h.wait(300) and h.state == JobState.DONE, h.error
    stored, answers, again, calls = h.result
    assert ready == [1, 2, 3]  # told as each answer of the window is ready
    assert len(stored) == 3 and all(a in stored.values() for a in answers)
    assert calls == 1 and again.finish_reason in ("stop", "length")


def test_cancel_reaches_a_document_job_inside_its_batch(default_engine):
    """Cancelled when its first answer is in, with two of six prompts still waiting for a slot (four
    slots): the job ends cancelled, whatever the model writes and however fast."""
    def job(ctx):
        return ctx.generate_many(_prompts(ctx.backend, 6, max_tokens=80),
                                 on_result=lambda _i, _r: ctx.handle.cancel("cancelled by the user"))

    h = default_engine.submit(Job("grammar", job, Priority.BACKGROUND))
    assert h.wait(120) and h.state == JobState.CANCELLED
    rt = default_engine.backend.runtime
    assert rt.batch_sequences == 4
    assert not rt.batch_active and all(C.llama_memory_seq_pos_max(rt.mem, s) == -1 for s in rt.slot_seqs)


class _SlowServer(BaseHTTPRequestHandler):
    """An OpenAI-style server on 127.0.0.1 that counts requests in flight. Each request waits (up to
    5 s) until the client has had EXPECTED requests in flight at once, so the count does not depend
    on how fast this machine schedules threads; a client that sends one at a time fails the count."""

    lock = threading.Condition()
    in_flight = 0
    most = 0
    EXPECTED = 3

    def log_message(self, *_args) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps({"data": [{"id": "slow"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        cls = type(self)
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with cls.lock:
            cls.in_flight += 1
            cls.most = max(cls.most, cls.in_flight)
            cls.lock.notify_all()
            cls.lock.wait_for(lambda: cls.most >= cls.EXPECTED, timeout=5)
        time.sleep(0.05)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        event = {"choices": [{"text": request["prompt"].upper(), "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(event)}\n\ndata: [DONE]\n\n".encode())
        with cls.lock:
            cls.in_flight -= 1


def test_remote_backend_sends_requests_concurrently_up_to_its_setting():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        backend = RemoteBackend(f"http://127.0.0.1:{server.server_port}", strategy=Strategy.BASE, concurrency=3)
        prompts = [Prompt(Strategy.BASE, text=f"prompt {i}") for i in range(7)]
        order: list[int] = []
        results = backend.generate_many(prompts, on_result=lambda i, _r: order.append(i))
        assert [r.text for r in results] == [f"PROMPT {i}" for i in range(7)]
        assert sorted(order) == list(range(7)) and _SlowServer.most == 3
    finally:
        server.shutdown()
        server.server_close()


def test_a_wider_batch_gets_wider_prefetch_windows(smollm2, default_engine):
    """A backend that decodes twelve prompts together (a GPU's) is handed all ten paragraphs of a
    document at once, where the CPU default (four sequences) gets windows of eight: no slot idles."""
    from assistant.tasks.rewrite import builtin_actions, rewrite

    text = "\n\n".join(f"The cat number {i} sleep on the warm mat." for i in range(10))
    action = next(a for a in builtin_actions() if a.style == "concise")
    eng = Engine()
    eng.backend = LocalBackend(smollm2, n_ctx=1024, batch_sequences=12)
    windows: list[int] = []
    real = eng.backend.generate_many
    eng.backend.generate_many = lambda prompts, *a, **k: (windows.append(len(prompts)), real(prompts, *a, **k))[1]
    try:
        h = eng.submit(Job("rewrite", lambda ctx: rewrite(ctx, text, action)))
        assert h.wait(300) and h.state == JobState.DONE, h.error
        assert windows == [10]
        h = default_engine.submit(Job("window", lambda ctx: ctx.prefetch_window(8)))
        assert h.wait(30) and h.result == 8
    finally:
        eng.backend.close()
        eng.backend = None
        eng.shutdown()
