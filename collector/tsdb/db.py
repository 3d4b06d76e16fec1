"""The one DuckDB connection of the collector process, and a cursor per thread: the DuckDB
implementation of :class:`collector.tsdb.storage.Storage` (its methods in ``duckdb_storage.py``).

DuckDB allows one process per file, so the dashboard lives in the collector process
and every thread (ingest writer, web workers, scheduler) takes its own cursor.
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb

from collector.tsdb import schema
from collector.tsdb.duckdb_storage import DuckDBStorage
from collector.tsdb.series_catalog import SeriesCatalog

# The WAL size at which a commit checkpoints. At DuckDB's default, 16 MB, compaction's merges
# spent most of their time in COMMIT: a checkpoint's cost hardly depends on what the WAL
# holds, so many small ones cost far more than one large one (a 100-device run compacting 2
# hours and merging a closed day: 5.2 s of commits at 16 MB, 0.8 s at 256 MB). But a larger
# WAL raises the peak RSS of a day compacted at once (100 devices: 836-844 MB at 16 MB, 804 at
# 64, 869 at 128, 963-965 at 256), which took 1,000 devices past 1 GB at 256 MB. 64 MB keeps
# the RSS of 16 MB and the saving that was still measurable in the same run (CPU 0.90-0.94x
# of 16 MB's; 256 MB 0.94-1.01x). BENCHMARKS.md, "Checkpoints, latest values ...".
CHECKPOINT_MB = 64


class TimeSeriesDB(DuckDBStorage):
    """Owns the DuckDB connection; hands each thread its own cursor."""

    def __init__(
        self,
        path: Path | str,
        *,
        memory_limit_mb: int = 0,
        threads: int = 0,
        checkpoint_mb: int = CHECKPOINT_MB,
    ) -> None:
        """Open (and migrate) the file. ``memory_limit_mb`` and ``threads``: 0 = DuckDB's own
        default (80 % of the machine's memory, one thread per core; ARCHITECTURE.md says why
        the collector sets both); ``checkpoint_mb``: the WAL size that makes a commit
        checkpoint (0: DuckDB's own, 16 MB)."""
        self.path = str(path)
        config: dict[str, str | bool | int | float | list[str]] = {}
        if memory_limit_mb > 0:
            config["memory_limit"] = f"{memory_limit_mb}MB"
        if threads > 0:
            config["threads"] = threads
        if checkpoint_mb > 0:
            config["checkpoint_threshold"] = f"{checkpoint_mb}MB"
        self._conn = duckdb.connect(self.path, config=config)
        self._local = threading.local()
        self.catalog = SeriesCatalog()
        schema.migrate(self._conn)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor (created on first use)."""
        cur: duckdb.DuckDBPyConnection | None = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._conn.cursor()
            self._local.cursor = cur
        return cur

    def checkpoint(self) -> None:
        """Write the WAL into the database file."""
        self.cursor().execute("CHECKPOINT").fetchall()

    def close(self) -> None:
        self._conn.close()
