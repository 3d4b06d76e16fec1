"""The relational side of bench/fleet, sized to the fleet: customers, devices, a technician,
function results, inventory, alerts and tickets, written through the product's own functions.

* ``DEVICES_PER_CUSTOMER`` devices per customer (device ids 1..N, the ids the time series use),
  each online and seen "now", with a hostname, address and agent version.
* ``FUNCTIONS`` per device, one result a minute (the agent's default interval) over the whole
  history, appended to ``function_results`` as the ingest writer appends them (Arrow insert, one
  per device-day). Every ``FAULTY_EVERY``-th device has its first function failing for the last
  two hours, and flapping every six hours before (state changes for the Function Log).
* Every device's first full inventory report: this machine's own, as its agent reads it (every
  Linux source: dpkg's packages, the hardware), about one package in ten left out per device,
  every ``OLD_EVERY``-th device a build behind on every package, serial numbers and MAC
  addresses its own; stored by the ingest writer's ``write_reports``, so the software search
  and the hardware search read what a fleet of Debian machines would report.
* The newest result of every function recorded with ``collector.customers.rollup.record_results``
  (what ``Rollups.on_committed`` does with each committed batch), then one fleet-wide threshold
  rule and an alert of it on each faulty device, raised through a real ``AlertEngine`` (its
  transition hook is the roll-up's), and a ticket opened on it with
  ``collector.helpdesk.tickets.open_ticket``; and the knowledge-base article a supervisor
  would write for the faulty functions' kind (``function:tcp``), so Resolve has steps to run.
"""

from __future__ import annotations

import json
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from agent.inventory.collect import full_report, run_sources
from agent.inventory.diff import flatten
from agent.inventory.facade import LocalHost
from agent.inventory.model import Snapshot, snapshot
from agent.inventory.sources import SOURCES
from collector.accounts import customers, users
from collector.alerting.domain import Severity
from collector.alerting.engine import AlertEngine
from collector.alerting.models import AlertRule
from collector.alerting.state import Verdict
from collector.customers.rollup import Rollups, record_results
from collector.helpdesk.tickets import NewTicket, open_ticket
from collector.kb import articles
from collector.store.db import Store, actor_auditor
from collector.store.models import Device, Role, StreamState
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.function_changes import store
from collector.tsdb.inventory.store import write_reports
from collector.tsdb.txn import transaction
from eus.v1 import eus_pb2

DEVICES_PER_CUSTOMER = 20
FUNCTIONS = (
    ("tcp-https", "tcp"),
    ("tcp-ssh", "tcp"),
    ("svc-backup", "service"),
    ("dns", "dns"),
    ("ntp", "ntp"),
)
FAULTY_EVERY = 20
OLD_EVERY = 3  # devices with every package a build behind: what a "below version" search finds
INVENTORY_SLICE = 50
RESULT_EVERY_S = 60
USERNAME = "fleet-tech"


@dataclass
class Seeded:
    """What the page timings ask for."""

    password: str
    customers: list[int] = field(default_factory=list)
    devices: list[int] = field(default_factory=list)
    faulty: list[tuple[int, int, str]] = field(default_factory=list)  # (customer, device, function)
    tickets: list[int] = field(default_factory=list)
    package: str = ""  # a package every device has, and the version most have: "below" finds the rest
    version: str = ""


def customer_of(device: int) -> int:
    return (device - 1) // DEVICES_PER_CUSTOMER + 1


def hostname(device: int) -> str:
    return f"host-{device:05d}"


def _faulty(device: int) -> bool:
    return device % FAULTY_EVERY == 7


def seed_store(store_url: str, devices: int, now: datetime) -> Seeded:
    """Customers, devices and a technician who sees every customer."""
    store = Store(store_url)
    store.migrate()
    record = actor_auditor("bench")
    seeded = Seeded(password=users.generate_password())
    with store.session() as s:
        n_customers = customer_of(devices)
        for c in range(1, n_customers + 1):
            cust = customers.create(s, record, f"Customer {c:04d}")
            seeded.customers.append(cust.id)
        s.flush()
        for d in range(1, devices + 1):
            s.add(
                Device(
                    id=d,
                    customer_id=seeded.customers[customer_of(d) - 1],
                    agent_id=f"fleet-agent-{d:05d}",
                    hostname=hostname(d),
                    os="Linux",
                    os_version="Debian GNU/Linux 12",
                    kernel="6.1.0-28-amd64",
                    arch="x86_64",
                    agent_version="1.4.2",
                    cert_not_after=now + timedelta(days=300),
                    enrolled_at=now - timedelta(days=60),
                    last_seen=now,
                    last_address=f"10.{d // 65536}.{d // 256 % 256}.{d % 256}",
                    stream_state=StreamState.ONLINE.value,
                )
            )
            seeded.devices.append(d)
        users.create(
            s,
            record,
            username=USERNAME,
            password=seeded.password,
            role=Role.TECHNICIAN.value,
            all_customers=True,
        )
    store.dispose()
    return seeded


