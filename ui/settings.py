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


OPTIONS: dict[str, Option] = {o.key: o for o in (
    Option("theme", str, "system", "Colour scheme: system, light or dark"),
    Option("autosave_seconds", int, 5, "How often unsaved text is written to the recovery file"),
    Option("recent_files", list, [], "Recently opened documents, newest first"),
    Option("context_size", int, 4096, "Context window in tokens for local models"),
    Option("backend", str, "local", "local (embedded llama.cpp) or remote (OpenAI-compatible server)"),
    Option("server_url", str, "", "Base URL of the OpenAI-compatible server"),
    Option("server_model", str, "", "Model name on the server (empty: the server's first)"),
    Option("server_is_base_model", bool, False, "Prompt the server's model with few-shot prompts"),
    Option("window_geometry", bytes, b"", "Main window geometry"),
    Option("window_state", bytes, b"", "Dock and toolbar layout"),
    Option("font_size", int, 12, "Editor font size in points"),
    Option("inline_completion", bool, True, "Show ghost-text suggestions while typing"),
    Option("inline_delay_ms", int, 300, "Pause in typing before a suggestion is requested"),
    Option("inline_off_documents", list, [], "Documents for which the writer turned suggestions off"),
    Option("summary_length", str, "paragraph", "Summary length: sentence, paragraph or bullets"),
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
        try:
            if opt.type is bool:
                return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
            if opt.type is list:
                return list(value) if isinstance(value, (list, tuple)) else ([value] if value else [])
            if opt.type is bytes:
                return bytes(value) if value else b""
            return opt.type(value)
        except (TypeError, ValueError):
            return opt.default

    def set(self, key: str, value: Any) -> None:
        if key not in OPTIONS:
            raise KeyError(key)
        self._qs.setValue(key, value)
        self._qs.sync()

    def add_recent(self, path: str) -> list[str]:
        recent = [p for p in self.get("recent_files") if p != path]
        recent.insert(0, path)
        del recent[MAX_RECENT:]
        self.set("recent_files", recent)
        return recent
