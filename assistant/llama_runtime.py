"""The one module that speaks ctypes to llama.cpp.

Owns a model, a context and its KV cache, and runs the token loop on llama.cpp's C
sampler chain: no logits are copied into Python, which is what makes the binding's
``create_completion`` slow (it samples in numpy). The KV cache keeps the tokens of the
previous request so a new prompt that shares a prefix evaluates only its new tokens.
Everything above this module (engine, tasks, prompts) is free of ctypes.
"""

from __future__ import annotations

import codecs
import collections
import ctypes
import functools
import os
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import llama_cpp as C
import numpy as np  # llama_cpp has imported it already
from llama_cpp.llama_cpp import _lib as _LIB

from assistant.model_info import kv_bytes_per_token
from assistant.text_diff import common_ends

_LOG_TAIL: collections.deque[str] = collections.deque(maxlen=64)
SCORE_SEQUENCES = 8  # texts scored side by side in one batch (the judge's candidates of a sentence)
# Variants of one text (a word changed) decoded side by side after their shared prefix: each is a few
# tokens, so many fit one batch (bench/bench_scoring.py).
VARIANT_SEQUENCES = 32
# Sequence ids in the one unified KV cache: 0 is the interactive sequence (ghost text, single prompts,
# with its prefix kept between requests); then the stored task prefixes; then the batch slots.
INTERACTIVE_SEQ = 0
PREFIX_SEQS = 2
DEFAULT_BATCH_SEQUENCES = 0  # automatic: see LlamaRuntime._default_batch_sequences
CELLS_PER_BATCH_SEQUENCE = 512  # a document task's prompt (60-150 tokens after its prefix) and its answer
CPU_BATCH_SEQUENCES = 4
# Prompt tokens one batch step evaluates beside the generating sequences' tokens: an interactive job
# (ghost text) waits for the step in progress. On 2 CPU cores (bench_ghost.py --under-load) the first
# ghost token's p95 was 116 ms with whole n_batch steps, 104 ms with 32 and 66 ms with 16, and the
# batch itself did not slow down (bench_generation.py, 48 prompts: 8.6-9.3 s against 9.8-10.2 s).
# A GPU evaluates a whole n_batch in a few milliseconds.
CPU_STEP_PROMPT_TOKENS = 16
GPU_BATCH_SEQUENCES = (8, 32)  # fewest and most a GPU decodes together by default
GPU_BATCH_MEMORY_SHARE = 0.10  # of the GPU's free memory (after the weights) the batch's KV cells may take
_GGML_LOG_LEVEL_ERROR = 4
_interrupted_at = [float("-inf")]  # when any runtime last interrupted a decode (time.monotonic)
_backend_lock = threading.Lock()
_backend_ready = False


@C.llama_log_callback
def _log_callback(level: int, text: bytes, _user: ctypes.c_void_p) -> None:
    # llama.cpp logs heavily at load time; keep the tail for error messages instead of spamming stderr.
    try:
        line = text.decode("utf-8", errors="replace")
        _LOG_TAIL.append(line)
        if level == _GGML_LOG_LEVEL_ERROR and time.monotonic() - _interrupted_at[0] > 5:
            # What llama.cpp says just before it aborts (a CUDA error) is the only trace of why; the
            # errors it logs for a decode the app itself interrupted (a cancel) are not news.
            sys.stderr.write(line)
    except Exception:  # a C callback must never raise into llama.cpp
        pass


def _init_backend() -> None:
    global _backend_ready
    with _backend_lock:
        if not _backend_ready:
            # llama.cpp's CUDA graphs crashed the process ("an illegal instruction was encountered" at a
            # graph launch) once 32 sequences were decoded together on an H200 (issue 14's closing note);
            # without them the same runs finish. ggml reads this once, before the first GPU step.
            if not os.environ.get("WRITING_ASSISTANT_CUDA_GRAPHS"):
                os.environ.setdefault("GGML_CUDA_DISABLE_GRAPHS", "1")
            if not os.environ.get("WRITING_ASSISTANT_LLAMA_LOG"):
                C.llama_log_set(_log_callback, ctypes.c_void_p(0))
            C.llama_backend_init()
            _backend_ready = True


def log_tail(n: int = 8) -> str:
    return "".join(list(_LOG_TAIL)[-n:]).strip()


def gpu_backend_name() -> str:
    """'CUDA', 'Metal', 'Vulkan', ... when llama.cpp was built with GPU offload, else 'CPU'."""
    _init_backend()
    if not C.llama_supports_gpu_offload():
        return "CPU"
    info = C.llama_print_system_info().decode("utf-8", errors="replace")
    for key, name in (("CUDA", "CUDA"), ("MTL", "Metal"), ("METAL", "Metal"), ("Vulkan", "Vulkan"),
                      ("HIP", "ROCm"), ("SYCL", "SYCL")):
        if key in info:
            return name
    return "Metal" if sys.platform == "darwin" else "GPU"