RESOLVE_ARTICLE = articles.parse_draft(
    "HTTPS port does not answer",
    "The web service on the device does not accept connections on 443.",
    "function:tcp",
    "Check that the device answers ping\nCheck that the web service is running\n"
    "Check the host firewall for port 443\nRestart the web service\nOpen the site in a browser",
)


def _statuses(device: int, ts_s: np.ndarray, now_s: float, k: int) -> np.ndarray:
    status = np.full(ts_s.shape, 1, dtype=np.int8)
    if _faulty(device) and k == 0:
        status[ts_s >= now_s - 2 * 3600] = 3
        status[(ts_s % (6 * 3600)) < 600] = 2  # ten minutes of warning every six hours
    return status


def seed_function_results(tsdb: TimeSeriesDB, devices: int, first: datetime, now: datetime) -> int:
    """One result a minute per function over [first, now), in arrival order as the ingest writer
    appends them (every device's results interleaved by time, not device by device), an hour a
    transaction."""
    cur = tsdb.cursor()
    now_s = now.replace(tzinfo=UTC).timestamp()
    first_s = first.replace(tzinfo=UTC).timestamp()
    rows = 0
    for hour_s in np.arange(first_s, now_s, 3600.0):
        parts = []
        for d in range(1, devices + 1):
            ts_s = np.arange(hour_s + d % 60, min(hour_s + 3600, now_s), RESULT_EVERY_S, dtype=np.float64)
            for k, (fid, kind) in enumerate(FUNCTIONS):
                status = _statuses(d, ts_s + k, now_s, k)
                n = len(ts_s)
                message = np.where(
                    status == 1, "ok", np.where(status == 2, "slow answer", "connection refused")
                )
                parts.append(
                    pa.table(
                        {
                            "device_id": pa.array(np.full(n, d, dtype=np.int32)),
                            "subject": pa.array([""] * n),
                            "function_id": pa.array([fid] * n),
                            "kind": pa.array([kind] * n),
                            "name": pa.array([fid] * n),
                            "status": pa.array(status),
                            "message": pa.array(message.tolist()),
                            "ts": pa.array(((ts_s + k) * 1000).astype(np.int64)).cast(pa.timestamp("ms")),
                            "duration_s": pa.array(np.full(n, 0.05)),
                            "metrics": pa.array(["{}"] * n),
                        }
                    )
                )
        table = pa.concat_tables(parts).sort_by("ts")
        with transaction(cur):
            cur.register("_fleet_results", table)
            store(cur, "_fleet_results")  # with their hours and state changes, as the writer does
            cur.unregister("_fleet_results")
        rows += table.num_rows
    return rows


def host_inventory() -> Snapshot:
    """This machine's inventory as its agent reads it: every Linux source (packages from dpkg,
    hardware from sysfs and dmidecode...)."""
    sources = [src for src in SOURCES if "linux" in src.platforms]
    outcomes = run_sources(sources, LocalHost(), time.time)
    return flatten({o.source: snapshot(o.items or ()) for o in outcomes})


def device_inventory(base: Snapshot, device: int) -> Snapshot:
    """``base`` made one device's: about one package in ten left out (which ones depends on
    the device), an older version of every package of ``OLD_EVERY``-th device, and the
    serial numbers and MAC addresses its own."""
    out: Snapshot = {}
    for (kind, key), attrs in base.items():
        if kind == "package" and zlib.crc32(f"{device}/{key}".encode()) % 10 == 0:
            continue
        mine = dict(attrs)
        if kind == "package" and device % OLD_EVERY == 0 and "version" in mine:
            mine["version"] = f"{mine['version']}~old0"  # dpkg orders "~" first: an older build
        for name in ("serial", "uuid"):
            if name in mine:
                mine[name] = f"{mine[name]}-{device:05d}"
        if "mac" in mine:  # locally administered, unique in the fleet
            mine["mac"] = f"02:ec:00:{device >> 16 & 255:02x}:{device >> 8 & 255:02x}:{device & 255:02x}"
        out[(kind, key)] = mine
    return out


def searched_package(base: Snapshot) -> tuple[str, str]:
    """(name, version) of the package the software search asks for: openssl where installed."""
    packages = {k.split(":")[0]: a.get("version", "") for (kind, k), a in base.items() if kind == "package"}
    name = "openssl" if "openssl" in packages else min(packages)
    return name, packages[name]


