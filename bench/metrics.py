"""Quality metrics for the benchmarks (not used by the app)."""

from __future__ import annotations

import math
import random
import re
from collections import Counter

_CLITIC = re.compile(r"(?i)(?<=[a-z])(n['’]t|['’](?:s|re|ve|ll|d|m))(?![a-z])")
_MARK = re.compile(r"(?<=\w)([,;:!?])$")
_ENTITY = re.compile(r"&\w+;$")  # "&raspsquo;", as JFLEG writes some quotes


def jfleg_tokens(text: str) -> str:
    """``text`` tokenised as JFLEG's sentences are (Penn Treebank style): "don't" → "do n't",
    "it's" → "it 's", "fine," → "fine ,", a final "." apart. The app writes what a writer would
    ("dont" → "don't"); compared as written, a right fix counts against it wherever the references
    read "do n't". Idempotent: JFLEG's own text is unchanged."""
    tokens = _CLITIC.sub(lambda m: " " + m.group(1).replace("’", "'"), text).split()
    tokens = [t if _ENTITY.search(t) else _MARK.sub(r" \1", t) for t in tokens]
    if tokens and len(tokens[-1]) > 1 and tokens[-1].endswith(".") and tokens[-1][-2].isalnum() \
            and "." not in tokens[-1][:-1]:
        tokens[-1] = tokens[-1][:-1] + " ."
    return " ".join(tokens)


def _ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) + 1 - n))


def _gleu_stats(hyp: list[str], src: list[str], ref: list[str], n_max: int = 4) -> list[int]:
    stats = [len(hyp), len(ref)]
    for n in range(1, n_max + 1):
        h, s, r = _ngrams(hyp, n), _ngrams(src, n), _ngrams(ref, n)
        s_not_r = s - r
        stats.append(max(sum((h & r).values()) - sum((h & s_not_r).values()), 0))
        stats.append(max(len(hyp) + 1 - n, 0))
    return stats


def _gleu(stats: list[int]) -> float:
    if any(x == 0 for x in stats):
        return 0.0
    c, r = stats[:2]
    log_prec = sum(math.log(x / y) for x, y in zip(stats[2::2], stats[3::2], strict=True)) / 4
    return math.exp(min(0.0, 1 - r / c) + log_prec)


def gleu(sources: list[str], hypotheses: list[str], references: list[list[str]], iterations: int = 200,
         seed: int = 0) -> float:
    """Corpus GLEU (Napoles et al. 2015, revised 2016; the JFLEG metric) on whitespace-tokenised text.

    As in the JFLEG scorer, one reference is drawn at random per sentence in each iteration
    and the corpus scores are averaged over iterations.
    """
    rng = random.Random(seed)
    src_t = [s.split() for s in sources]
    hyp_t = [h.split() for h in hypotheses]
    ref_t = [[r.split() for r in refs] for refs in references]
    per_ref = [[_gleu_stats(h, s, r) for r in refs] for h, s, refs in zip(hyp_t, src_t, ref_t, strict=True)]
    scores = []
    for _ in range(iterations):
        total = [0] * 10
        for options in per_ref:
            pick = options[rng.randrange(len(options))]
            total = [a + b for a, b in zip(total, pick, strict=True)]
        scores.append(_gleu(total))
    return 100 * sum(scores) / len(scores)


def rouge_l(hypothesis: str, reference: str) -> float:
    """ROUGE-L F1 (Lin 2004, beta = 1) on lowercased word tokens: the longest common subsequence."""
    h = re.findall(r"\w+", hypothesis.lower())
    r = re.findall(r"\w+", reference.lower())
    if not h or not r:
        return 0.0
    prev = [0] * (len(r) + 1)
    for hw in h:
        cur = [0]
        for j, rw in enumerate(r):
            cur.append(prev[j] + 1 if hw == rw else max(prev[j + 1], cur[j]))
        prev = cur
    lcs = prev[-1]
    if lcs == 0:
        return 0.0
    p, rec = lcs / len(h), lcs / len(r)
    return 2 * p * rec / (p + rec)


def change_is_confirmed(before: str, after: str, others: list[str]) -> bool:
    """Whether another human correction of the same sentence makes each change ``after`` makes.

    JFLEG's dev.ref0 is one annotator's correction and keeps some learner errors ("becuase",
    "i agree"); an edit there is not wrong when another annotator made it too. A change counts
    as confirmed when its new words, with one word either side, occur in one of ``others``
    (for a deletion, the two words that meet).
    """
    import difflib

    b, a = before.split(), after.split()
    refs = [r.split() for r in others]

    def occurs(window: list[str]) -> bool:
        n = len(window)
        return any(r[i : i + n] == window for r in refs for i in range(len(r) + 1 - n))

    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(a=b, b=a, autojunk=False).get_opcodes():
        if tag != "equal" and not occurs(a[max(j1 - 1, 0) : j2 + 1]):
            return False
    return True
