"""The inventory's vocabulary: items, snapshots, and the two ways a source can fail to report.

An :class:`Item` is one thing the agent found (a disk, a package ...) identified by
``(kind, key)``; its ``attrs`` are strings, exactly as they travel in ``InventoryItem``.
A snapshot maps ``(kind, key)`` to attrs. Parsers raise :class:`ParseError` for output they do
not understand, and readers raise :class:`NotApplicable` when the thing they read does not exist
on this machine (no dpkg on a Fedora host, no DMI table in a VM): the first is reported to the
collector as an UNKNOWN function, the second is silence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

ItemId = tuple[str, str]
Snapshot = dict[ItemId, dict[str, str]]

# Firmware and vendors fill unknown fields with these; they identify nothing, so they are dropped.
_PLACEHOLDERS = frozenset(
    {
        "",
        "0",
        "none",
        "n/a",
        "na",
        "unknown",
        "not specified",
        "not provided",
        "not available",
        "not applicable",
        "to be filled by o.e.m.",
        "to be filled by oem",
        "default string",
        "system serial number",
        "system product name",
        "system manufacturer",
        "system version",
        "chassis serial number",
        "o.e.m.",
        "oem",
        "123456789",
        "(none)",
    }
)


class ParseError(ValueError):
    """Captured output that a parser does not understand; the message says what and where."""


class NotApplicable(Exception):
    """The source does not exist here (tool not installed, no firmware table): skip it quietly."""


class SourceError(RuntimeError):
    """Reading a source failed (a command exited non-zero, timed out, a file was unreadable)."""


@dataclass(frozen=True)
class Item:
    """One inventory item; attrs with empty or placeholder values are left out."""

    kind: str
    key: str
    attrs: Mapping[str, str] = field(default_factory=dict)

    @property
    def id(self) -> ItemId:
        return (self.kind, self.key)


def meaningful(value: object) -> str:
    """``value`` as a stripped string, or "" when it is empty or a firmware placeholder."""
    if value is None:
        return ""
    text = " ".join(str(value).split())
    return "" if text.lower() in _PLACEHOLDERS else text


def item(kind: str, key: str, **attrs: object) -> Item:
    """Build an item, dropping attributes without a meaningful value."""
    if not key:
        raise ParseError(f"{kind}: an item without a key")
    kept = {name: text for name, value in attrs.items() if (text := meaningful(value))}
    return Item(kind, key, kept)


JsonShape = TypeVar("JsonShape", dict[str, Any], list[Any])


def json_output(text: str, tool: str, shape: type[JsonShape]) -> JsonShape:
    """A tool's JSON output, which must be an object (``dict``) or a list (``list``) at the
    top; :class:`ParseError` naming ``tool`` for anything else."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ParseError(f"{tool} output is not JSON: {exc}") from None
    if not isinstance(data, shape):
        raise ParseError(f"{tool} output is not a {'JSON object' if shape is dict else 'list'}")
    return data


# A memory module's attributes, in the order each source lists the fields it reads them from.
MEMORY_MODULE_ATTRS = ("type", "speed", "manufacturer", "serial", "part")


def memory_module(key: str, size: object, record: Mapping[str, Any], fields: tuple[str, ...]) -> Item:
    """The ``memory_module`` item for the slot ``key``: ``fields`` name, in the order of
    :data:`MEMORY_MODULE_ATTRS`, where ``record`` holds each attribute."""
    attrs = {attr: record.get(name) for attr, name in zip(MEMORY_MODULE_ATTRS, fields, strict=True)}
    return item("memory_module", key, size_bytes=size, **attrs)


def snapshot(items: Iterable[Item]) -> Snapshot:
    """Items as a snapshot; a later item with the same id replaces an earlier one."""
    return {it.id: dict(it.attrs) for it in items}


def keyed_by_arch(rows: Iterable[tuple[str, str, Mapping[str, str]]]) -> list[Item]:
    """Package items keyed by name, or ``name:arch`` when one name is installed for several
    architectures (dpkg multi-arch, rpm multilib). ``rows`` are (name, arch, attrs)."""
    materialised = list(rows)
    counts: dict[str, int] = {}
    for name, _arch, _attrs in materialised:
        counts[name] = counts.get(name, 0) + 1
    out: list[Item] = []
    for name, arch, attrs in materialised:
        key = f"{name}:{arch}" if counts[name] > 1 else name
        out.append(item("package", key, **attrs))
    return out
