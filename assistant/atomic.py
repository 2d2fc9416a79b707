"""Crash-safe file writes: write a sibling temp file, flush, fsync, rename over the target.

The rename replaces a directory entry, so everything attached to the old file must be carried
over by hand: a symlink is followed (the file it points to is replaced, the link stays a link),
and the old file's mode, owner and extended attributes (where POSIX ACLs and macOS metadata
live) are copied onto the new one before it takes the old one's place.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _copy_metadata(src: str, dst: str) -> None:
    st = os.stat(src)
    with contextlib.suppress(OSError):
        os.chmod(dst, st.st_mode & 0o7777)
    if hasattr(os, "chown"):
        # Succeeds for root or when nothing changes; an ordinary user keeps ownership of what they write.
        with contextlib.suppress(OSError):
            os.chown(dst, st.st_uid, st.st_gid)
    if hasattr(os, "listxattr"):
        try:
            names = os.listxattr(src)
        except OSError:
            names = []
        for name in names:
            with contextlib.suppress(OSError):
                os.setxattr(dst, name, os.getxattr(src, name))


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash or a full disk leaves the old file intact."""
    path = Path(os.path.realpath(path))  # through symlinks: the link must stay a link
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            _copy_metadata(str(path), tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))


@contextlib.contextmanager
def new_file(out: Path) -> Iterator[Path]:
    """A temporary path beside ``out`` to write a large file into; when the block succeeds the file
    appears as ``out`` in one step, never replacing a file that appeared there meanwhile
    (FileExistsError). The temporary file is removed in every case, so a failed or cancelled
    writer leaves nothing behind."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        yield tmp
        os.link(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
