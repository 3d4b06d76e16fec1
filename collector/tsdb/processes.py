"""The device's top processes as its agent last reported them (``process.cpu_percent`` and
``process.memory_bytes`` per process name, sent by the agent's ``processes`` collector),
read through the one read path over raw samples and compacted blocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np

from collector.tsdb.points import arrays
from collector.tsdb.queries import find_series
from eus.names import Label, Metric

LOOKBACK = timedelta(minutes=10)  # older than this, the list would mislead: show none


@dataclass(frozen=True, slots=True)
class TopProcess:
    name: str
    cpu_percent: float | None  # of one core
    memory_bytes: float | None


@dataclass(frozen=True, slots=True)
class TopProcesses:
    at: datetime | None  # when the agent read them; None: no reading in the last LOOKBACK
    rows: list[TopProcess]


def top_processes(
    cur: duckdb.DuckDBPyConnection, device_id: int, now: datetime | None = None
) -> TopProcesses:
    """The processes of the device's newest reading (within :data:`LOOKBACK`), busiest first."""
    end = now or datetime.now(UTC)
    names: dict[int, tuple[str, str]] = {}
    for metric in (Metric.PROCESS_CPU_PERCENT, Metric.PROCESS_MEMORY_BYTES):
        for s in find_series(cur, device_id, metric):
            names[s.id] = (str(metric), s.labels.get(Label.PROCESS, "?"))
    if not names:
        return TopProcesses(None, [])
    data = arrays(cur, list(names), end - LOOKBACK, end + timedelta(seconds=1))
    newest = max((int(ts.max()) for ts, _ in data.values() if ts.size), default=None)
    if newest is None:
        return TopProcesses(None, [])
    found: dict[str, dict[str, float]] = {}
    for sid, (ts, values) in data.items():
        hit = np.nonzero(ts == newest)[0]
        if hit.size:
            kind, name = names[sid]
            found.setdefault(name, {})[kind] = float(values[hit[-1]])
    rows = [
        TopProcess(name, v.get(Metric.PROCESS_CPU_PERCENT), v.get(Metric.PROCESS_MEMORY_BYTES))
        for name, v in found.items()
    ]
    rows.sort(key=lambda r: (-(r.cpu_percent or 0.0), -(r.memory_bytes or 0.0), r.name))
    return TopProcesses(datetime.fromtimestamp(newest / 1e6, UTC), rows)
