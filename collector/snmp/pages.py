"""Everything the page of one SNMP device shows, gathered from the storage in one place so the
web view stays thin: status, discovery, interfaces with rates, ENTITY-MIB parts, printer
supplies, UPS, host resources, LLDP neighbours and recent traps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from collector.snmp.interfaces import InterfaceRow, interface_rows
from collector.snmp.models import NetworkDevice
from collector.snmp.panels import StorageRow, SupplyRow, UpsPanel, host_resources, supply_rows, ups_panel
from collector.snmp.status import TargetStatus, legacy_finding, target_statuses
from collector.tsdb.snmp.events import EventRow
from collector.tsdb.storage import Storage
from eus.names import Metric

# The identity items profiles report for devices without ENTITY-MIB (kind -> what it is).
IDENTITY_KINDS = {"ups": "UPS", "printer": "Printer"}
DEVICE_KINDS = ("snmp_system", "interface", "entity", "lldp_neighbor", *IDENTITY_KINDS)
PAGES_TOTAL = Metric.SNMP_PRINTER_PAGES_TOTAL
MIN_WINDOW = timedelta(minutes=10)
MAX_ENTITIES = 500


@dataclass
class DevicePage:
    device: NetworkDevice
    status: TargetStatus
    finding: str | None
    interfaces: list[InterfaceRow] = field(default_factory=list)
    entities: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    supplies: list[SupplyRow] = field(default_factory=list)
    ups: UpsPanel | None = None
    storage: list[StorageRow] = field(default_factory=list)
    cpus: list[tuple[str, float]] = field(default_factory=list)
    neighbours: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    traps: list[EventRow] = field(default_factory=list)
    identity: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (what, attrs)
    page_counters: list[tuple[str, float]] = field(default_factory=list)  # (marker index, pages)


def _index_order(key: str) -> tuple[int, ...]:
    """Table indexes like ``1``, ``10``, ``3.1`` in numeric order."""
    return tuple(int(p) if p.isdigit() else 1 << 62 for p in key.split("."))


def reading_window(device: NetworkDevice) -> timedelta:
    """How far back the newest readings may lie: three polls, at least ten minutes."""
    return max(MIN_WINDOW, timedelta(seconds=3 * device.interval_s))


def device_page(storage: Storage, device: NetworkDevice) -> DevicePage:
    target, gateway = device.target_id, device.gateway_device_id
    status = target_statuses(storage, [device]).get(target, TargetStatus())
    page = DevicePage(device, status, legacy_finding(device, status.reachability))
    if not target:
        return page
    items = storage.snmp_inventory([gateway], DEVICE_KINDS, [target])
    series = storage.target_series(gateway, target)
    points = storage.latest_points([s.id for s in series], window=reading_window(device))
    interfaces = [(i.key, i.attrs) for i in items if i.kind == "interface"]
    page.interfaces = interface_rows(series, points, interfaces)
    entities = [(i.key, i.attrs) for i in items if i.kind == "entity"]
    page.entities = sorted(entities, key=lambda e: _index_order(e[0]))[:MAX_ENTITIES]
    page.neighbours = sorted(
        ((i.key, i.attrs) for i in items if i.kind == "lldp_neighbor"), key=lambda e: _index_order(e[0])
    )
    page.supplies = supply_rows(target, series, points, status.functions)
    page.ups = ups_panel(target, series, points, status.functions)
    page.storage, page.cpus = host_resources(series, points)
    page.traps = storage.trap_events([gateway], target=target, limit=20)
    page.identity = [(IDENTITY_KINDS[i.kind], i.attrs) for i in items if i.kind in IDENTITY_KINDS]
    page.page_counters = sorted(
        (s.labels.get("index", ""), points[s.id][-1][1])
        for s in series
        if s.name == PAGES_TOTAL and points.get(s.id)
    )
    return page
