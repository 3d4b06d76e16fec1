"""The inventory storage API on a real DuckDB file: snapshots, history, searches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from collector.bus import BatchCommitted, Bus, InventoryChanged
from collector.inventory.versions import VersionError
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.inventory.ingest import InventoryIngest
from collector.tsdb.inventory.store import (
    changes,
    current_inventory,
    software,
    software_search,
    subjects,
    write_reports,
)
from eus.v1 import eus_pb2


@dataclass
class Batch:
    """The fields of ``collector.tsdb.ingest.writer.PendingBatch`` the hook reads."""

    device_id: int
    epoch: int
    seq: int
    inventory: list[eus_pb2.InventoryReport] = field(default_factory=list)


def pkg(name: str, version: str, source: str = "dpkg", arch: str = "amd64") -> eus_pb2.InventoryItem:
    return eus_pb2.InventoryItem(
        kind="package", key=f"{name}:{arch}", attrs={"version": version, "source": source, "arch": arch}
    )


def hw(kind: str, key: str, **attrs: str) -> eus_pb2.InventoryItem:
    return eus_pb2.InventoryItem(kind=kind, key=key, attrs=attrs)


T0 = 1_790_000_000_000  # ms


def full(*items: eus_pb2.InventoryItem, ts: int = T0, subject: str = "") -> eus_pb2.InventoryReport:
    return eus_pb2.InventoryReport(full=True, ts_ms=ts, subject=subject, upserts=list(items))


def delta(
    *items: eus_pb2.InventoryItem,
    removals: tuple[tuple[str, str], ...] = (),
    ts: int = T0 + 60_000,
    subject: str = "",
) -> eus_pb2.InventoryReport:
    return eus_pb2.InventoryReport(
        ts_ms=ts,
        subject=subject,
        upserts=list(items),
        removals=[eus_pb2.InventoryKey(kind=k, key=v) for k, v in removals],
    )


def commit(tsdb: TimeSeriesDB, *batches: Batch) -> None:
    cur = tsdb.cursor()
    cur.execute("BEGIN TRANSACTION")
    write_reports(cur, list(batches))
    cur.execute("COMMIT")


HOST = [
    hw("system", "system", vendor="ACME", model="Box 9", serial="SYS1"),
    hw("disk", "nvme0n1", serial="D1", model="Fast", size_bytes="512000000000"),
    hw("memory_module", "DIMM0", serial="M1", size_bytes="17179869184"),
    pkg("bash", "5.2.15-2+b2"),
    pkg("openssl", "3.0.11-1~deb12u2"),
    pkg("libssl3", "3.0.11-1~deb12u2"),
]


def test_full_then_differences_keep_snapshot_and_history(tsdb: TimeSeriesDB) -> None:
    commit(tsdb, Batch(7, 1, 1, [full(*HOST)]))
    cur = tsdb.cursor()
    items = current_inventory(cur, 7)
    assert [(i.kind, i.key) for i in items] == sorted((i.kind, i.key) for i in HOST)
    assert {i.key: i.attrs for i in items}["openssl:amd64"]["version"] == "3.0.11-1~deb12u2"
    assert changes(cur, 7) == []  # the first full report is the baseline
    [subject] = subjects(cur, 7)
    assert (subject.subject, subject.items) == ("", 6)
    assert subject.last_full == datetime.fromtimestamp(T0 / 1000, UTC).replace(tzinfo=None)

    commit(
        tsdb,
        Batch(
            7,
            1,
            2,
            [
                delta(
                    pkg("openssl", "3.0.15-1~deb12u1"),
                    pkg("jq", "1.6-2.1"),
                    hw("memory_module", "DIMM0", serial="M2", size_bytes="17179869184"),
                    removals=(("package", "bash:amd64"), ("disk", "nvme0n1")),
                )
            ],
        ),
    )
    got = {(c.kind, c.key): c for c in changes(cur, 7)}
    assert {k: c.change for k, c in got.items()} == {
        ("package", "openssl:amd64"): "upgraded",
        ("package", "jq:amd64"): "installed",
        ("package", "bash:amd64"): "removed",
        ("disk", "nvme0n1"): "removed",
        ("memory_module", "DIMM0"): "serial_changed",
    }
    up = got[("package", "openssl:amd64")]
    assert (up.old_version, up.new_version) == ("3.0.11-1~deb12u2", "3.0.15-1~deb12u1")
    assert got[("package", "jq:amd64")].old_attrs is None
    assert got[("disk", "nvme0n1")].new_attrs is None
    assert got[("memory_module", "DIMM0")].old_attrs == {"serial": "M1", "size_bytes": "17179869184"}
    keys = {i.key for i in current_inventory(cur, 7)}
    assert keys == {"system", "DIMM0", "openssl:amd64", "libssl3:amd64", "jq:amd64"}
    dimm = next(i for i in current_inventory(cur, 7) if i.key == "DIMM0")
    system = next(i for i in current_inventory(cur, 7) if i.key == "system")
    t0 = datetime.fromtimestamp(T0 / 1000, UTC).replace(tzinfo=None)
    # Times are when the agent took the inventory: the slot was there from the start, its
    # serial changed in the second report.
    assert (system.first_seen, system.updated) == (t0, t0)
    assert (dimm.first_seen, dimm.updated) == (t0, t0 + timedelta(minutes=1))
    jq = next(i for i in current_inventory(cur, 7) if i.key == "jq:amd64")
    assert jq.first_seen == t0 + timedelta(minutes=1)

    # A later full report diffs against the snapshot: only real differences are recorded.
    later = datetime.fromtimestamp((T0 + 3_600_000) / 1000, UTC)
    commit(tsdb, Batch(7, 1, 3, [full(*HOST, ts=T0 + 3_600_000)]))
    newest = changes(cur, 7, since=later)
    assert sorted((c.key, c.change) for c in newest) == [
        ("DIMM0", "serial_changed"),
        ("bash:amd64", "installed"),
        ("jq:amd64", "removed"),
        ("nvme0n1", "added"),
        ("openssl:amd64", "downgraded"),
    ]
    assert len(changes(cur, 7)) == 10
    assert len(changes(cur, 7, limit=3)) == 3


def test_resent_report_changes_nothing(tsdb: TimeSeriesDB) -> None:
    commit(tsdb, Batch(1, 1, 1, [full(*HOST)]))
    report = delta(pkg("jq", "1.6"))
    commit(tsdb, Batch(1, 1, 2, [report]))
    commit(tsdb, Batch(1, 1, 2, [report]))  # the writer dedupes, but even a replay is harmless
    assert [(c.key, c.change) for c in changes(tsdb.cursor(), 1)] == [("jq:amd64", "installed")]


def test_subjects_and_devices_are_kept_apart(tsdb: TimeSeriesDB) -> None:
    switch = [hw("snmp_system", "sys", name="core-sw", serial="SW1"), hw("interface", "1", name="ge-0/0/1")]
    commit(
        tsdb,
        Batch(1, 1, 1, [full(*HOST), full(*switch, subject="snmp:5")]),
        Batch(2, 9, 1, [full(pkg("openssl", "1.1.1n-0+deb11u5"))]),
    )
    cur = tsdb.cursor()
    assert [s.subject for s in subjects(cur, 1)] == ["", "snmp:5"]
    assert {i.key for i in current_inventory(cur, 1, "snmp:5")} == {"sys", "1"}
    assert len(current_inventory(cur, 1)) == len(HOST)
    assert len(current_inventory(cur, 1, kinds={"package"})) == 3
    assert [i.key for i in current_inventory(cur, 2)] == ["openssl:amd64"]
    commit(
        tsdb, Batch(1, 1, 2, [delta(removals=(("interface", "1"),), subject="snmp:5"), delta(pkg("jq", "1"))])
    )
    assert [(c.subject, c.key) for c in changes(cur, 1, subject="snmp:5")] == [("snmp:5", "1")]
    assert {c.key for c in changes(cur, 1)} == {"1", "jq:amd64"}
    assert changes(cur, 2) == []


def test_software_list_and_fleet_search(tsdb: TimeSeriesDB) -> None:
    commit(
        tsdb,
        Batch(1, 1, 1, [full(*HOST)]),
        Batch(2, 1, 1, [full(pkg("openssl", "3.0.15-1~deb12u1"), pkg("openssl-provider-legacy", "3.0.15"))]),
        Batch(3, 1, 1, [full(pkg("openssl", "1:3.0.2-0ubuntu1"))]),
        Batch(4, 1, 1, [full(pkg("openssl", "3.0.7-27.el9", source="rpm", arch="x86_64"))]),
        Batch(5, 1, 1, [full(pkg("openssl", "1.0"))]),
        Batch(6, 1, 1, [full(pkg("Tool_X 100%", "2.0"), pkg("ToolAX 1000", "2.0"))]),
    )
    cur = tsdb.cursor()
    assert [h.name for h in software_search(cur, [6], "tool_x 100%")] == ["Tool_X 100%"]  # literally
    assert [h.name for h in software(cur, 6, "_x 10")] == ["Tool_X 100%"]
    assert [h.name for h in software(cur, 6, "tool*1000")] == ["ToolAX 1000"]  # * a wildcard, % not
    assert [h.name for h in software(cur, 1, "SSL")] == ["libssl3", "openssl"]
    assert [h.name for h in software(cur, 1)] == ["bash", "libssl3", "openssl"]

    hits = software_search(cur, [1, 2, 3, 4], "openssl")  # names containing it, as on a device
    assert [(h.device_id, h.name, h.version) for h in hits] == [
        (1, "openssl", "3.0.11-1~deb12u2"),
        (2, "openssl", "3.0.15-1~deb12u1"),
        (2, "openssl-provider-legacy", "3.0.15"),
        (3, "openssl", "1:3.0.2-0ubuntu1"),
        (4, "openssl", "3.0.7-27.el9"),
    ]
    below = software_search(cur, [1, 2, 3, 4], "OpenSSL", "3.0.15")
    # device 1 is below; 2 is 3.0.15-1~deb12u1 which dpkg orders after 3.0.15; 3 has epoch 1;
    # the RPM 3.0.7 is below 3.0.15 by RPM's rules (7 < 15 numerically)
    assert [h.device_id for h in below] == [1, 4]
    assert {h.source for h in below} == {"dpkg", "rpm"}
    assert [h.name for h in software_search(cur, [2], "openssl*")] == ["openssl", "openssl-provider-legacy"]
    assert software_search(cur, [2], "openss_") == []  # _ is literal, only * is a wildcard
    assert [h.name for h in software_search(cur, [2], "*legacy")] == ["openssl-provider-legacy"]
    assert software_search(cur, [], "openssl") == []
    assert [h.device_id for h in software_search(cur, [5], "openssl")] == [5]  # scoped: only 5
    with pytest.raises(VersionError, match="not a Debian version"):
        software_search(cur, [1], "openssl", "3 0")
    with pytest.raises(VersionError, match="empty"):
        software_search(cur, [1], "openssl", " ")
    with pytest.raises(ValueError, match="name is required"):
        software_search(cur, [1], " ")


def test_ingest_publishes_after_commit_only(tsdb: TimeSeriesDB) -> None:
    bus = Bus()
    got: list[InventoryChanged] = []
    bus.subscribe(InventoryChanged, got.append)
    ingest = InventoryIngest(bus, customer_of={3: 42}.get)
    bus.subscribe(BatchCommitted, ingest.on_committed)

    def committed(seq: int) -> BatchCommitted:
        empty = np.zeros(0)
        return BatchCommitted(3, 1, seq, empty.astype(np.uint32), empty.astype(np.int64), empty)

    cur = tsdb.cursor()
    for seq, report in [
        (1, full(*HOST)),
        (2, delta(pkg("jq", "1.6"), removals=(("package", "bash:amd64"),))),
    ]:
        cur.execute("BEGIN TRANSACTION")
        ingest.txn_hook(cur, [Batch(3, 1, seq, [report])])
        cur.execute("COMMIT")
        bus.drain()
        assert got == []  # nothing before the batch is reported committed
        bus.publish(committed(seq))
        bus.drain()
    [event] = got
    assert (event.device_id, event.customer_id, event.subject) == (3, 42, "")
    assert sorted((c.key, c.change.value) for c in event.changes) == [
        ("bash:amd64", "removed"),
        ("jq:amd64", "installed"),
    ]
    assert ingest.pending == 0

    # A transaction that rolls back publishes nothing; the resend replaces its entry.
    report = delta(pkg("curl", "8"))
    cur.execute("BEGIN TRANSACTION")
    ingest.txn_hook(cur, [Batch(3, 1, 3, [report])])
    cur.execute("ROLLBACK")
    assert not [c for c in changes(cur, 3) if c.key == "curl:amd64"]
    cur.execute("BEGIN TRANSACTION")
    ingest.txn_hook(cur, [Batch(3, 1, 3, [report])])
    cur.execute("COMMIT")
    bus.publish(committed(3))
    bus.drain()
    assert [c.key for c in got[-1].changes] == ["curl:amd64"]
    assert [c.key for c in changes(cur, 3) if c.key == "curl:amd64"] == ["curl:amd64"]


@pytest.mark.parametrize(
    "query", ["ssl", "SSL", "openssl", "openssl*", "*ssl*", "lib*", "*3", "openss_", "  jq "]
)
def test_device_and_fleet_search_match_the_same_way(tsdb: TimeSeriesDB, query: str) -> None:
    """One matching rule (name_pattern): the same query gives the same packages on a
    device's list and in the fleet search."""
    commit(
        tsdb,
        Batch(1, 1, 1, [full(*HOST)]),
        Batch(2, 1, 1, [full(pkg("openssl", "3.0.15"), pkg("openssl-provider-legacy", "3"), pkg("jq", "1"))]),
    )
    cur = tsdb.cursor()
    for device in (1, 2):
        on_device = [(h.device_id, h.key) for h in software(cur, device, query)]
        in_fleet = [(h.device_id, h.key) for h in software_search(cur, [device], query)]
        assert on_device == in_fleet
    everywhere = {h.key for d in (1, 2) for h in software(cur, d, query)}
    assert everywhere == {h.key for h in software_search(cur, [1, 2], query)}
