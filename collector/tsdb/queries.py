"""Read-side queries over ``series`` and ``samples`` for the dashboard.

Functions take the calling thread's cursor (``TimeSeriesDB.cursor()``), bind every value
as a parameter and drain every result with ``fetchall()``. Every samples query is bounded
in time by a :class:`Window`, and answers in time buckets so a chart never receives more
points than it can draw.

Ranges longer than a few hours, in steps of whole 5-min or 1-h buckets, are answered from
the per-series rollups (``collector.tsdb.rollups``); shorter ones from each series' own
samples (``collector.tsdb.points.arrays``), bucketed in numpy: a chart line costs a couple
of indexed lookups instead of a view and an SQL aggregate over it.

Timestamps in DuckDB are naive ``TIMESTAMP`` values in UTC; the functions here accept
aware or naive datetimes and answer in unix seconds (the start of each bucket).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import numpy as np

from collector.tsdb import rollups
from collector.tsdb.buckets import Buckets
from collector.tsdb.points import arrays
from collector.tsdb.txn import us


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    """One row of ``series``: the identity of a time series on one device."""

    id: int
    name: str
    labels: dict[str, str]
    unit: str
    monotonic: bool


@dataclass(frozen=True, slots=True)
class Points:
    """A bucketed series: bucket starts in unix seconds and one value per bucket."""

    t: list[int]
    v: list[float]


@dataclass(frozen=True, slots=True)
class Spread:
    """A bucketed gauge with each bucket's lowest and highest sample beside its mean, so a
    chart over a long range can draw the spike its mean averages away."""

    points: Points
    low: list[float]
    high: list[float]


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open time range ``[start, end)`` cut into ``step_s``-second buckets."""

    start: datetime
    end: datetime
    step_s: int

    @classmethod
    def last(cls, span: timedelta, step_s: int, *, now: datetime | None = None) -> Window:
        """The ``span`` ending now, with both ends aligned to the bucket size.

        The end is rounded *up*, so the bucket that holds the newest sample is included.
        """
        if step_s <= 0:
            raise ValueError("step_s must be positive")
        now_s = int((now or datetime.now(UTC)).timestamp())
        end_s = (now_s // step_s + 1) * step_s
        start_s = end_s - int(span.total_seconds()) // step_s * step_s
        return cls(
            start=datetime.fromtimestamp(start_s, UTC),
            end=datetime.fromtimestamp(end_s, UTC),
            step_s=step_s,
        )

    @property
    def buckets(self) -> int:
        return int((self.end - self.start).total_seconds()) // self.step_s


def find_series(
    cur: duckdb.DuckDBPyConnection,
    device_id: int,
    name: str,
    labels: Mapping[str, str] | None = None,
) -> list[SeriesInfo]:
    """Series of ``device_id`` called ``name`` whose labels include every pair in ``labels``.

    A device has a handful of series per name, so the label filter runs here on the
    decoded JSON rather than as JSON paths built into SQL.
    """
    rows = cur.execute(
        "SELECT id, name, labels, unit, monotonic FROM series WHERE device_id = ? AND name = ? ORDER BY id",
        [device_id, name],
    ).fetchall()
    return select_series((series_info(row) for row in rows), name, labels)


def series_info(row: Sequence[Any]) -> SeriesInfo:
    """A ``SELECT id, name, labels, unit, monotonic FROM series`` row as a :class:`SeriesInfo`."""
    sid, name, labels, unit, monotonic = row
    decoded = json.loads(labels) if labels else {}
    return SeriesInfo(
        int(sid), str(name), {str(k): str(v) for k, v in decoded.items()}, str(unit), bool(monotonic)
    )


def select_series(
    infos: Iterable[SeriesInfo], name: str, labels: Mapping[str, str] | None = None
) -> list[SeriesInfo]:
    """Those of ``infos`` called ``name`` whose labels include every pair in ``labels``, in order."""
    wanted = dict(labels or {})
    return [i for i in infos if i.name == name and all(i.labels.get(k) == v for k, v in wanted.items())]


def _from_buckets(b: Buckets, values: np.ndarray, window: Window) -> Points:
    """The buckets inside ``window`` (the one before it was read only for the increase)."""
    keep = b.ts >= us(window.start)
    return Points((b.ts[keep] // 1_000_000).tolist(), values[keep].tolist())


def _bucket_starts(ms: np.ndarray, step_s: int) -> tuple[np.ndarray, np.ndarray]:
    """(bucket starts in unix seconds, index of each bucket's first sample) for ``ms`` ascending."""
    keys = ms // (step_s * 1000) * step_s
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    return keys[starts], starts


def _bucket_means(ms: np.ndarray, values: np.ndarray, step_s: int) -> tuple[np.ndarray, np.ndarray]:
    """(bucket starts in unix seconds, mean of ``values`` in each) for ``ms`` ascending."""
    if ms.shape[0] == 0:
        return ms[:0], values[:0]
    keys, starts = _bucket_starts(ms, step_s)
    counts = np.diff(np.append(starts, ms.shape[0]))
    return keys, np.add.reduceat(values, starts) / counts


def _rollup_buckets(
    cur: duckdb.DuckDBPyConnection, series_ids: Sequence[int], window: Window
) -> dict[int, Buckets] | None:
    """The rollups' buckets of ``window`` when a rollup level answers it (long ranges); None:
    read the raw samples."""
    source = rollups.resolution(window.start, window.end, window.step_s)
    if source is None:
        return None
    return rollups.read(cur, series_ids, window.start, window.end, step_s=window.step_s, source_s=source)


def bucket_spread(
    cur: duckdb.DuckDBPyConnection, series_ids: Sequence[int], window: Window
) -> dict[int, Spread]:
    """Mean, lowest and highest value of each series in each bucket of ``window`` (from the
    rollups' min and max on long ranges); empty buckets are absent."""
    if not series_ids:
        return {}
    got = _rollup_buckets(cur, series_ids, window)
    if got is not None:
        out: dict[int, Spread] = {}
        for sid, b in got.items():
            keep = b.ts >= us(window.start)
            out[sid] = Spread(_from_buckets(b, b.mean(), window), b.min[keep].tolist(), b.max[keep].tolist())
        return out
    out = {sid: Spread(Points([], []), [], []) for sid in series_ids}
    for sid, (ts, values) in arrays(cur, series_ids, window.start, window.end).items():
        if ts.shape[0] == 0:
            continue
        t, mean = _bucket_means(ts // 1000, values, window.step_s)
        _, starts = _bucket_starts(ts // 1000, window.step_s)
        low, high = np.minimum.reduceat(values, starts), np.maximum.reduceat(values, starts)
        out[sid] = Spread(Points(t.tolist(), mean.tolist()), low.tolist(), high.tolist())
    return out


def bucket_average(
    cur: duckdb.DuckDBPyConnection, series_ids: Sequence[int], window: Window
) -> dict[int, Points]:
    """The mean of each series in each bucket of ``window``; empty buckets are absent."""
    return {sid: spread.points for sid, spread in bucket_spread(cur, series_ids, window).items()}


def bucket_rate(
    cur: duckdb.DuckDBPyConnection,
    series_ids: Sequence[int],
    window: Window,
    *,
    lookback: timedelta | None = None,
) -> dict[int, Points]:
    """The per-second rate of each counter series, averaged in each bucket of ``window``.

    Samples up to ``lookback`` (default: two buckets, at least a minute) before the window
    are read so the first bucket has a predecessor to diff against. Answered from rollups
    (long ranges), it is each bucket's counter increase (a drop counts as a restart from
    zero, so the increase after a reset is kept) divided by the step.
    """
    if not series_ids:
        return {}
    got = _rollup_buckets(cur, series_ids, window)
    if got is not None:
        return {sid: _from_buckets(b, b.increase() / window.step_s, window) for sid, b in got.items()}
    if lookback is None:
        lookback = timedelta(seconds=max(2 * window.step_s, 60))
    start_ms = us(window.start) // 1000
    out = {sid: Points([], []) for sid in series_ids}
    for sid, (ts, values) in arrays(cur, series_ids, window.start - lookback, window.end).items():
        # Each sample's increase over the previous one divided by the time between them. A
        # negative increase is a counter reset (agent or host restart, wrap): that pair says
        # nothing about the rate and is dropped, as is a pair with no elapsed time.
        ms = ts // 1000
        dv, dt = np.diff(values), np.diff(ms)
        keep = (ms[1:] >= start_ms) & (dv >= 0) & (dt > 0)
        t, v = _bucket_means(ms[1:][keep], dv[keep] * 1000.0 / dt[keep], window.step_s)
        out[sid] = Points(t.tolist(), v.tolist())
    return out


def sum_points(series: Iterable[Points]) -> Points:
    """Add bucketed series together bucket by bucket (a bucket missing in one counts as 0)."""
    totals: dict[int, float] = {}
    for points in series:
        for t, v in zip(points.t, points.v, strict=True):
            totals[t] = totals.get(t, 0.0) + v
    ordered = sorted(totals)
    return Points(ordered, [totals[t] for t in ordered])
