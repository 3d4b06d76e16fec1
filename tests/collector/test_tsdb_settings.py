"""The DuckDB settings the collector chooses reach the connection (collector.tsdb.db)."""

from __future__ import annotations

from pathlib import Path

from collector.config import CollectorConfig
from collector.tsdb.db import TimeSeriesDB


def _setting(db: TimeSeriesDB, name: str) -> str:
    return str(db.cursor().execute("SELECT current_setting(?)", [name]).fetchall()[0][0])


def test_the_collectors_defaults_reach_duckdb(tmp_path: Path) -> None:
    cfg = CollectorConfig()
    db = TimeSeriesDB(
        tmp_path / "m.duckdb",
        memory_limit_mb=cfg.duckdb_memory_limit_mb,
        threads=cfg.duckdb_threads,
        checkpoint_mb=cfg.duckdb_checkpoint_mb,
    )
    try:
        assert _setting(db, "checkpoint_threshold") == "61.0 MiB"  # 64 MB
        assert _setting(db, "threads") == "2"
        assert _setting(db, "memory_limit") == "488.2 MiB"  # 512 MB
    finally:
        db.close()


def test_zero_leaves_duckdbs_own_checkpoint_threshold(tmp_path: Path) -> None:
    db = TimeSeriesDB(tmp_path / "m.duckdb", checkpoint_mb=0)
    try:
        assert _setting(db, "checkpoint_threshold") == "16.0 MiB"
    finally:
        db.close()


def _wal_after_small_commits(path: Path, checkpoint_mb: int) -> int:
    """The WAL's size after 40 commits of ~0.6 MB each (24 MB in all)."""
    db = TimeSeriesDB(path, checkpoint_mb=checkpoint_mb)
    try:
        cur = db.cursor()
        cur.execute("CREATE TABLE t (s VARCHAR)")
        for n in range(40):
            cur.execute("INSERT INTO t SELECT repeat(md5(? || range::VARCHAR), 4) FROM range(5000)", [str(n)])
        return Path(f"{path}.wal").stat().st_size
    finally:
        db.close()


def test_commits_below_the_threshold_stay_in_the_wal(tmp_path: Path) -> None:
    """What the setting is for: the commits append to the WAL until it reaches the threshold,
    where DuckDB's 16 MB would have checkpointed (and emptied it) on the way."""
    assert _wal_after_small_commits(tmp_path / "a.duckdb", 64) > 16_000_000
    assert _wal_after_small_commits(tmp_path / "b.duckdb", 0) < 16_000_000
