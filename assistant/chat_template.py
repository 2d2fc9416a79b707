"""Render a GGUF's chat template in a bounded Jinja sandbox.

A chat template is code shipped inside a downloaded file. It is rendered in Jinja's
immutable sandbox, so a template that reaches for Python internals
(``__class__.__mro__``, ``__globals__``...) or mutates its inputs fails with
ChatTemplateError instead of running. It is also bounded in time and size: every call,
attribute lookup, filter and arithmetic operator checks a deadline, operators and filters
that would build a huge value are refused before they build it, and the output is streamed
and cut off at a size limit. A hostile template cannot hang the worker or eat the memory.
"""

from __future__ import annotations

import functools
import threading
import time
from datetime import datetime
from typing import Any

from jinja2 import TemplateError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_OUTPUT = 2_000_000  # characters of rendered prompt
MAX_SECONDS = 2.0  # a real template renders in well under a millisecond
MAX_VALUE = MAX_OUTPUT  # characters (or items) in any value a template computes


class ChatTemplateError(ValueError):
    """The model's chat template could not be rendered safely."""


class _TooCostly(ChatTemplateError):
    pass


_limits = threading.local()


def _tick() -> None:
    deadline = getattr(_limits, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise _TooCostly(f"the model's chat template took longer than {MAX_SECONDS:g} s and was stopped")


def _check_size(value: Any) -> Any:
    if isinstance(value, (str, list, tuple, dict)) and len(value) > MAX_VALUE:
        raise _TooCostly("the model's chat template built an absurdly large value and was stopped")
    return value


def _check_args(args: tuple, kwargs: dict) -> None:
    for a in (*args, *kwargs.values()):
        if isinstance(a, int) and not isinstance(a, bool) and abs(a) > MAX_VALUE:
            raise _TooCostly("the model's chat template asked for an absurdly large value and was stopped")
        _check_size(a)


def _bounded(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        _tick()
        _check_args(args, kwargs)
        return _check_size(fn(*args, **kwargs))

    return wrapper


def _length(value: Any) -> int:
    return len(value) if isinstance(value, (str, list, tuple, dict)) else 0


class _BoundedEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset(["*", "**", "+", "//", "%"])

    def call_binop(self, context, operator, left, right):
        _tick()
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if _length(seq) and isinstance(n, int) and _length(seq) * max(n, 0) > MAX_VALUE:
                    raise _TooCostly("the model's chat template built an absurdly large value and was stopped")
        elif operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
            raise _TooCostly("the model's chat template computed an absurd power and was stopped")
        elif operator == "+" and _length(left) + _length(right) > MAX_VALUE:
            raise _TooCostly("the model's chat template built an absurdly large value and was stopped")
        return _check_size(super().call_binop(context, operator, left, right))

    def call(self, __context, __obj, *args, **kwargs):
        _tick()
        _check_args(args, kwargs)
        return _check_size(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj, attribute):
        _tick()
        return _check_size(super().getattr(obj, attribute))

    def getitem(self, obj, argument):
        _tick()
        return _check_size(super().getitem(obj, argument))


def _raise(message: str) -> None:
    raise ChatTemplateError(f"the chat template rejected the conversation: {message}")


def _environment() -> ImmutableSandboxedEnvironment:
    env = _BoundedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
    env.filters = {name: _bounded(f) for name, f in env.filters.items()}
    env.tests = {name: _bounded(f) for name, f in env.tests.items()}
    env.globals["raise_exception"] = _raise
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(str(fmt)[:100])
    return env


_ENV = _environment()


@functools.lru_cache(maxsize=16)
def _compile(template: str):
    return _ENV.from_string(template)


def render_chat(
    template: str,
    messages: list[dict[str, str]],
    bos_token: str = "",
    eos_token: str = "",
    add_generation_prompt: bool = True,
) -> str:
    outer = getattr(_limits, "deadline", None)
    _limits.deadline = time.monotonic() + MAX_SECONDS
    try:
        compiled = _compile(template)
        parts, size = [], 0
        for chunk in compiled.generate(messages=messages, bos_token=bos_token, eos_token=eos_token,
                                       add_generation_prompt=add_generation_prompt):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise ChatTemplateError("the model's chat template produced an absurdly long prompt")
            _tick()
            parts.append(chunk)
        return "".join(parts)
    except SecurityError as exc:
        raise ChatTemplateError(f"the model's chat template tried an unsafe operation and was stopped ({exc})") from exc
    except ChatTemplateError:
        raise
    except (TemplateError, TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError,
            RecursionError, MemoryError) as exc:
        raise ChatTemplateError(f"the model's chat template failed: {exc}") from exc
    finally:
        _limits.deadline = outer
