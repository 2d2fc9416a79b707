"""A Hugging Face Hub-compatible subset on 127.0.0.1, for the download tests: the resolve endpoint (HEAD
and GET with Range, with the headers ``huggingface_hub`` reads), model search and repo tree. It serves
real files (the bundled models) and can be told to misbehave the ways real servers do: drop the
connection, send other bytes, answer with a web page, require a token, go slowly.

    python -m tests.hub_server [--port=N] [--delay=S] REPO=PATH [REPO=PATH ...]
        serves until interrupted, printing its address; --delay slows each 64 KiB chunk
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

COMMIT = "0123456789abcdef0123456789abcdef01234567"
CHUNK = 64 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Repo:
    files: dict[str, Path]
    gated: bool = False
    downloads: int = 100
    sha: dict[str, str] = field(default_factory=dict)

    def sha256(self, name: str) -> str:
        if name not in self.sha:
            self.sha[name] = sha256_of(self.files[name])
        return self.sha[name]


@dataclass
class Faults:
    drop_after: int | None = None  # close the connection after this many body bytes, once
    corrupt: bool = False  # flip a byte in the body (the checksum must catch it)
    html: bool = False  # answer every request with a proxy's HTML page
    delay_per_chunk: float = 0.0  # seconds per 64 KiB: a download that takes a while


class HubServer:
    def __init__(self, repos: dict[str, Repo], token: str = "hf_test_token", port: int = 0) -> None:
        self.repos, self.token = repos, token
        self.faults = Faults()
        self.body_bytes = 0  # file bytes sent, across requests: proves a resume did not fetch again
        self.ranges: list[str] = []  # the Range headers of file GETs
        self.sent: dict[str, int] = {}  # body bytes each file GET sent, by its Range header
        self.requests: list[str] = []
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"hub": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> HubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def count(self, n: int) -> None:
        with self._lock:
            self.body_bytes += n


class _Handler(BaseHTTPRequestHandler):
    hub: HubServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _json(self, data: object, status: int = 200, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, code: str, message: str) -> None:
        self._json({"error": message}, status, {"X-Error-Code": code, "X-Error-Message": message})

    def _authorised(self, repo: Repo) -> bool:
        return not repo.gated or self.headers.get("Authorization") == f"Bearer {self.hub.token}"

    def do_HEAD(self) -> None:
        self._route()

    def do_GET(self) -> None:
        self._route()

    def _route(self) -> None:
        self.hub.requests.append(f"{self.command} {self.path}")
        if self.hub.faults.html:
            body = b"<html><body>Please sign in to the proxy</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        url = urlparse(self.path)
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        if parts[:2] == ["api", "models"] and len(parts) == 2:
            return self._search(parse_qs(url.query))
        if parts[:2] == ["api", "models"] and len(parts) >= 6 and parts[4] == "tree":
            return self._tree("/".join(parts[2:4]))
        if len(parts) >= 5 and parts[2] == "resolve":
            return self._resolve("/".join(parts[:2]), "/".join(parts[4:]))
        self._error(404, "RepoNotFound", "Repository not found")

    def _search(self, query: dict[str, list[str]]) -> None:
        words = (query.get("search") or [""])[0].lower()
        limit = int((query.get("limit") or ["50"])[0])
        found = [{"id": rid, "modelId": rid, "downloads": r.downloads, "likes": 1, "gated": "auto" if r.gated
                  else False, "tags": ["gguf"], "private": False}
                 for rid, r in self.hub.repos.items() if words in rid.lower()]
        self._json(found[:limit])

    def _tree(self, repo_id: str) -> None:
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            return self._error(404, "RepoNotFound", "Repository not found")
        entries = [{"type": "file", "oid": hashlib.sha1(name.encode()).hexdigest(), "size": p.stat().st_size,
                    "path": name, "lfs": {"oid": repo.sha256(name), "size": p.stat().st_size, "pointerSize": 134}}
                   for name, p in repo.files.items()]
        entries.append({"type": "file", "oid": "0" * 40, "size": 12, "path": "README.md"})
        self._json(entries)

    def _resolve(self, repo_id: str, name: str) -> None:
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            return self._error(404, "RepoNotFound", "Repository not found")
        if not self._authorised(repo):
            return self._error(401, "GatedRepo", "Access to this model is restricted; you must accept its terms")
        if name not in repo.files:
            return self._error(404, "EntryNotFound", "Entry not found")
        path, size = repo.files[name], repo.files[name].stat().st_size
        start = 0
        rng = self.headers.get("Range")
        if self.command == "GET":
            self.hub.ranges.append(rng or "")
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0] or 0)
        self.send_response(206 if start else 200)
        self.send_header("X-Repo-Commit", COMMIT)
        self.send_header("ETag", f'"{repo.sha256(name)}"')
        self.send_header("X-Linked-Size", str(size))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size - start))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        self.end_headers()
        if self.command == "HEAD":
            return
        self._send_file(path, start, size, rng or "")

    def _send_file(self, path: Path, start: int, size: int, rng: str) -> None:
        sent = 0
        try:
            sent = self._send_body(path, start, size)
        finally:
            self.hub.sent[rng] = self.hub.sent.get(rng, 0) + sent

    def _send_body(self, path: Path, start: int, size: int) -> int:
        faults, sent = self.hub.faults, 0
        drop, faults.drop_after = faults.drop_after, None  # once
        with open(path, "rb") as f:
            f.seek(start)
            while chunk := f.read(CHUNK):
                if faults.corrupt and start + sent <= size // 2 < start + sent + len(chunk):
                    i = size // 2 - start - sent
                    chunk = chunk[:i] + bytes([chunk[i] ^ 0xFF]) + chunk[i + 1:]
                if drop is not None and sent + len(chunk) > drop:
                    part = chunk[: drop - sent]
                    self.wfile.write(part)
                    self.hub.count(len(part))
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.close()
                    return sent + len(part)
                try:
                    self.wfile.write(chunk)
                except OSError:
                    return sent
                self.hub.count(len(chunk))
                sent += len(chunk)
                if faults.delay_per_chunk:
                    time.sleep(faults.delay_per_chunk)
        return sent


def main(argv: list[str]) -> int:
    repos: dict[str, Repo] = {}
    delay, port = 0.0, 0
    for arg in argv:
        if arg.startswith("--delay="):
            delay = float(arg.split("=", 1)[1])
            continue
        if arg.startswith("--port="):
            port = int(arg.split("=", 1)[1])
            continue
        repo_id, path = arg.split("=", 1)
        repos.setdefault(repo_id, Repo({})).files[Path(path).name] = Path(path)
    with HubServer(repos, port=port) as server:
        server.faults.delay_per_chunk = delay
        print(server.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
