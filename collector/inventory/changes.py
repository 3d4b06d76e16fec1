"""Pure inventory logic: apply one report to a snapshot and say what changed.

A snapshot is the current inventory of one *subject* of one device (the agent's host, or
an SNMP target a gateway polls): items keyed by ``(kind, key)`` with string attributes.
A full report replaces the snapshot; any other report carries upserts and removals.
Every difference becomes one :class:`Change`, classified by :func:`classify`: software
(``package``) is installed, removed, upgraded, downgraded or changed; everything else
(hardware, OS, neighbours ...) is added, removed, changed, or has its serial changed.

The first full report of a subject with no snapshot yet is the *baseline*: it is stored
but produces no changes (a new agent did not just install 2,000 packages).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from collector.inventory.versions import VersionError, compare_versions, scheme_for
from eus.v1 import eus_pb2

ItemKey = tuple[str, str]  # (kind, key)
Attrs = Mapping[str, str]
Snapshot = Mapping[ItemKey, Attrs]

SOFTWARE_KINDS = frozenset({"package"})
SERIAL_ATTR = "serial"
VERSION_ATTR = "version"
SOURCE_ATTR = "source"

# Bounds on one item: anything larger is refused with a reason rather than stored.
MAX_KIND_CHARS = 64
MAX_KEY_CHARS = 512
MAX_ATTRS = 100
MAX_ATTR_KEY_CHARS = 100
MAX_ATTR_VALUE_CHARS = 4096


class ChangeKind(enum.StrEnum):
    """What happened to one item."""

    INSTALLED = "installed"  # software appeared
    UPGRADED = "upgraded"
    DOWNGRADED = "downgraded"
    ADDED = "added"  # hardware (or any non-software item) appeared
    REMOVED = "removed"  # software or hardware gone
    SERIAL_CHANGED = "serial_changed"  # same slot, different serial number: a part was swapped
    CHANGED = "changed"  # other attributes differ


@dataclass(frozen=True, slots=True)
class Change:
    """One item's change. ``old`` is None when it appeared, ``new`` when it went."""

    kind: str
    key: str
    change: ChangeKind
    old: Attrs | None
    new: Attrs | None

    @property
    def old_version(self) -> str:
        return (self.old or {}).get(VERSION_ATTR, "")

    @property
    def new_version(self) -> str:
        return (self.new or {}).get(VERSION_ATTR, "")


@dataclass(slots=True)
class Applied:
    """The result of applying a report: the new snapshot and what changed."""

    snapshot: dict[ItemKey, dict[str, str]]
    changes: list[Change] = field(default_factory=list)
    baseline: bool = False
    rejected: list[str] = field(default_factory=list)  # why items were refused, for the log


def is_software(kind: str) -> bool:
    return kind in SOFTWARE_KINDS


def classify(kind: str, old: Attrs | None, new: Attrs | None) -> ChangeKind | None:
    """How an item of ``kind`` changed from ``old`` to ``new`` (None: it did not)."""
    if old is None and new is None:
        return None
    if old is None:
        return ChangeKind.INSTALLED if is_software(kind) else ChangeKind.ADDED
    if new is None:
        return ChangeKind.REMOVED
    if dict(old) == dict(new):
        return None
    if is_software(kind):
        return _software_change(old, new)
    if old.get(SERIAL_ATTR, "") != new.get(SERIAL_ATTR, ""):
        return ChangeKind.SERIAL_CHANGED
    return ChangeKind.CHANGED


def _software_change(old: Attrs, new: Attrs) -> ChangeKind:
    before, after = old.get(VERSION_ATTR, ""), new.get(VERSION_ATTR, "")
    if before == after:
        return ChangeKind.CHANGED
    scheme = scheme_for(new.get(SOURCE_ATTR) or old.get(SOURCE_ATTR) or "")
    try:
        order = compare_versions(before, after, scheme)
    except VersionError:
        return ChangeKind.CHANGED  # a version appeared, vanished or cannot be ordered
    if order < 0:
        return ChangeKind.UPGRADED
    if order > 0:
        return ChangeKind.DOWNGRADED
    return ChangeKind.CHANGED  # spelled differently, equal in order ("1:1.0" vs "1:1.0-0")


def item_problem(item: eus_pb2.InventoryItem) -> str | None:
    """Why ``item`` cannot be stored, or None when it can."""
    if not item.kind or not item.key:
        return f"item with empty kind or key ({item.kind[:40]!r}, {item.key[:40]!r})"
    if len(item.kind) > MAX_KIND_CHARS:
        return f"kind longer than {MAX_KIND_CHARS} characters ({item.kind[:40]!r}...)"
    if len(item.key) > MAX_KEY_CHARS:
        return f"{item.kind} key longer than {MAX_KEY_CHARS} characters ({item.key[:40]!r}...)"
    if len(item.attrs) > MAX_ATTRS:
        return f"{item.kind} {item.key[:80]!r} has {len(item.attrs)} attributes (at most {MAX_ATTRS})"
    for name, value in item.attrs.items():
        if len(name) > MAX_ATTR_KEY_CHARS or len(value) > MAX_ATTR_VALUE_CHARS:
            return f"{item.kind} {item.key[:80]!r}: attribute {name[:40]!r} is too long"
    return None


def apply_report(
    snapshot: Snapshot, report: eus_pb2.InventoryReport, *, known: bool | None = None
) -> Applied:
    """Apply ``report`` to ``snapshot`` (not modified) and classify every difference.

    ``known`` says whether the subject has been reported before (default: whether the
    snapshot has items); a full report of an unknown subject is the baseline.

    Invalid items are left out and named in ``rejected``; the rest of the report applies.
    In a full report an invalid item's old entry is kept rather than reported removed,
    so a malformed item never turns into a false "removed" change.
    """
    rejected: list[str] = []
    incoming: dict[ItemKey, dict[str, str]] = {}
    invalid: set[ItemKey] = set()
    for item in report.upserts:
        problem = item_problem(item)
        if problem is not None:
            rejected.append(problem)
            invalid.add((item.kind, item.key))
            continue
        incoming[(item.kind, item.key)] = dict(item.attrs)  # a repeated key: the last one wins

    if report.full:
        if report.removals:
            rejected.append(f"full report with {len(report.removals)} removals: removals ignored")
        new = dict(incoming)
        for k in invalid:
            if k in snapshot:
                new[k] = dict(snapshot[k])
        baseline = not (bool(snapshot) if known is None else known)
    else:
        new = {k: dict(v) for k, v in snapshot.items()}
        new.update(incoming)
        for gone in report.removals:
            new.pop((gone.kind, gone.key), None)
        baseline = False

    result = Applied(snapshot=new, baseline=baseline, rejected=rejected)
    if baseline:
        return result
    for k in sorted(set(snapshot) | set(new)):
        old_attrs, new_attrs = snapshot.get(k), new.get(k)
        change = classify(k[0], old_attrs, new_attrs)
        if change is not None:
            result.changes.append(
                Change(
                    kind=k[0],
                    key=k[1],
                    change=change,
                    old=dict(old_attrs) if old_attrs is not None else None,
                    new=dict(new_attrs) if new_attrs is not None else None,
                )
            )
    return result
