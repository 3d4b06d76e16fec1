"""What a global series id is, and a metric's recent history: the time-series facts alerting
reads (through :class:`collector.tsdb.storage.Storage`; the cache lives in
``collector/alerting/series.py``)."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass

import duckdb
import numpy as np
import numpy.typing as npt

from collector.tsdb.points import points
from collector.tsdb.queries import SeriesInfo, series_info
from collector.tsdb.timestamps import naive_from_epoch

History = dict[int, tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]  # id -> (epoch s, values)


@dataclass(frozen=True, slots=True)
class SeriesMeta:
    device_id: int
    name: str
    labels: dict[str, str]


def series_meta(cur: duckdb.DuckDBPyConnection, ids: Collection[int]) -> dict[int, SeriesMeta]:
    """Device, name and labels of each series id that exists."""
    rows = cur.execute(
        "SELECT id, device_id, name, labels FROM series WHERE id IN (SELECT unnest(?))", [list(ids)]
    ).fetchall()
    return {
        int(sid): SeriesMeta(int(device_id), str(name), json.loads(labels))
        for sid, device_id, name, labels in rows
    }


def device_series(cur: duckdb.DuckDBPyConnection, device_id: int) -> list[SeriesInfo]:
    """Every series of the device, by id."""
    rows = cur.execute(
        "SELECT id, name, labels, unit, monotonic FROM series WHERE device_id = ? ORDER BY id", [device_id]
    ).fetchall()
    return [series_info(row) for row in rows]


def metric_history(cur: duckdb.DuckDBPyConnection, metric: str, since_s: float) -> History:
    """Every series named ``metric`` that has samples since ``since_s`` (epoch seconds), with them."""
    ids = [int(r[0]) for r in cur.execute("SELECT id FROM series WHERE name = ?", [metric]).fetchall()]
    since = naive_from_epoch(since_s - 0.001)
    with points(cur, ids, since, None) as view:
        rows = cur.execute(
            f"SELECT series_id, epoch_ms(ts) / 1000.0, value FROM {view} "  # noqa: S608 - our view
            "WHERE ts >= make_timestamp(CAST(? * 1000000 AS BIGINT)) "
            "ORDER BY series_id, ts",
            [since_s],
        ).fetchall()
    by: dict[int, tuple[list[float], list[float]]] = {}
    for sid, t, v in rows:
        ts_list, vals = by.setdefault(int(sid), ([], []))
        ts_list.append(float(t))
        vals.append(float(v))
    return {sid: (np.array(t, dtype=np.float64), np.array(v, dtype=np.float64)) for sid, (t, v) in by.items()}
