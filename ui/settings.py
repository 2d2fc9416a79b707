"""Every persisted setting, declared once with its type and default, read through one object.

Backed by QSettings in an INI file inside the app's data folder, so a test or a portable
install (WRITING_ASSISTANT_HOME) never touches the user's real settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings

from assistant.paths import data_dir


@dataclass(frozen=True)
class Option:
    key: str
    type: type
    default: Any
    description: str
    choices: tuple = ()  # the values a str option may take (empty: any)
    minimum: int | None = None
    maximum: int | None = None

    def check(self, value: Any) -> Any:
        """The value if it is one this option may take; ValueError otherwise."""
        if self.choices and value not in self.choices:
            raise ValueError(f"{self.key} must be one of {', '.join(map(str, self.choices))}")
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise ValueError(f"{self.key} must be between {self.minimum} and {self.maximum}")
        if self.type is list and not all(isinstance(v, str) for v in value):
            raise ValueError(f"{self.key} must be a list of text")
        return value


OPTIONS: dict[str, Option] = {o.key: o for o in (
    Option("theme", str, "system", "Colour scheme: system, light or dark", ("system", "light", "dark")),
    Option("autosave_seconds", int, 5, "How often unsaved text is written to the recovery file", minimum=1,
           maximum=3600),
    Option("recent_files", list, [], "Recently opened documents, newest first"),
    Option("context_size", int, 4096, "Context window in tokens for local models", minimum=256, maximum=1 << 20),
    Option("batch_sequences", int, 0, "Prompts a document task decodes together on a local model "
           "(0: chosen for the machine, 4 on a CPU, 8 to 32 on a GPU by its free memory)", minimum=0, maximum=64),
    Option("server_concurrency", int, 4, "Requests a document task sends a server at once", minimum=1, maximum=64),
    Option("route_models", bool, True, "Run translation and exercises on another installed model (kept loaded "
           "beside the writer's) when the loaded one cannot write the language"),
    Option("task_models", str, "{}", "The model the writer chose for a task: {task: model id}; absent: automatic"),
    Option("backend", str, "local", "local (embedded llama.cpp) or remote (OpenAI-compatible server)",
           ("local", "remote")),
    Option("server_url", str, "", "Base URL of the OpenAI-compatible server"),
    Option("server_model", str, "", "Model name on the server (empty: the server's first)"),
    Option("server_is_base_model", bool, False, "Prompt the server's model with few-shot prompts"),
    Option("window_geometry", bytes, b"", "Main window geometry"),
    Option("window_state", bytes, b"", "Dock and toolbar layout"),
    Option("font_size", int, 12, "Editor font size in points", minimum=4, maximum=96),
    Option("inline_completion", bool, True, "Show ghost-text suggestions while typing"),
    Option("live_checking", bool, True, "Underline spelling and grammar (rules, dictionaries) while typing"),
    Option("style_suggestions", bool, False, "Grammar: suggest style too (commas after opening words, stronger "
           "words, American words for British ones), not only errors"),
    Option("inline_delay_ms", int, 300, "Pause in typing before a suggestion is requested", minimum=0,
           maximum=10_000),
    Option("inline_off_documents", list, [], "Documents for which the writer turned suggestions off"),
    Option("summary_length", str, "paragraph", "Summary length: sentence, paragraph or bullets",
           ("sentence", "paragraph", "bullets")),
    Option("translate_target", str, "fr", "Language code translations go into"),
    Option("translate_glossary", str, "", "Glossary for translation: 'term = translation' per line"),
    Option("rewrite_actions", str, "[]", "The writer's own rewrite actions, as a rewrite-actions JSON file"),
    Option("pane_adapters", str, "{}", "LoRA adapters each pane uses, per model: {model: {pane: [[path, scale]]}}"),
    Option("rewrite_action_adapters", str, "{}",
           "Adapter per rewrite action, per model: {model: {action: [[path, scale]]}}"),
    Option("rewrite_action", str, "formal", "The rewrite action chosen last (style key or custom:NAME)"),
)}

MAX_RECENT = 10


class Settings:
    def __init__(self) -> None:
        self._qs = QSettings(str(data_dir() / "settings.ini"), QSettings.Format.IniFormat)

    def get(self, key: str) -> Any:
        opt = OPTIONS[key]
        value = self._qs.value(key, opt.default)
        if value is None:
            return opt.default
        # The INI file is the user's to edit (or damage): a value of the wrong type or out of range
        # reads as the default, never as an exception in some widget.
        try:
            if opt.type is bool:
                parsed = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
            elif opt.type is list:
                parsed = list(value) if isinstance(value, (list, tuple)) else ([value] if value else [])
            elif opt.type is bytes:
                parsed = bytes(value) if isinstance(value, (bytes, bytearray)) else b""
            else:
                parsed = opt.type(value)
            return opt.check(parsed)
        except (TypeError, ValueError, OverflowError):
            return opt.default

    def set(self, key: str, value: Any) -> None:
        if key not in OPTIONS:
            raise KeyError(key)
        # No sync() here: it rewrites the whole INI file, and some settings change on every
        # keystroke (the glossary). QSettings writes itself from the event loop; flush() at close.
        self._qs.setValue(key, value)

    def flush(self) -> None:
        self._qs.sync()

    def add_recent(self, path: str) -> list[str]:
        recent = [p for p in self.get("recent_files") if p != path]
        recent.insert(0, path)
        del recent[MAX_RECENT:]
        self.set("recent_files", recent)
        return recent
