"""Inventory in DuckDB: written inside the ingest transaction, read by the dashboard.

:func:`write_reports` is what the ingest writer's transaction hook calls: for every
(device, subject) it reads the stored snapshot, applies the batches' reports in order
(:func:`collector.inventory.changes.apply_report`), appends the changes to
``inventory_changes`` and rewrites only the items that differ. It runs in the same
transaction as the batch record, so a report is applied exactly once however often the
agent resends it. It never raises on bad data: invalid items are logged and skipped,
because an exception would roll back every batch of the group and stall the stream.

The read side (``current_inventory``, ``changes``, ``software``, ``software_search``)
lives in :mod:`collector.tsdb.inventory.queries` and is re-exported here: together they are
the collector's inventory storage API.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import duckdb
import pyarrow as pa

from collector.inventory.changes import Change, ItemKey, apply_report
from collector.tsdb.inventory.queries import (
    ChangeRow,
    Item,
    SoftwareHit,
    SubjectInfo,
    changes,
    current_inventory,
    package_name,
    software,
    software_search,
    subjects,
)
from collector.tsdb.timestamps import naive_from_epoch
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

__all__ = [
    "BatchWithInventory",
    "ChangeRow",
    "Item",
    "SoftwareHit",
    "SubjectChanges",
    "SubjectInfo",
    "changes",
    "current_inventory",
    "software",
    "software_search",
    "subjects",
    "write_reports",
]


class BatchWithInventory(Protocol):
    """What the hook needs of a committed batch (``collector.tsdb.ingest.writer.PendingBatch``)."""

    device_id: int
    epoch: int
    seq: int
    inventory: list[eus_pb2.InventoryReport]


@dataclass(frozen=True, slots=True)
class SubjectChanges:
    """The changes one batch made to one subject's inventory."""

    device_id: int
    epoch: int
    seq: int
    subject: str
    changes: list[Change]


def _json(attrs: dict[str, str] | None) -> str | None:
    return None if attrs is None else json.dumps(attrs, sort_keys=True, ensure_ascii=False)


def _ts(ts_ms: int, now: float) -> datetime:
    seconds = ts_ms / 1000 if ts_ms > 0 else now
    return naive_from_epoch(seconds)


def _load(
    cur: duckdb.DuckDBPyConnection, device_id: int, subject: str
) -> tuple[dict[ItemKey, dict[str, str]], dict[ItemKey, datetime], bool]:
    rows = cur.execute(
        "SELECT kind, key, attrs, first_seen FROM inventory_items WHERE device_id = ? AND subject = ?",
        [device_id, subject],
    ).fetchall()
    known = bool(
        cur.execute(
            "SELECT count(*) FROM inventory_subjects WHERE device_id = ? AND subject = ?",
            [device_id, subject],
        ).fetchall()[0][0]
    )
    snapshot = {(str(k), str(key)): dict(json.loads(a)) for k, key, a, _ in rows}
    first_seen = {(str(k), str(key)): fs for k, key, _, fs in rows}
    return snapshot, first_seen, known


def write_reports(
    cur: duckdb.DuckDBPyConnection, batches: Sequence[BatchWithInventory], *, now: float | None = None
) -> list[SubjectChanges]:
    """Apply every inventory report in ``batches`` (in order) inside the caller's transaction.

    Returns the changes per batch and subject, for publishing after the commit.
    """
    groups: dict[tuple[int, str], list[tuple[BatchWithInventory, eus_pb2.InventoryReport]]] = {}
    for batch in batches:
        for report in batch.inventory:
            groups.setdefault((batch.device_id, report.subject), []).append((batch, report))
    if not groups:
        return []
    rows = _Rows(now_s=time.time() if now is None else now)
    out: list[SubjectChanges] = []
    for (device_id, subject), reports in groups.items():
        out.extend(_apply_subject(cur, device_id, subject, reports, rows))
    _write(cur, rows)
    return out


