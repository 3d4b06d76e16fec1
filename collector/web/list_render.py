"""Two template helpers for pages that render long lists (the fleet's device list, a customer's
functions, the alerts), where per-row calls, not queries, are what the page costs.

``{{ memo(macro, args...) }}``: a pure macro's output rendered once per request for each
distinct argument tuple, then reused. A costly macro called for each of a hundred rows (the
customer screen's 24-hour sparkline: 24 bars and a count, the same for most functions) is paid
only for each value that occurs; the markup stays in the macro. Only for macros whose output
depends on their arguments alone (no ``caller``, no time, no request state); a macro of a few
tags costs about what the lookup does.

``{% set device_url = id_url('dashboard.device', 'device_id') %}`` … ``{{ device_url(d.id) }}``:
``url_for`` with one integer argument (a route's ``<int:…>`` part, or a query argument such
as ``?customer=7``), built once per page instead of once per row.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, g, url_for
from jinja2.runtime import Macro

_G_KEY = "macro_memo"
_MARKER = 8_675_309_000_000_000_001  # an id no route is built with, to find where the id goes


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


def id_url(endpoint: str, arg: str) -> Callable[[int], str]:
    """The Jinja global: a function giving ``url_for(endpoint, **{arg: id})`` for any integer id,
    ``arg`` being an ``<int:…>`` part of the route or a query argument, where the id is written
    as its decimal digits (checked once here: a converter that pads or reformats is refused)."""

    def with_id(value: int) -> str:
        values: dict[str, Any] = {arg: value}
        return url_for(endpoint, **values)

    head, found, tail = with_id(_MARKER).partition(str(_MARKER))

    def build(value: int) -> str:
        return f"{head}{int(value)}{tail}"

    if not found or build(7) != with_id(7):
        raise ValueError(f"{endpoint}: {arg} is not written in its URL as the id's digits")
    return build


def init_app(app: Flask) -> None:
    app.add_template_global(memo, "memo")
    app.add_template_global(id_url, "id_url")
