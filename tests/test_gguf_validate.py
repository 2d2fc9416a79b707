"""The validator must turn every malformed file into GGUFValidationError, never a crash or a hang."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.gguf_validate import GGUFValidationError, validate_gguf


@pytest.fixture(scope="module")
def header(smollm2: Path) -> bytes:
    # The header and tensor table of SmolLM2 end well inside the first 2 MB.
    with smollm2.open("rb") as fh:
        return fh.read(2 * 1024 * 1024)


def write(tmp_path: Path, data: bytes, name: str = "m.gguf") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_bundled_models_validate(smollm2, gemma):
    for path in (smollm2, gemma):
        s = validate_gguf(path)
        assert s.version == 3
        assert s.tensor_count > 100
        assert s.scalars["general.architecture"] in ("llama", "gemma3")
        assert s.data_offset < s.file_size


def test_wrong_magic(tmp_path):
    with pytest.raises(GGUFValidationError, match="magic"):
        validate_gguf(write(tmp_path, b"GGML" + b"\0" * 100))


def test_unsupported_version(tmp_path, header):
    data = header[:4] + struct.pack("<I", 99) + header[8:]
    with pytest.raises(GGUFValidationError, match="version 99"):
        validate_gguf(write(tmp_path, data))


def test_absurd_tensor_count(tmp_path, header):
    data = header[:8] + struct.pack("<Q", 2**62) + header[16:]
    with pytest.raises(GGUFValidationError, match="tensor count"):
        validate_gguf(write(tmp_path, data))


def test_absurd_string_length(tmp_path, header):
    # The first key's length field sits right after the two counts.
    data = header[:24] + struct.pack("<Q", 2**60) + header[32:]
    with pytest.raises(GGUFValidationError, match="limit|truncated"):
        validate_gguf(write(tmp_path, data))


def test_truncated_model_names_tensor_beyond_end(tmp_path, smollm2):
    with smollm2.open("rb") as fh:
        data = fh.read(smollm2.stat().st_size // 2)
    with pytest.raises(GGUFValidationError, match="beyond the end"):
        validate_gguf(write(tmp_path, data))


@pytest.mark.parametrize("cut", [3, 10, 30, 500, 5000, 200_000])
def test_truncated_header(tmp_path, header, cut):
    with pytest.raises(GGUFValidationError):
        validate_gguf(write(tmp_path, header[:cut]))


def test_empty_and_missing(tmp_path):
    with pytest.raises(GGUFValidationError, match="too small"):
        validate_gguf(write(tmp_path, b""))
    with pytest.raises(GGUFValidationError, match="cannot read"):
        validate_gguf(tmp_path / "absent.gguf")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=0, max_size=4096))
def test_random_bytes_rejected(tmp_path, data):
    with pytest.raises(GGUFValidationError):
        validate_gguf(write(tmp_path, b"GGUF" + data, "r.gguf"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.integers(0, 64 * 1024 - 1), st.integers(1, 255)), min_size=1, max_size=6))
def test_bit_flipped_header_never_crashes(tmp_path, header, flips):
    """A mutated header is either rejected with a message or still parses; nothing else may happen."""
    data = bytearray(header)
    for pos, mask in flips:
        data[pos] ^= mask
    path = write(tmp_path, bytes(data), "f.gguf")
    try:
        validate_gguf(path)
    except GGUFValidationError as exc:
        assert str(exc)


def test_garbage_weights_load_in_the_child_and_the_app_lives_on(tmp_path, smollm2):
    """Weights are not checked by llama.cpp: flipped bytes in tensor data load (in the child)."""
    from assistant.model_library import probe_load

    data = bytearray(smollm2.read_bytes())
    s = validate_gguf(smollm2)
    for i in range(0, 4096, 7):
        data[s.data_offset + 1000 + i] ^= 0xFF
    path = write(tmp_path, bytes(data), "garbage-weights.gguf")
    validate_gguf(path)
    probe_load(path)
    out = subprocess.run([sys.executable, "-c", "import llama_cpp; print('ok')"], capture_output=True, text=True)
    assert out.stdout.strip() == "ok"


def test_a_header_llama_cpp_refuses_is_caught_by_the_child(tmp_path, smollm2):
    """A valid header whose hyperparameters disagree with the tensors: our validator cannot know the
    architecture's shapes; llama.cpp refuses in the child, and the library says so."""
    from assistant.model_library import LibraryError, probe_load

    data = bytearray(smollm2.read_bytes())
    key = b"llama.embedding_length"
    at = data.index(key) + len(key)
    assert struct.unpack_from("<II", data, at) == (4, 576)  # type u32, value
    struct.pack_into("<I", data, at + 4, 640)
    path = write(tmp_path, bytes(data), "wrong-width.gguf")
    validate_gguf(path)
    with pytest.raises(LibraryError, match="cannot load wrong-width.gguf"):
        probe_load(path)
