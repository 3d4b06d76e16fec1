"""Fault kinds: what a knowledge-base article is linked to, and which ones a fault has. Pure.

A fault kind is ``<family>:<name>`` with an optional ``:<detail>``:

- ``function:<kind>`` — a function check of that kind (``function:systemd``, ``function:process``,
  ``function:http``...), optionally with its health (``function:tcp:critical``);
- ``snmp:<what>`` — an SNMP function's status: ``snmp:reachability`` (the device answers),
  ``snmp:supply`` (printer supplies), ``snmp:ups``..., optionally with health;
- ``rule:<rule kind>`` — an alert rule's kind (``rule:instance_offline``), optionally with the
  metric of a threshold rule (``rule:threshold:disk.percent``).

A faulty function matches the most specific kind first (:func:`function_fault_kinds`).
"""

from __future__ import annotations

import re

FAMILIES = ("function", "snmp", "rule")
MAX_LENGTH = 100
_FAULT_RE = re.compile(r"^(function|snmp|rule):[a-z0-9_.-]+(:[a-z0-9_.-]+)?$")


class FaultKindError(ValueError):
    """A fault kind that does not follow the grammar, said so a supervisor can fix it."""


def parse_fault_kinds(text: str) -> list[str]:
    """Fault kinds from text separated by commas, spaces or lines; lower-cased, duplicates dropped.

    Raises :class:`FaultKindError` naming the first one that is not ``family:name[:detail]``."""
    out: list[str] = []
    for raw in re.split(r"[\s,]+", text.strip().lower()):
        if not raw:
            continue
        if len(raw) > MAX_LENGTH or not _FAULT_RE.match(raw):
            raise FaultKindError(
                f"{raw[:60]!r} is not a fault kind: write family:name[:detail] with family one of "
                f"{', '.join(FAMILIES)}, e.g. function:systemd, snmp:supply, rule:instance_offline"
            )
        if raw not in out:
            out.append(raw)
    return out


def function_fault_kinds(kind: str, health: str) -> list[str]:
    """The fault kinds of a function result of ``kind`` in ``health``, most specific first.

    ``snmp`` is a device's reachability, ``snmp.supply`` its supplies; any other kind is a
    function check (``systemd``, ``process``...)."""
    kind = kind.strip().lower()
    if kind == "snmp":
        base = "snmp:reachability"
    elif kind.startswith("snmp."):
        base = f"snmp:{kind.removeprefix('snmp.')}"
    else:
        base = f"function:{kind or 'unknown'}"
    return [f"{base}:{health.lower()}", base]


def rule_fault_kinds(rule_kind: str, metric: str = "") -> list[str]:
    """The fault kinds of an alert of ``rule_kind`` (and a threshold's metric), most specific first."""
    base = f"rule:{rule_kind.strip().lower()}"
    return [f"{base}:{metric.strip().lower()}", base] if metric else [base]
