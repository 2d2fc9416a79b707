"""The Hugging Face Hub, through ``huggingface_hub``: model search with the GGUF filter, a repo's .gguf
files with sizes and checksums, one file's download metadata. Every failure becomes a HubError whose
message tells the user what to do. Nothing here runs unless the user asked for it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

DEFAULT_ENDPOINT = "https://huggingface.co"
SHA256 = re.compile(r"[0-9a-f]{64}")
TIMEOUT_S = 15.0


class HubError(RuntimeError):
    """A Hub request failed; the message is meant for the user."""


@dataclass(frozen=True)
class HubRepo:
    id: str
    downloads: int
    likes: int
    gated: bool


@dataclass(frozen=True)
class HubFile:
    path: str
    size: int
    sha256: str | None  # the LFS oid; None for a file not stored in LFS


@dataclass(frozen=True)
class RemoteFile:
    url: str  # where the bytes are, after the Hub's redirects
    size: int
    sha256: str | None
    commit: str


def endpoint() -> str:
    """HF_ENDPOINT (a mirror or a proxy) when set, read at each call so a changed setting takes effect."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def explain(exc: BaseException, what: str) -> HubError:
    """The user's version of a huggingface_hub / httpx failure while doing ``what``."""
    import httpx2
    from huggingface_hub import errors

    where = endpoint()
    if isinstance(exc, errors.GatedRepoError):
        return HubError(f"{what}: the repository is gated. Accept its licence on its page at {where} and set "
                        "HF_TOKEN to an access token of that account.")
    if isinstance(exc, errors.RepositoryNotFoundError):
        return HubError(f"{what}: no such repository at {where} (or it is private: set HF_TOKEN).")
    if isinstance(exc, errors.RevisionNotFoundError):
        return HubError(f"{what}: the repository has no such revision.")
    if isinstance(exc, errors.EntryNotFoundError):
        return HubError(f"{what}: the repository has no such file.")
    if isinstance(exc, errors.FileMetadataError):
        return HubError(f"{what}: {where} does not answer like a Hugging Face Hub. If HF_ENDPOINT names a mirror "
                        "or a proxy, check that address.")
    if isinstance(exc, errors.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else "?"
        return HubError(f"{what}: the Hub answered with HTTP status {status}.")
    if isinstance(exc, (httpx2.ConnectError, httpx2.TimeoutException, errors.OfflineModeIsEnabled)):
        return HubError(f"{what}: cannot reach {where}. Check the network connection (or HF_ENDPOINT).")
    if isinstance(exc, (httpx2.HTTPError, ValueError)):
        return HubError(f"{what}: the Hub's answer could not be read ({exc.__class__.__name__}).")
    return HubError(f"{what}: {exc}")


class Hub:
    """One endpoint and token; the token defaults to HF_TOKEN or the one ``hf auth login`` saved."""

    def __init__(self, endpoint_url: str | None = None, token: str | None = None) -> None:
        self.endpoint = (endpoint_url or endpoint()).rstrip("/")
        self.token = token or os.environ.get("HF_TOKEN") or None

    def _api(self):
        from huggingface_hub import HfApi

        return HfApi(endpoint=self.endpoint, token=self.token)

    def headers(self) -> dict[str, str]:
        from huggingface_hub.utils import build_hf_headers

        return build_hf_headers(token=self.token, library_name="writing-assistant")

    def search(self, query: str, limit: int = 30) -> list[HubRepo]:
        """Model repos whose name matches, with GGUF files, most downloaded first."""
        query = query.strip()
        if not query:
            raise HubError("Type part of a model's name to search for.")
        try:
            found = self._api().list_models(search=query, filter="gguf", sort="downloads", limit=limit)
            return [HubRepo(m.id, m.downloads or 0, m.likes or 0, bool(m.gated)) for m in found]
        except Exception as exc:  # every failure reaches the user as a HubError
            raise explain(exc, f"Searching for {query!r}") from exc

    def gguf_files(self, repo: str) -> list[HubFile]:
        """The repo's .gguf files (all folders), smallest first; HubError when it has none."""
        try:
            tree = list(self._api().list_repo_tree(repo, recursive=True))
        except Exception as exc:
            raise explain(exc, f"Listing {repo}") from exc
        files = [HubFile(e.path, int(e.size or 0), getattr(getattr(e, "lfs", None), "sha256", None))
                 for e in tree if getattr(e, "path", "").lower().endswith(".gguf") and hasattr(e, "size")]
        if not files:
            raise HubError(f"{repo} has no GGUF files; the app runs GGUF models only.")
        return sorted(files, key=lambda f: (f.size, f.path))

    def file_info(self, repo: str, filename: str) -> RemoteFile:
        """The HEAD of the file's resolve URL: the exact size, the LFS SHA-256 and where to GET it."""
        from huggingface_hub import get_hf_file_metadata, hf_hub_url

        try:
            url = hf_hub_url(repo, filename, endpoint=self.endpoint)
            meta = get_hf_file_metadata(url, token=self.token, timeout=TIMEOUT_S, endpoint=self.endpoint,
                                        library_name="writing-assistant")
        except Exception as exc:
            raise explain(exc, f"{repo}/{filename}") from exc
        if meta.commit_hash is None:
            raise HubError(f"{repo}/{filename}: {self.endpoint} does not answer like a Hugging Face Hub.")
        if not meta.size:
            raise HubError(f"{repo}/{filename}: the Hub did not say how large the file is.")
        etag = (meta.etag or "").lower()
        return RemoteFile(meta.location, int(meta.size), etag if SHA256.fullmatch(etag) else None, meta.commit_hash)
