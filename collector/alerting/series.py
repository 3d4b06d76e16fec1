"""The time-series facts alerting needs from DuckDB, behind a thin facade: what a global
series id is (device, name, labels; cached - series never change) and a metric's recent
history for forecasts. Each calling thread uses its own cursor."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.points import points
from collector.tsdb.timestamps import naive_from_epoch


@dataclass(frozen=True, slots=True)
class SeriesMeta:
    device_id: int
    name: str
    labels: dict[str, str]


class SeriesFacts:
    def __init__(self, tsdb: TimeSeriesDB) -> None:
        self._tsdb = tsdb
        self._meta: dict[int, SeriesMeta] = {}
        self._lock = threading.Lock()

    def lookup(self, ids: Iterable[int]) -> dict[int, SeriesMeta]:
        wanted = set(ids)
        with self._lock:
            missing = [i for i in wanted if i not in self._meta]
        if missing:
            rows = (
                self._tsdb.cursor()
                .execute(
                    "SELECT id, device_id, name, labels FROM series WHERE id IN (SELECT unnest(?))", [missing]
                )
                .fetchall()
            )
            with self._lock:
                for sid, device_id, name, labels in rows:
                    self._meta[int(sid)] = SeriesMeta(int(device_id), str(name), json.loads(labels))
        with self._lock:
            return {i: self._meta[i] for i in wanted if i in self._meta}

    def history(
        self, metric: str, since_s: float
    ) -> dict[int, tuple[SeriesMeta, npt.NDArray[np.float64], npt.NDArray[np.float64]]]:
        """Every series named ``metric`` with its samples since ``since_s`` (epoch seconds)."""
        cur = self._tsdb.cursor()
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
        meta = self.lookup(by)
        return {
            sid: (meta[sid], np.array(t, dtype=np.float64), np.array(v, dtype=np.float64))
            for sid, (t, v) in by.items()
            if sid in meta
        }
