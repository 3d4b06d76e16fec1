"""Read-side queries over ``series`` and ``samples`` for the dashboard.

Functions take the calling thread's cursor (``TimeSeriesDB.cursor()``), bind every value
as a parameter and drain every result with ``fetchall()``. Every samples query is bounded
in time by a :class:`Window`, and answers in time buckets so a chart never receives more
points than it can draw.

Ranges longer than a few hours, in steps of whole 5-min or 1-h buckets, are answered from
the per-series rollups (``collector.tsdb.rollups``) rather than from samples.

Timestamps in DuckDB are naive ``TIMESTAMP`` values in UTC; the functions here accept
aware or naive datetimes and answer in unix seconds (the start of each bucket).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np

from collector.tsdb import rollups
from collector.tsdb.buckets import Buckets
from collector.tsdb.points import points as both_tiers
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


def _naive_utc(dt: datetime) -> datetime:
    """DuckDB ``TIMESTAMP`` columns hold naive UTC; bind datetimes the same way."""
    if dt.tzinfo is None:
        return dt
    return dt.astimezone(UTC).replace(tzinfo=None)


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
    wanted = dict(labels or {})
    found: list[SeriesInfo] = []
    for sid, sname, raw_labels, unit, monotonic in rows:
        decoded = json.loads(raw_labels) if raw_labels else {}
        series_labels = {str(k): str(v) for k, v in decoded.items()}
        if all(series_labels.get(k) == v for k, v in wanted.items()):
            found.append(SeriesInfo(int(sid), str(sname), series_labels, str(unit), bool(monotonic)))
    return found


def _group(rows: Iterable[tuple[int, int, float]], series_ids: Sequence[int]) -> dict[int, Points]:
    out = {sid: Points([], []) for sid in series_ids}
    for sid, t, v in rows:
        points = out[int(sid)]
        points.t.append(int(t))
        points.v.append(float(v))
    return out


def _from_buckets(b: Buckets, values: np.ndarray, window: Window) -> Points:
    """The buckets inside ``window`` (the one before it was read only for the increase)."""
    keep = b.ts >= us(window.start)
    return Points((b.ts[keep] // 1_000_000).tolist(), values[keep].tolist())


_AVERAGE_SQL = """
SELECT series_id, (epoch_ms(ts) // $step_ms) * $step_s AS t, avg(value) AS v
FROM {points}
WHERE ts >= $start AND ts < $end
GROUP BY ALL
ORDER BY series_id, t
"""


def bucket_average(
    cur: duckdb.DuckDBPyConnection, series_ids: Sequence[int], window: Window
) -> dict[int, Points]:
    """The mean of each series in each bucket of ``window``; empty buckets are absent."""
    if not series_ids:
        return {}
    source = rollups.resolution(window.start, window.end, window.step_s)
    if source is not None:
        got = rollups.read(cur, series_ids, window.start, window.end, step_s=window.step_s, source_s=source)
        return {sid: _from_buckets(b, b.mean(), window) for sid, b in got.items()}
    start, end = _naive_utc(window.start), _naive_utc(window.end)
    with both_tiers(cur, series_ids, start, end) as view:
        rows = cur.execute(
            _AVERAGE_SQL.format(points=view),
            {"start": start, "end": end, "step_s": window.step_s, "step_ms": window.step_s * 1000},
        ).fetchall()
    return _group(rows, series_ids)


# Per series, each sample's increase over the previous one divided by the time between
# them. A negative increase is a counter reset (agent or host restart, wrap): that pair
# says nothing about the rate and is dropped, as is a pair with no elapsed time.
_RATE_SQL = """
WITH diffs AS (
    SELECT series_id, ts,
           value - lag(value) OVER w AS dv,
           epoch_ms(ts) - lag(epoch_ms(ts)) OVER w AS dt_ms
    FROM {points}
    WHERE ts >= $lookback AND ts < $end
    WINDOW w AS (PARTITION BY series_id ORDER BY ts)
)
SELECT series_id, (epoch_ms(ts) // $step_ms) * $step_s AS t, avg(dv * 1000.0 / dt_ms) AS v
FROM diffs
WHERE ts >= $start AND dv >= 0 AND dt_ms > 0
GROUP BY ALL
ORDER BY series_id, t
"""


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
    source = rollups.resolution(window.start, window.end, window.step_s)
    if source is not None:
        got = rollups.read(cur, series_ids, window.start, window.end, step_s=window.step_s, source_s=source)
        return {sid: _from_buckets(b, b.increase() / window.step_s, window) for sid, b in got.items()}
    if lookback is None:
        lookback = timedelta(seconds=max(2 * window.step_s, 60))
    since, end = _naive_utc(window.start - lookback), _naive_utc(window.end)
    with both_tiers(cur, series_ids, since, end) as view:
        rows = cur.execute(
            _RATE_SQL.format(points=view),
            {
                "lookback": since,
                "start": _naive_utc(window.start),
                "end": end,
                "step_s": window.step_s,
                "step_ms": window.step_s * 1000,
            },
        ).fetchall()
    return _group(rows, series_ids)


def sum_points(series: Iterable[Points]) -> Points:
    """Add bucketed series together bucket by bucket (a bucket missing in one counts as 0)."""
    totals: dict[int, float] = {}
    for points in series:
        for t, v in zip(points.t, points.v, strict=True):
            totals[t] = totals.get(t, 0.0) + v
    ordered = sorted(totals)
    return Points(ordered, [totals[t] for t in ordered])
