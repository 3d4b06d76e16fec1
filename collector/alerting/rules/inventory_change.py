"""Inventory change: software installed or removed, hardware changed, a serial number changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from collector.alerting.domain import Severity
from collector.alerting.rules.params import RuleError, common_durations
from collector.alerting.state import Verdict

CHANGES = ("software", "hardware", "serial")
SOFTWARE_KINDS = frozenset({"package", "os"})


@dataclass(frozen=True, slots=True)
class Change:
    """One item that appeared, disappeared or changed (attrs of interest only)."""

    kind: str  # inventory item kind: package, disk, cpu, system ...
    key: str
    op: str  # added, removed, changed
    changed_attrs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Params:
    watch: tuple[str, ...]
    for_s: float
    hold_s: float


def parse(raw: Mapping[str, Any]) -> Params:
    watch = raw.get("watch", list(CHANGES))
    if isinstance(watch, str):
        watch = [w.strip() for w in watch.split(",") if w.strip()]
    if not isinstance(watch, list) or not watch or any(w not in CHANGES for w in watch):
        raise RuleError(f"watch: a list of {', '.join(CHANGES)}")
    return Params(tuple(watch), *common_durations(raw))


def classify(change: Change) -> str:
    """software, serial or hardware."""
    if change.kind in SOFTWARE_KINDS:
        return "software"
    if "serial" in change.changed_attrs:
        return "serial"
    return "hardware"


def evaluate(p: Params, changes: Sequence[Change], severity: Severity) -> dict[str, Verdict]:
    """One verdict per change class that occurred and is watched (the class is the subject)."""
    by_class: dict[str, list[Change]] = {}
    for c in changes:
        cls = classify(c)
        if cls in p.watch:
            by_class.setdefault(cls, []).append(c)
    out: dict[str, Verdict] = {}
    for cls, items in by_class.items():
        shown = ", ".join(f"{c.op} {c.kind} {c.key}" for c in items[:5])
        more = f" and {len(items) - 5} more" if len(items) > 5 else ""
        out[cls] = Verdict(True, severity, f"{cls} changed: {shown}{more}", float(len(items)))
    return out
