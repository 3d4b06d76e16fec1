"""The read path for long ranges: per-series rollup buckets instead of samples.

A chart over more than a few hours asks for buckets of 5 min or more. For each series this
reads, through the ``series_id`` index, only that series' rollup blocks: its 1-h blocks
(closed days) when the step is a whole number of hours, then its 5-min blocks after the
last 1-h bucket, then its raw samples after the last 5-min bucket (the raw tier holds the
last minutes, not yet compacted), and combines them into buckets of the chart's step
(``collector.tsdb.buckets``). Which resolution a chart uses is decided by
:func:`resolution`, pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import duckdb
import numpy as np

from collector.tsdb import buckets
from collector.tsdb.buckets import Buckets
from collector.tsdb.points import INDEX_LOOKUPS, per_series, raw_arrays
from collector.tsdb.txn import at, naive, us

RAW_UP_TO = timedelta(hours=6)
FIVE_MIN_UP_TO = timedelta(days=7)
_FIVE_MIN_US = 300_000_000
_HOUR_US = 3_600_000_000


def resolution(start: datetime, end: datetime, step_s: int) -> int | None:
    """The rollup step (300 or 3600 s) to read a chart of ``step_s`` buckets from, or None: raw.

    Raw samples up to ~6 h, 5-min rollups up to ~7 d, 1-h beyond; a step that is not a
    whole number of rollup buckets is read from samples whatever the range.
    """
    span = end - start
    if span <= RAW_UP_TO or step_s % 300:
        return None
    if span > FIVE_MIN_UP_TO and step_s % 3600 == 0:
        return 3600
    return 300


def _stored(
    cur: duckdb.DuckDBPyConnection, step_s: int, wants: Sequence[tuple[int, int, int]]
) -> dict[int, Buckets]:
    """The ``step_s`` buckets in [lo_us, hi_us) of each (series id, lo_us, hi_us) of ``wants``.

    A few series' blocks are found by an equality on series_id, its step and its bounds, as
    one UNION ALL statement; more series' by one scan between the widest bounds, each
    series cut to its own after (``points.INDEX_LOOKUPS``)."""
    rows: dict[int, list[tuple[int, bytes]]] = {sid: [] for sid, _, _ in wants}
    if len(wants) > INDEX_LOOKUPS:  # one scan between the widest bounds; each series' cut below
        found = cur.execute(
            "SELECT series_id, written, data FROM rollup_blocks WHERE series_id IN "
            "(SELECT unnest($ids::UINTEGER[])) AND step_s = $step AND last_ts >= $lo AND first_ts < $hi",
            {
                "ids": [sid for sid, _, _ in wants],
                "step": step_s,
                "lo": at(min(lo for _, lo, _ in wants)),
                "hi": at(max(hi for _, _, hi in wants)),
            },
        ).fetchall()
    else:
        found = per_series(
            cur,
            lambda i: (
                "SELECT series_id, written, data FROM rollup_blocks WHERE "  # noqa: S608
                f"series_id = $s{i} AND step_s = $step AND last_ts >= $lo{i} AND first_ts < $hi{i}"
            ),
            [{"s": sid, "lo": at(lo_us), "hi": at(hi_us)} for sid, lo_us, hi_us in wants],
            {"step": step_s},
        )
    for sid, written, data in found:
        rows[int(sid)].append((int(written), bytes(data)))
    # Oldest written first: a bucket written again (late samples) is the newer copy's.
    ordered = {sid: sorted(got, key=lambda r: r[0]) for sid, got in rows.items()}
    every = iter(buckets.decode_many([data for sid in ordered for _, data in ordered[sid]]))
    out: dict[int, Buckets] = {}
    for sid, lo_us, hi_us in wants:
        b = buckets.newest([next(every) for _ in ordered[sid]])
        out[sid] = b.take((b.ts >= lo_us) & (b.ts < hi_us))
    return out


def read(
    cur: duckdb.DuckDBPyConnection,
    series_ids: Sequence[int],
    start: datetime,
    end: datetime,
    *,
    step_s: int,
    source_s: int,
) -> dict[int, Buckets]:
    """Buckets of ``step_s`` for each series over [start - step_s, end) from rollups of
    ``source_s`` (one bucket before ``start`` so the first bucket's increase is known)."""
    step_us = step_s * 1_000_000
    lo_us, hi_us = us(start) - step_us, us(end)
    ids = list(dict.fromkeys(int(sid) for sid in series_ids))
    parts: dict[int, list[Buckets]] = {sid: [] for sid in ids}
    edge = dict.fromkeys(ids, lo_us)
    if source_s == 3600:
        for sid, hourly in _stored(cur, 3600, [(sid, lo_us, hi_us) for sid in ids]).items():
            parts[sid].append(hourly)
            edge[sid] = int(hourly.ts[-1]) + _HOUR_US if len(hourly) else lo_us
    covered: dict[int, int] = {}
    for sid, five in _stored(cur, 300, [(sid, edge[sid], hi_us) for sid in ids]).items():
        parts[sid].append(five)
        covered[sid] = int(five.ts[-1]) + _FIVE_MIN_US if len(five) else edge[sid]
    raw_from = min(covered.values(), default=hi_us)
    raw = raw_arrays(cur, ids, at(raw_from), naive(end)) if raw_from < hi_us else {}
    out: dict[int, Buckets] = {}
    for sid in ids:
        ts, values = raw.get(sid, (np.zeros(0, np.int64), np.zeros(0, np.float64)))
        keep = ts >= covered[sid]
        recent = buckets.from_samples(ts[keep], values[keep], _FIVE_MIN_US)
        joined = buckets.newest([*parts[sid], recent])  # disjoint parts, in time order
        out[sid] = buckets.combine(joined, step_us)
    return out
