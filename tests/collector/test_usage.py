"""collector.tsdb.usage: bytes on disk per time-series table, from DuckDB's block lists."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from collector.tsdb import compaction, usage
from collector.tsdb.db import TimeSeriesDB


def test_disk_use_counts_the_blocks_each_table_holds(tmp_path: Path) -> None:
    db = TimeSeriesDB(tmp_path / "metrics.duckdb")
    cur = db.cursor()
    day = datetime(2026, 11, 20)
    rng = np.random.default_rng(1)
    n = 8640
    for sid in range(1, 41):
        ts = [day + timedelta(seconds=10 * i) for i in range(n)]
        cur.execute(
            "INSERT INTO samples SELECT ?, unnest(?::TIMESTAMP[]), unnest(?::DOUBLE[])",
            [sid, ts, rng.uniform(0, 1e6, n).tolist()],  # float noise: blobs past a block
        )
    compaction.compact(cur, day + timedelta(days=1, hours=1))
    db.checkpoint()
    got = {u.table: u for u in usage.disk_use(cur)}
    assert list(got) == list(usage.TABLES)
    blocks = got["sample_blocks"]
    assert blocks.rows == 40
    payload = int(cur.execute("SELECT sum(octet_length(data)) FROM sample_blocks").fetchall()[0][0])
    # At least the blobs; more while merged-away rows still sit in their row groups.
    assert payload <= blocks.bytes <= 4 * payload
    assert blocks.bytes % 262_144 == 0
    assert got["samples"] == usage.TableUse("samples", 0, 0)
    db.close()
