"""A model folder's tokenizer as llama.cpp's vocabulary: SentencePiece or byte-level BPE.

SentencePiece models (``tokenizer.model``: Llama 2, Mistral, Gemma) are read with the
``sentencepiece`` library: pieces, scores and types as the model defines them. Byte-level
BPE (``tokenizer.json``: Llama 3, Qwen, SmolLM) is read as JSON: vocabulary, merges and the
pre-tokenizer, which llama.cpp must be told by name; the name comes from a table of known
pre-tokenizers (resources/pretokenizers.json) so an unknown one is refused, never guessed.
Special tokens, add_bos/add_eos and the chat template come from gguf's SpecialVocab, which
reads tokenizer_config.json the way the upstream converter does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from assistant.convert.hf_folder import ConversionError, read_json
from assistant.paths import resource

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6  # gguf.TokenType
# Text llama.cpp tokenizes byte for byte; a tokenizer that rewrites it (NFKC, collapsed spaces)
# would give different ids in the app than in training.
_ROUND_TRIP_PROBE = "Ｆｕｌｌ  width\tand ﬁ ligature, café, 東京, 🙂\n  x"


@dataclass
class Vocab:
    model: str  # tokenizer.ggml.model: "llama" (SentencePiece) or "gpt2" (byte-level BPE)
    pre: str  # tokenizer.ggml.pre
    tokens: list[bytes]
    types: list[int]
    scores: list[float] | None = None
    add_space_prefix: bool | None = None
    defaults: dict[str, int] = field(default_factory=dict)  # special ids the tokenizer itself names

    def pad_to(self, rows: int) -> None:
        """Fill up to the embedding's rows, as the upstream converter does ([PADn], unused)."""
        if len(self.tokens) > rows:
            raise ConversionError(f"the tokenizer has {len(self.tokens)} tokens but the model's embedding only "
                                  f"{rows} rows (a tokenizer from another model?)")
        for i in range(len(self.tokens), rows):
            self.tokens.append(f"[PAD{i}]".encode())
            self.types.append(UNUSED)
            if self.scores is not None:
                self.scores.append(-1000.0)


def _added_tokens(folder: Path) -> dict[int, tuple[str, bool]]:
    """Tokens tokenizer_config.json declares: id -> (text, special)."""
    cfg = read_json(folder, "tokenizer_config.json") or {}
    out: dict[int, tuple[str, bool]] = {}
    decoder = cfg.get("added_tokens_decoder")
    if isinstance(decoder, dict):
        for key, item in decoder.items():
            if isinstance(item, dict) and isinstance(item.get("content"), str) and str(key).isdigit():
                out[int(key)] = (item["content"], bool(item.get("special")))
    return out


def _varints(data: bytes):
    """(field, wire type, value) of one protobuf message; values of length-delimited fields as bytes."""
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        fnum, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            n, i = _varint(data, i)
            value, i = data[i:i + n], i + n
        elif wire in (1, 5):
            value, i = data[i:i + (8 if wire == 1 else 4)], i + (8 if wire == 1 else 4)
        else:
            raise ValueError("unsupported wire type")
        yield fnum, wire, value


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        if i >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        b = data[i]
        value |= (b & 0x7F) << shift
        i, shift = i + 1, shift + 7
        if not b & 0x80:
            return value, i


def sentencepiece_model_type(proto: bytes) -> int:
    """TrainerSpec.model_type (1 unigram, 2 BPE, 3 word, 4 char), read without the protobuf package."""
    for fnum, wire, value in _varints(proto):
        if fnum == 2 and wire == 2:  # ModelProto.trainer_spec
            for f, w, v in _varints(value):
                if f == 3 and w == 0:
                    return v
            return 1
    return 1  # proto2 default: UNIGRAM