def gpu_memory() -> tuple[str, int]:
    """The GPU with the most free memory that llama.cpp's ggml registered, and those bytes, through
    ggml's C API (llama-cpp-python binds llama.h only). ("", 0) on a CPU-only build or anything unexpected."""
    try:
        # llama-cpp-python loads its libraries from LLAMA_CPP_LIB_PATH when set (a separately built llama.cpp)
        lib_dir = Path(os.environ.get("LLAMA_CPP_LIB_PATH") or Path(C.__file__).parent / "lib")
        names = {"darwin": "libggml.dylib", "win32": "ggml.dll"}
        ggml = ctypes.CDLL(str(lib_dir / names.get(sys.platform, "libggml.so")))
        ggml.ggml_backend_dev_count.restype = ctypes.c_size_t
        ggml.ggml_backend_dev_get.restype = ctypes.c_void_p
        ggml.ggml_backend_dev_get.argtypes = [ctypes.c_size_t]
        ggml.ggml_backend_dev_type.restype = ctypes.c_int
        ggml.ggml_backend_dev_type.argtypes = [ctypes.c_void_p]
        ggml.ggml_backend_dev_description.restype = ctypes.c_char_p
        ggml.ggml_backend_dev_description.argtypes = [ctypes.c_void_p]
        ggml.ggml_backend_dev_memory.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t),
                                                 ctypes.POINTER(ctypes.c_size_t)]
        best = ("", 0)
        for i in range(ggml.ggml_backend_dev_count()):
            dev = ggml.ggml_backend_dev_get(i)
            if ggml.ggml_backend_dev_type(dev) not in (1, 2):  # GPU, integrated GPU
                continue
            free, total = ctypes.c_size_t(0), ctypes.c_size_t(0)
            ggml.ggml_backend_dev_memory(dev, ctypes.byref(free), ctypes.byref(total))
            if free.value > best[1]:
                best = ((ggml.ggml_backend_dev_description(dev) or b"GPU").decode(errors="replace"), free.value)
        return best
    except (OSError, AttributeError):
        return ("", 0)


class RuntimeError_(RuntimeError):
    """llama.cpp refused an operation; the message is meant for the user."""


class Cancelled(Exception):
    """The job was cancelled; raised out of the token loop."""


@dataclass
class SamplingParams:
    max_tokens: int = 256
    temperature: float = 0.0  # 0 = greedy
    top_k: int = 40
    top_p: float = 0.95
    min_p: float = 0.05
    repeat_penalty: float = 1.0
    repeat_last_n: int = 64
    seed: int = 1234
    stop: list[str] = field(default_factory=list)
    grammar: str | None = None  # GBNF, root rule "root"


@dataclass
class GenerationResult:
    text: str
    prompt_tokens: int
    reused_tokens: int
    generated_tokens: int
    prompt_seconds: float
    gen_seconds: float
    first_token_seconds: float
    finish_reason: str  # "stop", "length", "cancelled"

    @property
    def tokens_per_second(self) -> float:
        return self.generated_tokens / self.gen_seconds if self.gen_seconds > 0 else 0.0

    @classmethod
    def cancelled(cls, prompt_tokens: int = 0, prompt_seconds: float = 0.0) -> GenerationResult:
        """The result of a request stopped before it produced anything."""
        return cls("", prompt_tokens, 0, 0, prompt_seconds, 0.0, 0.0, "cancelled")


class StopScanner:
    """Streams text while holding back any tail that could still become a stop string."""

    def __init__(self, stops: list[str]) -> None:
        self.stops = [s for s in stops if s]
        self.buffer = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        self.buffer += text
        for stop in self.stops:
            idx = self.buffer.find(stop)
            if idx >= 0:
                out, self.buffer, self.stopped = self.buffer[:idx], "", True
                return out
        hold = 0
        for stop in self.stops:
            for k in range(min(len(stop) - 1, len(self.buffer)), 0, -1):
                if self.buffer.endswith(stop[:k]):
                    hold = max(hold, k)
                    break
        out = self.buffer[: len(self.buffer) - hold]
        self.buffer = self.buffer[len(self.buffer) - hold :]
        return out

    def flush(self) -> str:
        out, self.buffer = self.buffer, ""
        return out


class TextOut:
    """One sequence's answer as text: token bytes decoded incrementally (a character may span tokens),
    a possible stop string held back, the rest streamed to ``on_text`` and kept."""

    def __init__(self, stops: list[str], on_text: Callable[[str], None] | None) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.scanner = StopScanner(stops)
        self.on_text = on_text
        self.parts: list[str] = []

    def _emit(self, text: str) -> None:
        if text:
            self.parts.append(text)
            if self.on_text is not None:
                self.on_text(text)

    def feed(self, data: bytes) -> bool:
        """Add a token's bytes; True when a stop string has ended the answer."""
        self._emit(self.scanner.feed(self.decoder.decode(data)))
        return self.scanner.stopped

    def close(self) -> None:
        """The answer ended without a stop string: what was held back is part of it."""
        tail = self.scanner.flush() + self.decoder.decode(b"", final=True)
        if not self.scanner.stopped:
            self._emit(tail)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _c_abort_callback():
    """An abort callback that never enters Python: libc's strlen over a one-byte flag buffer.

    llama.cpp calls the abort callback between graph nodes, hundreds of times per token.
    A Python callback there takes the GIL each time and cost 20% of decode speed (measured
    with bench/bench_decode.py). strlen(flag) is non-zero exactly when the flag byte is set,
    and a bool return is read from the low byte of the return register on x86-64 and arm64
    (SysV, Apple and Windows ABIs alike), so it serves as ``bool abort(void *flag)``.
    """
    if sys.platform == "win32":
        libc = ctypes.cdll.msvcrt
    else:
        libc = ctypes.CDLL(None)
    return C.ggml_abort_callback(ctypes.cast(libc.strlen, ctypes.c_void_p).value)


