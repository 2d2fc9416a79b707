"""What a writing pane uses of the window, and nothing more: the editor, the engine bridge, the model
router and library, settings, the personal dictionary, and the few window actions a pane may ask for.

Panes receive this, not the main window, so what each depends on is written down in one place and a
pane can be built without a window around it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from assistant.checking.personal import PersonalDictionary
    from assistant.model_library import ModelEntry, ModelLibrary
    from ui.editor import DocumentEditor
    from ui.engine_bridge import EngineBridge
    from ui.model_router import ModelRouter
    from ui.settings import Settings


@dataclass(frozen=True)
class PaneServices:
    editor: DocumentEditor
    bridge: EngineBridge  # the writer's model's engine
    router: ModelRouter  # a second model for what the writer's cannot do
    settings: Settings
    library: ModelLibrary
    personal: PersonalDictionary
    model_id: Callable[[], str | None]  # the loaded local model's library id (None: none, or a server)
    load_model: Callable[[ModelEntry], None]  # make it the writer's model (the window loads it)
    adapters_for: Callable[[str], tuple[tuple[str, float], ...]]  # a pane kind's adapters on the loaded model
    tab_badge: Callable[[QWidget, int], None]  # a count on the pane's tab
    open_as_new_document: Callable[[str], bool]  # a text in a new document, after the current one is kept