def read_sentencepiece(folder: Path) -> Vocab:
    try:
        return _read_sentencepiece(folder)
    except (UnicodeDecodeError, RuntimeError, ValueError, IndexError) as exc:
        if isinstance(exc, ConversionError):
            raise
        # A damaged model can load yet hold pieces that are not UTF-8 or ids out of range.
        raise ConversionError(f"tokenizer.model is damaged ({exc.__class__.__name__})") from exc


def _read_sentencepiece(folder: Path) -> Vocab:
    from sentencepiece import SentencePieceProcessor

    path = folder / "tokenizer.model"
    sp = SentencePieceProcessor()
    try:
        proto = path.read_bytes()
        sp.LoadFromSerializedProto(proto)
        model_type = sentencepiece_model_type(proto)
    except (OSError, RuntimeError, ValueError) as exc:
        raise ConversionError(f"tokenizer.model is not a SentencePiece model ({exc.__class__.__name__})") from exc
    if model_type != 2:
        kind = {1: "unigram", 3: "word", 4: "char"}.get(model_type, str(model_type))
        raise ConversionError(f"tokenizer.model is a {kind} SentencePiece model; llama.cpp tokenizes these families "
                              "with SentencePiece BPE, so the tokens would differ")
    if sp.vocab_size() == 0:
        raise ConversionError("tokenizer.model holds no pieces")
    byte_pieces = sum(1 for i in range(sp.vocab_size()) if sp.IsByte(i))
    if byte_pieces != 256:
        raise ConversionError("tokenizer.model has no byte-fallback pieces; llama.cpp would fail on any character "
                              "outside its vocabulary")
    if sp.DecodeIds(sp.EncodeAsIds(_ROUND_TRIP_PROBE)) not in (_ROUND_TRIP_PROBE, _ROUND_TRIP_PROBE.lstrip()):
        raise ConversionError("tokenizer.model normalises text (e.g. NFKC or collapsing spaces), which llama.cpp's "
                              "tokenizer does not do; the converted model would see different tokens")
    tokens, scores, types = [], [], []
    for i in range(sp.vocab_size()):
        tokens.append(sp.IdToPiece(i).encode("utf-8"))
        scores.append(float(sp.GetScore(i)))
        kind = NORMAL
        if sp.IsUnknown(i):
            kind = UNKNOWN
        elif sp.IsControl(i):
            kind = CONTROL
        elif sp.IsUnused(i):
            kind = UNUSED
        elif sp.IsByte(i):
            kind = BYTE
        types.append(kind)
    for tid, (text, special) in sorted(_added_tokens(folder).items()):
        if tid < len(tokens):
            if tokens[tid] != text.encode("utf-8") and types[tid] not in (UNUSED, CONTROL, USER_DEFINED):
                continue  # a declared token that is not the piece at that id: keep the model's own piece
            tokens[tid] = text.encode("utf-8")
            types[tid] = CONTROL if special else USER_DEFINED
        elif tid == len(tokens):
            tokens.append(text.encode("utf-8"))
            scores.append(-1000.0)
            types.append(CONTROL if special else USER_DEFINED)
        else:
            raise ConversionError(f"tokenizer_config.json adds token {tid}, leaving a gap after {len(tokens) - 1}")
    dummy_prefix = sp.EncodeAsPieces("x")[0].startswith("\u2581")
    defaults = {k: v for k, v in (("bos", sp.bos_id()), ("eos", sp.eos_id()), ("unk", sp.unk_id()),
                                  ("pad", sp.pad_id())) if v >= 0}
    return Vocab("llama", "default", tokens, types, scores, dummy_prefix, defaults)


@cache
def _known_pretokenizers() -> dict:
    return json.loads(resource("pretokenizers.json").read_text("utf-8"))


