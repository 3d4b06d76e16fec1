"""The time-series facts alerting needs, behind a thin facade over the storage: what a
global series id is (device, name, labels; cached - series never change) and a metric's
recent history for forecasts."""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from collector.tsdb.series_facts import SeriesMeta
from collector.tsdb.storage import Storage

__all__ = ["SeriesFacts", "SeriesMeta"]


class SeriesFacts:
    def __init__(self, tsdb: Storage) -> None:
        self._tsdb = tsdb
        self._meta: dict[int, SeriesMeta] = {}
        self._lock = threading.Lock()

    def lookup(self, ids: Iterable[int]) -> dict[int, SeriesMeta]:
        wanted = set(ids)
        with self._lock:
            missing = [i for i in wanted if i not in self._meta]
        if missing:
            found = self._tsdb.series_meta(missing)
            with self._lock:
                self._meta.update(found)
        with self._lock:
            return {i: self._meta[i] for i in wanted if i in self._meta}

    def history(
        self, metric: str, since_s: float
    ) -> dict[int, tuple[SeriesMeta, npt.NDArray[np.float64], npt.NDArray[np.float64]]]:
        """Every series named ``metric`` with its samples since ``since_s`` (epoch seconds)."""
        by = self._tsdb.metric_history(metric, since_s)
        meta = self.lookup(by)
        return {sid: (meta[sid], t, v) for sid, (t, v) in by.items() if sid in meta}
