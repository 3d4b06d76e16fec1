"""How a gateway really polls the targets of its own agent.toml (pure).

The gateway adds its polling facts (``poll_*`` attributes: address, version, security,
interval; never a secret) to each target's ``snmp_system`` inventory item. For agent-file
devices the collector has no configuration of its own, so these facts are the only truth:
they are copied onto the device row, and until they arrive the pages say "not reported yet"
rather than show the model's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping

from collector.bus import BatchCommitted
from collector.snmp.models import NetworkDevice, Origin, SnmpVersion

VERSIONS = frozenset(v.value for v in SnmpVersion)


def polling_facts(event: BatchCommitted) -> dict[str, dict[str, str]]:
    """Subject -> its ``poll_*`` attributes, from the batch's ``snmp_system`` items (pure)."""
    found: dict[str, dict[str, str]] = {}
    for report in event.inventory:
        for item in report.upserts:
            if report.subject and item.kind == "snmp_system" and "poll_host" in item.attrs:
                found[report.subject] = {k: v for k, v in item.attrs.items() if k.startswith("poll_")}
    return found


def _number(raw: str, kind: type[int] | type[float]) -> int | float | None:
    try:
        value = kind(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


def columns(facts: Mapping[str, str]) -> dict[str, object]:
    """The device columns the facts set; malformed values are left out (pure)."""
    out: dict[str, object] = {}
    host = facts.get("poll_host", "").strip()
    if host:
        out["host"] = host[:255]
    port = _number(facts.get("poll_port", ""), int)
    if port is not None and 1 <= port <= 65535:
        out["port"] = port
    version = facts.get("poll_version", "")
    if version in VERSIONS:
        out["version"] = version
        out["legacy"] = facts.get("poll_legacy") == "1"
        v3 = version == SnmpVersion.V3.value
        out["user"] = facts.get("poll_user", "")[:64] if v3 else ""
        out["auth_protocol"] = facts.get("poll_auth", "")[:32] if v3 else ""
        out["priv_protocol"] = facts.get("poll_priv", "")[:32] if v3 else ""
    for key, column, kind in (
        ("poll_interval_s", "interval_s", float),
        ("poll_timeout_s", "timeout_s", float),
        ("poll_retries", "retries", int),
    ):
        value = _number(facts.get(key, ""), kind)
        if value is not None:
            out[column] = value
    return out


def apply(device: NetworkDevice, facts: Mapping[str, str]) -> dict[str, object]:
    """Copy the facts onto an agent-file device; returns what changed (nothing for central ones)."""
    if device.origin != Origin.AGENT_FILE.value:
        return {}
    changed = {k: v for k, v in columns(facts).items() if getattr(device, k) != v}
    for key, value in changed.items():
        setattr(device, key, value)
    return changed


def reported(device: NetworkDevice) -> bool:
    """Whether the device's address and polling settings are known (central: always)."""
    return device.origin != Origin.AGENT_FILE.value or bool(device.host)
