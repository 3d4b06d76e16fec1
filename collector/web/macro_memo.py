"""``{{ memo(macro, args...) }}``: a pure macro's output rendered once per request for each
distinct argument tuple, then reused.

A list row that calls the same badge macro for each of its hundred rows (a device's stream
state, a function's health, a 24-hour sparkline that is all OK for most functions) pays a
macro call only for each value that occurs; the markup stays in the macro. Only for macros
whose output depends on their arguments alone (no ``caller``, no time, no request state).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from flask import Flask, g
from jinja2.runtime import Macro

_G_KEY = "macro_memo"


def _key_part(value: Any) -> Hashable:
    return tuple(value) if isinstance(value, list) else value


def memo(macro: Macro, *args: Any) -> str:
    """The Jinja global: ``macro(*args)``, rendered at most once per request per argument tuple.

    What the macro returns is returned unchanged (``Markup`` in an autoescaped template). The
    cache holds the macro object itself, so its identity stays unique while cached."""
    cache: dict[tuple[Macro, tuple[Hashable, ...]], str] = g.setdefault(_G_KEY, {})
    key = (macro, tuple(_key_part(a) for a in args))
    found = cache.get(key)
    if found is None:
        found = cache[key] = macro(*args)
    return found


def init_app(app: Flask) -> None:
    app.add_template_global(memo, "memo")
