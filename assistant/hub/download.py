"""Downloading one GGUF file from the Hub into the data folder: resumable across crashes, pausable,
cancellable, checked before it is used.

``huggingface_hub`` resolves the file (HF_ENDPOINT, HF_TOKEN, redirects, the LFS checksum) and its
HTTP client carries the bytes. Its own ``hf_hub_download`` writes to a per-process temporary name,
deletes it on failure and starts over after a crash, and it reads 10 MB between progress updates; so
the GET loop here is ours: small chunks into a stable ``.part`` file, beside a small JSON record of what
it is, and a later run (after Pause, a dropped network or ``kill -9``) asks for the rest with Range.

Order of checks: free disk space before a byte is fetched; the size the Hub announced; the SHA-256
against the catalog and the Hub's LFS oid; then (in the library) the GGUF validation and trial load.
A failed check deletes the partial file and says why; an interrupted download keeps it."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse

from assistant.atomic import atomic_write_text
from assistant.hub.client import Hub, HubError, explain
from assistant.paths import data_dir, models_dir
from assistant.records import record_from_dict

MIN_MARGIN = 256 * 1024**2  # free space kept beyond the file: the OS and the app need room too
HASH_CHUNK = 4 * 1024**2
TRANSFER_CHUNK = 256 * 1024  # Pause acts within one chunk; a crash loses at most one
RETRIES = 5
TIMEOUT_S = 30.0


class DownloadError(RuntimeError):
    """The download failed; the message is meant for the user (and says whether bytes were kept)."""


class DownloadStopped(Exception):
    """Paused or cancelled by the user."""


class _Oversize(Exception):
    """The server sent more than the announced size: not the file."""


@dataclass
class DownloadRecord:
    """What a ``.part`` file is, written before the first byte so an interrupted download can resume."""

    repo: str
    filename: str
    sha256: str | None = None  # expected, from the catalog
    size: int = 0  # expected, from the catalog or the Hub
    name: str = ""  # shown to the user
    catalog_id: str = ""

    @property
    def key(self) -> str:
        return f"{self.repo.replace('/', '--')}--{self.filename.replace('/', '--')}"


@dataclass(frozen=True)
class Progress:
    phase: str  # "connecting" | "downloading" | "verifying" | "checking"
    done: int
    total: int
    bytes_per_s: float = 0.0

    @property
    def seconds_left(self) -> float | None:
        if self.phase != "downloading" or self.bytes_per_s <= 0 or self.total <= 0:
            return None
        return max(0.0, (self.total - self.done) / self.bytes_per_s)

    def describe(self) -> str:
        if self.phase == "connecting":
            return "connecting…"
        if self.phase == "checking":
            return "checking the model…"
        pct = 100 * self.done / self.total if self.total else 0
        amount = f"{size_text(self.done)} of {size_text(self.total)} ({pct:.0f}%)"
        if self.phase == "verifying":
            return f"verifying checksum: {amount}"
        left = self.seconds_left
        speed = f" · {size_text(self.bytes_per_s)}/s" if self.bytes_per_s > 0 else ""
        return f"{amount}{speed}" + (f" · {_duration(left)} left" if left is not None else "")


def size_text(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


def _duration(s: float) -> str:
    if s >= 3600:
        return f"{s / 3600:.1f} h"
    return f"{int(s // 60)} min {int(s % 60)} s" if s >= 60 else f"{int(s)} s"


def downloads_dir() -> Path:
    path = data_dir() / "downloads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def part_path(record: DownloadRecord) -> Path:
    return downloads_dir() / f"{record.key}.part"


def _record_path(record: DownloadRecord) -> Path:
    return downloads_dir() / f"{record.key}.json"


def destination(record: DownloadRecord) -> Path:
    """models/hub/<owner>/<name>/<file>: one folder per repo, so two repos' equal file names never meet."""
    owner, name = record.repo.split("/", 1)
    return models_dir() / "hub" / owner / name / Path(record.filename).name


@dataclass(frozen=True)
class Pending:
    record: DownloadRecord
    have: int  # bytes already on disk


