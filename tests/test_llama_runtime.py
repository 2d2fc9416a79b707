"""The token loop on the real SmolLM2 and Gemma models."""

from __future__ import annotations

import llama_cpp as C
import pytest

from assistant.llama_runtime import SamplingParams, StopScanner
from assistant.prompting import Strategy, build_prompt


def test_streamed_pieces_make_the_result(smol_backend):
    pieces: list[str] = []
    prompt = build_prompt("chat", smol_backend.info.strategy, text="Name three colours.")
    result = smol_backend.generate(prompt, on_text=pieces.append)
    assert result.text and "".join(pieces) == result.text
    assert result.generated_tokens >= len(pieces) > 1
    assert result.finish_reason in ("stop", "length")


def test_greedy_is_deterministic(smol_backend):
    prompt = build_prompt("complete", Strategy.BASE, before="The capital of France is")
    a = smol_backend.generate(prompt).text
    smol_backend.runtime.reset_cache()
    b = smol_backend.generate(prompt).text
    assert a == b and a.strip()


@pytest.mark.parametrize("which", ["smol_backend", "gemma_backend"])
def test_prefix_reuse_evaluates_only_new_tokens_and_changes_nothing(request, which):
    backend = request.getfixturevalue(which)
    rt = backend.runtime
    text = "Writing every day builds a habit. The best writers read widely and revise their drafts"
    params = SamplingParams(max_tokens=12)
    rt.reset_cache()
    first = rt.generate(rt.tokenize(text), params)
    assert first.reused_tokens == 0
    longer = rt.tokenize(text + " carefully")
    warm = rt.generate(longer, params)
    assert warm.reused_tokens >= len(rt.tokenize(text)) - 2
    rt.reset_cache()
    cold = rt.generate(longer, params)
    assert cold.reused_tokens == 0
    assert warm.text == cold.text


def test_cancel_stops_within_one_token(smol_backend):
    rt = smol_backend.runtime
    seen: list[str] = []
    result = rt.generate(rt.tokenize("Once upon a time"), SamplingParams(max_tokens=200),
                         on_text=seen.append, should_stop=lambda: len(seen) >= 5)
    assert result.finish_reason == "cancelled"
    assert len(seen) == 5
    assert result.generated_tokens <= 6


def test_stop_string_is_not_emitted(smol_backend):
    rt = smol_backend.runtime
    params = SamplingParams(max_tokens=80, stop=["\n"])
    result = rt.generate(rt.tokenize("List:\n1. apples\n2. pears\n3."), params)
    assert "\n" not in result.text
    assert result.finish_reason == "stop"


def test_prompt_longer_than_context_is_refused(smol_backend):
    from assistant.backends.base import BackendError

    long_text = "word " * (smol_backend.info.n_ctx + 100)
    prompt = build_prompt("complete", Strategy.BASE, before=long_text)
    with pytest.raises(BackendError, match="context holds"):
        smol_backend.generate(prompt)


def test_grammar_constrains_output(smol_backend):
    rt = smol_backend.runtime
    params = SamplingParams(max_tokens=20, grammar='root ::= ("yes" | "no") "."')
    result = rt.generate(rt.tokenize("Is the sky blue? Answer:"), params)
    assert result.text in ("yes.", "no.")


def test_stop_scanner_holds_back_partial_stops():
    s = StopScanner(["###"])
    assert s.feed("abc#") == "abc"
    assert s.feed("#") == ""
    assert s.feed("x") == "##x"
    assert s.feed("1##") == "1"
    assert s.feed("#rest") == ""
    assert s.stopped


def test_interrupt_aborts_inside_llama_decode(smol_backend):
    """The abort flag is read by llama.cpp between graph nodes, without entering Python."""
    from assistant.llama_runtime import Cancelled

    rt = smol_backend.runtime
    assert rt.threadpool
    rt.reset_cache()
    tokens = rt.tokenize("A long prompt that should never finish evaluating. " * 20)
    rt.interrupt()
    with pytest.raises(Cancelled):
        rt._decode(tokens, should_stop=None)
    assert rt.cached == []
    # The next request clears the flag and runs normally from a clean cache.
    result = rt.generate(rt.tokenize("The capital of France is"), SamplingParams(max_tokens=4))
    assert result.generated_tokens > 0 and result.reused_tokens == 0


