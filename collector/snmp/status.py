"""Each target's health as its gateway last reported it: reachability, the other SNMP
functions (supplies, UPS), what discovery found, and the legacy finding."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from collector.snmp.models import NetworkDevice, SnmpVersion
from collector.snmp.panels import reachability_id
from collector.tsdb.functions.queries import FunctionState, Health
from collector.tsdb.storage import Storage

_SEVERITY = {Health.CRITICAL: 3, Health.WARNING: 2, Health.UNKNOWN: 1, Health.OK: 0}
_LEGACY_RE = re.compile(r"\((legacy SNMPv[^):]*)[^)]*\)\s*$")  # the gateway's " (legacy ...: insecure)"


@dataclass
class TargetStatus:
    reachability: FunctionState | None = None
    functions: list[FunctionState] = field(default_factory=list)  # every snmp* function, worst first
    system: dict[str, str] = field(default_factory=dict)  # the snmp_system inventory item

    @property
    def worst(self) -> Health | None:
        if not self.functions:
            return None
        return max((f.status for f in self.functions), key=lambda h: _SEVERITY[h])

    @property
    def profiles(self) -> list[str]:
        return [p for p in (x.strip() for x in self.system.get("profiles", "").split(",")) if p]


@dataclass(frozen=True)
class Badge:
    """What a device's status badge says: its worst finding, or why nothing is known."""

    css: str
    label: str
    title: str = ""


def badge(status: TargetStatus | None, gateway_online: bool) -> Badge:
    """A device's badge (pure; table-tested): its worst function, so a printer with an empty
    cartridge is not "ok"; behind an offline gateway nothing current is known, so its last
    verdicts would be a stale green: "unknown — gateway offline"."""
    if not gateway_online:
        return Badge("health-unknown", "unknown — gateway offline", "its gateway agent is not connected")
    if status is None or not status.functions:
        return Badge("health-none", "no data")
    worst = status.functions[0]  # worst_first
    label = {Health.OK: "ok", Health.WARNING: "warning", Health.CRITICAL: "critical"}.get(
        worst.status, "unknown"
    )
    css = {Health.OK: "health-ok", Health.WARNING: "health-warning", Health.CRITICAL: "health-critical"}
    title = worst.message if worst.status == Health.OK else f"{worst.name}: {worst.message}"
    return Badge(css.get(worst.status, "health-unknown"), label, title)


def worst_first(states: Iterable[FunctionState]) -> list[FunctionState]:
    return sorted(states, key=lambda f: (-_SEVERITY[f.status], f.name.lower()))


def target_statuses(storage: Storage, devices: Sequence[NetworkDevice]) -> dict[str, TargetStatus]:
    """Status per target id, reading each gateway's function results once."""
    by_gateway: dict[int, set[str]] = defaultdict(set)
    for d in devices:
        if d.target_id:
            by_gateway[d.gateway_device_id].add(d.target_id)
    out: dict[str, TargetStatus] = {d.target_id: TargetStatus() for d in devices if d.target_id}
    for gateway_id, targets in by_gateway.items():
        for state in storage.function_states(gateway_id):
            if state.subject in targets and state.kind.startswith("snmp"):
                status = out[state.subject]
                status.functions.append(state)
                if state.function_id == reachability_id(state.subject):
                    status.reachability = state
    for status in out.values():
        status.functions = worst_first(status.functions)
    for row in storage.snmp_inventory(by_gateway.keys(), ["snmp_system"], list(out)):
        if row.subject in out and row.device_id in by_gateway and row.subject in by_gateway[row.device_id]:
            out[row.subject].system = row.attrs
    return out


TRAP_LISTENER_ID = "snmp:trap-listener"  # the gateway's own function (agent/snmp/traps.py)


def listener_states(storage: Storage, gateway_ids: Iterable[int]) -> dict[int, FunctionState]:
    """What each gateway last reported about its trap listener: the state to show, since a
    saved setting is only a wish until the agent confirms it could bind the port."""
    out: dict[int, FunctionState] = {}
    for gateway_id in gateway_ids:
        for state in storage.function_states(gateway_id):
            if state.function_id == TRAP_LISTENER_ID:
                out[gateway_id] = state
    return out


def legacy_finding(device: NetworkDevice, reachability: FunctionState | None = None) -> str | None:
    """Why the device is a security finding, or None: SNMPv1/v2c, or v3 weaker than authPriv
    ticked as legacy; for targets from the gateway's own file, what its reachability says."""
    if device.version != SnmpVersion.V3.value:
        return f"legacy SNMPv{device.version}: community in clear text"
    if device.legacy:
        weak = [p for p in (device.auth_protocol or "noAuth", device.priv_protocol or "noPriv") if p]
        return "legacy SNMPv3: " + "/".join(weak)
    if reachability is not None:
        found = _LEGACY_RE.search(reachability.message)
        if found:
            return found.group(1)
    return None