class _ThreadpoolParams(ctypes.Structure):
    _fields_ = [  # ggml.h: struct ggml_threadpool_params
        ("cpumask", ctypes.c_bool * 512),
        ("n_threads", ctypes.c_int),
        ("prio", ctypes.c_int),
        ("poll", ctypes.c_uint32),
        ("strict_cpu", ctypes.c_bool),
        ("paused", ctypes.c_bool),
    ]


def _ggml_lib(symbol: str):
    """The loaded library that exports ``symbol``: libllama itself, or ggml's CPU/base libraries beside it."""
    candidates = [_LIB]
    libdir = Path(C.__file__).resolve().parent / "lib"
    for pattern in ("*ggml-cpu*", "*ggml-base*", "*ggml.*"):
        candidates += [p for p in sorted(libdir.glob(pattern)) if p.suffix in (".so", ".dylib", ".dll")]
    for lib in candidates:
        try:
            handle = lib if not isinstance(lib, Path) else ctypes.CDLL(str(lib))
            return getattr(handle, symbol)
        except (OSError, AttributeError):
            continue
    return None


def _attach_cpu_threadpool(ctx, n_threads: int, stack: ExitStack) -> bool:
    """Give the context a persistent CPU threadpool, as llama-bench and llama-cli do.

    Without one, ggml starts and joins its worker threads for every graph, i.e. every token:
    that cost 10% of decode speed against llama-bench (bench/bench_decode.py). The binding
    does not wrap these functions, so they are bound here; if a build lacks them, the
    context keeps ggml's default.
    """
    params_default = _ggml_lib("ggml_threadpool_params_default")
    new, free = _ggml_lib("ggml_threadpool_new"), _ggml_lib("ggml_threadpool_free")
    attach = getattr(_LIB, "llama_attach_threadpool", None)
    if not (params_default and new and free and attach):
        return False
    params_default.restype = _ThreadpoolParams
    params_default.argtypes = [ctypes.c_int]
    new.restype = ctypes.c_void_p
    new.argtypes = [ctypes.POINTER(_ThreadpoolParams)]
    free.argtypes = [ctypes.c_void_p]
    attach.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    params = params_default(n_threads)
    # No polling: spinning workers steal the core the Python token loop needs between tokens
    # (poll=50, llama-bench's default, dropped decode from 148 to 122 tok/s on 2 cores).
    params.poll = 0
    pool = new(ctypes.byref(params))
    if not pool:
        return False
    stack.callback(free, pool)
    attach(ctx, pool, pool)
    return True


def default_threads() -> int:
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:
        n = os.cpu_count() or 2
    return max(1, min(n, 8))


class TokenSampler:
    """llama.cpp's C sampler chain for one sequence; under greedy decoding, a grammar checked after sampling.

    A grammar applied first tests every token of the vocabulary at every step (7 ms a token for
    SmolLM2's 49,152 tokens, most of a step's time on 2 cores). For a greedy chain without
    penalties (the correction prompt's one-line grammar), the token is sampled without it and the
    grammar only asked whether it accepts that one token; only when it does not are all candidates
    constrained and the best allowed one taken, which is exactly the token grammar-first would give.
    A chain that samples or penalises keeps state that a rejected token would disturb (the random
    draw, the penalty window), so there the grammar stays first, as before.
    """

    def __init__(self, rt: LlamaRuntime, params: SamplingParams) -> None:
        self.ctx, self.n_vocab = rt.ctx, C.llama_vocab_n_tokens(rt.vocab)
        self.grammar = None
        self.chain = C.llama_sampler_chain_init(C.llama_sampler_chain_default_params())
        if not self.chain:
            raise RuntimeError_("llama.cpp could not create a sampler")
        try:
            add = functools.partial(C.llama_sampler_chain_add, self.chain)
            if params.grammar:
                grammar = C.llama_sampler_init_grammar(rt.vocab, params.grammar.encode(), b"root")
                if not grammar:
                    raise RuntimeError_(f"invalid grammar: {log_tail(2)}")
                if params.temperature <= 0 and params.repeat_penalty == 1.0:
                    self.grammar = grammar  # checked after sampling
                else:
                    add(grammar)  # the chain owns and frees it
            if params.repeat_penalty != 1.0:
                add(C.llama_sampler_init_penalties(self.n_vocab, params.repeat_last_n, params.repeat_penalty, 0.0, 0.0))
            if params.temperature <= 0:
                add(C.llama_sampler_init_greedy())
            else:
                add(C.llama_sampler_init_top_k(params.top_k))
                add(C.llama_sampler_init_top_p(params.top_p, 1))
                add(C.llama_sampler_init_min_p(params.min_p, 1))
                add(C.llama_sampler_init_temp(params.temperature))
                add(C.llama_sampler_init_dist(params.seed))
        except BaseException:
            self.free()
            raise
        self._one = (C.llama_token_data * 1)()
        self._one_arr = C.llama_token_data_array(self._one, 1, -1, False)
        # Greedy without penalties keeps no state: the token is the first highest logit, which numpy finds
        # in ~15 us where llama_sampler_sample first copies the whole vocabulary into candidates
        # (~0.2 ms for 49,152 tokens): a sixth of a token's time on a GPU, and per sequence in a batch.
        self._plain_greedy = params.temperature <= 0 and params.repeat_penalty == 1.0

    def sample(self, idx: int) -> int:
        """The next token from the logits of batch position ``idx`` (-1: the last), accepted by the chain."""
        if self._plain_greedy:
            tok = int(np.ctypeslib.as_array(C.llama_get_logits_ith(self.ctx, idx), shape=(self.n_vocab,)).argmax())
        else:
            tok = C.llama_sampler_sample(self.chain, self.ctx, idx)
        if self.grammar is None:
            return tok
        self._one[0].id, self._one[0].logit, self._one[0].p = tok, 0.0, 0.0
        self._one_arr.size, self._one_arr.selected = 1, -1
        C.llama_sampler_apply(self.grammar, ctypes.byref(self._one_arr))
        if self._one[0].logit == float("-inf"):
            tok = self._constrained(idx)
        C.llama_sampler_accept(self.grammar, tok)
        return tok

    def _constrained(self, idx: int) -> int:
        # The chain (greedy alone) keeps no state, so having sampled the rejected token changed nothing.
        logits = np.ctypeslib.as_array(C.llama_get_logits_ith(self.ctx, idx), shape=(self.n_vocab,))
        data = np.zeros(self.n_vocab, dtype=[("id", "<i4"), ("logit", "<f4"), ("p", "<f4")])
        data["id"], data["logit"] = np.arange(self.n_vocab), logits
        arr = C.llama_token_data_array(data.ctypes.data_as(ctypes.POINTER(C.llama_token_data)), self.n_vocab, -1,
                                       False)
        C.llama_sampler_apply(self.grammar, ctypes.byref(arr))
        C.llama_sampler_apply(self.chain, ctypes.byref(arr))
        if arr.selected < 0:
            raise RuntimeError_("the grammar allows no token here")
        return int(arr.data[arr.selected].id)

    def free(self) -> None:
        if self.grammar:
            C.llama_sampler_free(self.grammar)
            self.grammar = None
        if self.chain:
            C.llama_sampler_free(self.chain)
            self.chain = None


