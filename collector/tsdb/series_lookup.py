"""Which series the collector holds, for the rule form's metric picker and its preview:
series per metric name on a set of devices, and the series a metric and label filter match,
each with its newest value of the last hour (from both tiers, ``collector.tsdb.points``)."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from collector.tsdb.points import arrays

RECENT = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class HeldSeries:
    """One matched series: its device, labels, unit and newest value (None: nothing recent)."""

    device_id: int
    labels: dict[str, str]
    unit: str
    value: float | None


def _where_devices(device_ids: Collection[int] | None) -> tuple[str, list[object]]:
    if device_ids is None:
        return " WHERE true", []
    return " WHERE device_id IN (SELECT unnest(?::UINTEGER[]))", [[int(d) for d in device_ids]]


def held_counts(cur: duckdb.DuckDBPyConnection, device_ids: Collection[int] | None) -> dict[str, int]:
    """Series per metric name on these devices (None: every device)."""
    where, args = _where_devices(device_ids)
    rows = cur.execute(f"SELECT name, count(*) FROM series{where} GROUP BY name", args).fetchall()  # noqa: S608 - fixed text
    return {str(name): int(n) for name, n in rows}


def matching(
    cur: duckdb.DuckDBPyConnection,
    device_ids: Collection[int] | None,
    metric: str,
    wanted: Mapping[str, str],
    *,
    limit: int,
    now: datetime | None = None,
) -> tuple[int, list[HeldSeries]]:
    """How many series of ``metric`` carry every ``wanted`` label, and the first ``limit``
    of them (oldest series first) with their newest value of the last hour."""
    where, args = _where_devices(device_ids)
    sql = f"SELECT id, device_id, labels, unit FROM series{where} AND name = ? ORDER BY id"  # noqa: S608 - fixed text
    found = []
    for sid, device_id, raw, unit in cur.execute(sql, [*args, metric]).fetchall():
        labels = {str(k): str(v) for k, v in json.loads(raw).items()}
        if all(labels.get(k) == v for k, v in wanted.items()):
            found.append((int(sid), int(device_id), labels, str(unit or "")))
    shown = found[:limit]
    end = now or datetime.now(UTC)
    points = (
        arrays(cur, [sid for sid, *_ in shown], end - RECENT, end + timedelta(minutes=1)) if shown else {}
    )
    out = []
    for sid, device_id, labels, unit in shown:
        got = points.get(sid)
        value = float(got[1][-1]) if got is not None and got[1].shape[0] else None
        out.append(HeldSeries(device_id, labels, unit, value))
    return len(found), out