def pending_downloads() -> list[Pending]:
    """Downloads that were paused or interrupted (even by a crash), to offer Resume. Reads local files only."""
    found = []
    for meta in sorted(downloads_dir().glob("*.json")):
        try:
            record = record_from_dict(DownloadRecord, json.loads(meta.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
        part = part_path(record)
        found.append(Pending(record, part.stat().st_size if part.exists() else 0))
    return found


def discard(record: DownloadRecord) -> None:
    part_path(record).unlink(missing_ok=True)
    _record_path(record).unlink(missing_ok=True)


def _free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


def check_space(needed: int, where: Path, free_bytes: Callable[[Path], int] = _free_bytes) -> None:
    margin = max(MIN_MARGIN, needed // 20)
    free = free_bytes(where)
    if free < needed + margin:
        raise DownloadError(f"Not enough disk space: the download needs {size_text(needed + margin)} free in {where} "
                            f"(the file and a margin), and {size_text(free)} is free. Free some space and try again.")


def _sha256(path: Path, total: int, report: Callable[[Progress], None], stop: threading.Event) -> str:
    digest, done = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(HASH_CHUNK):
            if stop.is_set():
                raise DownloadStopped()
            digest.update(chunk)
            done += len(chunk)
            report(Progress("verifying", done, total))
    return digest.hexdigest()


def _fail(record: DownloadRecord, message: str) -> DownloadError:
    discard(record)
    return DownloadError(message + " The partial file was deleted.")


def _transfer(url: str, headers: dict[str, str], part: Path, size: int, advance: Callable[[int], None],
              stop: threading.Event) -> None:
    """GET the rest of the file into ``part`` (Range from the bytes already there), in small chunks so
    Pause and Cancel act at once and a crash loses almost nothing. A dropped connection is resumed a few
    times, with a pause between tries, as long as bytes keep coming."""
    import httpx2
    from huggingface_hub.utils import hf_raise_for_status, http_stream_backoff

    failures = 0
    while True:
        have = part.stat().st_size if part.exists() else 0
        if have >= size:
            return
        request = {**headers, "Range": f"bytes={have}-"} if have else dict(headers)
        try:
            with http_stream_backoff("GET", url, headers=request, timeout=TIMEOUT_S, retry_on_exceptions=(),
                                     retry_on_status_codes=(408, 429, 500, 502, 503, 504)) as response:
                hf_raise_for_status(response)
                if have and response.status_code == 200:
                    have = 0  # the server ignored the Range: it sends the whole file again
                with open(part, "ab" if have else "wb") as f:
                    for chunk in response.iter_bytes(TRANSFER_CHUNK):
                        if stop.is_set():
                            raise DownloadStopped()
                        have += len(chunk)
                        if have > size:
                            raise _Oversize()
                        f.write(chunk)
                        failures = 0
                        advance(have)
            if have < size:
                raise httpx2.RemoteProtocolError("the server ended the file early")
        except (httpx2.TransportError, httpx2.RemoteProtocolError):
            failures += 1
            if failures > RETRIES:
                raise
            if stop.wait(min(8.0, 0.5 * 2**failures)):
                raise DownloadStopped() from None


def _interrupted(exc: Exception, record: DownloadRecord, part: Path) -> DownloadError:
    kept = part.stat().st_size if part.exists() else 0
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return DownloadError(f"The disk filled up after {size_text(kept)}. They are kept: free some space and Resume.")
    return DownloadError(f"{explain(exc, record.filename)} {size_text(kept)} are kept; Resume continues from there.")


def download(record: DownloadRecord, report: Callable[[Progress], None], stop: threading.Event,
             hub: Hub | None = None, free_bytes: Callable[[Path], int] = _free_bytes) -> Path:
    """Fetch (or finish fetching) the file; return its final path in the models folder.

    DownloadStopped when ``stop`` was set (bytes kept: the same call resumes); DownloadError otherwise,
    its message saying what happened and whether the bytes were kept."""
    hub = hub or Hub()
    part, final = part_path(record), destination(record)
    if final.exists():
        raise DownloadError(f"{final.name} is already downloaded ({final}).")
    atomic_write_text(_record_path(record), json.dumps(asdict(record), indent=1))
    report(Progress("connecting", 0, record.size))
    try:
        remote = hub.file_info(record.repo, record.filename)
    except HubError as exc:
        raise DownloadError(str(exc)) from exc
    expected = record.sha256 or remote.sha256
    if record.sha256 and remote.sha256 and record.sha256 != remote.sha256:
        raise _fail(record, f"{record.filename} on the Hub is not the file the catalog names (its SHA-256 "
                            "changed), so it was not downloaded.")
    if expected is None:
        raise _fail(record, f"The Hub publishes no SHA-256 for {record.filename}, so it cannot be checked.")
    if record.size != remote.size:
        record.size = remote.size
        atomic_write_text(_record_path(record), json.dumps(asdict(record), indent=1))
    have = part.stat().st_size if part.exists() else 0
    if have > remote.size:
        part.unlink()
        have = 0
    check_space(remote.size - have, downloads_dir(), free_bytes)

    headers = hub.headers()
    if urlparse(remote.url).netloc != urlparse(hub.endpoint).netloc:
        headers.pop("authorization", None)  # a signed CDN address: the token stays with the Hub
    started, last = time.monotonic(), [0.0]

    def advance(done: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.1 or done >= remote.size:
            last[0] = now
            report(Progress("downloading", done, remote.size, (done - have) / max(now - started, 1e-6)))

    report(Progress("downloading", have, remote.size))
    try:
        _transfer(remote.url, headers, part, remote.size, advance, stop)
    except DownloadStopped:
        raise
    except _Oversize:
        raise _fail(record, f"The server sent more than the {size_text(remote.size)} the Hub announced.") from None
    except Exception as exc:  # whatever stopped the transfer is told to the user
        raise _interrupted(exc, record, part) from exc

    with open(part, "rb") as f:
        head = f.read(4)
    if head != b"GGUF":
        raise _fail(record, f"The server sent something that is not a GGUF file for {record.filename} "
                            "(a web page from a proxy or mirror?).")
    actual = _sha256(part, remote.size, report, stop)
    if actual != expected:
        source = "catalog" if record.sha256 else "Hub"
        raise _fail(record, f"{record.filename} is damaged: its SHA-256 does not match the one the {source} "
                            "publishes.")
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, final)
    _record_path(record).unlink(missing_ok=True)
    return final