def _steps(pre: dict | None) -> list[list]:
    """A pre_tokenizer reduced to what decides the splitting."""
    if not isinstance(pre, dict):
        return []
    kind = pre.get("type")
    if kind == "Sequence":
        return [s for p in pre.get("pretokenizers") or [] for s in _steps(p)]
    if kind == "Split":
        pattern = pre.get("pattern") or {}
        if pre.get("behavior") != "Isolated" or pre.get("invert") or "Regex" not in pattern:
            return [["Split?", json.dumps(pre, sort_keys=True)]]
        return [["Split", pattern["Regex"]]]
    if kind == "ByteLevel":
        if pre.get("add_prefix_space"):
            return [["ByteLevel+prefix", bool(pre.get("use_regex", True))]]
        return [["ByteLevel", bool(pre.get("use_regex", True))]]
    if kind == "Digits":
        return [["Digits", bool(pre.get("individual_digits"))]]
    return [[str(kind), json.dumps(pre, sort_keys=True)]]


def pretokenizer_name(tokenizer: dict) -> str:
    table = _known_pretokenizers()
    normalizer = tokenizer.get("normalizer")
    norm = normalizer.get("type") if isinstance(normalizer, dict) else normalizer
    if norm not in table["normalizers"]:
        raise ConversionError(f"tokenizer.json normalises text with {norm!r}, which llama.cpp cannot reproduce")
    steps = _steps(tokenizer.get("pre_tokenizer"))
    for row in table["known"]:
        if row["steps"] == steps:
            return row["pre"]
    what = " + ".join(s[0] for s in steps) or "none"
    raise ConversionError(f"tokenizer.json splits text with a pre-tokenizer llama.cpp does not know ({what}); "
                          "converting it would tokenize text differently from the model's training")


def read_bpe(folder: Path) -> Vocab:
    tok = read_json(folder, "tokenizer.json") or {}
    model = tok.get("model") if isinstance(tok.get("model"), dict) else {}
    if model.get("type") != "BPE":
        raise ConversionError(f"tokenizer.json holds a {model.get('type') or 'unknown'} tokenizer; only byte-level "
                              "BPE (tokenizer.json) and SentencePiece (tokenizer.model) can be converted")
    if model.get("byte_fallback"):
        raise ConversionError("tokenizer.json is a SentencePiece-style BPE; include the model's tokenizer.model")
    decoder = tok.get("decoder") if isinstance(tok.get("decoder"), dict) else {}
    if decoder.get("type") != "ByteLevel":
        raise ConversionError("tokenizer.json is not a byte-level BPE (its decoder is not ByteLevel)")
    pre = pretokenizer_name(tok)
    vocab = model.get("vocab")
    if not isinstance(vocab, dict) or not vocab:
        raise ConversionError("tokenizer.json has no vocabulary")
    by_id: dict[int, tuple[str, int]] = {}
    for text, tid in vocab.items():
        if not isinstance(tid, int) or isinstance(tid, bool) or tid < 0:
            raise ConversionError(f"tokenizer.json: token {text!r} has an invalid id {tid!r}")
        by_id[tid] = (text, NORMAL)
    for item in tok.get("added_tokens") or []:
        if isinstance(item, dict) and isinstance(item.get("id"), int) and isinstance(item.get("content"), str):
            by_id[item["id"]] = (item["content"], CONTROL if item.get("special") else USER_DEFINED)
    n = max(by_id) + 1
    if n > 4 * len(by_id) + 1024:
        raise ConversionError("tokenizer.json: token ids are far larger than the vocabulary (damaged file?)")
    tokens = [by_id.get(i, (f"[PAD{i}]", UNUSED))[0].encode("utf-8") for i in range(n)]
    types = [by_id.get(i, ("", UNUSED))[1] for i in range(n)]
    return Vocab("gpt2", pre, tokens, types)


def read_vocab(folder: Path) -> Vocab:
    if (folder / "tokenizer.model").is_file():
        # add_space_prefix is read from the model itself (Gemma's says no), not assumed per family.
        return read_sentencepiece(folder)
    if (folder / "tokenizer.json").is_file():
        return read_bpe(folder)
    raise ConversionError(f"{folder.name} has no tokenizer (tokenizer.model or tokenizer.json)")
