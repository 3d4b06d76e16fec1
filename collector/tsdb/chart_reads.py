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
from collector.tsdb.queries import Points, SeriesInfo, Spread, Window

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


def read_many(
    db: DuckDBStorage, wants: Sequence[tuple[int, LineQuery]], window: Window
) -> list[list[SeriesRead]]:
    """For each (device id, line) of ``wants``, the device's series matching the line, bucketed
    over ``window``, in id order. Every gauge of every line is read in one go, and every
    counter in another: a device page's panels or a fleet panel's devices cost the
    statements of one line, not of one line each (a line's statements are mostly fixed cost).
    """
    matched = [(q.rate, _matching(db, device_id, q)) for device_id, q in wants]
    gauges = list(dict.fromkeys(i.id for rate, infos in matched if not rate for i in infos))
    counters = list(dict.fromkeys(i.id for rate, infos in matched if rate for i in infos))
    cur = db.cursor()
    spreads = queries.bucket_spread(cur, gauges, window)
    rates = queries.bucket_rate(cur, counters, window)
    out: list[list[SeriesRead]] = []
    for rate, infos in matched:
        out.append([_read(i, rate, spreads, rates) for i in infos])
    return out


def _read(
    info: SeriesInfo, rate: bool, spreads: Mapping[int, Spread], rates: Mapping[int, Points]
) -> SeriesRead:
    if rate:
        return SeriesRead(info, rates.get(info.id, Points([], [])))
    s = spreads.get(info.id)
    return SeriesRead(info, Points([], [])) if s is None else SeriesRead(info, s.points, s.low, s.high)


def read_line(db: DuckDBStorage, device_id: int, q: LineQuery, window: Window) -> list[SeriesRead]:
    """Every series of ``device_id`` matching ``q``, bucketed over ``window``, in id order."""
    return read_many(db, [(device_id, q)], window)[0]
