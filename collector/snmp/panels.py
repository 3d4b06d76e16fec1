"""Printer supplies, UPS status and host resources of one target, from its newest
readings and the gateway's function results about it (pure assembly for the pages).

The gateway judges (supply below its threshold = WARNING, UPS on battery = CRITICAL);
these panels only show the verdicts next to the values they were made from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from collector.tsdb.functions.queries import FunctionState
from collector.tsdb.queries import SeriesInfo
from eus.names import Label, Metric

Points = Sequence[tuple[float, float]]

UPS_SERIES: Mapping[str, str] = {  # metric -> the page's key in UpsPanel.values
    Metric.SNMP_UPS_BATTERY_CHARGE_PERCENT: "battery_charge_percent",
    Metric.SNMP_UPS_RUNTIME_S: "runtime_s",
    Metric.SNMP_UPS_LOAD_PERCENT: "load_percent",
    Metric.SNMP_UPS_INPUT_VOLTAGE_V: "input_voltage_v",
    Metric.SNMP_UPS_OUTPUT_VOLTAGE_V: "output_voltage_v",
    Metric.SNMP_UPS_BATTERY_STATUS: "battery_status",
}
# Read per input/output line (label ``line``): a UPS with several lines shows each one.
UPS_LINE_KEYS = frozenset({"load_percent", "input_voltage_v", "output_voltage_v"})
SUPPLY_FIELDS: Mapping[str, str] = {  # metric -> SupplyRow attribute
    Metric.SNMP_PRINTER_SUPPLY_PERCENT: "percent",
    Metric.SNMP_PRINTER_RECEPTACLE_PERCENT: "percent",  # how full a waste receptacle is
    Metric.SNMP_PRINTER_SUPPLY_LEVEL: "level",
    Metric.SNMP_PRINTER_SUPPLY_CAPACITY: "capacity",
}
STORAGE_SIZE, STORAGE_USED = Metric.SNMP_HR_STORAGE_SIZE_BYTES, Metric.SNMP_HR_STORAGE_USED_BYTES
CPU_LOAD = Metric.SNMP_HR_CPU_LOAD_PERCENT
# What this module reads (metric -> label keys), checked by tests/test_vocabulary.py against what
# the agent emits.
READS: Mapping[Metric, frozenset[Label]] = {
    **{Metric(m): frozenset({Label.LINE} if k in UPS_LINE_KEYS else ()) for m, k in UPS_SERIES.items()},
    **{Metric(m): frozenset({Label.INDEX, Label.DESCR, Label.COLOR}) for m in SUPPLY_FIELDS},
    STORAGE_SIZE: frozenset({Label.INDEX, Label.DESCR}),
    STORAGE_USED: frozenset({Label.INDEX, Label.DESCR}),
    CPU_LOAD: frozenset({Label.INDEX}),
}
# upsBatteryStatus (UPS-MIB) and upsBasicBatteryStatus (PowerNet-MIB) share these codes.
BATTERY_STATUS = {1: "unknown", 2: "normal", 3: "low", 4: "depleted"}


def reachability_id(target: str) -> str:
    return f"{target}:reachability"


def supply_id(target: str, index: str) -> str:
    return f"{target}:supply:{index}"


def ups_id(target: str) -> str:
    return f"{target}:ups"


def _newest(points: Mapping[int, Points], series_id: int) -> float | None:
    pts = points.get(series_id)
    return pts[-1][1] if pts else None


@dataclass
class SupplyRow:
    index: str
    descr: str = ""
    color: str = ""
    percent: float | None = None
    level: float | None = None
    capacity: float | None = None
    state: FunctionState | None = None


@dataclass
class UpsPanel:
    values: dict[str, float] = field(default_factory=dict)  # by the keys of UPS_SERIES
    state: FunctionState | None = None
    lines: dict[str, dict[str, float]] = field(default_factory=dict)  # line -> UPS_LINE_KEYS values

    @property
    def line_rows(self) -> list[tuple[str, dict[str, float]]]:
        """Each input/output line in its number's order."""
        return sorted(self.lines.items(), key=lambda kv: (len(kv[0]), kv[0]))

    @property
    def battery_status(self) -> str:
        code = self.values.get("battery_status")
        return "" if code is None else BATTERY_STATUS.get(int(code), str(int(code)))


