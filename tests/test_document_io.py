"""Opening and saving documents: encodings, line endings, atomic saves."""

from __future__ import annotations

import os

import pytest

from assistant import atomic
from assistant.document_io import Document, DocumentError, EncodingNeeded, read_document, save_document


def test_utf8_round_trip(tmp_path):
    p = tmp_path / "a.md"
    text = "# Titre\n\nÇa va ? 日本語 — émoji 🎉\n"
    save_document(p, Document(text))
    doc = read_document(p)
    assert doc.text == text and doc.encoding == "utf-8" and doc.newline == "\n"


def test_crlf_is_preserved(tmp_path):
    p = tmp_path / "w.txt"
    p.write_bytes(b"one\r\ntwo\r\n")
    doc = read_document(p)
    assert doc.text == "one\ntwo\n" and doc.newline == "\r\n"
    doc.text += "three\n"
    save_document(p, doc)
    assert p.read_bytes() == b"one\r\ntwo\r\nthree\r\n"


def test_bom_files(tmp_path):
    p = tmp_path / "bom.txt"
    p.write_bytes("\ufeffhello".encode("utf-8"))
    assert read_document(p).text == "hello"
    p.write_bytes("héllo".encode("utf-16"))
    assert read_document(p).text == "héllo"


def test_non_utf8_asks_instead_of_guessing(tmp_path):
    p = tmp_path / "latin.txt"
    p.write_bytes("Café crème à la française".encode("cp1252"))
    with pytest.raises(EncodingNeeded) as err:
        read_document(p)
    assert "cp1252" in err.value.candidates
    assert err.value.candidates["cp1252"].startswith("Café")
    doc = read_document(p, "cp1252")
    assert doc.text == "Café crème à la française" and doc.encoding == "cp1252"
    save_document(p, doc)
    assert p.read_bytes() == "Café crème à la française".encode("cp1252")


def test_binary_file_refused(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(DocumentError, match="binary"):
        read_document(p)


def test_unencodable_text_refused_and_file_untouched(tmp_path):
    p = tmp_path / "c.txt"
    p.write_bytes(b"old")
    with pytest.raises(DocumentError, match="cannot store"):
        save_document(p, Document("日本語", encoding="cp1252"))
    assert p.read_bytes() == b"old"


def test_full_disk_keeps_the_old_file(tmp_path, monkeypatch):
    """FAKE full disk: fsync raising ENOSPC stands in for a disk that fills during the write."""
    p = tmp_path / "doc.txt"
    p.write_text("the saved version")

    def fake_full_disk(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", fake_full_disk)
    with pytest.raises(DocumentError, match="No space left"):
        save_document(p, Document("a new version"))
    assert p.read_text() == "the saved version"
    assert os.listdir(tmp_path) == ["doc.txt"]


def test_missing_file_message(tmp_path):
    with pytest.raises(DocumentError, match="cannot open"):
        read_document(tmp_path / "nope.txt")
