"""What a dashboard panel reads: the series of one line on one device over a window.

The web's charts (``collector.web.charts``) hand over the ``Storage`` and a
:class:`LineQuery` and get plain lists back; every cursor and every SQL statement stays in
this package. Gauges come with each bucket's lowest and highest value (``Spread``), so a
long range read from rollups still shows a spike; counters come as per-second rates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from collector.tsdb import queries, series_facts
from collector.tsdb.queries import Points, SeriesInfo, Window

if TYPE_CHECKING:
    from collector.tsdb.duckdb_storage import DuckDBStorage


@dataclass(frozen=True, slots=True)
class LineQuery:
    """Series called ``metric`` whose labels include every pair of ``where`` and none of whose
    labels takes a value listed in ``exclude``; ``rate``: counters, read as rates."""

    metric: str
    where: Mapping[str, str] = field(default_factory=dict)
    exclude: Mapping[str, frozenset[str]] = field(default_factory=dict)
    rate: bool = False


@dataclass(frozen=True, slots=True)
class SeriesRead:
    """One series' buckets; ``low``/``high`` per bucket for gauges, None for rates."""

    info: SeriesInfo
    points: Points
    low: list[float] | None = None
    high: list[float] | None = None


def _matching(db: DuckDBStorage, device_id: int, q: LineQuery) -> list[SeriesInfo]:
    every = db.catalog.of_device(device_id, lambda d: series_facts.device_series(db.cursor(), d))
    found = queries.select_series(every, q.metric, q.where)
    return [i for i in found if not any(i.labels.get(k) in vs for k, vs in q.exclude.items())]


def read_line(db: DuckDBStorage, device_id: int, q: LineQuery, window: Window) -> list[SeriesRead]:
    """Every series of ``device_id`` matching ``q``, bucketed over ``window``, in id order."""
    infos = _matching(db, device_id, q)
    ids = [i.id for i in infos]
    cur = db.cursor()
    if q.rate:
        rates = queries.bucket_rate(cur, ids, window)
        return [SeriesRead(i, rates.get(i.id, Points([], []))) for i in infos]
    spreads = queries.bucket_spread(cur, ids, window)
    out = []
    for i in infos:
        s = spreads.get(i.id)
        out.append(SeriesRead(i, Points([], [])) if s is None else SeriesRead(i, s.points, s.low, s.high))
    return out


def read_devices(
    db: DuckDBStorage, device_ids: Sequence[int], q: LineQuery, window: Window
) -> dict[int, list[SeriesRead]]:
    """:func:`read_line` for each of ``device_ids`` (a fleet panel: a line per device)."""
    return {d: read_line(db, d, q, window) for d in device_ids}
