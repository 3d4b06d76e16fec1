"""What the rule form's metric picker offers: the metrics the collector holds series of (on
the devices the user may see, counted by ``collector.tsdb.series_lookup``), each described
from the catalogue, then the rest of the catalogue; and the preview's JSON. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from collector.tsdb.series_lookup import HeldSeries
from eus.catalogue import CATALOGUE, spec

PREVIEW_LIMIT = 50


@dataclass(frozen=True, slots=True)
class PickerMetric:
    name: str
    unit: str
    description: str
    series: int  # how many series of it the user's devices hold (0: known, none held yet)
    labels: tuple[str, ...]


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


def preview_json(count: int, rows: Sequence[HeldSeries], names: Mapping[int, str]) -> dict[str, Any]:
    """The preview route's answer: how many series match, and the first with their values."""
    return {
        "count": count,
        "series": [
            {
                "device": names.get(r.device_id, "another device"),
                "labels": r.labels,
                "unit": r.unit,
                "value": r.value,
            }
            for r in rows
        ],
    }
