"""Crash-safe writes keep what is attached to the file: a symlink stays a link, mode, owner and
extended attributes (where POSIX ACLs live) survive the rename."""

from __future__ import annotations

import os
import stat

import pytest

from assistant.atomic import atomic_write_text
from assistant.document_io import Document, save_document


def test_saving_through_a_symlink_keeps_the_link(tmp_path):
    real = tmp_path / "notes" / "draft.md"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "draft-link.md"
    link.symlink_to(real)
    save_document(link, Document("new text"))
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new text"
    assert not any(p.name.endswith(".tmp") for p in real.parent.iterdir())


def test_a_relative_symlink_chain_is_followed(tmp_path):
    (tmp_path / "a").mkdir()
    target = tmp_path / "a" / "file.txt"
    target.write_text("x")
    (tmp_path / "mid").symlink_to("a/file.txt")
    (tmp_path / "top").symlink_to("mid")
    atomic_write_text(tmp_path / "top", "y")
    assert (tmp_path / "top").is_symlink() and (tmp_path / "mid").is_symlink()
    assert target.read_text() == "y"


def test_mode_and_extended_attributes_survive(tmp_path):
    path = tmp_path / "shared.txt"
    path.write_text("old")
    os.chmod(path, 0o640)
    if not hasattr(os, "setxattr"):
        pytest.fail("this platform has no xattr API; the test needs Linux")
    os.setxattr(path, "user.origin", b"writing-assistant-test")
    atomic_write_text(path, "new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.getxattr(path, "user.origin") == b"writing-assistant-test"
    assert path.read_text() == "new"


def test_owner_is_kept_when_the_writer_may_keep_it(tmp_path):
    path = tmp_path / "owned.txt"
    path.write_text("old")
    if os.geteuid() == 0:
        os.chown(path, 4242, 4343)  # as root: another user's file, as an admin editing it would meet
    before = path.stat()
    atomic_write_text(path, "new")
    after = path.stat()
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
