"""What the rule form's metric picker offers: the metrics the collector holds series of
(on the devices the user may see), each described from the catalogue, and a preview of the
series a metric and label filter match. Reads the series table through this thread's cursor;
samples are not read, so the preview shows series, not values."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import duckdb

from eus.catalogue import CATALOGUE, spec

PREVIEW_LIMIT = 50


@dataclass(frozen=True, slots=True)
class PickerMetric:
    name: str
    unit: str
    description: str
    series: int  # how many series of it the user's devices hold (0: known, none held yet)
    labels: tuple[str, ...]


def _where_devices(device_ids: Collection[int] | None) -> tuple[str, list[object]]:
    if device_ids is None:
        return "", []
    return " WHERE device_id IN (SELECT unnest(?))", [list(device_ids)]


def held(cursor: duckdb.DuckDBPyConnection, device_ids: Collection[int] | None) -> dict[str, int]:
    """Series per metric name on these devices (None: every device)."""
    where, args = _where_devices(device_ids)
    rows = cursor.execute(f"SELECT name, count(*) FROM series{where} GROUP BY name", args).fetchall()  # noqa: S608 - fixed text
    return {str(name): int(n) for name, n in rows}


def picker(counts: Mapping[str, int]) -> list[PickerMetric]:
    """Held metrics first (most series first), then the rest of the catalogue."""
    names = set(counts) | {str(m) for m in CATALOGUE}
    out = []
    for name in names:
        found = spec(name)
        out.append(
            PickerMetric(
                name,
                found.unit.value if found else "",
                found.description if found else "",
                counts.get(name, 0),
                tuple(sorted(str(x) for x in found.labels | found.optional_labels)) if found else (),
            )
        )
    return sorted(out, key=lambda m: (-m.series, m.name))


def preview(
    cursor: duckdb.DuckDBPyConnection,
    device_ids: Collection[int] | None,
    metric: str,
    wanted: Mapping[str, str],
) -> tuple[int, list[tuple[int, dict[str, str]]]]:
    """How many series the filter matches, and the first of them (device id, labels)."""
    where, args = _where_devices(device_ids)
    where = f"{where} AND name = ?" if where else " WHERE name = ?"
    sql = f"SELECT device_id, labels FROM series{where} ORDER BY id"  # noqa: S608 - fixed text
    rows = cursor.execute(sql, [*args, metric]).fetchall()
    matched = []
    for device_id, raw in rows:
        labels = json.loads(raw)
        if all(labels.get(k) == v for k, v in wanted.items()):
            matched.append((int(device_id), {str(k): str(v) for k, v in labels.items()}))
    return len(matched), matched[:PREVIEW_LIMIT]
