"""Positions between Qt (UTF-16 code units) and Python strings (code points)."""

from __future__ import annotations


def utf16_len(text: str) -> int:
    """Qt counts positions in UTF-16 code units; Python in code points (they differ for emoji)."""
    return len(text.encode("utf-16-le")) // 2


def py_index(text: str, utf16_pos: int) -> int:
    """The Python index in ``text`` of a Qt (UTF-16) position."""
    if text.isascii() or utf16_len(text) == len(text):
        return utf16_pos
    return len(text.encode("utf-16-le")[: utf16_pos * 2].decode("utf-16-le", errors="ignore"))
