"""The agent's durable spool: every batch is committed to SQLite before it is sent.

One file per agent (``state_dir/spool.sqlite3``), ``journal_mode=WAL``, ``synchronous=FULL``:
a batch that :meth:`Spool.append` returned for survives SIGKILL and power loss. Rows leave the
spool only when the collector acknowledges them (:meth:`Spool.ack`), or when the spool
overflows its bounds: then the OLDEST batches are replaced by one *gap* batch carrying the
last dropped seq and a :class:`Gap` describing the loss, so sequence numbers stay contiguous
for cumulative acks and the loss reaches the collector like any other batch.

Numbering: the *epoch* is fixed when the file is created (unix milliseconds) and stored in the
``meta`` table; ``seq`` starts at 1 and is never reused within an epoch (the last one issued is
kept in ``meta`` too, so it survives the spool being emptied by acks).

Thread-safety: one connection guarded by a lock; the runner thread appends, the transport
reads and acknowledges. :meth:`Spool.transaction` lets the series registry share both.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from agent import spool_journal
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
REASON_MAX_BYTES = "spool max_bytes exceeded"
REASON_MAX_AGE = "spool max_age_s exceeded"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
    seq          INTEGER PRIMARY KEY,
    epoch        INTEGER NOT NULL,
    payload      BLOB    NOT NULL,     -- serialized eus.v1.Batch, without series definitions
    created_ms   INTEGER NOT NULL,
    n_samples    INTEGER NOT NULL,
    nbytes       INTEGER NOT NULL,
    first_ts_ms  INTEGER,              -- NULL when the batch has no samples
    last_ts_ms   INTEGER,
    gap_from_seq INTEGER               -- NULL for data, else the first seq this gap replaces
);
"""


@dataclass(frozen=True, slots=True)
class SpooledBatch:
    """One row of the spool, as the transport reads it."""

    seq: int
    payload: bytes  # serialized eus_pb2.Batch (epoch and seq set, no series definitions)
    n_samples: int


@dataclass(frozen=True, slots=True)
class SpoolStats:
    rows: int
    nbytes: int
    first_seq: int  # 0 when empty
    last_seq: int  # the last seq ever issued (0 if none)


@dataclass(slots=True)
class _Row:
    seq: int
    created_ms: int
    n_samples: int
    nbytes: int
    first_ts_ms: int | None
    last_ts_ms: int | None
    gap_from_seq: int | None


