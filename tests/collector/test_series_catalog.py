"""collector.tsdb.series_catalog: each device's series kept for the chart path, told by the writer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from support.ingest import RecordingSink

from collector.tsdb.chart_reads import LineQuery
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.ingest.series import SeriesRegistry
from collector.tsdb.ingest.writer import IngestWriter, PendingBatch
from collector.tsdb.queries import SeriesInfo, Window
from collector.tsdb.series_catalog import SeriesCatalog


def _info(sid: int, name: str = "m") -> SeriesInfo:
    return SeriesInfo(sid, name, {}, "", False)


class _Table:
    """A stand-in for the series table that counts its reads."""

    def __init__(self) -> None:
        self.rows: dict[int, list[SeriesInfo]] = {1: [_info(1)], 2: [_info(2)], 3: [_info(3)]}
        self.reads: list[int] = []

    def read(self, device_id: int) -> list[SeriesInfo]:
        self.reads.append(device_id)
        return list(self.rows.get(device_id, []))


def test_a_device_is_read_once_until_series_are_added() -> None:
    table, catalog = _Table(), SeriesCatalog()
    assert catalog.of_device(1, table.read) == (_info(1),)
    assert catalog.of_device(1, table.read) == (_info(1),)
    assert table.reads == [1]
    table.rows[1].append(_info(9, "new"))
    catalog.added([1])
    assert catalog.of_device(1, table.read) == (_info(1), _info(9, "new"))
    assert table.reads == [1, 1]


def test_a_read_that_raced_a_commit_is_not_kept() -> None:
    table, catalog = _Table(), SeriesCatalog()

    def read_then_commit(device_id: int) -> list[SeriesInfo]:
        found = table.read(device_id)  # the table as it was before the commit
        table.rows[device_id].append(_info(9, "new"))
        catalog.added([device_id])  # the writer commits while this reader is between the two
        return found

    assert catalog.of_device(1, read_then_commit) == (_info(1),)  # what it read, for this once
    assert catalog.of_device(1, table.read) == (_info(1), _info(9, "new"))  # not kept: read again


def test_the_least_recently_used_device_goes_first() -> None:
    table, catalog = _Table(), SeriesCatalog(max_devices=2)
    catalog.of_device(1, table.read)
    catalog.of_device(2, table.read)
    catalog.of_device(1, table.read)  # 1 is now the most recent
    catalog.of_device(3, table.read)  # 2 goes
    table.reads.clear()
    catalog.of_device(1, table.read)
    catalog.of_device(2, table.read)
    assert table.reads == [2]


def test_a_chart_line_sees_a_series_the_writer_adds_after_it_was_drawn(tmp_path: Path) -> None:
    db = TimeSeriesDB(tmp_path / "m.duckdb")
    series = SeriesRegistry(db.cursor())
    writer = IngestWriter(db, series)
    writer.start()
    t0 = datetime(2026, 12, 1, 12, tzinfo=UTC)
    window = Window(t0, t0 + timedelta(minutes=10), 60)
    try:

        def store(seq: int, name: str) -> None:
            sink = RecordingSink()
            sid = series.resolve(4, name, {"k": "v"}, "", False)
            ts = int(t0.timestamp() * 1000) + seq * 60_000 + np.arange(3, dtype=np.int64)
            writer.submit(PendingBatch(4, 1, seq, np.full(3, sid, np.uint32), ts, np.ones(3), sink))
            assert sink.done.wait(20) and sink.acked == seq

        store(1, "cpu.percent")
        assert [r.info.name for r in db.read_line(4, LineQuery("cpu.percent"), window)] == ["cpu.percent"]
        assert db.read_line(4, LineQuery("memory.percent"), window) == []  # read, and kept
        store(2, "memory.percent")
        drawn = db.read_line(4, LineQuery("memory.percent", {"k": "v"}), window)
        assert [(r.info.name, r.info.labels) for r in drawn] == [("memory.percent", {"k": "v"})]
        assert drawn[0].points.v == [1.0]
    finally:
        writer.stop()
        db.close()
