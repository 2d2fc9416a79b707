"""Command line: ``python -m assistant <command>``. Everything the window does, a script can do."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assistant.backends.base import BackendError
from assistant.backends.factory import local_factory, remote_factory
from assistant.convert.quantize import DEFAULT_QUANT, STORAGE_CHOICES
from assistant.document_io import DocumentError, EncodingNeeded, decode_bytes, read_document
from assistant.engine import Engine, Job, JobState
from assistant.model_library import LibraryError, ModelLibrary


class CLIError(Exception):
    """Bad input: printed as one line, exit status 2."""


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def read_input_text(args: argparse.Namespace) -> str:
    if getattr(args, "file", None):
        try:
            return read_document(args.file, args.encoding).text
        except EncodingNeeded as exc:
            raise CLIError(f"{exc}; pass --encoding (one of: {', '.join(exc.candidates) or 'none fits'})") from exc
        except DocumentError as exc:
            raise CLIError(str(exc)) from exc
    if getattr(args, "text", None) not in (None, "-"):
        return args.text
    if sys.stdin is None or (sys.stdin.isatty() and args.text != "-"):
        raise CLIError("no text given: pass TEXT, --file PATH, or pipe text on stdin")
    try:
        return decode_bytes(sys.stdin.buffer.read(), args.encoding, Path("stdin")).text
    except DocumentError as exc:
        raise CLIError(str(exc)) from exc


def open_engine(args: argparse.Namespace, library: ModelLibrary | None = None,
                languages: list[str] | None = None) -> Engine:
    """Start an engine and load the model the arguments name, failing with a one-line message.

    Without --model, a task in ``languages`` the default model cannot write runs on the best installed
    model that can (said on stderr)."""
    engine = Engine()
    if getattr(args, "server", None):
        factory = remote_factory(args.server, args.server_model, os.environ.get("WRITING_ASSISTANT_API_KEY"),
                                 concurrency=getattr(args, "parallel", 0) or 4)
    else:
        library = library or ModelLibrary()
        try:
            entry = library.get(args.model)
        except LibraryError as exc:
            engine.shutdown()
            raise CLIError(str(exc)) from exc
        if not args.model and languages:
            from assistant.hub.fit import this_machine
            from assistant.model_routing import choose_entry

            entry, why = choose_entry(library.list(), entry, languages, this_machine(), args.ctx)
            if why and not getattr(args, "json", False):
                print(f"note: using {entry.info.name}: {why}; --model chooses another", file=sys.stderr)
        factory = local_factory(entry, n_ctx=args.ctx, batch_sequences=getattr(args, "parallel", 0))
    handle = engine.load(factory)
    handle.wait()
    if handle.state != JobState.DONE:
        engine.shutdown()
        raise CLIError(handle.error or "could not load the model")
    adapters = _adapter_args(getattr(args, "adapter", None) or [])
    if adapters:
        attach = engine.submit(Job("adapters", lambda ctx: None, adapters=adapters))
        attach.wait()
        if attach.state != JobState.DONE:
            engine.shutdown()
            raise CLIError(attach.error or "could not attach the adapters")
    info = engine.info
    if info is not None and info.message and not getattr(args, "json", False):
        print(f"note: {info.message}", file=sys.stderr)
    return engine


def _adapter_args(values: list[str]) -> tuple[tuple[str, float], ...]:
    """PATH or PATH:SCALE, each checked to be a LoRA adapter file."""
    from assistant.adapters import AdapterError, inspect_gguf_adapter

    out = []
    for value in values:
        path, scale = value, 1.0
        head, sep, tail = value.rpartition(":")
        if sep:
            try:
                path, scale = head, float(tail)
            except ValueError:
                pass  # a colon inside the path
        try:
            inspect_gguf_adapter(path)
        except AdapterError as exc:
            raise CLIError(str(exc)) from exc
        out.append((str(Path(path).resolve()), float(scale)))
    return tuple(out)


def run_job(engine: Engine, job: Job, stream: bool) -> Any:
    if stream:
        job.on_token = lambda t: (sys.stdout.write(t), sys.stdout.flush())
    handle = engine.submit(job)
    try:
        while not handle.wait(0.1):
            pass
    except KeyboardInterrupt:
        handle.cancel("interrupted")
        handle.wait()
        raise CLIError("interrupted") from None
    if handle.state == JobState.ERROR:
        raise BackendError(handle.error or "failed")
    if handle.state == JobState.CANCELLED:
        raise CLIError(f"cancelled: {handle.cancel_reason}")
    return handle.result


def run_once(args: argparse.Namespace, job: Job, stream: bool = False, languages: list[str] | None = None) -> Any:
    """Load the model the arguments name (or, without one, a model that writes ``languages``), run one job
    on it, and shut the engine down."""
    engine = open_engine(args, languages=languages)
    try:
        return run_job(engine, job, stream)
    finally:
        engine.shutdown()


# models ---------------------------------------------------------------------------
def cmd_models(args: argparse.Namespace) -> int:
    if args.action in ("catalog", "search", "download", "scan"):
        return cmd_models_hub(args)
    if args.action == "bundled":
        from assistant.bundled import bundled_models

        found = bundled_models(assemble=True)
        lib = ModelLibrary()
        for bm in found:
            state = "ready" if bm.path else "not installed"
            print(f"{bm.key}: {state}" + (f" ({bm.path})" if bm.path else ""))
        print(f"default: {lib.default_id}")
        return 0 if any(bm.path for bm in found) else 1
    lib = ModelLibrary()
    if args.action == "list":
        entries = lib.list()
        if args.json:
            _print_json([{**e.to_dict(), "default": e.id == lib.default_id} for e in entries])
        else:
            for e in entries:
                mark = "*" if e.id == lib.default_id else " "
                i = e.info
                print(f"{mark} {e.id:28} {i.architecture:10} {i.size_label:>6} {i.quantization:8} "
                      f"ctx {i.context_length:>6}  {'chat' if i.has_chat_template else 'base'}")
        return 0
    if args.id is None:
        raise CLIError(f"models {args.action} needs a model id or path")
    try:
        if args.action == "info":
            entry = lib.get(args.id)
            if args.json:
                _print_json({**entry.to_dict(), "default": entry.id == lib.default_id})
            else:
                for key, value in asdict(entry.info).items():
                    print(f"{key:18} {value}")
                for a in entry.adapters:
                    print(f"adapter            {a['name']}: rank {a['rank']}, alpha {a['alpha']:g}, "
                          f"{', '.join(a['target_modules'])} ({a['source']}) {a['path']}")
        elif args.action == "add":
            entry = lib.add(args.id, probe=not args.no_probe)
            if args.json:
                _print_json(entry.to_dict())
            else:
                i = entry.info
                print(f"added {entry.id} ({i.architecture}, {i.size_label}, {i.quantization})")
        elif args.action == "remove":
            lib.remove(args.id)
            print(f"removed {args.id}") if not args.json else _print_json({"removed": args.id})
        elif args.action == "default":
            lib.set_default(args.id)
            print(f"default: {lib.default_id}") if not args.json else _print_json({"default": lib.default_id})
    except LibraryError as exc:
        raise CLIError(str(exc)) from exc
    return 0


def _fit_of(model, f, machine, n_ctx: int) -> dict:
    from assistant.hub.fit import estimate_fit

    fit = estimate_fit(f.size, model.kv_bytes_per_token, n_ctx, machine)
    return {"verdict": fit.verdict, "needed_bytes": fit.needed, "where": fit.where, "tok_s": round(fit.tok_s, 1),
            "speed": fit.speed, "text": fit.describe()}


def cmd_models_hub(args: argparse.Namespace) -> int:
    """catalog / search / download / scan: the only commands that may touch the network (search and
    download, and only because the user typed them)."""
    from assistant.hub.catalog import load_catalog
    from assistant.hub.client import Hub, HubError
    from assistant.hub.download import DownloadError, DownloadStopped
    from assistant.hub.fit import this_machine
    from assistant.hub.install import install, installed_files, record_for, record_for_repo

    catalog = load_catalog()
    try:
        if args.action == "catalog":
            if catalog.error:
                raise CLIError(catalog.error)
            machine, installed = this_machine(), installed_files(ModelLibrary())
            rows = [{"id": m.id, "name": m.name, "repo": m.repo, "parameters": m.parameters,
                     "languages": m.languages, "license": m.license,
                     "files": [{**asdict(f), "repo": m.repo_of(f), "installed": (m.repo_of(f), f.file) in installed,
                                "fit": _fit_of(m, f, machine, args.context)} for f in m.files]}
                    for m in catalog.models]
            if args.json:
                _print_json(rows)
            else:
                for m in rows:
                    for f in m["files"]:
                        mark = "installed" if f["installed"] else f["fit"]["text"]
                        langs = ",".join(m["languages"])
                        print(f"{m['id']:24} {f['quant']:7} {f['size'] / 1e9:5.2f} GB  {langs:12.12} "
                              f"{m['license']:28.28} {mark}")
            return 0
        hub = Hub()
        if args.action == "search":
            if not args.id:
                raise CLIError("models search needs a QUERY")
            progress = _progress(args)
            progress(0, 0, f"searching {hub.endpoint} for {args.id!r}…")
            repos = hub.search(args.id)
            files = {}
            for n, r in enumerate(repos[: args.limit] if args.files else []):
                progress(n, len(repos), f"listing the files of {r.id}…")
                files[r.id] = hub.gguf_files(r.id)
            if args.json:
                _print_json([{**asdict(r), "files": [asdict(f) for f in files.get(r.id, [])]} for r in repos])
            else:
                for r in repos:
                    print(f"{r.id:60} {r.downloads:>9} downloads" + ("  (gated)" if r.gated else ""))
                    for f in files.get(r.id, []):
                        print(f"    {f.path:56} {f.size / 1e9:6.2f} GB")
                if not repos:
                    print("no GGUF models match", file=sys.stderr)
            return 0
        if args.action == "download":
            if not args.id:
                raise CLIError("models download needs a REPO (owner/name) or a catalog id")
            if "/" in args.id:
                record = record_for_repo(args.id, catalog, hub, args.file, args.quant)
            else:
                model = catalog.get(args.id)
                record = record_for(model, model.file_for(args.quant))
            progress = _progress(args)
            stop = threading.Event()
            try:
                entry = install(record, ModelLibrary(), lambda p: progress(p.done, p.total, p.describe()), stop, hub)
            except KeyboardInterrupt:
                stop.set()
                print("\npaused: run the same command to resume", file=sys.stderr)
                return 130
            if sys.stderr.isatty():
                print(file=sys.stderr)
            if args.json:
                _print_json(entry.to_dict())
            else:
                print(f"added {entry.id} ({entry.info.name}) from {record.repo}: {entry.path}")
            return 0
        # scan
        from assistant.hub.scan import scan

        lib = ModelLibrary()
        found = scan(known={e.path for e in lib.list()})
        added, refused = [], []
        for item in found if args.add else []:
            try:
                added.append(lib.add(item.path, probe=not args.no_probe, name=item.name,
                                     origin={"source": item.source}).id)
            except LibraryError as exc:
                refused.append({"path": str(item.path), "reason": str(exc)})
        if args.json:
            _print_json({"found": [{**asdict(f), "path": str(f.path)} for f in found], "added": added,
                         "refused": refused})
        else:
            for f in found:
                print(f"{f.source:20} {f.size / 1e9:6.2f} GB  {f.name}  ({f.path})")
            if not found:
                print("no models found in the Hugging Face cache, LM Studio, GPT4All or Ollama folders")
            for r in refused:
                print(f"not added: {r['reason']}", file=sys.stderr)
            if args.add:
                print(f"added {len(added)} model(s)")
        return 0
    except (HubError, DownloadError, KeyError) as exc:
        raise CLIError(str(exc).strip("'\"")) from exc
    except DownloadStopped:
        return 130


# import ---------------------------------------------------------------------------
def cmd_import(args: argparse.Namespace) -> int:
    from assistant.adapters import Cancelled
    from assistant.fine_tune_import import import_fine_tune

    lib = ModelLibrary()
    try:
        result = import_fine_tune(args.path, lib, args.base, progress=_progress(args),
                                  quantization=args.quant, keep_f16=args.keep_f16)
    except (Cancelled, KeyboardInterrupt):
        raise CLIError("cancelled; nothing was written") from None
    except LibraryError as exc:
        raise CLIError(str(exc)) from exc
    if args.json:
        _print_json({"kind": result.kind, "model": result.model.id, "path": str(result.model.path),
                     "quantization": result.model.info.quantization, "base_model": result.model.info.base_model,
                     "kept_f16": result.kept_f16 or None,
                     "adapter": result.adapter.to_dict() if result.adapter else None})
    else:
        print(("\r" if sys.stderr.isatty() else "") + result.describe())
    return 0


# exercises ------------------------------------------------------------------------
def _store(args: argparse.Namespace):
    from assistant.learning.store import StoreError, StudyStore

    try:
        return StudyStore(args.db)
    except StoreError as exc:
        raise CLIError(str(exc)) from exc


def _profile(store, args: argparse.Namespace):
    profiles = store.profiles()
    if not profiles:
        raise CLIError("no study profile yet: exercise profile add NAME --native en --target fr --level A2")
    if args.profile is None:
        return profiles[0]
    try:
        return store.profile(args.profile)
    except ValueError as exc:
        raise CLIError(str(exc)) from exc


def _item_json(item) -> dict:
    ex = item.exercise
    return {"id": item.id, "type": ex.type, "instruction": ex.instruction(), "question": ex.question(),
            "options": ex.fields.get("options"), "due": item.due.isoformat(), "topic": ex.topic}


def cmd_exercise(args: argparse.Namespace) -> int:
    from assistant.learning.exercises import types
    from assistant.learning.generation import generate
    from assistant.learning.store import StoreError

    store = _store(args)
    try:
        if args.action == "profile":
            if args.name:
                try:
                    p = store.add_profile(args.name, args.native, args.target, args.level, args.goal)
                except ValueError as exc:
                    raise CLIError(str(exc)) from exc
                out = [p]
            else:
                out = store.profiles()
            if args.json:
                _print_json([vars(p) for p in out])
            else:
                for p in out:
                    print(f"{p.name}: {p.native} -> {p.target}, level {p.level}, {p.daily_goal} reviews a day")
            return 0
        profile = _profile(store, args)
        if args.action == "generate":
            kinds = args.type or list(types())
            unknown = [k for k in kinds if k not in types()]
            if unknown:
                raise CLIError(f"unknown exercise type {unknown[0]!r}; choose from: {', '.join(types())}")
            text = read_document(args.source).text if args.source else ""
            if not text.strip() and not (args.topic or "").strip():
                raise CLIError("give --topic TEXT or --from FILE")
            existing = store.keys(profile)  # read here: the store belongs to this thread
            job = Job("exercises", lambda ctx: generate(ctx, kinds, args.count, profile.native, profile.target,
                                                        profile.level, args.topic or "", text, existing,
                                                        small_writes=args.let_small_model_write),
                      on_progress=_progress(args))
            report = run_once(args, job, languages=[profile.target, profile.native])
            added = store.add_items(profile, report.made)
            if args.json:
                _print_json({"added": added, "items": [e.to_dict() for e in report.made], "failed": report.failed,
                             "skipped": report.skipped, "written_by": report.written_by,
                             "on_text": report.on_text, "on_bank": report.on_bank, "caution": report.caution,
                             "held_back": report.held_back, "held_reason": report.held_reason})
            else:
                print(f"added {added} exercise(s)" + (f", {report.on_text} on the text's own sentences"
                                                       if report.on_text else "")
                      + (f", {report.on_bank} on the app's example sentences" if report.on_bank else "")
                      + (f"; {len(report.failed)} failed: " + "; ".join(report.failed) if report.failed else ""))
                for kind, why in report.skipped.items():
                    print(f"not made: {types()[kind].lower()} ({why})", file=sys.stderr)
                if report.held_reason:
                    print(report.held_reason + " To let it write them: --let-small-model-write.", file=sys.stderr)
                if added and report.caution:
                    print(report.caution, file=sys.stderr)
            return 0 if report.made else 1
        if args.action == "due":
            items = store.due(profile)
            if args.json:
                _print_json([_item_json(i) for i in items])
            else:
                for i in items:
                    print(f"[{i.id}] {i.exercise.instruction()} {i.exercise.question()}")
                print(f"{len(items)} due; {store.done_today(profile)}/{profile.daily_goal} done today; "
                      f"streak {store.streak(profile)} day(s)")
            return 0
        if args.action == "answer":
            if args.id is None or args.answer is None:
                raise CLIError("exercise answer ID ANSWER")
            try:
                item = store.item(args.id)
            except ValueError as exc:
                raise CLIError(str(exc)) from exc
            g = item.exercise.grade(args.answer)
            review = store.record(item, args.answer, g.score, g.rating)
            if args.json:
                _print_json({"review": review, "score": g.score, "correct": g.correct, "hint": g.hint,
                             "answer": item.exercise.answer, "next_due": item.due.isoformat()})
            else:
                print(f"{g.label}. {g.hint}".strip() + f" Next review: {item.due:%Y-%m-%d %H:%M} UTC")
            return 0
        if args.action in ("remove", "restore"):
            if args.id is None:
                raise CLIError(f"exercise {args.action} ID")
            try:
                item = store.item(args.id)
                if args.action == "remove":
                    store.remove(item)
                else:
                    store.restore(item.id)
            except ValueError as exc:
                raise CLIError(str(exc)) from exc
            done = "removed from practice" if args.action == "remove" else "back in practice"
            print(f"exercise {item.id} {done}") if not args.json else _print_json({"id": item.id, args.action: True})
            return 0
        if args.action == "export":
            data = store.export_anki(profile) if args.anki else store.export_csv(profile)
            sys.stdout.write(data)
            return 0
        if args.action == "import":
            if not args.source:
                raise CLIError("exercise import --from FILE.csv")
            try:
                added = store.import_deck(profile, read_document(args.source).text)
            except ValueError as exc:
                raise CLIError(str(exc)) from exc
            print(f"imported {added} exercise(s)") if not args.json else _print_json({"imported": added})
            return 0
    except StoreError as exc:
        raise CLIError(str(exc)) from exc
    finally:
        store.close()
    return 0


# complete -------------------------------------------------------------------------
def cmd_complete(args: argparse.Namespace) -> int:
    from assistant.tasks.complete import CompletionRequest, run_completion

    text = read_input_text(args)
    if not text.strip():
        raise CLIError("the text is empty; there is nothing to continue")
    engine = open_engine(args)
    try:
        req = CompletionRequest(text, max_tokens=args.max_tokens)
        job = Job("complete", lambda ctx: run_completion(ctx, req))
        result = run_job(engine, job, stream=False)
        if args.json:
            last = engine.last_result
            _print_json({"completion": result, "model": engine.info.model_name if engine.info else None,
                         "tokens": last.generated_tokens if last else 0,
                         "tokens_per_second": round(last.tokens_per_second, 1) if last else 0})
        else:
            print(result)
    finally:
        engine.shutdown()
    return 0


# correct / summarize / translate ---------------------------------------------------
def _nonempty(args: argparse.Namespace, what: str) -> str:
    from assistant.languages import unsupported_script

    text = read_input_text(args)
    if not text.strip():
        raise CLIError(f"the text is empty; there is nothing to {what}")
    script = unsupported_script(text[:20_000])
    if script is not None:
        raise CLIError(f"the text is in {script} script, which none of the app's languages use")
    return text


def _progress(args: argparse.Namespace):
    """Progress on stderr (stdout stays the result, JSON included): one line rewritten in place on a
    terminal, a line per step in a log."""
    if sys.stderr.isatty():
        return lambda done, total, msg: print(f"\r{msg:40}", end="", file=sys.stderr, flush=True)
    last = [""]

    def log(done: int, total: int, msg: str) -> None:
        if msg and msg != last[0]:
            last[0] = msg
            print(f"progress: {msg}", file=sys.stderr, flush=True)

    return log


def cmd_correct(args: argparse.Namespace) -> int:
    from assistant.checking.checker import can_check
    from assistant.checking.personal import PersonalDictionary
    from assistant.languages import LanguageError, get_language
    from assistant.tasks.correct import GrammarChecker
    from assistant.text_diff import apply_edits

    text = _nonempty(args, "check")
    layers = {x.strip() for x in args.layers.split(",") if x.strip()}
    unknown = layers - {"rules", "judge", "forms", "model"}
    if unknown:
        raise CLIError(f"unknown layer {sorted(unknown)[0]!r}; choose from rules, judge, forms, model")
    language = None
    if args.language:
        try:
            language = get_language(args.language).code
        except LanguageError as exc:
            raise CLIError(str(exc)) from exc
        if not can_check(language):
            raise CLIError(f"no grammar or spelling checker serves {get_language(language).name}")
    personal = PersonalDictionary()
    if personal.warning:
        print(f"note: {personal.warning}", file=sys.stderr)
    checker = GrammarChecker(personal=personal, model_edits="model" in layers, style=args.style,
                             confusions="forms" in layers)
    checker.judge = "judge" in layers
    result = run_once(args, Job("correct", lambda ctx: checker.check(ctx, text, language),
                                on_progress=_progress(args)))
    fixes = [e for e in result.edits if not e.is_flag]
    corrected = apply_edits(text, fixes)
    if args.json:
        _print_json({"edits": [e.to_dict() for e in result.edits], "corrected": corrected,
                     "paragraphs": result.paragraphs, "rejected_rewrites": result.rejected_rewrites,
                     "languages": result.languages, "unchecked_paragraphs": result.unchecked})
    elif args.apply:
        sys.stdout.write(corrected if corrected.endswith("\n") else corrected + "\n")
    else:
        for e in result.edits:
            line = text.count("\n", 0, e.start) + 1
            fix = "(no suggestion)" if e.is_flag else f"-> {e.replacement!r}"
            print(f"{line}:{e.start}-{e.end} {e.category} [{e.layer}]: {e.original!r} {fix} ({e.reason})")
        if not result.edits:
            print("no corrections")
    if result.unchecked:
        print(f"note: {result.unchecked} paragraph(s) in a language no checker serves were not checked",
              file=sys.stderr)
    return 0


def cmd_summarize(args: argparse.Namespace) -> int:
    from assistant.tasks.summarize import SummaryRequest, lengths, summarize

    if args.length not in lengths():
        raise CLIError(f"unknown length {args.length!r}; choose one of: {', '.join(lengths())}")
    text = _nonempty(args, "summarise")
    job = Job("summarize", lambda ctx: summarize(ctx, SummaryRequest(text, args.length)),
              on_progress=_progress(args))
    # Printed whole: a summary is shown only once it has passed the checks against the text.
    result = run_once(args, job, stream=False)
    if args.json:
        _print_json({"summary": result.text, "length": args.length, "chunks": result.chunks,
                     "reduce_passes": result.levels, "extracted": result.extracted, "dropped": result.dropped,
                     "rejected": result.rejected, "language": result.language,
                     "sources": [[text[s.start : s.end] for s in spans] for spans in result.sources]})
        return 0
    print(result.text)
    if result.extracted:
        print("note: extracted from the text (the text's own sentences): the model's summaries did not pass "
              "the checks — " + "; ".join(result.rejected), file=sys.stderr)
    if result.dropped:
        print(f"note: {result.dropped} line(s) the text does not support were left out", file=sys.stderr)
    return 0


def cmd_translate(args: argparse.Namespace) -> int:
    from assistant.languages import LanguageError, get_language
    from assistant.tasks.translate import parse_glossary, resolve_source, translate

    glossary: dict[str, str] = {}
    try:
        get_language(args.to)
        if args.source and args.source != "auto":
            get_language(args.source)
        if args.glossary:
            glossary = parse_glossary(read_document(args.glossary).text)
    except (LanguageError, ValueError, DocumentError) as exc:
        raise CLIError(str(exc)) from exc
    text = _nonempty(args, "translate")
    try:
        source = resolve_source(text, args.source).code
    except LanguageError as exc:
        raise CLIError(str(exc)) from exc
    job = Job("translate", lambda ctx: translate(ctx, text, args.to, args.source, glossary),
              on_progress=_progress(args))
    result = run_once(args, job, stream=not args.json, languages=[args.to, source])
    if result.untranslated and not args.json:
        print(f"note: {result.untranslated} passage(s) the model only repeated were left untranslated",
              file=sys.stderr)
    if args.json:
        _print_json({"translation": result.text, "source": result.source_lang, "target": result.target_lang,
                     "paragraphs": [{"source": s, "translation": t} for s, t in result.pairs if s.strip()],
                     "piecewise_lines": result.fallbacks, "untranslated": result.untranslated})
    return 0


def cmd_rewrite(args: argparse.Namespace) -> int:
    from assistant.tasks.rewrite import action_for, import_actions, result_to_dict, rewrite

    try:
        if args.actions:
            own = {a.name.lower(): a for a in import_actions(args.actions)}
            action = own.get(args.style.lower()) or action_for(args.style)
        else:
            action = action_for(args.style)
    except (OSError, ValueError) as exc:
        raise CLIError(str(exc)) from exc
    text = _nonempty(args, "rewrite")
    result = run_once(args, Job("rewrite", lambda ctx: rewrite(ctx, text, action), on_progress=_progress(args)))
    if args.json:
        _print_json({**result_to_dict(result, action), "unchanged_paragraphs": result.refused})
    else:
        sys.stdout.write(result.text if result.text.endswith("\n") else result.text + "\n")
        if result.refused:
            print(f"note: the model did not rewrite {result.refused} of {result.paragraphs} paragraphs; "
                  "they are unchanged", file=sys.stderr)
        for why in result.unfaithful:
            print(f"note: {why}; that paragraph is unchanged", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="writing-assistant-cli", description="Offline writing assistant")
    sub = parser.add_subparsers(dest="command", required=True)

    def model_opts(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model", help="model id or file name from the library (default: the library's default)")
        p.add_argument("--server", help="use an OpenAI-compatible server at this URL instead of a local model")
        p.add_argument("--server-model", help="model name on the server (default: its first)")
        p.add_argument("--ctx", type=int, default=4096, help="context size in tokens")
        p.add_argument("--parallel", type=int, default=0, metavar="N",
                       help="prompts of a document decoded together (server: requests at once); 0: automatic")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.add_argument("--adapter", action="append", metavar="PATH[:SCALE]",
                       help="attach a GGUF LoRA adapter (repeatable; scale defaults to 1)")

    def text_opts(p: argparse.ArgumentParser) -> None:
        p.add_argument("text", nargs="?", help="the text; '-' or nothing reads stdin")
        p.add_argument("--file", help="read the text from this file")
        p.add_argument("--encoding", help="encoding of the file or stdin (default: UTF-8, checked)")

    m = sub.add_parser("models", help="the model library")
    m.add_argument("action", choices=["list", "info", "add", "remove", "default", "bundled", "catalog", "search",
                                      "download", "scan"],
                   help="catalog: models to download, with how each fits this machine; search QUERY: GGUF models "
                        "on the Hub; download REPO|CATALOG_ID: fetch, check and add (resumes); scan: models other "
                        "tools downloaded (--add adds them in place)")
    m.add_argument("id", nargs="?", help="model id, a .gguf path for add, a query, a repo or catalog id")
    m.add_argument("--json", action="store_true")
    m.add_argument("--no-probe", action="store_true", help="skip the trial load in a child process")
    m.add_argument("--file", help="download: the .gguf file in the repo")
    m.add_argument("--quant", help="download: the quantisation to pick (default Q4_K_M)")
    m.add_argument("--files", action="store_true", help="search: list each repo's .gguf files with sizes")
    m.add_argument("--limit", type=int, default=10, help="search --files: repos to list files for")
    m.add_argument("--add", action="store_true", help="scan: add what was found (validated and trial-loaded)")
    m.add_argument("--context", type=int, default=4096, help="catalog: context size for the memory estimate")
    m.set_defaults(func=cmd_models)

    i = sub.add_parser("import", help="import a fine-tune: a GGUF model, a GGUF LoRA, a PEFT adapter folder, or a "
                                      "Hugging Face model folder (config.json + safetensors), converted to GGUF")
    i.add_argument("path")
    i.add_argument("--base", help="model id the adapter belongs to (default: the default model)")
    i.add_argument("--quant", default=DEFAULT_QUANT, choices=STORAGE_CHOICES,
                   help=f"a converted model's quantization (default {DEFAULT_QUANT})")
    i.add_argument("--keep-f16", action="store_true", help="keep the intermediate f16 GGUF of a converted model")
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_import)

    x = sub.add_parser("exercise", help="language exercises: profiles, generation, due reviews, answers")
    x.add_argument("action", choices=["profile", "generate", "due", "answer", "remove", "restore", "export", "import"])
    x.add_argument("id", nargs="?", type=int, help="exercise id (answer, remove, restore)")
    x.add_argument("answer", nargs="?", help="your answer (answer)")
    x.add_argument("--db", help="study bank file (default: in the data folder)")
    x.add_argument("--profile", help="profile name (default: the first)")
    x.add_argument("--name", help="profile add: its name")
    x.add_argument("--native", default="en")
    x.add_argument("--target", default="fr")
    x.add_argument("--level", default="A2")
    x.add_argument("--goal", type=int, default=20)
    x.add_argument("--type", action="append", help="exercise type (repeatable; default: all)")
    x.add_argument("--topic")
    x.add_argument("--from", dest="source", help="make exercises from this document (generate) or import it")
    x.add_argument("--count", type=int, default=6)
    x.add_argument("--let-small-model-write", action="store_true",
                   help="generate: let a very small model write what data cannot build (read its items)")
    x.add_argument("--anki", action="store_true", help="export as Anki-importable TSV instead of CSV")
    x.add_argument("--model")
    x.add_argument("--server")
    x.add_argument("--server-model")
    x.add_argument("--ctx", type=int, default=2048)
    x.add_argument("--json", action="store_true")
    x.set_defaults(func=cmd_exercise)

    c = sub.add_parser("complete", help="continue a text")
    text_opts(c)
    model_opts(c)
    c.add_argument("--max-tokens", type=int, default=48)
    c.set_defaults(func=cmd_complete)

    g = sub.add_parser("correct", help="grammar and spelling corrections, as edits")
    text_opts(g)
    model_opts(g)
    g.add_argument("--apply", action="store_true", help="print the corrected text instead of the edits")
    g.add_argument("--language", help="check as this language (default: detected per paragraph)")
    g.add_argument("--style", action="store_true",
                   help="also suggest style, not only errors: a comma after an opening word, a stronger word, "
                        "American words for British ones")
    g.add_argument("--layers", default="rules,judge,forms,model",
                   help="layers to run, comma-separated: rules (rules and dictionaries, always on), judge, "
                        "forms (the model judging word forms, articles, prepositions), model")
    g.set_defaults(func=cmd_correct)

    s = sub.add_parser("summarize", aliases=["summarise"], help="summarise a text of any length")
    text_opts(s)
    model_opts(s)
    s.add_argument("--length", default="paragraph", help="sentence, paragraph or bullets")
    s.set_defaults(func=cmd_summarize)

    t = sub.add_parser("translate", help="translate, keeping paragraphs and Markdown")
    text_opts(t)
    model_opts(t)
    t.add_argument("--to", required=True, help="target language code (en, fr, de, zh, ...)")
    t.add_argument("--from", dest="source", default="auto", help="source language code (default: detect)")
    t.add_argument("--glossary", help="file of 'term = translation' lines the translation must keep")
    t.set_defaults(func=cmd_translate)

    r = sub.add_parser("rewrite", help="change the tone or style; --json gives the edits")
    text_opts(r)
    model_opts(r)
    r.add_argument("--style", required=True,
                   help="formal, friendly, concise, simple, expand, flow, the name of an action in --actions, "
                        "or your own instruction in quotes")
    r.add_argument("--actions", help="a rewrite-actions file exported from the app, to use its actions by name")
    r.set_defaults(func=cmd_rewrite)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CLIError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (BackendError, LibraryError, DocumentError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