@dataclass
class StorageRow:
    index: str
    descr: str = ""
    size_bytes: float | None = None
    used_bytes: float | None = None

    @property
    def used_percent(self) -> float | None:
        if not self.size_bytes or self.used_bytes is None:
            return None
        return 100.0 * self.used_bytes / self.size_bytes


def _by_id(functions: Iterable[FunctionState]) -> dict[str, FunctionState]:
    return {f.function_id: f for f in functions}


def supply_rows(
    target: str,
    series: Iterable[SeriesInfo],
    points: Mapping[int, Points],
    functions: Iterable[FunctionState],
) -> list[SupplyRow]:
    """One row per printer supply (prtMarkerSuppliesIndex), with the gateway's verdict."""
    rows: dict[str, SupplyRow] = {}
    for s in series:
        if s.name not in SUPPLY_FIELDS or Label.INDEX not in s.labels:
            continue
        row = rows.setdefault(s.labels[Label.INDEX], SupplyRow(s.labels[Label.INDEX]))
        row.descr = row.descr or s.labels.get(Label.DESCR, "")
        row.color = row.color or s.labels.get(Label.COLOR, "")
        value = _newest(points, s.id)
        # Printer-MIB's negative levels (-3 some remaining, -2 unknown) are codes that older
        # gateways stored as numbers; the verdict's message says what they mean.
        setattr(row, SUPPLY_FIELDS[s.name], None if value is None or value < 0 else value)
    states = _by_id(functions)
    prefix = supply_id(target, "")
    for fid, state in states.items():  # a verdict without readings still shows
        if fid.startswith(prefix):
            rows.setdefault(fid[len(prefix) :], SupplyRow(fid[len(prefix) :], descr=state.name))
    for index, row in rows.items():
        row.state = states.get(supply_id(target, index))
    return sorted(rows.values(), key=lambda r: (len(r.index), r.index))


def ups_panel(
    target: str,
    series: Iterable[SeriesInfo],
    points: Mapping[int, Points],
    functions: Iterable[FunctionState],
) -> UpsPanel | None:
    """The UPS's newest readings and verdict; None when the target is no UPS."""
    panel = UpsPanel(state=_by_id(functions).get(ups_id(target)))
    for s in series:
        if s.name in UPS_SERIES:
            value = _newest(points, s.id)
            if value is None or value < 0:  # none is negative: -1 is a device's "unknown"
                continue
            key = UPS_SERIES[s.name]
            if key in UPS_LINE_KEYS:  # one series per line: never let the last one win
                panel.lines.setdefault(s.labels.get(Label.LINE, "1"), {})[key] = value
            else:
                panel.values[key] = value
    return panel if panel.values or panel.lines or panel.state else None


def host_resources(
    series: Iterable[SeriesInfo], points: Mapping[int, Points]
) -> tuple[list[StorageRow], list[tuple[str, float]]]:
    """HOST-RESOURCES-MIB storage rows and per-processor loads (index, percent)."""
    storage: dict[str, StorageRow] = {}
    cpus: list[tuple[str, float]] = []
    for s in series:
        index = s.labels.get(Label.INDEX, "")
        value = _newest(points, s.id)
        if s.name in (STORAGE_SIZE, STORAGE_USED):
            row = storage.setdefault(index, StorageRow(index, s.labels.get(Label.DESCR, "")))
            if s.name == STORAGE_SIZE:
                row.size_bytes = value
            else:
                row.used_bytes = value
        elif s.name == CPU_LOAD and value is not None:
            cpus.append((index, value))
    return sorted(storage.values(), key=lambda r: (len(r.index), r.index)), sorted(cpus)
