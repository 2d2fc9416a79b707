"""Many prompts decoded together on one llama.cpp context: continuous batching with shared prefixes.

Each prompt gets a batch slot (a sequence id) and its own sampler chain, stop strings and
callbacks. Every step puts one token of each generating sequence and as much of the waiting
prompts as fits into one ``llama_decode``; a sequence that finishes frees its slot and cells
for the next prompt at once. The part of the prompts that is the same for all of them (a
task's instructions and worked examples) is evaluated once on a prefix sequence and copied
into each slot, which in a unified KV cache shares its cells instead of recomputing them; it
stays stored while the model, its adapters and the prompt stay the same, so the next job of
the same task starts from it too. Between steps a hook lets the engine run an interactive
job (ghost text) on the interactive sequence, which this batch never touches.

This module and assistant.llama_runtime are the only ones that speak ctypes to llama.cpp.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import llama_cpp as C

from assistant.llama_runtime import (
    Cancelled,
    GenerationResult,
    LlamaRuntime,
    RuntimeError_,
    SamplingParams,
    TextOut,
    TokenSampler,
    log_tail,
)

MIN_SHARED_PREFIX = 16  # tokens: below this a stored prefix is not worth a sequence id


@dataclass
class BatchItem:
    tokens: list[int]
    params: SamplingParams
    on_text: Callable[[str], None] | None = None
    should_stop: Callable[[], bool] | None = None  # cancels this prompt alone


@dataclass
class _Seq:
    index: int
    item: BatchItem
    slot: int
    shared: int  # prompt tokens copied from a stored prefix
    started: float
    left: list[int] = field(default_factory=list)  # prompt tokens still to evaluate
    pos: int = 0
    pending: int | None = None  # the last sampled token, to evaluate in the next step
    out_index: int = -1  # this step's output row in the batch
    chain: TokenSampler | None = None
    out: TextOut | None = None
    n_gen: int = 0
    prompt_done: float = 0.0
    first: float = 0.0
    max_tokens: int = 0

    @property
    def cells(self) -> int:
        return len(self.item.tokens) - self.shared + self.max_tokens


def _common_prefix(a: list[int], b: list[int]) -> int:
    n, limit = 0, min(len(a), len(b))
    while n < limit and a[n] == b[n]:
        n += 1
    return n


class BatchGenerator:
    """Runs one call of :meth:`LlamaRuntime.generate_many`; holds the call's slots and batch."""

    def __init__(self, rt: LlamaRuntime, items: list[BatchItem], should_stop: Callable[[], bool] | None,
                 between_steps: Callable[[], None] | None,
                 on_result: Callable[[int, GenerationResult], None] | None,
                 on_logits: Callable[[int, object], None] | None) -> None:
        self.rt, self.items = rt, items
        self.should_stop, self.between_steps = should_stop, between_steps
        self.on_result, self.on_logits = on_result, on_logits
        self.results: list[GenerationResult | None] = [None] * len(items)
        self.free_slots = list(rt.slot_seqs[: rt.batch_sequences])
        self.active: list[_Seq] = []
        self.cells_in_use = 0

    # prefixes ---------------------------------------------------------------------
    def _prefix_for(self, tokens: list[int]) -> tuple[int, int]:
        """(prefix sequence id, tokens it shares with ``tokens``); (-1, 0) when none is worth copying."""
        best, best_len = -1, 0
        for seq_id, stored in self.rt.prefixes.items():
            n = min(_common_prefix(stored, tokens), len(tokens) - 1)
            if n > best_len:
                best, best_len = seq_id, n
        if best_len < MIN_SHARED_PREFIX:
            return -1, 0
        self.rt.prefixes[best] = self.rt.prefixes.pop(best)  # most recently used last: the oldest goes first
        return best, best_len

    def _store_prefix(self) -> None:
        """Evaluate the prompts' common prefix once, on a prefix sequence, unless one already covers it."""
        prompts = [it.tokens for it in self.items]
        if len(prompts) < 2:
            return
        common = min(len(p) for p in prompts) - 1
        for p in prompts[1:]:
            common = min(common, _common_prefix(prompts[0], p))
        if common < MIN_SHARED_PREFIX or self._prefix_for(prompts[0])[1] >= common:
            return
        rt = self.rt
        free = [i for i in range(1, rt.slot_seqs[0]) if i not in rt.prefixes]
        seq_id = free[0] if free else next(iter(rt.prefixes))  # the oldest is replaced
        kept = sum(len(p) for i, p in rt.prefixes.items() if i != seq_id)
        if common + kept > rt.batch_cells // 2:
            return  # a prefix that would crowd out the slots is not stored
        rt.prefixes.pop(seq_id, None)
        rt.free_seq(seq_id)
        tokens = prompts[0][:common]
        batch = C.llama_batch_init(rt.n_batch, 0, 1)
        step = min(rt.n_batch, rt.step_prompt_tokens)
        try:
            for start in range(0, common, step):
                if start:
                    self._between_steps()  # a long prefix is evaluated in steps, like the prompts
                chunk = tokens[start : start + step]
                for k, tok in enumerate(chunk):
                    batch.token[k], batch.pos[k], batch.n_seq_id[k] = tok, start + k, 1
                    batch.seq_id[k][0] = seq_id
                    batch.logits[k] = False
                batch.n_tokens = len(chunk)
                self._decode(batch)
        except BaseException:
            rt.free_seq(seq_id)
            raise
        finally:
            C.llama_batch_free(batch)
        rt.prefixes[seq_id] = tokens

    # slots ------------------------------------------------------------------------
    def _admit(self, index: int) -> bool:
        rt, item = self.rt, self.items[index]
        prefix_id, shared = self._prefix_for(item.tokens)
        seq = _Seq(index, item, -1, shared, time.perf_counter())
        seq.max_tokens = min(item.params.max_tokens, rt.n_ctx - len(item.tokens))
        stored = sum(len(p) for p in rt.prefixes.values())
        if self.active and self.cells_in_use + seq.cells + stored > rt.batch_cells:
            return False
        seq.slot = self.free_slots.pop(0)
        if shared:
            C.llama_memory_seq_cp(rt.mem, prefix_id, seq.slot, 0, shared)
        seq.left, seq.pos = list(item.tokens[shared:]), shared
        seq.chain = rt._sampler(item.params)
        seq.out = TextOut(item.params.stop, item.on_text)
        self.active.append(seq)
        self.cells_in_use += seq.cells
        return True

    def _finish(self, seq: _Seq, reason: str) -> None:
        now = time.perf_counter()
        if reason != "cancelled":
            seq.out.close()
        seq.chain.free()
        self.rt.free_seq(seq.slot)
        self.free_slots.append(seq.slot)
        self.active.remove(seq)
        self.cells_in_use -= seq.cells
        prompt_s = (seq.prompt_done or now) - seq.started
        result = GenerationResult(seq.out.text, len(seq.item.tokens), seq.shared, seq.n_gen, prompt_s,
                                  now - seq.started - prompt_s, seq.first, reason)
        self.results[seq.index] = result
        if self.on_result is not None:
            self.on_result(seq.index, result)

    # the loop ---------------------------------------------------------------------
    def _between_steps(self) -> None:
        """Let the engine run an interactive job on the interactive sequence between two batch steps."""
        if self.between_steps is not None:
            self.between_steps()
            # An interactive job run in between may have been interrupted; that was not ours.
            self.rt._abort_flag[0] = b"\0"

    def _decode(self, batch) -> None:
        rc = C.llama_decode(self.rt.ctx, batch)
        if rc != 0:
            if self.rt._abort_flag[0] != b"\0" or (self.should_stop is not None and self.should_stop()):
                raise Cancelled()
            raise RuntimeError_(f"llama.cpp failed while generating (code {rc}): {log_tail(2)}")

    def _fill(self, batch) -> int:
        """This step's tokens: each generating sequence's last token first, then waiting prompt tokens,
        at most ``rt.step_prompt_tokens`` of them: an interactive job waits for the step in progress."""
        k = 0
        for seq in self.active:
            seq.out_index = -1
            if seq.pending is not None:
                batch.token[k], batch.pos[k], batch.n_seq_id[k] = seq.pending, seq.pos, 1
                batch.seq_id[k][0], batch.logits[k] = seq.slot, True
                seq.out_index, seq.pos, seq.pending = k, seq.pos + 1, None
                k += 1
        cap = min(self.rt.n_batch, k + self.rt.step_prompt_tokens)
        for seq in self.active:
            if not seq.left or k >= cap:
                continue
            take, seq.left = seq.left[: cap - k], seq.left[cap - k :]
            for tok in take:
                batch.token[k], batch.pos[k], batch.n_seq_id[k] = tok, seq.pos, 1
                batch.seq_id[k][0], batch.logits[k] = seq.slot, False
                seq.pos, k = seq.pos + 1, k + 1
            if not seq.left:
                batch.logits[k - 1] = True
                seq.out_index = k - 1
        batch.n_tokens = k
        return k

    def _sample(self) -> None:
        rt = self.rt
        for seq in list(self.active):
            if seq.out_index < 0:
                continue
            if self.on_logits is not None:
                self.on_logits(seq.index, C.llama_get_logits_ith(rt.ctx, seq.out_index))
            now = time.perf_counter()
            if not seq.prompt_done:
                seq.prompt_done = now
            tok = seq.chain.sample(seq.out_index)
            if C.llama_vocab_is_eog(rt.vocab, tok):
                self._finish(seq, "stop")
                continue
            seq.n_gen += 1
            if seq.n_gen == 1:
                seq.first = now - seq.started
            if seq.out.feed(rt.token_bytes(tok)):
                self._finish(seq, "stop")
            elif seq.n_gen >= seq.max_tokens:
                self._finish(seq, "length")
            else:
                seq.pending = tok

    def run(self) -> list[GenerationResult]:
        rt = self.rt
        waiting = list(range(len(self.items)))
        rt._abort_flag[0] = b"\0"
        rt.batch_active = True
        batch = C.llama_batch_init(rt.n_batch, 0, 1)
        try:
            self._store_prefix()
            while waiting or self.active:
                if self.should_stop is not None and self.should_stop():
                    raise Cancelled()
                for seq in list(self.active):
                    if seq.item.should_stop is not None and seq.item.should_stop():
                        self._finish(seq, "cancelled")
                while waiting and self.free_slots:
                    if self.items[waiting[0]].should_stop is not None and self.items[waiting[0]].should_stop():
                        self.results[waiting[0]] = GenerationResult.cancelled(len(self.items[waiting.pop(0)].tokens))
                    elif self._admit(waiting[0]):
                        waiting.pop(0)
                    else:
                        break
                if not self.active:
                    continue
                self._fill(batch)
                self._decode(batch)
                self._sample()
                if waiting or self.active:
                    self._between_steps()
        except Cancelled:
            for seq in list(self.active):
                self._finish(seq, "cancelled")
            for i in waiting:
                self.results[i] = GenerationResult.cancelled(len(self.items[i].tokens))
        except BaseException:
            for seq in list(self.active):
                seq.chain.free()
                rt.free_seq(seq.slot)
            raise
        finally:
            C.llama_batch_free(batch)
            rt.batch_active = False
        return [r if r is not None else GenerationResult.cancelled(len(self.items[i].tokens))
                for i, r in enumerate(self.results)]


