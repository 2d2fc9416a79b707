"""The batch mechanics tests (tests/test_batch.py), run on whatever device llama.cpp offloads to.

    python bench/check_batch_on_device.py MODEL.gguf

CI has no GPU, so the multi-sequence tests only ever run on the CPU there. This runs the same test
functions, unchanged, on a backend with every layer offloaded (CUDA, Metal, ...) and prints each
one's outcome, plus the logit spread the first test measures on that device. Exit status 1 if any fails.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from assistant.backends.local import LocalBackend
from tests import test_batch as t

TESTS = [
    t.test_batched_logits_match_one_at_a_time_within_its_own_rounding,
    t.test_every_prompt_answered_in_order_and_every_slot_freed,
    t.test_a_grammar_and_a_stop_string_hold_in_every_sequence,
    t.test_cancel_one_sequence_and_cancel_all,
    t.test_prefix_is_stored_once_reused_across_jobs_and_dropped_when_it_no_longer_applies,
    t.test_scoring_between_steps_leaves_the_batch_intact,
]


def spread(backend: LocalBackend) -> tuple[float, float]:
    """Largest logit difference: cached-prefix vs whole pass, and batched vs cached-prefix (test 1's two figures)."""
    whole, sequential, batched = t.first_answer_logits(backend)
    noise = max(np.abs(s - w).max() for s, w in zip(sequential, whole, strict=True))
    gap = max(np.abs(batched[i] - s).max() for i, s in enumerate(sequential))
    return float(noise), float(gap)


def main() -> None:
    backend = LocalBackend(sys.argv[1], n_ctx=1024, batch_sequences=4)
    print(f"{backend.info.model_name} on {backend.info.backend}, {backend.info.gpu_layers} GPU layers")
    noise, gap = spread(backend)
    print(f"logit spread: cached prefix vs whole pass {noise:.4f}; batched vs cached prefix {gap:.4f}")
    failed = 0
    for test in TESTS:
        try:
            test(backend)
            print(f"PASS {test.__name__}")
        except Exception:  # each test's outcome is reported; the next one still runs
            failed += 1
            print(f"FAIL {test.__name__}\n{traceback.format_exc()}")
    backend.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
