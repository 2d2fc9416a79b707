"""Render a GGUF's chat template in a Jinja sandbox.

A chat template is code shipped inside a downloaded file. It is rendered in Jinja's
immutable sandbox, so a template that reaches for Python internals
(``__class__.__mro__``, ``__globals__``...) or mutates its inputs fails with
ChatTemplateError instead of running.
"""

from __future__ import annotations

from datetime import datetime

from jinja2 import TemplateError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_OUTPUT = 2_000_000


class ChatTemplateError(ValueError):
    """The model's chat template could not be rendered safely."""


def _raise(message: str) -> None:
    raise ChatTemplateError(f"the chat template rejected the conversation: {message}")


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
    env.globals["raise_exception"] = _raise
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return env


_ENV = _environment()


def render_chat(
    template: str,
    messages: list[dict[str, str]],
    bos_token: str = "",
    eos_token: str = "",
    add_generation_prompt: bool = True,
) -> str:
    try:
        compiled = _ENV.from_string(template)
        text = compiled.render(
            messages=messages,
            bos_token=bos_token,
            eos_token=eos_token,
            add_generation_prompt=add_generation_prompt,
        )
    except SecurityError as exc:
        raise ChatTemplateError(f"the model's chat template tried an unsafe operation and was stopped ({exc})") from exc
    except ChatTemplateError:
        raise
    except (TemplateError, TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        raise ChatTemplateError(f"the model's chat template failed: {exc}") from exc
    if len(text) > MAX_OUTPUT:
        raise ChatTemplateError("the model's chat template produced an absurdly long prompt")
    return text
