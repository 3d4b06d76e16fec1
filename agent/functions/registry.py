"""The check kinds, by name: one module per kind, listed here explicitly.

Adding a kind is its file (exposing ``KIND: CheckKind``) plus one line in :data:`KINDS`. A kind's
module is imported the first time a function of that kind is configured, so an agent that
checks no certificates never loads what the TLS check needs.
"""

from __future__ import annotations

import importlib
from typing import Any

from agent.functions.base import CheckKind

# kind name -> module exposing ``KIND``.
KINDS: dict[str, str] = {
    "process": "agent.functions.process",
    "systemd": "agent.functions.systemd",
    "tcp": "agent.functions.tcp",
    "http": "agent.functions.http",
    "tls": "agent.functions.tls",
    "file": "agent.functions.file",
    "log": "agent.functions.log",
    "ping": "agent.functions.ping",
}


class UnknownKind(KeyError):
    """No check kind of that name."""

    def __str__(self) -> str:
        return f"unknown kind {self.args[0]!r} (known: {', '.join(sorted(KINDS))})"


def get_kind(name: str) -> CheckKind[Any]:
    """The kind registered as ``name``; raises :class:`UnknownKind`."""
    path = KINDS.get(name)
    if path is None:
        raise UnknownKind(name)
    kind: CheckKind[Any] = importlib.import_module(path).KIND
    if kind.name != name:  # a copy-pasted module must not answer for another kind
        raise RuntimeError(f"{path}.KIND is named {kind.name!r}, registered as {name!r}")
    return kind
