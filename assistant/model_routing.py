"""Which installed model a task should run on, given the languages it must read and write.

The writer loads one model for everything (ghost text, grammar, rewriting). A task that needs a
language that model cannot write (translation into French with an English-only SmolLM2, a French
learner's exercises) runs on the best installed model that can, or, when the writer chose a model for
that task in the Models pane, on that one. With no able model the task is refused with the reason,
never given to a model that would write nonsense in the language's name.

"Best" ranks the able models by how they would run here (runs well, then tight; too big is never
chosen), then by whether it would crawl (under ~6 tok/s), then by size (a larger model of a known family
writes better), so a 27B model that fits a laptop's memory but crawls does not win over a 1B one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.backends.base import BackendInfo
from assistant.hub.fit import Machine, estimate_fit
from assistant.languages import languages
from assistant.model_languages import ModelLanguages, languages_of, model_languages
from assistant.model_library import ModelEntry

VERDICT_RANK = {"runs well": 0, "tight": 1, "too big": 2}
SPEED_RANK = {"fast": 0, "usable": 0, "slow": 1}  # usable is fast enough for a larger, better model


def entry_languages(entry: ModelEntry) -> ModelLanguages:
    return model_languages(entry.info.name, entry.info.architecture, entry.declared_languages)


def _serves_all(ml: ModelLanguages, codes: Iterable[str]) -> bool | None:
    """True when known to write every code, False when known not to write one, None when unknown."""
    verdicts = [ml.serves(c) for c in codes]
    if any(v is False for v in verdicts):
        return False
    return None if any(v is None for v in verdicts) else True


def _missing(ml: ModelLanguages, codes: Iterable[str]) -> str:
    return next(c for c in codes if ml.serves(c) is False)


@dataclass(frozen=True)
class Route:
    """Where a task runs. ``entry`` None with no ``refusal``: on the loaded model."""

    entry: ModelEntry | None = None
    why: str = ""  # why the task moves to ``entry``: "SmolLM2 writes only English, not French"
    refusal: str = ""  # the task must not run: no able model (or the chosen one cannot)
    language: str = ""  # the language the refusal is about

    @property
    def on_loaded(self) -> bool:
        return self.entry is None and not self.refusal


def able_models(entries: Iterable[ModelEntry], codes: list[str], machine: Machine | None = None,
                n_ctx: int = 4096) -> list[ModelEntry]:
    """The installed models known to write every code, best first (see the module's note); a model
    too big for this machine is left out when the machine is known."""
    scored = []
    for entry in entries:
        if _serves_all(entry_languages(entry), codes) is not True:
            continue
        fit_rank = speed_rank = 0
        if machine is not None:
            fit = estimate_fit(entry.info.file_size, entry.info.kv_bytes_per_token, n_ctx, machine)
            if fit.verdict == "too big":
                continue
            fit_rank, speed_rank = VERDICT_RANK[fit.verdict], SPEED_RANK[fit.speed]
        scored.append(((fit_rank, speed_rank, -entry.info.parameter_count, entry.info.name), entry))
    return [entry for _key, entry in sorted(scored, key=lambda s: s[0])]


def choose(entries: list[ModelEntry], codes: list[str], loaded: BackendInfo | None, loaded_id: str | None,
           chosen_id: str | None = None, machine: Machine | None = None, n_ctx: int = 4096) -> Route:
    """Where a task needing ``codes`` runs.

    ``loaded`` is the model the writer has loaded (``loaded_id`` its library id; None for a server's
    model), ``chosen_id`` the model the writer picked for this task in the Models pane (None:
    automatic). Automatic keeps the loaded model when it writes the languages (or when nothing says
    which it writes: the writer's choice stands), else picks the best able installed model.
    """
    codes = list(dict.fromkeys(codes))
    names = languages()
    by_id = {e.id: e for e in entries}
    if chosen_id and chosen_id in by_id:
        chosen = by_id[chosen_id]
        ml = entry_languages(chosen)
        if _serves_all(ml, codes) is False:
            code = _missing(ml, codes)
            return Route(refusal=f"you chose {chosen.info.name} for this task in the Models pane, but "
                                 f"{ml.describe(chosen.info.name)}, not {names[code].name}", language=code)
        return Route(None if chosen_id == loaded_id else chosen, "chosen for this task in the Models pane")
    if loaded is not None:
        loaded_ml = languages_of(loaded)
        if _serves_all(loaded_ml, codes) is not False:
            return Route()
        code = _missing(loaded_ml, codes)
        why_not = f"{loaded_ml.describe(loaded.model_name)}, not {names[code].name}"
    else:
        code, why_not = codes[0] if codes else "", "no model is loaded"
    able = able_models(entries, codes, machine, n_ctx)
    if able:
        best = able[0]
        return Route(None if best.id == loaded_id else best, why_not)
    advice = ("no installed model is known to write it. Get one in Models › Get models… "
              "(Gemma 3 or Qwen2.5, for example)")
    if machine is not None and able_models(entries, codes):
        advice = "the installed models that write it are too big for this machine's free memory"
    return Route(refusal=f"{why_not}, and {advice}", language=code)


def choose_entry(entries: list[ModelEntry], default: ModelEntry, codes: list[str], machine: Machine | None = None,
                 n_ctx: int = 4096) -> tuple[ModelEntry, str]:
    """For the command line, which loads one model per command: the default model when it writes the
    languages, else the best able one, with why the default does not do (empty when it stays). With no able model the
    default stays, and the task refuses it with its own message."""
    ml = entry_languages(default)
    if _serves_all(ml, codes) is not False:
        return default, ""
    able = able_models(entries, codes, machine, n_ctx)
    if not able:
        return default, ""
    code = _missing(ml, codes)
    return able[0], f"{ml.describe(default.info.name)}, not {languages()[code].name}"


def parse_choices(raw: str) -> dict[str, str]:
    """The per-task model choices as stored in the settings ({task: model id}); {} when damaged."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str) and v}
