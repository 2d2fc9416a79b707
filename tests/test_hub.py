"""Getting models: the catalog and the fit estimate, downloads from a Hub-compatible server on 127.0.0.1
(tests/hub_server.py) serving the bundled models, and the scan of other tools' model folders.

No test touches the internet: HF_ENDPOINT and the Hub's address always point at the local server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.hub.catalog import Catalog, CatalogFile, CatalogModel, load_catalog
from assistant.hub.client import Hub, HubError
from assistant.hub.download import (
    DownloadError,
    DownloadRecord,
    DownloadStopped,
    Progress,
    destination,
    download,
    part_path,
    pending_downloads,
)
from assistant.hub.fit import Machine, estimate_fit, memory_needed
from assistant.hub.install import choose_file, install, record_for_repo
from assistant.hub.scan import scan
from assistant.model_library import ModelLibrary
from tests.hub_server import HubServer, Repo, sha256_of

REPO_ID = "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF"
ROOT = Path(__file__).resolve().parent.parent
GB = 1024**3


@pytest.fixture()
def home(tmp_path, monkeypatch) -> Path:
    """A fresh data folder per test: downloads and the library start empty."""
    monkeypatch.setenv("WRITING_ASSISTANT_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture()
def server(smollm2):
    with HubServer({REPO_ID: Repo({smollm2.name: smollm2})}) as s:
        yield s


def record(smollm2: Path, **kw) -> DownloadRecord:
    return DownloadRecord(REPO_ID, smollm2.name, **kw)


def fetch(rec: DownloadRecord, server: HubServer, **kw) -> Path:
    return download(rec, lambda _p: None, threading.Event(), Hub(server.url), **kw)


# catalog and fit -----------------------------------------------------------------------
def test_the_shipped_catalog_reads_and_every_entry_serves_the_apps_languages():
    catalog = load_catalog()
    assert catalog.error == "" and len(catalog.models) >= 8
    app_languages = {lang["code"] for lang in json.loads((ROOT / "resources/languages.json").read_text())["languages"]}
    for m in catalog.models:
        assert m.languages and set(m.languages) <= app_languages, m.id
        assert m.file_for().file.endswith(".gguf") and m.license
    names = {m.id for m in catalog.models}
    assert {"qwen2.5-1.5b-instruct", "gemma-3-1b-it", "llama-3.2-1b-instruct", "smollm2-360m-instruct"} <= names


@pytest.mark.parametrize("damage", [b"{not json", b"\xff\xfe", b'{"models": [{"id": "x"}]}',
                                    b'{"models": [{"id": "x", "name": "X", "repo": "../../etc", "parameters": "1B", '
                                    b'"context": 10, "kv_bytes_per_token": 1, "languages": ["en"], "license": "MIT", '
                                    b'"files": [{"quant": "Q4", "file": "a.gguf", "size": 1}]}]}',
                                    b'{"models": [{"id": "x", "name": "X", "repo": "a/b", "parameters": "1B", '
                                    b'"context": 10, "kv_bytes_per_token": 1, "languages": ["en"], "license": "MIT", '
                                    b'"files": [{"quant": "Q4", "file": "../x.gguf", "size": 1}]}]}'])
def test_a_damaged_catalog_is_reported_and_nothing_raises(tmp_path, damage):
    path = tmp_path / "catalog.json"
    path.write_bytes(damage)
    catalog = load_catalog(path)
    assert catalog.models == [] and "catalog is unreadable" in catalog.error


def test_fit_verdicts_follow_free_memory_and_context():
    laptop = Machine(free_ram=8 * GB, total_ram=16 * GB, cores=8)
    small = estimate_fit(400_000_000, 12288, 4096, laptop)
    assert small.verdict == "runs well" and small.where == "CPU" and small.speed == "fast"
    assert estimate_fit(6 * GB, 114688, 4096, laptop).verdict == "tight"
    assert estimate_fit(9 * GB, 114688, 4096, laptop).verdict == "too big"
    # A longer context needs more memory for the KV cache: the same model can stop fitting.
    assert memory_needed(GB, 114688, 32768) - memory_needed(GB, 114688, 4096) == 114688 * (32768 - 4096)
    assert estimate_fit(4 * GB, 114688, 4096, laptop).verdict != estimate_fit(4 * GB, 114688, 32768, laptop).verdict
    # Fewer cores, slower class; a GPU with room takes the model and is faster.
    two_cores = Machine(free_ram=8 * GB, total_ram=16 * GB, cores=2)
    assert estimate_fit(2 * GB, 36864, 4096, two_cores).speed == "slow"
    gpu = Machine(free_ram=8 * GB, total_ram=16 * GB, cores=2, gpu_name="GPU", free_vram=12 * GB)
    on_gpu = estimate_fit(2 * GB, 36864, 4096, gpu)
    assert on_gpu.where == "GPU" and on_gpu.speed == "fast" and on_gpu.verdict == "runs well"
    too_big_for_gpu = estimate_fit(11 * GB, 36864, 4096, gpu)
    assert too_big_for_gpu.where == "CPU" and too_big_for_gpu.verdict == "too big"
    assert "too big" in too_big_for_gpu.describe() and "GPU" in on_gpu.describe()


# the Hub API ----------------------------------------------------------------------------
def test_search_lists_gguf_repos_and_their_files_with_sizes_and_checksums(server, smollm2):
    hub = Hub(server.url)
    assert [r.id for r in hub.search("smollm2")] == [REPO_ID]
    assert hub.search("no-such-model") == []
    (f,) = hub.gguf_files(REPO_ID)
    assert f.path == smollm2.name and f.size == smollm2.stat().st_size and f.sha256 == sha256_of(smollm2)
    assert any("/api/models?" in r and "filter=gguf" in r for r in server.requests)


def test_a_repo_without_gguf_files_and_a_missing_repo_are_explained(tmp_path, home):
    readme_only = tmp_path / "notes.txt"
    readme_only.write_text("hello")
    with HubServer({"someone/safetensors-only": Repo({"notes.txt": readme_only})}) as s:
        hub = Hub(s.url)
        with pytest.raises(HubError, match="has no GGUF files"):
            hub.gguf_files("someone/safetensors-only")
        with pytest.raises(HubError, match="no such repository"):
            hub.gguf_files("someone/missing")
        with pytest.raises(DownloadError, match="no such repository"):
            download(DownloadRecord("someone/missing", "x.gguf"), lambda _p: None, threading.Event(), hub)
        with pytest.raises(DownloadError, match="no such file"):
            download(DownloadRecord("someone/safetensors-only", "x.gguf"), lambda _p: None, threading.Event(), hub)


def test_choosing_a_file_by_quantisation():
    from assistant.hub.client import HubFile

    files = [HubFile("m-Q4_K_M.gguf", 1, None), HubFile("m-Q8_0.gguf", 2, None),
             HubFile("big-Q4_K_M-00001-of-00002.gguf", 3, None), HubFile("mmproj-f16.gguf", 4, None)]
    assert choose_file(files, None).path == "m-Q4_K_M.gguf"
    assert choose_file(files, "q8_0").path == "m-Q8_0.gguf"
    with pytest.raises(HubError, match="No Q6_K file.*m-Q4_K_M.gguf"):
        choose_file(files, "Q6_K")


# downloads ------------------------------------------------------------------------------
def test_a_full_download_is_checked_registered_and_loads(server, smollm2, home):
    steps: list[Progress] = []
    library = ModelLibrary(root=home)
    entry = install(record(smollm2, name="SmolLM2 from the Hub"), library, steps.append, threading.Event(),
                    Hub(server.url))
    assert entry.path == destination(record(smollm2)) and entry.path.read_bytes() == smollm2.read_bytes()
    assert entry.origin == {"source": "Hugging Face", "repo": REPO_ID, "file": smollm2.name}
    assert entry.info.name == "SmolLM2 from the Hub" and ModelLibrary(root=home).get(entry.id).path == entry.path
    phases = [p.phase for p in steps]
    assert phases[0] == "connecting" and "downloading" in phases and "verifying" in phases and phases[-1] == "checking"
    done = [p.done for p in steps if p.phase == "downloading"]
    assert done == sorted(done) and done[-1] == smollm2.stat().st_size
    assert pending_downloads() == [] and not part_path(record(smollm2)).exists()
    # It really loads: the app's runtime scores text with it.
    from assistant.backends.local import LocalBackend

    backend = LocalBackend(entry.path, name=entry.id, n_ctx=256)
    try:
        assert backend.logprob("The cat sat on the mat.") < 0
    finally:
        backend.close()


def test_pause_keeps_the_bytes_and_the_same_call_resumes_without_fetching_them_again(server, smollm2, home):
    server.faults.delay_per_chunk = 0.002
    stop = threading.Event()

    def pause_after_some(p: Progress) -> None:
        if p.phase == "downloading" and p.done > 4_000_000:
            stop.set()

    with pytest.raises(DownloadStopped):
        download(record(smollm2), pause_after_some, stop, Hub(server.url))
    have = part_path(record(smollm2)).stat().st_size
    assert 4_000_000 < have < smollm2.stat().st_size
    (pending,) = pending_downloads()
    assert pending.record.repo == REPO_ID and pending.have == have
    server.faults.delay_per_chunk = 0.0
    path = fetch(record(smollm2), server)
    assert path.read_bytes() == smollm2.read_bytes()
    assert server.ranges[-1] == f"bytes={have}-"
    assert server.sent[f"bytes={have}-"] == smollm2.stat().st_size - have


def test_kill_9_mid_download_then_resume(server, smollm2, home):
    """The CLI downloading in a child process is killed outright; the next run continues."""
    server.faults.delay_per_chunk = 0.01
    env = {**os.environ, "HF_ENDPOINT": server.url, "WRITING_ASSISTANT_HOME": str(home)}
    child = subprocess.Popen([sys.executable, "-m", "assistant", "models", "download", REPO_ID, "--file",
                              smollm2.name], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    part = part_path(record(smollm2))
    deadline = time.monotonic() + 60
    while not (part.exists() and part.stat().st_size > 3_000_000):
        assert time.monotonic() < deadline and child.poll() is None, child.stderr.read().decode()
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    child.stdout.close()
    child.stderr.close()
    have = part.stat().st_size
    assert pending_downloads()[0].have == have and not destination(record(smollm2)).exists()
    server.faults.delay_per_chunk = 0.0
    done = subprocess.run([sys.executable, "-m", "assistant", "models", "download", REPO_ID, "--file",
                           smollm2.name, "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    entry = json.loads(done.stdout)
    assert Path(entry["info"]["path"]).read_bytes() == smollm2.read_bytes()
    assert server.ranges[-1] == f"bytes={have}-"
    assert server.sent[f"bytes={have}-"] == smollm2.stat().st_size - have
    assert "progress:" in done.stderr and "%" in done.stderr  # a progress line on stderr


def test_a_dropped_connection_is_resumed_by_itself(server, smollm2, home):
    server.faults.drop_after = 5_000_000
    path = fetch(record(smollm2), server)
    assert path.read_bytes() == smollm2.read_bytes()
    assert server.ranges[0] == "" and server.ranges[1].startswith("bytes=") and int(server.ranges[1][6:-1]) > 4_000_000


def test_corrupted_bytes_fail_the_checksum_and_leave_nothing(server, smollm2, home):
    server.faults.corrupt = True
    with pytest.raises(DownloadError, match="damaged: its SHA-256 does not match.*deleted"):
        fetch(record(smollm2), server)
    assert not part_path(record(smollm2)).exists() and not destination(record(smollm2)).exists()
    assert pending_downloads() == []


def test_a_catalog_checksum_that_differs_from_the_hubs_stops_before_downloading(server, smollm2, home):
    with pytest.raises(DownloadError, match="not the file the catalog names"):
        fetch(record(smollm2, sha256="0" * 64), server)
    assert server.body_bytes == 0 and pending_downloads() == []


def test_not_enough_disk_space_is_said_before_a_byte_is_fetched(server, smollm2, home):
    # A fake free-space probe (a full disk cannot be made without root): 50 MB free for a 98 MB file.
    with pytest.raises(DownloadError, match="Not enough disk space"):
        fetch(record(smollm2), server, free_bytes=lambda _p: 50_000_000)
    assert server.body_bytes == 0


def test_a_gated_repo_without_a_token_says_what_to_do_and_works_with_one(smollm2, home, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with HubServer({"meta-llama/gated-GGUF": Repo({smollm2.name: smollm2}, gated=True)}) as s:
        rec = DownloadRecord("meta-llama/gated-GGUF", smollm2.name)
        with pytest.raises(DownloadError, match="gated.*HF_TOKEN"):
            download(rec, lambda _p: None, threading.Event(), Hub(s.url, token="hf_wrong"))
        monkeypatch.setenv("HF_TOKEN", s.token)
        path = download(rec, lambda _p: None, threading.Event(), Hub(s.url))
        assert path.stat().st_size == smollm2.stat().st_size


def test_a_mirror_answering_html_is_refused_with_the_reason(server, smollm2, home):
    server.faults.html = True
    with pytest.raises(DownloadError, match="does not answer like a Hugging Face Hub"):
        fetch(record(smollm2), server)
    with pytest.raises(HubError, match="could not be read|Hub answered"):
        Hub(server.url).search("smol")
    assert not destination(record(smollm2)).exists()


def test_an_unreachable_hub_is_explained(home, smollm2):
    with pytest.raises(DownloadError, match="cannot reach"):
        download(record(smollm2), lambda _p: None, threading.Event(), Hub("http://127.0.0.1:9"))


def test_a_gguf_that_fails_validation_after_download_is_deleted_with_the_reason(tmp_path, home):
    bad = tmp_path / "broken-Q4_K_M.gguf"
    bad.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\xff" * 4096)  # the magic, then nonsense
    with HubServer({"someone/broken-GGUF": Repo({bad.name: bad})}) as s:
        rec = DownloadRecord("someone/broken-GGUF", bad.name)
        with pytest.raises(DownloadError, match="cannot be used.*deleted"):
            install(rec, ModelLibrary(root=home), lambda _p: None, threading.Event(), Hub(s.url))
    assert not destination(rec).exists() and all(e.bundled for e in ModelLibrary(root=home).list())


def test_download_by_repo_picks_the_quant_and_uses_the_catalogs_checksum(server, smollm2, home):
    hub = Hub(server.url)
    rec = record_for_repo(REPO_ID, Catalog([]), hub, quant="q4_1")
    assert rec.filename == smollm2.name and rec.sha256 is None
    listed = CatalogModel("smol", "Smol", REPO_ID, "135M", 2048, 1, ["en"], "Apache-2.0",
                          [CatalogFile("Q4_1", smollm2.name, 1, "a" * 64)])
    rec = record_for_repo(REPO_ID, Catalog([listed]), hub)
    assert rec.sha256 == "a" * 64 and rec.catalog_id == "smol"


def test_cli_catalog_and_search_with_json(server, home):
    env = {**os.environ, "HF_ENDPOINT": server.url, "WRITING_ASSISTANT_HOME": str(home)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "assistant", "models", *a], cwd=ROOT, env=env,  # noqa: E731
                                    capture_output=True, text=True, timeout=120)
    catalog = run("catalog", "--json")
    assert catalog.returncode == 0, catalog.stderr
    rows = json.loads(catalog.stdout)
    assert all(f["fit"]["verdict"] in ("runs well", "tight", "too big") for m in rows for f in m["files"])
    assert server.requests == []  # the catalog never touches the network
    found = run("search", "smollm2", "--files", "--json")
    assert found.returncode == 0, found.stderr
    (repo,) = json.loads(found.stdout)
    assert repo["id"] == REPO_ID and repo["files"][0]["size"] > 0
    assert "progress: searching" in found.stderr and "progress: listing the files" in found.stderr
    missing = run("download", "nobody/nothing-GGUF")
    assert missing.returncode == 2 and "no such repository" in missing.stderr


# scan -------------------------------------------------------------------------------------
def test_scan_finds_models_in_other_tools_folders_and_skips_loops_and_junk(tmp_path, smollm2, gemma):
    hf = tmp_path / "hf" / "hub" / "models--HuggingFaceTB--SmolLM2-135M-Instruct-GGUF"
    (hf / "blobs").mkdir(parents=True)
    blob = hf / "blobs" / sha256_of(smollm2)
    blob.symlink_to(smollm2)  # stands for the blob (a real copy would only cost disk)
    snap = hf / "snapshots" / ("a" * 40)
    snap.mkdir(parents=True)
    (snap / smollm2.name).symlink_to(Path("../../blobs") / blob.name)
    (snap / "dangling.gguf").symlink_to(Path("../../blobs/missing"))
    lms = tmp_path / "lmstudio" / "lmstudio-community" / "gemma-3-270m-GGUF"
    lms.mkdir(parents=True)
    (lms / gemma.name).symlink_to(gemma)
    (lms / "mmproj-model-f16.gguf").write_bytes(b"GGUF")
    (tmp_path / "lmstudio" / "loop").symlink_to(tmp_path / "lmstudio")  # a symlink loop
    ollama = tmp_path / "ollama"
    (ollama / "blobs").mkdir(parents=True)
    digest = "sha256-" + "b" * 64
    (ollama / "blobs" / digest).symlink_to(gemma)
    (ollama / "blobs" / ("sha256-" + "c" * 64)).write_bytes(b"not a model")
    tags = ollama / "manifests" / "registry.ollama.ai" / "library" / "gemma3"
    tags.mkdir(parents=True)
    layer = {"mediaType": "application/vnd.ollama.image.model", "digest": "sha256:" + "b" * 64, "size": 1}
    (tags / "270m").write_text(json.dumps({"layers": [layer]}))
    (tags / "broken").write_text("{")
    (tags / "not-gguf").write_text(json.dumps({"layers": [{**layer, "digest": "sha256:" + "c" * 64}]}))
    (tags / "escape").write_text(json.dumps({"layers": [{**layer, "digest": "../../etc/passwd"}]}))
    locations = [("Hugging Face cache", tmp_path / "hf" / "hub"), ("LM Studio", tmp_path / "lmstudio"),
                 ("GPT4All", tmp_path / "absent"), ("Ollama", ollama)]
    found = scan(locations)
    by_source = {(f.source, f.name): f for f in found}
    hf_item = by_source[("Hugging Face cache", f"HuggingFaceTB/SmolLM2-135M-Instruct-GGUF: {smollm2.name}")]
    assert hf_item.path == smollm2.resolve() and hf_item.size == smollm2.stat().st_size
    # The same gemma file reached from LM Studio and Ollama is offered once.
    gemma_items = [f for f in found if f.path == gemma.resolve()]
    assert len(gemma_items) == 1 and gemma_items[0].source == "LM Studio"
    assert len(found) == 2
    assert scan(locations, known={smollm2}) == gemma_items
    only_ollama = scan([("Ollama", ollama)])
    assert [(f.name, f.path) for f in only_ollama] == [("gemma3:270m", gemma.resolve())]


def test_scan_add_puts_found_models_in_the_library_in_place(tmp_path, smollm2, home):
    lms = tmp_path / ".lmstudio" / "models" / "someone" / "smol-GGUF"
    lms.mkdir(parents=True)
    copy = lms / "smol-copy.gguf"
    copy.write_bytes(smollm2.read_bytes())
    env = {**os.environ, "WRITING_ASSISTANT_HOME": str(home), "HOME": str(tmp_path),
           "OLLAMA_MODELS": str(tmp_path / "o")}
    out = subprocess.run([sys.executable, "-m", "assistant", "models", "scan", "--add", "--json"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    found = [f for f in result["found"] if f["path"] == str(copy)]
    assert found and found[0]["source"] == "LM Studio" and len(result["added"]) >= 1
    entry = next(e for e in ModelLibrary(root=home).list() if e.path == copy)
    assert entry.origin == {"source": "LM Studio"} and copy.exists()  # added in place, not copied


def test_nothing_reaches_for_the_network_at_start_up(home):
    """The window builds without importing the Hub client: no request can happen before the user asks."""
    code = ("import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]); "
            "from ui.main_window import MainWindow; w = MainWindow(); "
            "print(sorted(m for m in ('huggingface_hub', 'httpx2') if m in sys.modules))")
    env = {**os.environ, "WRITING_ASSISTANT_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