def _log_softmax(logits):
    """Log-probabilities of every token from rows of logits (a float64 copy)."""
    rows = logits.astype(np.float64)
    m = rows.max(axis=1, keepdims=True)
    return rows - (m + np.log(np.exp(rows - m).sum(axis=1, keepdims=True)))


# Tokens pretraining put between documents, tried in order for models whose tokenizer adds no BOS.
DOCUMENT_SEPARATORS = ("<|endoftext|>",)


class LlamaRuntime:
    """A loaded model with one context. Not thread-safe: the engine's worker owns it."""

    def __init__(
        self,
        path: str | Path,
        n_ctx: int = 4096,
        n_gpu_layers: int = -1,
        n_threads: int | None = None,
        n_batch: int = 512,
        on_progress: Callable[[float], bool] | None = None,
        batch_sequences: int = DEFAULT_BATCH_SEQUENCES,
    ) -> None:
        _init_backend()
        self.path = Path(path)
        self._stack = ExitStack()
        self.backend = gpu_backend_name()
        self.fallback_message = ""
        self._abort_flag = ctypes.create_string_buffer(2)
        self.adapters: dict[str, ctypes.c_void_p] = {}
        try:
            self.model = self._load_model(n_gpu_layers, on_progress)
            # Adapters belong to the model and are referenced by the context: they are freed after
            # the context (which is detached from them first) and before the model.
            self._adapter_stack = ExitStack()
            self._stack.callback(self._adapter_stack.close)
            self.vocab = C.llama_model_get_vocab(self.model)
            self.n_layer = C.llama_model_n_layer(self.model)
            self.n_params = int(C.llama_model_n_params(self.model))
            self.n_ctx_train = C.llama_model_n_ctx_train(self.model)
            threads = n_threads or default_threads()
            cparams = C.llama_context_default_params()
            n_ctx = min(n_ctx, self.n_ctx_train) if self.n_ctx_train > 0 else n_ctx
            # The interactive sequence keeps a whole n_ctx of its own; batched document work and the
            # stored prefixes get cells beside it, so a ghost-text request never waits for a batch.
            self.batch_sequences = batch_sequences if batch_sequences > 0 else self._default_batch_sequences()
            self.batch_cells = max(2048, self.batch_sequences * CELLS_PER_BATCH_SEQUENCE)
            self.step_prompt_tokens = n_batch if self.gpu_layers else CPU_STEP_PROMPT_TOKENS
            cparams.n_ctx = n_ctx + self.batch_cells
            cparams.n_batch = n_batch
            cparams.n_ubatch = n_batch
            cparams.n_threads = threads
            cparams.n_threads_batch = threads
            cparams.no_perf = True
            # Unified, so every sequence draws on one pool of cells and copying a prefix shares its cells.
            self.slot_seqs = list(range(1 + PREFIX_SEQS, 1 + PREFIX_SEQS + max(self.batch_sequences,
                                                                              VARIANT_SEQUENCES - 1)))
            cparams.n_seq_max = self.slot_seqs[-1] + 1
            cparams.kv_unified = True
            # Lets interrupt() stop a long prompt evaluation inside llama_decode.
            self._abort_cb = _c_abort_callback()
            cparams.abort_callback = self._abort_cb
            cparams.abort_callback_data = ctypes.cast(self._abort_flag, ctypes.c_void_p)
            ctx = C.llama_init_from_model(self.model, cparams)
            if not ctx:
                raise RuntimeError_(f"llama.cpp could not create a context for {self.path.name}: {log_tail(3)}")
            self.ctx = ctx
            # Registered before llama_free so the pool outlives the context (ExitStack unwinds in reverse).
            pool_stack = ExitStack()
            self._stack.callback(pool_stack.close)
            self._stack.callback(C.llama_free, ctx)
            self._stack.callback(self._detach_adapters)
            self.threadpool = _attach_cpu_threadpool(ctx, threads, pool_stack)
            self.n_ctx = C.llama_n_ctx(ctx) - self.batch_cells
            self.n_batch = n_batch
            self.mem = C.llama_get_memory(ctx)
        except BaseException:
            self._stack.close()
            raise
        self.n_threads = threads
        self.cached: list[int] = []  # the interactive sequence's tokens
        # Task prefixes evaluated once and copied into each batch slot: sequence id -> tokens, oldest first.
        self.prefixes: dict[int, list[int]] = {}
        self.batch_active = False  # while a batch runs, only the interactive sequence may be cleared
        self._one = (C.llama_token * 1)()
        self._piece = ctypes.create_string_buffer(256)
        self.chat_template = self.meta("tokenizer.chat_template")
        self.bos_text = self.token_text(C.llama_vocab_bos(self.vocab))
        self.eos_text = self.token_text(C.llama_vocab_eos(self.vocab))
        self.score_start = self._score_start()

    def _score_start(self) -> list[int]:
        """What a text is scored after, so that its first token is scored too: nothing for a model
        whose tokenizer adds a BOS itself (Gemma, Llama), else the token its pretraining put between
        documents (SmolLM2, Qwen: "<|endoftext|>"), else its end-of-sequence token. Scored from no
        token at all (the first token counted for nothing), SmolLM2 preferred "In sure the
        temparture was high" to "I'm sure" by 10 nats and "She go to school." to "She goes" by 0.6;
        from "<|endoftext|>" it prefers the right ones by 12 and 8.6, as Gemma (with its BOS) does."""
        if C.llama_vocab_get_add_bos(self.vocab):
            return []
        for name in DOCUMENT_SEPARATORS:
            found = self.tokenize(name, add_special=False, parse_special=True)
            if len(found) == 1 and self.token_text(found[0]) == name:
                return found
        eos = C.llama_vocab_eos(self.vocab)
        return [eos] if eos >= 0 else []

    def score_tokens(self, text: str) -> list[int]:
        """``text``'s tokens for scoring (token_logprobs_many, variant_gains): every token of the text
        is then predicted from what comes before it (score_start)."""
        return self.score_start + self.tokenize(text, add_special=True)

    # loading ----------------------------------------------------------------------
    def _load_model(self, n_gpu_layers: int, on_progress: Callable[[float], bool] | None):
        params = C.llama_model_default_params()
        if on_progress is not None:
            # Keep a reference: ctypes frees the trampoline when the object dies.
            self._progress_cb = C.llama_progress_callback(lambda p, _u: bool(on_progress(float(p))))
            params.progress_callback = self._progress_cb
        want_gpu = self.backend != "CPU" and n_gpu_layers != 0
        params.n_gpu_layers = (n_gpu_layers if n_gpu_layers >= 0 else 10_000) if want_gpu else 0
        path = str(self.path).encode()
        model = C.llama_model_load_from_file(path, params)
        if not model and want_gpu:
            reason = log_tail(3) or "unknown error"
            self.fallback_message = f"Loading on {self.backend} failed ({reason}); running on the CPU instead."
            self.backend = "CPU"
            params.n_gpu_layers = 0
            model = C.llama_model_load_from_file(path, params)
        if not model:
            raise RuntimeError_(f"llama.cpp could not load {self.path.name}: {log_tail(3) or 'unknown error'}")
        self._stack.callback(C.llama_model_free, model)
        n_layer = C.llama_model_n_layer(model)
        self.gpu_layers = min(params.n_gpu_layers, n_layer + 1) if want_gpu and self.backend != "CPU" else 0
        if self.gpu_layers == 0:
            self.backend = "CPU" if not self.fallback_message else self.backend
        return model

    def kv_bytes_per_cell(self) -> int:
        """Bytes one token takes in the KV cache, as the library's memory estimate counts them."""
        key_length = self.meta(f"{self.meta('general.architecture')}.attention.key_length")
        head_dim = int(key_length or 0) or C.llama_model_n_embd(self.model) // (C.llama_model_n_head(self.model) or 1)
        return kv_bytes_per_token(C.llama_model_n_layer(self.model), C.llama_model_n_head_kv(self.model), head_dim)

    def _default_batch_sequences(self) -> int:
        """Measured with bench/bench_document.py on 2 CPU cores: 4 and 8 sequences decode at the same rate
        (compute-bound), so the CPU keeps 4 and the memory. A GPU is latency-bound: on an H200
        (bench_generation.py, 256 correction prompts, SmolLM2) 8, 32 and 64 sequences gave 3.4x, 4.6x
        and 5.5x over one prompt at a time, and the rewrite replay the same at 32 as at 64. 32 takes
        the most of that a laptop's GPU can hold: the batch's cells may take only a share of what is free."""
        if not self.gpu_layers:
            return CPU_BATCH_SEQUENCES
        low, high = GPU_BATCH_SEQUENCES
        free = gpu_memory()[1]
        per_sequence = CELLS_PER_BATCH_SEQUENCE * self.kv_bytes_per_cell()
        if free <= 0 or per_sequence <= 0:
            return low
        return max(low, min(high, int(free * GPU_BATCH_MEMORY_SHARE) // per_sequence))

    def meta(self, key: str) -> str | None:
        """A GGUF metadata value as text, or None when the file lacks the key."""
        buf = ctypes.create_string_buffer(1 << 16)
        n = C.llama_model_meta_val_str(self.model, key.encode(), buf, len(buf))
        if n < 0:
            return None
        if n >= len(buf):
            buf = ctypes.create_string_buffer(n + 1)
            C.llama_model_meta_val_str(self.model, key.encode(), buf, len(buf))
        return buf.value.decode("utf-8", errors="replace")

    def close(self) -> None:
        self._stack.close()
        self.adapters.clear()

    # tokens -----------------------------------------------------------------------
    def tokenize(self, text: str, add_special: bool = True, parse_special: bool = False) -> list[int]:
        data = text.encode("utf-8")
        cap = len(data) + 8
        arr = (C.llama_token * cap)()
        n = C.llama_tokenize(self.vocab, data, len(data), arr, cap, add_special, parse_special)
        if n < 0:
            cap = -n
            arr = (C.llama_token * cap)()
            n = C.llama_tokenize(self.vocab, data, len(data), arr, cap, add_special, parse_special)
        return list(arr[:n])

    def token_bytes(self, token: int, special: bool = False) -> bytes:
        n = C.llama_token_to_piece(self.vocab, token, self._piece, len(self._piece), 0, special)
        if n < 0:
            buf = ctypes.create_string_buffer(-n)
            n = C.llama_token_to_piece(self.vocab, token, buf, len(buf), 0, special)
            return buf.raw[:n]
        return self._piece.raw[:n]

    def token_text(self, token: int) -> str:
        if token < 0:
            return ""
        return self.token_bytes(token, special=True).decode("utf-8", errors="replace")

    def detokenize(self, tokens: list[int]) -> str:
        return b"".join(self.token_bytes(t) for t in tokens).decode("utf-8", errors="replace")

    # adapters ---------------------------------------------------------------------
    def set_adapters(self, adapters: list[tuple[str, float]]) -> None:
        """Attach LoRA adapters (path, scale) to the context; loaded once, switched without reloading."""
        if self.batch_active:
            raise RuntimeError_("the adapters cannot change while a batch is running")
        handles, scales = [], []
        for path, scale in adapters:
            if path not in self.adapters:
                handle = C.llama_adapter_lora_init(self.model, str(path).encode())
                if not handle:
                    raise RuntimeError_(f"llama.cpp refused adapter {Path(path).name}: {log_tail(2)}")
                self.adapters[path] = handle
                self._adapter_stack.callback(C.llama_adapter_lora_free, handle)
            handles.append(self.adapters[path])
            scales.append(scale)
        arr = (C.llama_adapter_lora_p_ctypes * max(1, len(handles)))(*handles)
        sc = (ctypes.c_float * max(1, len(scales)))(*scales)
        C.llama_set_adapters_lora(self.ctx, arr if handles else None, len(handles), sc if scales else None)
        # Cached KV entries were computed with the old adapters.
        self.reset_cache()

    def _detach_adapters(self) -> None:
        if self.adapters:
            C.llama_set_adapters_lora(self.ctx, None, 0, None)

    # evaluation -------------------------------------------------------------------
    def interrupt(self) -> None:
        """Thread-safe: make the llama_decode in progress return early (it then reports cancelled)."""
        _interrupted_at[0] = time.monotonic()
        self._abort_flag[0] = b"x"

    def reset_cache(self) -> None:
        """Forget the interactive sequence; outside a batch, forget everything (stored prefixes too)."""
        if self.batch_active:
            C.llama_memory_seq_rm(self.mem, INTERACTIVE_SEQ, -1, -1)
        else:
            C.llama_memory_clear(self.mem, True)
            self.prefixes.clear()
        self.cached = []

    def free_seq(self, seq_id: int) -> None:
        C.llama_memory_seq_rm(self.mem, seq_id, -1, -1)

    def _decode(self, tokens: list[int], should_stop: Callable[[], bool] | None) -> None:
        for start in range(0, len(tokens), self.n_batch):
            if should_stop is not None and should_stop():
                raise Cancelled()
            chunk = tokens[start : start + self.n_batch]
            arr = (C.llama_token * len(chunk))(*chunk)
            rc = C.llama_decode(self.ctx, C.llama_batch_get_one(arr, len(chunk)))
            if rc != 0:
                # Whatever made it into the cache is unknown now; start clean next time.
                self.reset_cache()
                if self._abort_flag[0] != b"\0" or (should_stop is not None and should_stop()):
                    raise Cancelled()
                raise RuntimeError_(f"llama.cpp failed to evaluate the prompt (code {rc}): {log_tail(2)}")
            self.cached.extend(chunk)

    def _prepare(self, tokens: list[int], should_stop: Callable[[], bool] | None) -> int:
        """Bring the KV cache to ``tokens``; return how many were reused from the last request."""
        n = 0
        limit = min(len(tokens), len(self.cached))
        while n < limit and tokens[n] == self.cached[n]:
            n += 1
        if n == len(tokens):
            n -= 1  # the last prompt token must be evaluated again to produce logits
        if n < len(self.cached):
            if n <= 0 or not C.llama_memory_seq_rm(self.mem, 0, n, -1):
                self.reset_cache()
                n = 0
            else:
                del self.cached[n:]
        self._decode(tokens[n:], should_stop)
        return n

    def _scoring_seqs(self) -> list[int]:
        """Sequence ids scoring may use: the interactive one, and the batch slots when no batch holds them."""
        return [INTERACTIVE_SEQ] + ([] if self.batch_active else self.slot_seqs[: SCORE_SEQUENCES - 1])

    def _decode_side_by_side(self, batch, sequences: list[list[int]], seq_ids: list[int], keep: bool = False):
        """Evaluate ``sequences`` in one llama_decode, one of ``seq_ids`` each, positions from 0, every
        position an output; their logits (tokens x vocab, in batch order), valid until the next decode.
        The sequences are removed from the cache afterwards (their positions were set by hand)."""
        self.free_seq(INTERACTIVE_SEQ)
        self.cached = []
        k = 0
        for seq_id, seq in zip(seq_ids, sequences, strict=False):
            for pos, tok in enumerate(seq):
                batch.token[k], batch.pos[k], batch.n_seq_id[k] = tok, pos, 1
                batch.seq_id[k][0] = seq_id
                batch.logits[k] = True
                k += 1
        batch.n_tokens = k
        rc = C.llama_decode(self.ctx, batch)
        if not keep or rc != 0:
            for seq_id in seq_ids[: len(sequences)]:
                self.free_seq(seq_id)
        if rc != 0:
            raise RuntimeError_(f"llama.cpp failed to score the text (code {rc})")
        return np.ctypeslib.as_array(C.llama_get_logits(self.ctx), shape=(k, C.llama_vocab_n_tokens(self.vocab)))

    def logits(self, tokens: list[int]):
        """The logits after every token (n x vocab, float32) from one forward pass over ``tokens``.

        Forgets the interactive sequence's cache, since it evaluates with every position as an output.
        """
        if not tokens:
            return np.zeros((0, C.llama_vocab_n_tokens(self.vocab)), np.float32)
        if len(tokens) > min(self.n_ctx, self.n_batch):
            raise RuntimeError_(f"text too long to score ({len(tokens)} tokens)")
        batch = C.llama_batch_init(len(tokens), 0, 1)
        try:
            return self._decode_side_by_side(batch, [tokens], [INTERACTIVE_SEQ]).copy()
        finally:
            C.llama_batch_free(batch)

    def token_logprobs(self, tokens: list[int]) -> list[float]:
        """Log-probability of each token after the first, given the ones before it (one forward pass).

        Used to ask the model which of two spellings of a sentence it finds more likely.
        """
        return self.token_logprobs_many([tokens])[0]

    def token_logprobs_many(self, sequences: list[list[int]]) -> list[list[float]]:
        """``token_logprobs`` of several texts, packed side by side into one batch (a sequence id each)
        as far as the batch and the free sequence ids allow: the candidates of a sentence are scored in
        one forward pass instead of one pass each. Forgets the interactive sequence's cache."""
        limit = min(self.n_ctx, self.n_batch)
        for seq in sequences:
            if len(seq) > limit:
                raise RuntimeError_(f"text too long to score ({len(seq)} tokens)")
        out: list[list[float]] = [[] for _ in sequences]
        todo = [i for i, seq in enumerate(sequences) if len(seq) >= 2]
        seq_ids = self._scoring_seqs()
        batch = C.llama_batch_init(self.n_batch, 0, 1)
        try:
            while todo:
                group, n = [], 0
                while todo and len(group) < len(seq_ids) and n + len(sequences[todo[0]]) <= self.n_batch:
                    n += len(sequences[todo[0]])
                    group.append(todo.pop(0))
                logits = self._decode_side_by_side(batch, [sequences[i] for i in group], seq_ids)
                start = 0
                for idx in group:
                    seq = sequences[idx]
                    rows = _log_softmax(logits[start : start + len(seq) - 1])
                    out[idx] = rows[np.arange(len(seq) - 1), seq[1:]].tolist()
                    start += len(seq)
        finally:
            C.llama_batch_free(batch)
        return out

    def variant_gains(self, base: list[int], variants: list[list[int]], window: int | None = None
                      ) -> list[float]:
        """How much more likely each variant of ``base`` is than ``base`` (nats), where variants differ
        from it in one stretch: the base is decoded once, each variant only from where it leaves the
        shared prefix (its cache copied from the base's), and both are compared over the changed stretch
        and the next ``window`` tokens they share (None: to the end). Exact with window None; a short
        window trades the change's effect far down the sentence for speed. Forgets the interactive
        sequence's cache."""
        limit = min(self.n_ctx, self.n_batch)
        if len(base) < 2 or len(base) > limit or any(len(v) > limit or len(v) < 2 for v in variants):
            raise RuntimeError_("text too short or too long to score")
        n_vocab = C.llama_vocab_n_tokens(self.vocab)
        batch = C.llama_batch_init(self.n_batch, 0, 1)
        gains: list[float] = []
        try:
            # A copy: the next decode overwrites llama.cpp's logits, and a variant's first new token is
            # predicted by the base's row before it.
            rows = _log_softmax(self._decode_side_by_side(batch, [base], [INTERACTIVE_SEQ], keep=True))
            base_lp = np.concatenate([[0.0], rows[np.arange(len(base) - 1), base[1:]]])
            spans = []  # (first position decoded, end of the variant's stretch, end of the base's)
            for v in variants:
                lcp, lcs = common_ends(base, v)
                keep = lcs if window is None else min(lcs, window)
                # From the first differing token on the variant needs its own rows; the token there is
                # predicted by the base's row before it (the same prefix), unless the very first differs.
                spans.append((lcp, max(len(v) - lcs + keep, 2), max(len(base) - lcs + keep, 2)))
            seq_ids = [] if self.batch_active else self.slot_seqs[: VARIANT_SEQUENCES - 1]
            if not seq_ids:
                raise RuntimeError_("no free sequence to score variants while a batch runs")
            todo = list(range(len(variants)))
            gains = [0.0] * len(variants)
            while todo:
                group, k = [], 0
                while todo and len(group) < len(seq_ids):
                    lcp, stop, _ = spans[todo[0]]
                    size = max(stop - 1 - lcp, 0)
                    if group and k + size > self.n_batch:
                        break
                    sid, idx = seq_ids[len(group)], todo.pop(0)
                    group.append(idx)
                    if lcp:
                        C.llama_memory_seq_cp(self.mem, INTERACTIVE_SEQ, sid, 0, lcp)
                    for pos in range(lcp, stop - 1):
                        batch.token[k], batch.pos[k], batch.n_seq_id[k] = variants[idx][pos], pos, 1
                        batch.seq_id[k][0] = sid
                        batch.logits[k] = True
                        k += 1
                batch.n_tokens = k
                rc = C.llama_decode(self.ctx, batch) if k else 0
                for sid in seq_ids[: len(group)]:
                    self.free_seq(sid)
                if rc != 0:
                    raise RuntimeError_(f"llama.cpp failed to score the text (code {rc})")
                out = np.ctypeslib.as_array(C.llama_get_logits(self.ctx), shape=(k, n_vocab)) if k else None
                at = 0
                for idx in group:
                    lcp, stop, base_stop = spans[idx]
                    v = variants[idx]
                    first = max(lcp, 1)  # the first token is never scored
                    total = float(rows[lcp - 1, v[lcp]]) if lcp and lcp < stop else 0.0
                    n = max(stop - 1 - lcp, 0)
                    if n:
                        total += float(_log_softmax(out[at : at + n])[np.arange(n), v[lcp + 1 : stop]].sum())
                        at += n
                    gains[idx] = total - float(base_lp[first:base_stop].sum())
        finally:
            self.free_seq(INTERACTIVE_SEQ)
            self.cached = []
            C.llama_batch_free(batch)
        return gains

    def _sampler(self, params: SamplingParams) -> TokenSampler:
        return TokenSampler(self, params)

    def generate(
        self,
        prompt_tokens: list[int],
        params: SamplingParams,
        on_text: Callable[[str], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> GenerationResult:
        """Evaluate the prompt (reusing the cached prefix) and stream up to max_tokens of text."""
        if not prompt_tokens:
            raise RuntimeError_("empty prompt")
        budget = self.n_ctx - len(prompt_tokens)
        if budget <= 0:
            raise RuntimeError_(
                f"the prompt has {len(prompt_tokens)} tokens; this model's context holds {self.n_ctx}")
        max_tokens = min(params.max_tokens, budget)
        self._abort_flag[0] = b"\0"
        t0 = time.perf_counter()
        try:
            reused = self._prepare(prompt_tokens, should_stop)
        except Cancelled:
            return GenerationResult.cancelled(len(prompt_tokens), time.perf_counter() - t0)
        t1 = time.perf_counter()
        sampler = self._sampler(params)
        out = TextOut(params.stop, on_text)
        vocab, ctx, one = self.vocab, self.ctx, self._one
        batch = C.llama_batch_get_one(one, 1)
        is_eog, sample, decode = C.llama_vocab_is_eog, sampler.sample, C.llama_decode
        n_gen, first, finish = 0, 0.0, "length"
        try:
            while n_gen < max_tokens:
                if should_stop is not None and should_stop():
                    finish = "cancelled"
                    break
                tok = sample(-1)
                if is_eog(vocab, tok):
                    finish = "stop"
                    break
                n_gen += 1
                if n_gen == 1:
                    first = time.perf_counter() - t0
                if out.feed(self.token_bytes(tok)):
                    finish = "stop"
                    break
                one[0] = tok
                rc = decode(ctx, batch)
                if rc != 0:
                    self.reset_cache()
                    if self._abort_flag[0] != b"\0" or (should_stop is not None and should_stop()):
                        finish = "cancelled"
                        break
                    raise RuntimeError_(f"llama.cpp failed while generating (code {rc}): {log_tail(2)}")
                self.cached.append(tok)
        finally:
            sampler.free()
        if finish != "cancelled":
            out.close()
        t2 = time.perf_counter()
        return GenerationResult(out.text, len(prompt_tokens), reused, n_gen, t1 - t0, t2 - t1, first, finish)
