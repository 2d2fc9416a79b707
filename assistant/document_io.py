"""Reading and saving documents without ever losing or garbling text.

UTF-8 is the default. A file that is not valid UTF-8 is never decoded silently with a
guess: EncodingNeeded carries a few candidate decodings for the user to choose from.
Saves are atomic, so a crash or a full disk leaves the previous file intact.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from assistant.atomic import atomic_write_bytes

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
CANDIDATE_ENCODINGS = ("cp1252", "latin-1", "utf-16", "shift_jis", "gb18030", "koi8-r")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class DocumentError(ValueError):
    """The document cannot be opened or saved; the message is meant for the user."""


class EncodingNeeded(DocumentError):
    """The file is not UTF-8; ``candidates`` maps encodings that decode it to a preview."""

    def __init__(self, path: Path, candidates: dict[str, str]) -> None:
        self.path = path
        self.candidates = candidates
        super().__init__(f"{path.name} is not valid UTF-8; choose its encoding")


@dataclass
class Document:
    text: str
    encoding: str = "utf-8"
    newline: str = "\n"


def _detect_newline(text: str) -> str:
    if "\r\n" in text:
        return "\r\n"
    if "\r" in text:
        return "\r"
    return "\n"


def decode_bytes(data: bytes, encoding: str | None = None, path: Path | None = None) -> Document:
    path = path or Path("document")
    if encoding is None:
        for bom, enc in _BOMS:
            if data.startswith(bom):
                encoding = enc
                break
    if encoding is None:
        if b"\x00" in data[:8192]:
            raise DocumentError(f"{path.name} looks like a binary file, not text")
        try:
            text = data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            previews = {}
            for enc in CANDIDATE_ENCODINGS:
                try:
                    previews[enc] = data[:400].decode(enc)[:120]
                except (UnicodeDecodeError, LookupError):
                    continue
            raise EncodingNeeded(path, previews) from None
    else:
        try:
            text = data.decode(encoding)
        except LookupError as exc:
            raise DocumentError(f"unknown encoding {encoding!r}") from exc
        except UnicodeDecodeError as exc:
            raise DocumentError(f"{path.name} is not valid {encoding} (byte {exc.start})") from exc
    newline = _detect_newline(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Document(text, encoding, newline)


def read_document(path: str | Path, encoding: str | None = None) -> Document:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise DocumentError(f"{path.name} is {size // (1024 * 1024)} MB; the limit is 64 MB")
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot open {path.name}: {exc.strerror or exc}") from exc
    return decode_bytes(data, encoding, path)


def save_document(path: str | Path, doc: Document) -> None:
    path = Path(path)
    text = doc.text.replace("\n", doc.newline) if doc.newline != "\n" else doc.text
    try:
        data = text.encode(doc.encoding)
    except (UnicodeEncodeError, LookupError) as exc:
        raise DocumentError(
            f"the text has characters that {doc.encoding} cannot store; save as UTF-8 instead") from exc
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise DocumentError(f"could not save {path.name}: {exc.strerror or exc}; the text is still open") from exc