def generate_many(
    rt: LlamaRuntime,
    items: list[BatchItem],
    should_stop: Callable[[], bool] | None = None,
    between_steps: Callable[[], None] | None = None,
    on_result: Callable[[int, GenerationResult], None] | None = None,
    on_logits: Callable[[int, object], None] | None = None,
) -> list[GenerationResult]:
    """Generate an answer to every item, up to ``rt.batch_sequences`` at a time, in one batch per step.

    ``on_result(i, result)`` is called as each finishes (any order); the list returned is in the
    items' order. ``should_stop`` cancels everything, an item's own ``should_stop`` that item alone.
    ``between_steps`` runs after each step's sampling, when the batch's logits are no longer needed:
    an interactive job may use the interactive sequence there. ``on_logits(i, pointer)`` sees the
    row of logits item ``i`` samples from (diagnostics and tests). A prompt too long for the batch's
    cells runs alone afterwards on the interactive sequence, as :meth:`LlamaRuntime.generate`.
    """
    for item in items:
        if not item.tokens:
            raise RuntimeError_("empty prompt")
        if len(item.tokens) >= rt.n_ctx:
            raise RuntimeError_(f"the prompt has {len(item.tokens)} tokens; this model's context holds {rt.n_ctx}")
    # A prompt and answer that need more than half the batch's cells run alone, as generate() would.
    fits = [i for i, it in enumerate(items)
            if len(it.tokens) + min(it.params.max_tokens, rt.n_ctx - len(it.tokens)) <= rt.batch_cells // 2]
    alone = sorted(set(range(len(items))) - set(fits))
    results: list[GenerationResult | None] = [None] * len(items)
    if fits:
        def report(j: int, result: GenerationResult) -> None:
            if on_result is not None:
                on_result(fits[j], result)

        gen = BatchGenerator(rt, [items[i] for i in fits], should_stop, between_steps, report, on_logits)
        for j, result in zip(fits, gen.run(), strict=True):
            results[j] = result
    for i in alone:
        item = items[i]
        stop = item.should_stop
        if (should_stop is not None and should_stop()) or (stop is not None and stop()):
            results[i] = GenerationResult.cancelled(len(item.tokens))
        else:
            def stopped(stop=stop) -> bool:
                return (should_stop is not None and should_stop()) or (stop is not None and stop())
            results[i] = rt.generate(item.tokens, item.params, item.on_text, stopped)
        if on_result is not None:
            on_result(i, results[i])
    return [r for r in results if r is not None]
