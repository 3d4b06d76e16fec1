"""Read a stopped collector's DuckDB file (DuckDB allows one process per file)."""

from __future__ import annotations

from pathlib import Path

import duckdb


def query(data_dir: Path, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(data_dir / "metrics.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def samples_per_device(data_dir: Path) -> dict[int, int]:
    rows = query(
        data_dir,
        "SELECT s.device_id, count(*) FROM samples x JOIN series s ON s.id = x.series_id GROUP BY 1",
    )
    return {int(d): int(n) for d, n in rows}  # type: ignore[call-overload]


def points_of_device(data_dir: Path, device_id: int) -> tuple[int, int]:
    """(points, distinct (series, ts)) stored for a device in every tier, raw and compacted."""
    from collector.tsdb.points import load

    con = duckdb.connect(str(data_dir / "metrics.duckdb"), read_only=True)
    try:
        ids = [
            int(r[0])
            for r in con.execute("SELECT id FROM series WHERE device_id = ?", [device_id]).fetchall()
        ]
        table = load(con.cursor(), ids, None, None)
    finally:
        con.close()
    pairs = zip(table.column("series_id").to_pylist(), table.column("ts").to_pylist(), strict=True)
    return table.num_rows, len(set(pairs))
