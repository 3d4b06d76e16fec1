"""A gateway's agent.toml targets over time: what its report of them means (pure).

Whenever a gateway agent starts, its SNMP extension reports the complete list of the
targets its own agent.toml configures, as an event of kind
:attr:`eus.names.EventKind.SNMP_FILE_TARGETS` on the gateway (attrs: target id -> name;
none at all is the empty list). The collector compares the list with the gateway's
devices of origin ``agent-file``: a listed target without a device gets one, a retired
device that is listed again comes back (same id), and a device that is no longer listed
is retired. Centrally configured devices are never part of this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from collector.bus import BatchCommitted
from collector.snmp.models import NetworkDevice, parse_target_id
from eus.names import EventKind

MAX_FILE_TARGETS = 10_000  # a longer list is refused whole, never cut (cutting would retire)
MAX_TARGET_ID = 100  # NetworkDevice.agent_target_id
MAX_NAME = 200


def listed_targets(event: BatchCommitted) -> dict[str, str] | None:
    """The gateway's file targets (id -> name) if the batch reports them, else None.

    The newest report in the batch counts. Ids the collector can never hold as a file
    device (too long, or ``snmp-<n>``, the form of central ids) are left out."""
    reports = [e for e in event.events if e.kind == EventKind.SNMP_FILE_TARGETS]
    if not reports:
        return None
    attrs = max(reports, key=lambda e: e.ts_ms).attrs
    if len(attrs) > MAX_FILE_TARGETS:
        return None
    return {
        target: (name.strip() or target)[:MAX_NAME]
        for target, name in attrs.items()
        if target and len(target) <= MAX_TARGET_ID and parse_target_id(target) is None
    }


@dataclass(frozen=True)
class FilePlan:
    """What a file target list changes; every tuple sorted by target id."""

    create: tuple[tuple[str, str], ...] = ()  # (target id, name)
    restore: tuple[str, ...] = ()
    retire: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.create or self.restore or self.retire)


def plan(known: Mapping[str, bool], listed: Mapping[str, str]) -> FilePlan:
    """``known``: the gateway's agent-file devices, target id -> retired?; ``listed``: the
    file's targets now. Applying the plan twice changes nothing the second time."""
    return FilePlan(
        create=tuple(sorted((t, n) for t, n in listed.items() if t not in known)),
        restore=tuple(sorted(t for t, retired in known.items() if retired and t in listed)),
        retire=tuple(sorted(t for t, retired in known.items() if not retired and t not in listed)),
    )


def retired_note(device: NetworkDevice) -> str:
    """What lists say about a retired device ("" when it is not retired)."""
    if device.retired_at is None:
        return ""
    return f"removed from agent.toml on {device.retired_at:%Y-%m-%d %H:%M} UTC"
