"""What a gateway reported about its SNMP targets, read back from DuckDB (thin I/O).

Series of a target belong to the gateway agent's device and carry the label ``target``;
inventory and function results use the target id as their ``subject``. Every samples
query here is bounded in time and drained with ``fetchall()``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from collector.tsdb.points import arrays
from collector.tsdb.queries import SeriesInfo, series_info
from collector.tsdb.timestamps import naive_utc

SERIES_PREFIX = "snmp."


@dataclass(frozen=True, slots=True)
class InventoryRow:
    device_id: int
    subject: str
    kind: str
    key: str
    attrs: dict[str, str]


def target_series(cur: duckdb.DuckDBPyConnection, gateway_id: int, target: str) -> list[SeriesInfo]:
    """Every ``snmp.*`` series the gateway stored about ``target``."""
    rows = cur.execute(
        "SELECT id, name, labels, unit, monotonic FROM series "
        "WHERE device_id = ? AND starts_with(name, ?) AND json_extract_string(labels, '$.target') = ? "
        "ORDER BY name, id",
        [gateway_id, SERIES_PREFIX, target],
    ).fetchall()
    return [series_info(row) for row in rows]


# The newest part of a window read first: a series sampled every few seconds has its newest
# points there, and the raw tier's time bounds prune most of it away (the latest value of
# 1,000 devices read ~3x faster); only series with fewer points there read the whole window.
RECENT = timedelta(minutes=2)


def latest_points(
    cur: duckdb.DuckDBPyConnection,
    series_ids: Sequence[int],
    *,
    window: timedelta,
    per_series: int = 2,
    now: datetime | None = None,
) -> dict[int, list[tuple[float, float]]]:
    """The newest ``per_series`` (unix seconds, value) points of each series within
    ``window`` before ``now``, oldest first."""
    if not series_ids:
        return {}
    end = naive_utc(now or datetime.now(UTC))
    recent = min(window, RECENT)
    found = _newest(cur, series_ids, end - recent, end, per_series)
    # A series with per_series points in the window's newest part has its newest there (both
    # tiers were read for it); the others are read over the whole window.
    short = [sid for sid in series_ids if len(found.get(int(sid), ())) < per_series]
    if short and recent < window:
        found.update(_newest(cur, short, end - window, end, per_series))
    return found


def _newest(
    cur: duckdb.DuckDBPyConnection, series_ids: Sequence[int], start: datetime, end: datetime, n: int
) -> dict[int, list[tuple[float, float]]]:
    """The newest ``n`` points of each series in [start, end] (both tiers), oldest first, in
    unix seconds to the millisecond. Read as numpy arrays: through an Arrow view and a window
    function it took 2-3x as long (the latest value of 100 devices)."""
    # [start, end] inclusive: the arrays' range is half-open, so it ends a microsecond later.
    found = arrays(cur, series_ids, start, end + timedelta(microseconds=1))
    return {
        sid: list(zip(((ts[-n:] // 1000) / 1000.0).tolist(), values[-n:].tolist(), strict=True))
        for sid, (ts, values) in found.items()
        if ts.shape[0]
    }


def inventory(
    cur: duckdb.DuckDBPyConnection,
    gateway_ids: Collection[int],
    kinds: Collection[str],
    subjects: Collection[str] | None = None,
) -> list[InventoryRow]:
    """Current inventory items of the given kinds that gateways reported about their targets
    (``subjects`` None: every target of those gateways)."""
    if not gateway_ids or not kinds:
        return []
    sql = (
        "SELECT device_id, subject, kind, key, attrs FROM inventory_items "
        "WHERE list_contains(?, device_id) AND list_contains(?, kind) AND subject <> ''"
    )
    params: list[object] = [sorted(gateway_ids), sorted(kinds)]
    if subjects is not None:
        if not subjects:
            return []
        sql += " AND list_contains(?, subject)"
        params.append(sorted(subjects))
    rows = cur.execute(sql + " ORDER BY device_id, subject, kind, key", params).fetchall()
    return [InventoryRow(int(d), str(s), str(k), str(key), dict(json.loads(a))) for d, s, k, key, a in rows]


def host_inventory(
    cur: duckdb.DuckDBPyConnection, device_ids: Collection[int], kind: str
) -> list[InventoryRow]:
    """Agents' own inventory items of one kind (e.g. ``nic``), for matching LLDP neighbours."""
    if not device_ids:
        return []
    rows = cur.execute(
        "SELECT device_id, subject, kind, key, attrs FROM inventory_items "
        "WHERE list_contains(?, device_id) AND kind = ? AND subject = '' ORDER BY device_id, key",
        [sorted(device_ids), kind],
    ).fetchall()
    return [InventoryRow(int(d), str(s), str(k), str(key), dict(json.loads(a))) for d, s, k, key, a in rows]