def _apply_subject(
    cur: duckdb.DuckDBPyConnection,
    device_id: int,
    subject: str,
    reports: list[tuple[BatchWithInventory, eus_pb2.InventoryReport]],
    rows: _Rows,
) -> list[SubjectChanges]:
    """One subject's reports in order; queues the rows that bring the stored state up to date."""
    original, first_seen, known = _load(cur, device_id, subject)
    snapshot: dict[ItemKey, dict[str, str]] = original
    updated: dict[ItemKey, datetime] = {}  # when the agent saw each rewritten item change
    last_full: datetime | None = None
    out: list[SubjectChanges] = []
    for batch, report in reports:
        applied = apply_report(snapshot, report, known=known)
        known = True
        ts = _ts(report.ts_ms, rows.now_s)
        for k in snapshot.keys() - applied.snapshot.keys():
            first_seen.pop(k, None)
        for k, attrs in applied.snapshot.items():
            if k not in snapshot:
                first_seen[k] = ts
            if snapshot.get(k) != attrs:
                updated[k] = ts
        snapshot = applied.snapshot
        for reason in applied.rejected[:20]:
            log.warning("device %d inventory %r: %s", device_id, subject, reason)
        if report.full:
            last_full = ts
        rows.changes.extend(
            (
                device_id,
                subject,
                ts,
                rows.now_ts,
                c.kind,
                c.key,
                c.change.value,
                c.old_version,
                c.new_version,
                _json(dict(c.old) if c.old is not None else None),
                _json(dict(c.new) if c.new is not None else None),
                batch.epoch,
                batch.seq,
            )
            for c in applied.changes
        )
        out.append(SubjectChanges(device_id, batch.epoch, batch.seq, subject, applied.changes))
    # Rewrite only what differs between the stored snapshot and the final one.
    for k in original.keys() - snapshot.keys():
        rows.deletes.append((device_id, subject, k[0], k[1]))
    for k, attrs in snapshot.items():
        if original.get(k) == attrs:
            continue
        if k in original:
            rows.deletes.append((device_id, subject, k[0], k[1]))
        rows.items.append(
            (
                device_id,
                subject,
                k[0],
                k[1],
                package_name(k[1], attrs) if k[0] == "package" else k[1],
                attrs.get("version", ""),
                _json(attrs) or "{}",
                first_seen.get(k, rows.now_ts),
                updated.get(k, rows.now_ts),
            )
        )
    rows.subjects.append((device_id, subject, len(snapshot), last_full, rows.now_ts))
    return out


@dataclass(slots=True)
class _Rows:
    """Everything one hook call writes, and the commit's time."""

    now_s: float
    deletes: list[tuple[int, str, str, str]] = field(default_factory=list)
    items: list[tuple[int, str, str, str, str, str, str, datetime, datetime]] = field(default_factory=list)
    changes: list[tuple[object, ...]] = field(default_factory=list)
    subjects: list[tuple[int, str, int, datetime | None, datetime]] = field(default_factory=list)

    @property
    def now_ts(self) -> datetime:
        return _ts(0, self.now_s)


def _write(cur: duckdb.DuckDBPyConnection, rows: _Rows) -> None:
    """Set-wise writes through Arrow: a full inventory is thousands of rows."""
    deletes, item_rows, change_rows = rows.deletes, rows.items, rows.changes
    if deletes:
        cur.register("inv_deletes", _table(["device_id", "subject", "kind", "key"], deletes))
        cur.execute(
            "DELETE FROM inventory_items AS i USING inv_deletes AS d WHERE i.device_id = d.device_id "
            "AND i.subject = d.subject AND i.kind = d.kind AND i.key = d.key"
        )
        cur.unregister("inv_deletes")
    if item_rows:
        cols = ["device_id", "subject", "kind", "key", "name", "version", "attrs", "first_seen", "updated"]
        cur.register("inv_items", _table(cols, item_rows))
        cur.execute(f"INSERT INTO inventory_items SELECT {', '.join(cols)} FROM inv_items")  # noqa: S608
        cur.unregister("inv_items")
    if change_rows:
        cols = [
            "device_id", "subject", "ts", "recorded", "kind", "key", "change",
            "old_version", "new_version", "old_attrs", "new_attrs", "epoch", "seq",
        ]  # fmt: skip
        cur.register("inv_changes", _table(cols, change_rows))
        cur.execute(f"INSERT INTO inventory_changes SELECT {', '.join(cols)} FROM inv_changes")  # noqa: S608
        cur.unregister("inv_changes")
    for device_id, subject, items, last_full, last_report in rows.subjects:
        cur.execute(
            "INSERT INTO inventory_subjects VALUES (?, ?, ?, ?, ?) ON CONFLICT (device_id, subject) "
            "DO UPDATE SET items = excluded.items, last_report = excluded.last_report, "
            "last_full = coalesce(excluded.last_full, inventory_subjects.last_full)",
            [device_id, subject, items, last_full, last_report],
        )


_TYPES: dict[str, pa.DataType] = {
    "device_id": pa.int32(),
    "epoch": pa.uint64(),
    "seq": pa.uint64(),
    "ts": pa.timestamp("us"),
    "recorded": pa.timestamp("us"),
    "first_seen": pa.timestamp("us"),
    "updated": pa.timestamp("us"),
}


def _table(columns: list[str], rows: Sequence[tuple[object, ...]]) -> pa.Table:
    data = list(zip(*rows, strict=True))
    return pa.table(
        {c: pa.array(list(v), _TYPES.get(c, pa.string())) for c, v in zip(columns, data, strict=True)}
    )