@pytest.mark.parametrize("which", ["smol_backend", "gemma_backend"])
def test_batched_scoring_matches_one_text_at_a_time(request, which):
    """Candidates scored side by side (several sequence ids in one llama_decode) get the log-probabilities
    they get alone, up to the rounding llama.cpp's kernels show for a batch of that size anyway."""
    from assistant.llama_runtime import SCORE_SEQUENCES

    rt = request.getfixturevalue(which).runtime
    texts = [f"She {verb} to school every {noun}." for verb in ("go", "goes", "went", "gone")
             for noun in ("day", "days", "morning")] + ["x", "", "Their going to the park tomorow."]
    assert len(texts) > SCORE_SEQUENCES  # more than one batch
    seqs = [rt.tokenize(t) for t in texts]
    one_by_one = [rt.token_logprobs(s) for s in seqs]
    together = rt.token_logprobs_many(seqs)
    assert [len(x) for x in together] == [max(len(s) - 1, 0) for s in seqs]

    def worst(a, b):
        return max((abs(p - q) for x, y in zip(a, b, strict=True) for p, q in zip(x, y, strict=True)), default=0.0)

    # The same texts, each alone but in a batch as large as the side-by-side one (followed by filler
    # tokens, which a causal model cannot see): how much llama.cpp's numbers move with batch size alone.
    # Measured here: 0 for SmolLM2 (Q4_1); up to 0.3 nats a token for Gemma (Q4_K_M), both ways alike.
    size = sum(len(s) for s in seqs[:SCORE_SEQUENCES])
    filler = rt.tokenize(" and" * size, add_special=False)
    same_size = [rt.token_logprobs(s + filler[: size - len(s)])[: len(s) - 1] for s in seqs[:SCORE_SEQUENCES]]
    rounding = worst(same_size, one_by_one[:SCORE_SEQUENCES])
    assert worst(together, one_by_one) <= 2 * rounding + 0.02
    # The cache is clean afterwards and one sequence may still fill far more than 1/SCORE_SEQUENCES of it.
    long_prompt = rt.tokenize(" ".join(texts[:12]) * 6)
    assert len(long_prompt) > rt.n_ctx // SCORE_SEQUENCES
    result = rt.generate(long_prompt, SamplingParams(max_tokens=2))
    assert result.reused_tokens == 0 and result.finish_reason != "cancelled"


@pytest.mark.parametrize("which", ["smol_backend", "gemma_backend"])
def test_variant_gains_are_the_difference_of_whole_sentence_scores(request, which):
    """Variants decoded only from where they leave the base (its cache shared) score what whole
    sentences score, up to batch-size rounding; a window reads only the change and a few tokens."""
    rt = request.getfixturevalue(which).runtime
    base = "She go to school every days and dont like it."
    variants = ["She goes to school every days and dont like it.", "She go to school every day and dont like it.",
                "She go to the school every days and dont like it.", "go to school every days and dont like it.",
                "She go to school every days and dont like it", "Her go to school every days and dont like it.",
                base] * 6  # more variants than sequence ids: several batches
    b = rt.tokenize(base, add_special=True)
    vs = [rt.tokenize(v, add_special=True) for v in variants]
    full = [sum(x) for x in (rt.token_logprobs(s) for s in [b, *vs[:7]])]
    exact = rt.variant_gains(b, vs)
    assert len(exact) == len(variants) and exact[6] == 0.0
    # The same variant in a batch of another make-up: the same number up to rounding.
    assert all(abs(x - y) <= 0.06 * len(v) for x, y, v in zip(exact[:7], exact[-7:], vs, strict=False))
    for v, gain, whole in zip(vs[:7], exact[:7], full[1:], strict=True):
        # An off-by-one row or a stale cache is off by nats a token; rounding is a fraction of one.
        assert abs(gain - (whole - full[0])) <= 0.1 * len(v) + 0.05
    windowed = rt.variant_gains(b, vs[:7], window=1)
    assert windowed[4] == exact[4]  # the change is the last token: nothing after it to cut
    assert windowed[6] == 0.0
    # Nothing is left in the cache's scoring sequences, and generation works from scratch.
    assert all(C.llama_memory_seq_pos_max(rt.mem, s) == -1 for s in [0, *rt.slot_seqs])
    assert rt.generate(rt.tokenize("Hello"), SamplingParams(max_tokens=2)).reused_tokens == 0