@dataclass(slots=True)
class _InventoryBatch:
    """What ``inventory.store.write_reports`` reads of a committed batch."""

    device_id: int
    epoch: int
    seq: int
    inventory: list[eus_pb2.InventoryReport]


def seed_inventory(tsdb: TimeSeriesDB, base: Snapshot, devices: int, now: datetime) -> int:
    """Every device's first full inventory report (:func:`device_inventory` of ``base``),
    through the ingest writer's own ``write_reports``, ``INVENTORY_SLICE`` devices a
    transaction. Returns the items stored."""
    ts_ms = int(now.replace(tzinfo=UTC).timestamp() * 1000)
    cur = tsdb.cursor()
    items = 0
    for first in range(1, devices + 1, INVENTORY_SLICE):
        batches = []
        for d in range(first, min(first + INVENTORY_SLICE, devices + 1)):
            report = full_report(device_inventory(base, d), ts_ms)
            items += len(report.upserts)
            batches.append(_InventoryBatch(d, 1, 1, [report]))
        with transaction(cur):
            write_reports(cur, batches, now=ts_ms / 1000)
    return items


@dataclass(frozen=True, slots=True)
class _Result:
    """A function result as the roll-up reads it (``collector.customers.rollup.Result``)."""

    id: str
    kind: str
    name: str
    status: int
    message: str
    ts_ms: int
    subject: str = ""


def seed_rollup_alerts_tickets(store_url: str, seeded: Seeded, now: datetime) -> None:
    """Newest results to the roll-up; an alert and a ticket per faulty device."""
    store = Store(store_url)
    rollups = Rollups(store)
    now_s = now.replace(tzinfo=UTC).timestamp()
    with store.session() as s:  # what Rollups.on_committed does with each committed batch
        for d in seeded.devices:
            newest = []
            for k, (fid, kind) in enumerate(FUNCTIONS):
                status = int(_statuses(d, np.array([now_s - 60 + k]), now_s, k)[0])
                message = "connection refused" if status == 3 else "ok"
                newest.append(_Result(fid, kind, fid, status, message, int((now_s - 60 + k) * 1000)))
                if status == 3:
                    seeded.faulty.append((seeded.customers[customer_of(d) - 1], d, fid))
            record_results(s, seeded.customers[customer_of(d) - 1], d, newest)
    engine = AlertEngine(store, hooks=(rollups.alert_hook,))
    with store.session() as s:  # the article a supervisor wrote for the faulty functions' kind
        articles.create(s, RESOLVE_ARTICLE, "bench")
    with store.session() as s:  # one fleet-wide rule; an alert of it on each faulty device
        fleet_rule = AlertRule(
            name="Disk almost full", family="disk", kind="threshold",
            params=json.dumps({"metric": "disk.percent", "critical": 95}),
        )  # fmt: skip
        s.add(fleet_rule)
        s.flush()
        rule_id = fleet_rule.id
    engine.invalidate()
    rule = engine.rules.by_id(rule_id)
    assert rule is not None
    verdict = Verdict(True, Severity.CRITICAL, "disk.percent = 97", 97.0)
    for customer_id, device, fid in seeded.faulty:
        rec = engine.observe(rule, engine.device(device), "/", verdict, customer_id=customer_id)
        with store.session() as s:
            ticket = open_ticket(
                s,
                NewTicket(
                    customer_id=customer_id,
                    title=f"{fid} down on {hostname(device)}",
                    priority=2,
                    device_id=device,
                    function_id=fid,
                    alert_id=rec.id if rec is not None else None,
                ),
                "bench",
                now,
            )
            seeded.tickets.append(ticket.number)
    rollups.refresh()
    store.dispose()


def seed(data_dir: Path, tsdb_path: Path, devices: int, first: datetime, now: datetime) -> Seeded:
    """Everything above, for a collector whose data directory is ``data_dir``."""
    url = f"sqlite:///{data_dir / 'eus.sqlite3'}"
    seeded = seed_store(url, devices, now.replace(tzinfo=UTC))
    tsdb = TimeSeriesDB(tsdb_path)
    try:
        seed_function_results(tsdb, devices, first, now)
        base = host_inventory()
        seed_inventory(tsdb, base, devices, now)
        seeded.package, seeded.version = searched_package(base)
        tsdb.checkpoint()
    finally:
        tsdb.close()
    seed_rollup_alerts_tickets(url, seeded, now.replace(tzinfo=UTC))
    return seeded
