"""Which SNMP device sent each trap: the target its gateway matched, else the device polled
at the sender's address (pure; the events themselves are read in collector/tsdb/snmp/events.py)."""

from __future__ import annotations

from collections.abc import Iterable

from collector.snmp.links import norm_address
from collector.snmp.models import NetworkDevice
from collector.tsdb.snmp.events import EventRow


def sender_devices(events: Iterable[EventRow], devices: Iterable[NetworkDevice]) -> dict[int, NetworkDevice]:
    """For each event (by position), the SNMP device it came from: the target the gateway
    matched, else the device polled at the sender's address by the same gateway."""
    by_target = {(d.gateway_device_id, d.target_id): d for d in devices}
    by_host: dict[tuple[int, str], NetworkDevice] = {}
    for d in by_target.values():
        address = norm_address(d.host)
        if address:
            by_host.setdefault((d.gateway_device_id, address), d)
    out: dict[int, NetworkDevice] = {}
    for i, e in enumerate(events):
        found = by_target.get((e.device_id, e.target)) if e.target else None
        address = norm_address(e.source)
        if found is None and address:
            found = by_host.get((e.device_id, address))
        if found is not None:
            out[i] = found
    return out
