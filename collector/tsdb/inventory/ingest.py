"""Inventory in the ingest path: a transaction hook for the writer, events after commit.

The writer calls :meth:`InventoryIngest.txn_hook` inside its commit transaction, so a
batch's inventory is applied exactly once together with the batch itself. The changes
are kept per batch until the bus delivers that batch's ``BatchCommitted`` (published only
after the commit); then one ``InventoryChanged`` per subject goes out. A transaction that
rolls back leaves its entries to be replaced when the agent resends the same batch.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

import duckdb

from collector.bus import BatchCommitted, Bus, InventoryChanged
from collector.store.db import Store
from collector.store.models import Device
from collector.tsdb.inventory.store import BatchWithInventory, SubjectChanges, write_reports

log = logging.getLogger(__name__)

BatchKey = tuple[int, int, int]  # (device_id, epoch, seq)
CustomerOf = Callable[[int], int | None]


def customer_lookup(store: Store) -> CustomerOf:
    """A device's customer from the relational store, remembered (it never changes)."""
    known: dict[int, int] = {}

    def customer_of(device_id: int) -> int | None:
        if device_id not in known:
            with store.session() as s:
                device = s.get(Device, device_id)
                if device is None:
                    return None
                known[device_id] = device.customer_id
        return known[device_id]

    return customer_of


class InventoryIngest:
    """Owns the changes between commit and publication."""

    def __init__(self, bus: Bus, customer_of: CustomerOf) -> None:
        self._bus = bus
        self._customer_of = customer_of
        self._pending: dict[BatchKey, list[SubjectChanges]] = {}
        self._lock = threading.Lock()

    def txn_hook(self, cur: duckdb.DuckDBPyConnection, batches: Sequence[BatchWithInventory]) -> None:
        """Writer thread, inside the transaction."""
        with_inventory = [b for b in batches if b.inventory]
        if not with_inventory:
            return
        found = write_reports(cur, with_inventory)
        fresh: dict[BatchKey, list[SubjectChanges]] = {
            (b.device_id, b.epoch, b.seq): [] for b in with_inventory
        }
        for sc in found:
            if sc.changes:
                fresh[(sc.device_id, sc.epoch, sc.seq)].append(sc)
        with self._lock:
            self._pending.update(fresh)

    def on_committed(self, event: BatchCommitted) -> None:
        """Bus thread, after the commit: publish what this batch changed."""
        with self._lock:
            found = self._pending.pop((event.device_id, event.epoch, event.seq), None)
        if not found:
            return
        customer_id = self._customer_of(event.device_id)
        if customer_id is None:
            log.warning("inventory changes of unknown device %d not published", event.device_id)
            return
        for sc in found:
            self._bus.publish(InventoryChanged(sc.device_id, customer_id, sc.subject, sc.changes))

    @property
    def pending(self) -> int:
        """Batches whose changes await publication (diagnostics and tests)."""
        with self._lock:
            return len(self._pending)
