"""Dashboards as data: what a dashboard file declares, once validated (pure, no I/O).

A dashboard (one TOML file under ``dashboards/`` or the administrator's
``dashboards_dir``) belongs to a *view* — the device page, the SNMP device page or the
fleet (customer) page — and lists panels. A panel draws lines; each line is a metric of
the catalogue (``eus.catalogue``) with label filters. Counters are always drawn as their
per-second rate, so a line never says whether it is one: the catalogue does.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from eus.names import Metric


class View(enum.StrEnum):
    """Which page draws a dashboard's panels."""

    DEVICE = "device"  # an agent's device page: the device's own series
    SNMP = "snmp"  # an SNMP device's page: the gateway's series with label target = the device
    FLEET = "fleet"  # a customer's page: one line per device of the customer


class PanelKind(enum.StrEnum):
    LINE = "line"  # lines over time (with a min/max band where buckets hold several samples)
    AREA = "area"  # lines over time, filled down to zero
    STAT = "stat"  # the newest value of each line, large, with the range as a small line


class Combine(enum.StrEnum):
    SUM = "sum"  # one line: the matching series added together (e.g. all interfaces)
    EACH = "each"  # one line per matching series, named by ``legend``'s label


class PanelUnit(enum.StrEnum):
    """How a panel's values are formatted (a counter's unit per second)."""

    PERCENT = "percent"
    BYTES = "bytes"
    BYTES_PER_SECOND = "bytes/s"
    BITS_PER_SECOND = "bits/s"
    SECONDS = "seconds"
    COUNT = "count"
    PER_SECOND = "count/s"
    VOLTS = "volts"
    NONE = ""


RANGE_KEYS = ("1h", "6h", "24h", "7d", "30d")


@dataclass(frozen=True, slots=True)
class Line:
    """One metric drawn on a panel. ``rate``: a counter, drawn as its per-second rate."""

    metric: Metric
    label: str = ""
    rate: bool = False
    combine: Combine = Combine.SUM
    where: Mapping[str, str] = field(default_factory=dict)  # label = value, all must hold
    exclude: Mapping[str, frozenset[str]] = field(default_factory=dict)  # label not in values
    legend: str | None = None  # the label naming each line of ``combine = "each"``


@dataclass(frozen=True, slots=True)
class Panel:
    key: str
    title: str
    kind: PanelKind
    unit: PanelUnit
    default_range: str
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Dashboard:
    """One file: its name (the file's stem), where it came from, its view and its panels."""

    name: str
    source: str
    title: str
    view: View
    panels: tuple[Panel, ...]


@dataclass(frozen=True, slots=True)
class Dashboards:
    """Every dashboard the collector loaded, in load order (shipped first, by name)."""

    all: tuple[Dashboard, ...]

    def of(self, view: View) -> tuple[Dashboard, ...]:
        return tuple(d for d in self.all if d.view is view)

    def panels(self, view: View) -> tuple[Panel, ...]:
        return tuple(p for d in self.of(view) for p in d.panels)

    def panel(self, view: View, key: str) -> Panel | None:
        return next((p for p in self.panels(view) if p.key == key), None)