class Spool:
    """A bounded, durable FIFO of batches keyed by ``(epoch, seq)``."""

    def __init__(
        self,
        path: Path,
        *,
        max_bytes: int = 256 * 1024 * 1024,
        max_age_s: float = 7 * 24 * 3600.0,
        journal_path: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.max_age_s = max_age_s
        self._clock = clock
        self._lock = threading.RLock()
        self._epoch = 0
        self._last_seq = 0
        self._rows = 0
        self._nbytes = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so every write is explicit.
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        with self.transaction() as db:
            # One statement at a time: executescript() would COMMIT our transaction.
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
            if "epoch" not in meta:
                meta = {
                    "schema_version": str(SCHEMA_VERSION),
                    "epoch": str(int(self._clock() * 1000)),
                    "last_seq": "0",
                }
                db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
            elif int(meta["schema_version"]) > SCHEMA_VERSION:
                raise RuntimeError(
                    f"{path}: spool schema version {meta['schema_version']} is newer than this agent"
                )
        self._load_counters()
        self._journal: IO[str] | None = None
        if journal_path is not None:
            self._journal = spool_journal.open_journal(journal_path, self._db, self._epoch)

    # ------------------------------------------------------------------ plumbing

    @property
    def epoch(self) -> int:
        """This spool file's generation; sent in ``Hello.spool_epoch`` and every batch."""
        return self._epoch

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the spool lock and one write transaction; commit on success, roll back on error."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                # The in-memory counters may have moved with the rolled-back rows.
                with suppress(sqlite3.Error):
                    self._load_counters()
                raise
            self._db.execute("COMMIT")

    def _load_counters(self) -> None:
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if "epoch" not in meta:
            return  # the schema itself was rolled back
        self._epoch = int(meta["epoch"])
        self._last_seq = int(meta["last_seq"])
        rows, nbytes = self._db.execute("SELECT COUNT(*), COALESCE(SUM(nbytes), 0) FROM batches").fetchone()
        self._rows = int(rows)
        self._nbytes = int(nbytes)

    def close(self) -> None:
        with self._lock:
            if self._journal is not None:
                self._journal.close()
                self._journal = None
            self._db.close()

    # ------------------------------------------------------------------ writing

    def append(self, batch: eus_pb2.Batch) -> int:
        """Durably store ``batch`` (its epoch and seq are assigned here) and return its seq.

        Series definitions must not be in ``batch``: they are per stream, added when sending.
        Enforces the bounds in the same transaction, which may turn the oldest rows into a gap.
        """
        if len(batch.series):
            raise ValueError("spooled batches carry no series definitions")
        n_samples = len(batch.series_id)
        first_ts = min(batch.ts_ms) if n_samples else None
        last_ts = max(batch.ts_ms) if n_samples else None
        journal: list[dict[str, object]] = []
        with self._lock:
            with self.transaction() as db:
                seq = self._last_seq + 1
                batch.epoch = self._epoch
                batch.seq = seq
                payload = batch.SerializeToString()
                db.execute(
                    "INSERT INTO batches (seq, epoch, payload, created_ms, n_samples, nbytes, first_ts_ms,"
                    " last_ts_ms, gap_from_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                    (seq, self._epoch, payload, self._now_ms(), n_samples, len(payload), first_ts, last_ts),
                )
                db.execute("UPDATE meta SET value = ? WHERE key = 'last_seq'", (str(seq),))
                self._last_seq = seq
                self._rows += 1
                self._nbytes += len(payload)
                journal.append({"epoch": self._epoch, "seq": seq, "samples": n_samples})
                gap = self._enforce_limits(db)
                if gap is not None:
                    journal.append(gap)
            # After the commit and still under the lock, so journal lines keep the seq order.
            self._write_journal(journal)
        return seq

    def append_gap(self, gap: eus_pb2.Gap) -> int:
        """Durably store a loss found outside the bounds (a damaged spool's unreadable rows) as
        one gap batch of its own; ``gap.from_seq`` is set to the seq it gets, which is returned."""
        with self._lock:
            with self.transaction() as db:
                seq = self._last_seq + 1
                gap.from_seq = seq
                payload = eus_pb2.Batch(epoch=self._epoch, seq=seq, gap=gap).SerializeToString()
                span = (gap.first_ts_ms, gap.last_ts_ms)
                db.execute(
                    "INSERT INTO batches (seq, epoch, payload, created_ms, n_samples, nbytes, first_ts_ms,"
                    " last_ts_ms, gap_from_seq) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)",
                    (seq, self._epoch, payload, self._now_ms(), len(payload), *span, seq),
                )
                db.execute("UPDATE meta SET value = ? WHERE key = 'last_seq'", (str(seq),))
                self._last_seq = seq
                self._rows += 1
                self._nbytes += len(payload)
            gap_record = {"from_seq": seq, "samples_dropped": gap.samples_dropped, "reason": gap.reason}
            self._write_journal([{"epoch": self._epoch, "seq": seq, "samples": 0, "gap": gap_record}])
        return seq

    def enforce_limits(self) -> None:
        """Apply the size and age bounds now (``append`` does it too)."""
        with self._lock:
            with self.transaction() as db:
                gap = self._enforce_limits(db)
            if gap is not None:
                self._write_journal([gap])

    def ack(self, seq: int) -> int:
        """Delete every row with ``seq <= seq`` (the collector committed them); return how many."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(nbytes), 0) FROM batches WHERE seq <= ?", (seq,)
            ).fetchone()
            if row[0]:
                db.execute("DELETE FROM batches WHERE seq <= ?", (seq,))
                self._rows -= int(row[0])
                self._nbytes -= int(row[1])
            return int(row[0])

    def set_aside(self, seq: int, reason: str) -> bool:
        """Replace batch ``seq``, which the collector refused to store, by a gap reporting it.

        Resending a refused batch would be refused forever; the gap keeps the seqs contiguous
        and tells the collector (and a technician) what was lost and why. Its times are left
        unset: they may be what the collector refused. False when ``seq`` is not held.
        """
        with self._lock:
            with self.transaction() as db:
                found = db.execute(
                    "SELECT payload, n_samples, nbytes, gap_from_seq FROM batches WHERE seq = ?", (seq,)
                ).fetchone()
                if found is None:
                    return False
                payload, n_samples, nbytes, gap_from_seq = found
                gap = eus_pb2.Gap(from_seq=seq, samples_dropped=int(n_samples), reason=reason[:500])
                if gap_from_seq is not None:  # a gap row itself: keep what it reported
                    old = eus_pb2.Batch.FromString(payload).gap
                    gap.from_seq, gap.samples_dropped = old.from_seq, old.samples_dropped
                replaced = eus_pb2.Batch(epoch=self._epoch, seq=seq, gap=gap).SerializeToString()
                db.execute(
                    "UPDATE batches SET payload = ?, n_samples = 0, nbytes = ?, first_ts_ms = NULL,"
                    " last_ts_ms = NULL, gap_from_seq = ? WHERE seq = ?",
                    (replaced, len(replaced), gap.from_seq, seq),
                )
                self._nbytes += len(replaced) - int(nbytes)
            self._write_journal(
                [
                    {
                        "epoch": self._epoch,
                        "seq": seq,
                        "samples": 0,
                        "gap": {
                            "from_seq": gap.from_seq,
                            "samples_dropped": gap.samples_dropped,
                            "reason": gap.reason,
                        },
                    }
                ]
            )
        log.warning("batch %d set aside as a gap (%d samples): %s", seq, gap.samples_dropped, reason)
        return True

    # ------------------------------------------------------------------ reading

    def read_after(self, seq: int, limit: int) -> list[SpooledBatch]:
        """Up to ``limit`` rows with seq greater than ``seq``, in seq order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, payload, n_samples FROM batches WHERE seq > ? ORDER BY seq LIMIT ?",
                (seq, limit),
            ).fetchall()
        return [SpooledBatch(int(s), bytes(p), int(n)) for s, p, n in rows]

    def low_seq(self) -> int:
        """The lowest seq this spool still accounts for (Hello's ``spool_low_seq``).

        A gap row at the head accounts for every seq it replaced, from its ``gap_from_seq``:
        announcing its own seq instead made the collector record those seqs a second time,
        as restored or lost collector data. ``last_seq() + 1`` when the spool is empty.
        """
        with self._lock:
            head = self._db.execute(
                "SELECT COALESCE(gap_from_seq, seq) FROM batches ORDER BY seq LIMIT 1"
            ).fetchone()
            return int(head[0]) if head is not None else self._last_seq + 1

    def last_seq(self) -> int:
        """The last seq issued in this epoch (0 if none)."""
        with self._lock:
            return self._last_seq

    def stats(self) -> SpoolStats:
        with self._lock:
            first = self._db.execute("SELECT MIN(seq) FROM batches").fetchone()[0]
            return SpoolStats(self._rows, self._nbytes, int(first or 0), self._last_seq)

    # ------------------------------------------------------------------ bounds

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _enforce_limits(self, db: sqlite3.Connection) -> dict[str, object] | None:
        """Replace the oldest rows by one gap row while over a bound. Caller holds a transaction.

        Never drops the newest row: a spool that cannot hold one batch still holds that batch.
        Returns the journal record of the gap written, if any.
        """
        record = None
        # A pass cannot account for the gap row it is about to write, so repeat until stable;
        # every further pass merges into the same gap. Each pass removes at least one row.
        for _ in range(self._rows):
            found = self._drop_oldest(db)
            if found is None:
                break
            record = found
        if record is not None:
            gap = record["gap"]
            assert isinstance(gap, dict)
            log.warning(
                "spool overflow (%s): batches %d..%d dropped, %d samples lost in all",
                gap["reason"],
                gap["from_seq"],
                record["seq"],
                gap["samples_dropped"],
            )
        return record

    def _drop_oldest(self, db: sqlite3.Connection) -> dict[str, object] | None:
        """One pass of :meth:`_enforce_limits`."""
        age_cutoff_ms = self._now_ms() - int(self.max_age_s * 1000)
        dropped: list[_Row] = []
        reasons: list[str] = []
        nbytes = self._nbytes
        cursor = db.execute(
            "SELECT seq, created_ms, n_samples, nbytes, first_ts_ms, last_ts_ms, gap_from_seq"
            " FROM batches WHERE seq < ? ORDER BY seq",
            (self._last_seq,),
        )
        for raw in cursor:
            row = _Row(*raw)
            too_big = nbytes > self.max_bytes
            too_old = row.created_ms < age_cutoff_ms
            if row.gap_from_seq is not None and not dropped:
                # An existing gap at the head: merge into it if anything after it is dropped.
                # Its bytes stay: the merged gap replaces it.
                dropped.append(row)
                continue
            if not (too_big or too_old):
                break
            reason = REASON_MAX_AGE if too_old else REASON_MAX_BYTES
            if reason not in reasons:
                reasons.append(reason)
            dropped.append(row)
            nbytes -= row.nbytes
        cursor.close()
        if not reasons:
            return None  # at most an existing gap row was visited: nothing to do
        return self._write_gap(db, dropped, reasons)

    def _write_gap(
        self, db: sqlite3.Connection, dropped: list[_Row], reasons: list[str]
    ) -> dict[str, object]:
        head, last = dropped[0], dropped[-1]
        samples = sum(r.n_samples for r in dropped)
        firsts = [r.first_ts_ms for r in dropped if r.first_ts_ms is not None]
        lasts = [r.last_ts_ms for r in dropped if r.last_ts_ms is not None]
        from_seq = head.seq
        if head.gap_from_seq is not None:
            old = eus_pb2.Batch.FromString(
                db.execute("SELECT payload FROM batches WHERE seq = ?", (head.seq,)).fetchone()[0]
            )
            from_seq = old.gap.from_seq
            samples += old.gap.samples_dropped
            merged = old.gap.reason.split("; ") if old.gap.reason else []
            reasons = [*merged, *(r for r in reasons if r not in merged)]
        gap = eus_pb2.Gap(
            from_seq=from_seq,
            samples_dropped=samples,
            first_ts_ms=min(firsts) if firsts else 0,
            last_ts_ms=max(lasts) if lasts else 0,
            reason="; ".join(reasons),
        )
        payload = eus_pb2.Batch(epoch=self._epoch, seq=last.seq, gap=gap).SerializeToString()
        db.execute("DELETE FROM batches WHERE seq >= ? AND seq < ?", (head.seq, last.seq))
        db.execute(
            "UPDATE batches SET payload = ?, n_samples = 0, nbytes = ?, first_ts_ms = ?, last_ts_ms = ?,"
            " gap_from_seq = ? WHERE seq = ?",
            (payload, len(payload), gap.first_ts_ms, gap.last_ts_ms, from_seq, last.seq),
        )
        self._rows -= len(dropped) - 1
        self._nbytes += len(payload) - sum(r.nbytes for r in dropped)
        return {
            "epoch": self._epoch,
            "seq": last.seq,
            "samples": 0,
            "gap": {"from_seq": from_seq, "samples_dropped": samples, "reason": gap.reason},
        }

    def _write_journal(self, records: list[dict[str, object]]) -> None:
        """Append to the journal after the commit (called inside the lock: lines stay ordered)."""
        if self._journal is None:
            return
        for record in records:
            self._journal.write(spool_journal.line(record))
        self._journal.flush()