@pytest.mark.parametrize("which", ["smol_backend", "gemma_backend"])
def test_scoring_counts_a_texts_first_token(request, which):
    """The judge, the critic and the forms layer compare texts by their log-probability: every token
    of each text must count. SmolLM2's tokenizer adds no BOS, so its texts are scored after
    "<|endoftext|>"; Gemma's adds one."""
    backend = request.getfixturevalue(which)
    rt = backend.runtime
    text = "I'm sure it was high."
    scored = rt.token_logprobs(rt.score_tokens(text))
    assert len(scored) == len(rt.tokenize(text, add_special=False))  # each of the text's own tokens
    if which == "smol_backend":
        assert rt.score_start == [rt.tokenize("<|endoftext|>", add_special=False, parse_special=True)[0]]
    else:
        assert rt.score_start == []  # its BOS comes with the tokens
    assert all(len(rt.tokenize(w, add_special=False)) == 1 for w in ("Yes", "No"))
    yes, no = backend.logprobs(["Yes", "No"])  # one token each: scored from nothing, both were 0.0
    assert yes < 0.0 and no < 0.0 and yes != no
    (gain,) = backend.variant_gains("Yes", ["No"])
    assert abs(gain - (no - yes)) < 0.5  # was 0.0: the only token differed, and it did not count


def test_the_backend_knows_its_models_size(smol_backend, gemma_backend):
    # What the Learn pane's caution about small models reads: from the weights, not the name.
    assert 100e6 < smol_backend.info.parameter_count < 200e6  # SmolLM2-135M
    assert 200e6 < gemma_backend.info.parameter_count < 400e6  # Gemma-3-270M


def test_kv_cache_bytes_per_token_agree_with_the_library_estimate(smol_backend, gemma_backend, smollm2, gemma):
    """The GPU batch is sized by the runtime's figure; the Models pane's fit by the file's. Gemma 3's heads
    are wider than its embedding over its head count (key_length 256, not 640 / 4)."""
    from assistant.model_info import read_model_info

    assert smol_backend.runtime.kv_bytes_per_cell() == read_model_info(smollm2).kv_bytes_per_token == 23040
    assert gemma_backend.runtime.kv_bytes_per_cell() == read_model_info(gemma).kv_bytes_per_token == 18432


def test_llama_cpp_errors_reach_stderr_except_for_a_decode_the_app_cancelled(smol_backend, tmp_path, capfd):
    """llama.cpp's log is kept in memory (for messages), but an error-level line also goes to stderr:
    when llama.cpp aborts the process (a CUDA error), that line is the only trace of why."""
    import os

    from assistant.llama_runtime import Cancelled, LlamaRuntime, RuntimeError_, _interrupted_at

    # CUDA graphs crashed batched decoding on an H200; the runtime turns them off unless asked for.
    assert os.environ.get("GGML_CUDA_DISABLE_GRAPHS") == "1" or os.environ.get("WRITING_ASSISTANT_CUDA_GRAPHS")
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + bytes(60))
    _interrupted_at[0] = float("-inf")
    capfd.readouterr()
    with pytest.raises(RuntimeError_):
        LlamaRuntime(bad, n_ctx=256)
    assert "error" in capfd.readouterr().err.lower()
    rt = smol_backend.runtime
    rt.reset_cache()
    rt.interrupt()
    with pytest.raises(Cancelled):
        rt._decode(rt.tokenize("A prompt that is interrupted at once. " * 10), should_stop=None)
    assert capfd.readouterr().err == ""
