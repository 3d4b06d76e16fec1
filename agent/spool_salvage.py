"""Opening the spool when its file may be damaged (a torn disk, a bad block, a stray write).

A damaged spool used to make the agent exit with a traceback at every start, and systemd
restarted it forever. Now :func:`open_spool` checks the file first; when SQLite finds it
corrupt, it is moved aside as ``<name>.damaged-<UTC timestamp>`` (kept for a post-mortem,
with its ``-wal``), every row that can still be read is copied into a fresh spool (a new
epoch, so no sequence number can collide with what the collector already committed) in its
original order, and whatever could not be read becomes a gap batch, so the collector records
the loss instead of never hearing of it.

Rows are read from both ends of each table and then one key at a time in between: a scan
stops at the first damaged page, a point lookup only fails for rows on damaged pages.

Known limit: batches the collector had committed but whose ack had not yet deleted them are
sent again under new numbers (at most the transport window).
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf.message import DecodeError

from agent.series import restore_definitions
from agent.spool import Spool
from eus.sqlite_check import is_damage, open_read_only, quick_check
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

# SQLite's primary result codes for "this file is not (or no longer) a sound database".
_REQUIRED_TABLES = {"meta", "batches"}
# Point lookups between the two scans stop after this many keys: a spool holds far fewer rows.
_MAX_LOOKUPS = 2_000_000

_BATCH_COLUMNS = "seq, epoch, payload, n_samples, first_ts_ms, last_ts_ms"
_SERIES_COLUMNS = "id, key_json, name, labels, unit, monotonic"


def damage(path: Path) -> str | None:
    """Why the spool file at ``path`` cannot be used, or None (also when it does not exist)."""
    if not path.exists():
        return None
    try:
        db = open_read_only(path)
    except sqlite3.Error as exc:
        return str(exc) if is_damage(exc) else None
    try:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return None  # created but never initialised: Spool sets it up
        if missing := _REQUIRED_TABLES - tables:
            return f"tables missing: {', '.join(sorted(missing))}"
        if problem := quick_check(db):
            return problem
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        for name in ("epoch", "last_seq", "schema_version"):
            int(meta[name])
    except sqlite3.Error as exc:
        return str(exc) if is_damage(exc) or "no such" in str(exc) else None
    except (KeyError, ValueError, TypeError) as exc:
        return f"meta table unreadable ({exc!r})"
    finally:
        db.close()
    return None


def _rows_by_key(
    db: sqlite3.Connection, table: str, columns: str, key: str, *, last_key: int = 0
) -> tuple[list[tuple[Any, ...]], bool]:
    """Every readable row of ``table`` in key order, and whether the table read cleanly.

    Scans from both ends, then looks up each key between where the scans stopped (up to the
    largest key known: the table's, else ``last_key``).
    """
    found: dict[int, tuple[Any, ...]] = {}
    try:
        for row in db.execute(f"SELECT {columns} FROM {table} ORDER BY {key}"):  # noqa: S608
            found[int(row[0])] = row
        return [found[k] for k in sorted(found)], True
    except sqlite3.DatabaseError:
        pass
    low = max(found, default=0)
    high: int | None = None
    try:
        for row in db.execute(f"SELECT {columns} FROM {table} ORDER BY {key} DESC"):  # noqa: S608
            k = int(row[0])
            if k in found:
                break  # met the ascending scan
            found[k] = row
            high = k
    except sqlite3.DatabaseError:
        pass
    if high is None:
        try:
            high = int(db.execute(f"SELECT MAX({key}) FROM {table}").fetchone()[0] or 0) + 1  # noqa: S608
        except sqlite3.DatabaseError:
            high = last_key + 1
    for k in range(low + 1, min(high, low + 1 + _MAX_LOOKUPS)):
        try:
            row = db.execute(f"SELECT {columns} FROM {table} WHERE {key} = ?", (k,)).fetchone()  # noqa: S608
        except sqlite3.DatabaseError:
            continue
        if row is not None:
            found[k] = row
    return [found[k] for k in sorted(found)], False


@dataclass(slots=True)
class _Loss:
    """Rows lost between two salvaged batches."""

    batches: int = 0
    samples: int = 0  # of the lost rows whose size was still readable
    first_ts_ms: int = 0  # the loss lies after the last sample kept before it
    last_ts_ms: int = 0  # ... and before the first one kept after it (0: unknown)


@dataclass(slots=True)
class SalvageReport:
    kept: int = 0
    lost: int = 0
    gaps: list[eus_pb2.Gap] = field(default_factory=list)


def _read_meta(db: sqlite3.Connection) -> dict[str, str]:
    try:
        return dict(db.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError:
        return {}


@contextmanager
def _working_copy(aside: Path) -> Iterator[Path]:
    """A scratch copy of the damaged file (and its WAL) to read from, so the kept one stays as it
    was. A truncated copy is padded to the size its header declares: SQLite refuses every read,
    page 1 included, of a file shorter than that, and zero pages fail only where they are read."""
    copy = aside.with_name(aside.name + ".salvage")
    shutil.copyfile(aside, copy)
    wal = aside.with_name(aside.name + "-wal")
    if wal.exists():
        shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
    try:
        with copy.open("r+b") as fh:
            header = fh.read(100)
            if len(header) == 100 and header.startswith(b"SQLite format 3\x00"):
                page_size = int.from_bytes(header[16:18], "big")
                page_size = 65536 if page_size == 1 else page_size
                declared = page_size * int.from_bytes(header[28:32], "big")
                if declared > copy.stat().st_size:
                    fh.truncate(declared)
        yield copy
    finally:
        for suffix in ("", "-wal", "-shm"):
            copy.with_name(copy.name + suffix).unlink(missing_ok=True)


def _salvage_into(aside: Path, spool: Spool) -> SalvageReport:
    """Copy what can be read of ``aside`` into the new ``spool``, losses as gaps, in seq order."""
    report = SalvageReport()
    with _working_copy(aside) as copy:
        return _salvage_from(copy, aside.name, spool, report)


def _salvage_from(copy: Path, aside_name: str, spool: Spool, report: SalvageReport) -> SalvageReport:
    db = open_read_only(copy)
    try:
        meta = _read_meta(db)
        last_seq = int(meta["last_seq"]) if meta.get("last_seq", "").isdigit() else 0
        series, _ = _rows_by_key(db, "series", _SERIES_COLUMNS, "id")
        restore_definitions(spool, series)
        known = {int(r[0]) for r in series}
        rows, clean = _rows_by_key(db, "batches", _BATCH_COLUMNS, "seq", last_key=last_seq)
    finally:
        db.close()
    reason = f"spool damaged; unreadable batches kept in {aside_name}"
    loss = _Loss()
    expected = int(rows[0][0]) if rows else 1
    prev_last_ts = 0
    for seq, epoch, payload, n_samples, first_ts, last_ts in rows:
        loss.batches += int(seq) - expected  # seqs in a spool are contiguous: holes were rows
        expected = int(seq) + 1
        batch = _parse(payload, int(seq), int(epoch))
        if batch is None or any(sid not in known for sid in set(batch.series_id)):
            loss.batches += 1
            loss.samples += int(n_samples or 0)
            continue
        if loss.batches:
            loss.first_ts_ms, loss.last_ts_ms = prev_last_ts, int(first_ts or 0)
            _flush_loss(spool, report, loss, reason)
            loss = _Loss()
        if batch.HasField("gap"):
            batch.gap.from_seq = 0
            spool.append_gap(batch.gap)
        else:
            batch.ClearField("epoch")
            batch.ClearField("seq")
            spool.append(batch)
        report.kept += 1
        prev_last_ts = int(last_ts or prev_last_ts)
    loss.batches += max(0, last_seq - expected + 1)
    if loss.batches or (not clean and not report.lost):  # rows lost where none can be counted
        loss.first_ts_ms = prev_last_ts
        _flush_loss(spool, report, loss, reason)
    return report


def _parse(payload: object, seq: int, epoch: int) -> eus_pb2.Batch | None:
    if not isinstance(payload, bytes):
        return None
    try:
        batch = eus_pb2.Batch.FromString(payload)
    except DecodeError:
        return None
    # A payload that decodes but names another row is garbage that happened to parse.
    return batch if batch.seq == seq and batch.epoch == epoch else None


def _flush_loss(spool: Spool, report: SalvageReport, loss: _Loss, reason: str) -> None:
    gap = eus_pb2.Gap(
        samples_dropped=loss.samples,
        first_ts_ms=loss.first_ts_ms,
        last_ts_ms=loss.last_ts_ms,
        reason=f"{reason} ({loss.batches} batches)",
    )
    spool.append_gap(gap)
    report.lost += loss.batches
    report.gaps.append(gap)


def aside_path(path: Path, now: float) -> Path:
    """Where a damaged spool is kept: ``<name>.damaged-<UTC timestamp>`` beside it."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    return path.with_name(f"{path.name}.damaged-{stamp}")


def open_spool(path: Path, *, clock: Callable[[], float] = time.time, **options: Any) -> Spool:
    """The spool at ``path``; a damaged file is moved aside and salvaged into a new one first.

    ``options`` are :class:`Spool`'s keyword arguments.
    """
    reason = damage(path)
    if reason is None:
        return Spool(path, clock=clock, **options)
    aside = aside_path(path, clock())
    for suffix in ("-wal", "-shm"):  # the WAL is part of the damaged database: keep it with it
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.replace(aside.with_name(aside.name + suffix))
    path.replace(aside)
    spool = Spool(path, clock=clock, **options)
    try:
        report = _salvage_into(aside, spool)
    except (sqlite3.DatabaseError, OSError) as exc:  # nothing readable, or no room to copy it
        report = SalvageReport()
        spool.append_gap(eus_pb2.Gap(reason=f"spool damaged; nothing salvaged from {aside.name} ({exc})"))
    log.error(
        "spool %s is damaged (%s): moved aside to %s; %d batches salvaged into a new spool "
        "(epoch %d), %d unreadable reported to the collector as a gap",
        path,
        reason,
        aside,
        report.kept,
        spool.epoch,
        report.lost,
    )
    return spool
