"""Inventory through the real ingest writer: applied once with its batch, even when the
agent resends it, and ``InventoryChanged`` published only after the commit."""

from __future__ import annotations

from pathlib import Path

from support.ingest import RecordingSink, sampleless_batch

from collector.bus import BatchCommitted, Bus, InventoryChanged
from collector.store.db import Store
from collector.store.models import Customer, Device
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.ingest.series import SeriesRegistry
from collector.tsdb.ingest.writer import IngestWriter, PendingBatch
from collector.tsdb.inventory.ingest import InventoryIngest, customer_lookup
from collector.tsdb.inventory.store import changes, current_inventory
from eus.v1 import eus_pb2

Sink = RecordingSink


def batch(device_id: int, seq: int, sink: Sink, report: eus_pb2.InventoryReport) -> PendingBatch:
    return sampleless_batch(device_id, seq, sink, inventory=[report])


def pkg(name: str, version: str) -> eus_pb2.InventoryItem:
    return eus_pb2.InventoryItem(kind="package", key=name, attrs={"version": version, "source": "dpkg"})


def test_inventory_commits_once_with_its_batch_and_is_published_after(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'eus.sqlite3'}")
    store.migrate()
    with store.session() as s:
        customer = Customer(name="Acme")
        s.add(customer)
        s.flush()
        device = Device(customer_id=customer.id, agent_id="a1")
        s.add(device)
        s.flush()
        device_id, customer_id = device.id, customer.id

    db = TimeSeriesDB(tmp_path / "metrics.duckdb")
    writer = IngestWriter(db, SeriesRegistry(db.cursor()))
    bus = Bus()
    writer.extras.bus = bus
    inventory = InventoryIngest(bus, customer_lookup(store))
    writer.extras.add_txn_hook("inventory", inventory.txn_hook)
    bus.subscribe(BatchCommitted, inventory.on_committed)
    got: list[InventoryChanged] = []
    bus.subscribe(InventoryChanged, got.append)
    bus.start()
    writer.start()
    sink = Sink()
    try:
        full = eus_pb2.InventoryReport(
            full=True, ts_ms=1_790_000_000_000, upserts=[pkg("bash", "5.2"), pkg("curl", "7.88")]
        )
        delta = eus_pb2.InventoryReport(
            ts_ms=1_790_000_060_000,
            upserts=[pkg("curl", "8.5"), pkg("jq", "1.6")],
            removals=[eus_pb2.InventoryKey(kind="package", key="bash")],
        )
        for seq, report in [(1, full), (2, delta), (2, delta)]:  # the last one: a resend after a lost ack
            writer.submit(batch(device_id, seq, sink, report))
            assert sink.done.wait(30), "the writer did not report"
            sink.done.clear()
        assert sink.errors == []
        assert sink.acked == 2
    finally:
        writer.stop()
        bus.stop()
        # InventoryChanged is published from the BatchCommitted handler, on the bus thread:
        # what it queued behind the stop marker is delivered here.
        bus.drain()

    cur = db.cursor()
    assert {i.key: i.attrs["version"] for i in current_inventory(cur, device_id)} == {
        "curl": "8.5",
        "jq": "1.6",
    }
    assert sorted((c.key, c.change) for c in changes(cur, device_id)) == [
        ("bash", "removed"),
        ("curl", "upgraded"),
        ("jq", "installed"),
    ]
    [event] = got  # the baseline published nothing; the resend neither
    assert (event.device_id, event.customer_id, event.subject) == (device_id, customer_id, "")
    assert sorted((c.key, c.change.value) for c in event.changes) == [
        ("bash", "removed"),
        ("curl", "upgraded"),
        ("jq", "installed"),
    ]
    assert inventory.pending == 0
    assert customer_lookup(store)(424242) is None
    db.close()
    store.dispose()
