"""Function results, events and command results commit with their batch, exactly once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import duckdb
from support.ingest import RecordingSink, sampleless_batch

from collector.bus import BatchCommitted, Bus
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.ingest.series import SeriesRegistry
from collector.tsdb.ingest.writer import IngestWriter, PendingBatch
from eus.v1 import eus_pb2

Sink = RecordingSink


def _batch(seq: int, sink: Sink) -> PendingBatch:
    return sampleless_batch(
        3,
        seq,
        sink,
        functions=[
            eus_pb2.FunctionResult(
                id="web",
                kind="http",
                name="Intranet",
                status=eus_pb2.HEALTH_CRITICAL,
                message="HTTP 500",
                ts_ms=1_700_000_000_000,
                duration_s=0.2,
                metrics={"latency_s": 0.2},
            )
        ],
        events=[
            eus_pb2.Event(
                ts_ms=1_700_000_000_500,
                kind="snmp.trap",
                source="10.0.0.9",
                message="linkDown",
                attrs={"1.3.6.1.6.3.18.1.4.0": "public", "version": "1"},  # snmpTrapCommunity.0
            )
        ],
        command_results=[eus_pb2.CommandResult(id="c1", ok=True, message="done", ts_ms=1_700_000_001_000)],
    )


def _wait(sink: Sink) -> None:
    assert sink.done.wait(10), "the writer did not report"
    sink.done.clear()


def test_extras_are_stored_once_hooks_run_in_the_transaction_and_commits_are_published(
    tmp_path: Path,
) -> None:
    db = TimeSeriesDB(tmp_path / "m.duckdb")
    writer = IngestWriter(db, SeriesRegistry(db.cursor()))
    bus = Bus()
    writer.extras.bus = bus
    published: list[BatchCommitted] = []
    bus.subscribe(BatchCommitted, published.append)
    seen_in_txn: list[int] = []

    def hook(cur: duckdb.DuckDBPyConnection, batches: Sequence[PendingBatch]) -> None:
        # The function row written moments ago in this transaction is visible here.
        seen_in_txn.append(int(cur.execute("SELECT count(*) FROM function_results").fetchall()[0][0]))
        if any(b.seq == 3 for b in batches):
            raise RuntimeError("derived table failed")

    writer.extras.add_txn_hook("test", hook)
    writer.start()
    sink = Sink()
    writer.submit(_batch(1, sink))
    _wait(sink)
    writer.submit(_batch(1, sink))  # a resend: acked again, stored nothing
    _wait(sink)
    writer.submit(_batch(3, sink))  # the hook fails: the whole commit rolls back
    _wait(sink)
    writer.stop()
    bus.drain()

    cur = db.cursor()
    assert cur.execute(
        "SELECT function_id, kind, status, message, metrics FROM function_results"
    ).fetchall() == [("web", "http", 3, "HTTP 500", '{"latency_s": 0.2}')]
    assert cur.execute("SELECT kind, source, message FROM events").fetchall() == [
        ("snmp.trap", "10.0.0.9", "linkDown")
    ]
    # an agent that forwarded the community in a varbind: masked at the boundary (issue #10.2)
    assert cur.execute("SELECT attrs FROM events").fetchall() == [
        ('{"1.3.6.1.6.3.18.1.4.0": "***", "version": "1"}',)
    ]
    assert cur.execute("SELECT command_id, ok FROM command_results").fetchall() == [("c1", True)]
    # its hour summary commits (and rolls back) with it: one run, not OK, critical at worst
    assert cur.execute(
        "SELECT device_id, subject, function_id, hour, runs, ok_runs, worst FROM function_hours"
    ).fetchall() == [(3, "", "web", datetime(2023, 11, 14, 22), 1, 0, 3)]
    assert cur.execute("SELECT seq FROM batches").fetchall() == [(1,)]
    assert sink.acked == 1
    assert sink.errors == ["storage error: RuntimeError (batch 3)"]
    assert seen_in_txn[0] == 1
    assert [(p.device_id, p.seq, [f.id for f in p.functions]) for p in published] == [(3, 1, ["web"])]
    db.close()
