"""A target's interface table: inventory (name, alias, MAC, type) joined with the newest
counter readings turned into rates by :mod:`collector.snmp.rates` (pure assembly).

Octet counters become bits per second; errors and discards become per-second rates. The
device's uptime series (``snmp.sys.uptime_s``) tells a reboot from a counter wrap, and an
interface's speed caps what a plausible rate is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from collector.snmp.rates import latest_rate, with_uptime
from collector.tsdb.queries import SeriesInfo
from eus.names import Label, Metric

COUNTERS: Mapping[str, str] = {  # metric -> the row's rate attribute
    Metric.SNMP_IF_IN_OCTETS: "in_bps",
    Metric.SNMP_IF_OUT_OCTETS: "out_bps",
    Metric.SNMP_IF_IN_ERRORS: "in_errors_ps",
    Metric.SNMP_IF_OUT_ERRORS: "out_errors_ps",
    Metric.SNMP_IF_IN_DISCARDS: "in_discards_ps",
    Metric.SNMP_IF_OUT_DISCARDS: "out_discards_ps",
}
OCTETS = frozenset({Metric.SNMP_IF_IN_OCTETS, Metric.SNMP_IF_OUT_OCTETS})
GAUGES: Mapping[str, str] = {  # metric -> the row's attribute
    Metric.SNMP_IF_OPER_STATUS: "oper_status",
    Metric.SNMP_IF_ADMIN_STATUS: "admin_status",
    Metric.SNMP_IF_SPEED_BPS: "speed_bps",
}
UPTIME = Metric.SNMP_SYS_UPTIME_S
# What this module reads (metric -> label keys), checked by tests/test_vocabulary.py against what
# the agent emits.
_IF_LABELS = frozenset({Label.IF_INDEX, Label.IF_NAME})
READS: Mapping[Metric, frozenset[Label]] = {
    **{Metric(m): _IF_LABELS for m in (*COUNTERS, *GAUGES)},
    **{m: _IF_LABELS | {Label.BITS} for m in OCTETS},
    UPTIME: frozenset(),
}
OPER_STATUS = {
    1: "up",
    2: "down",
    3: "testing",
    4: "unknown",
    5: "dormant",
    6: "notPresent",
    7: "lowerLayerDown",
}
HEADROOM = 1.1  # a rate above the interface's speed by more than this is a reset in disguise

Points = Sequence[tuple[float, float]]


@dataclass
class InterfaceRow:
    if_index: str
    name: str = ""
    descr: str = ""
    alias: str = ""
    mac: str = ""
    type: str = ""
    counter_bits: int = 64
    oper_status: float | None = None
    admin_status: float | None = None
    speed_bps: float | None = None
    in_bps: float | None = None
    out_bps: float | None = None
    in_errors_ps: float | None = None
    out_errors_ps: float | None = None
    in_discards_ps: float | None = None
    out_discards_ps: float | None = None
    totals: dict[str, float] = field(default_factory=dict)  # newest raw counter values

    @property
    def oper_label(self) -> str:
        if self.oper_status is None:
            return ""
        return OPER_STATUS.get(int(self.oper_status), str(int(self.oper_status)))


def _sort_key(row: InterfaceRow) -> tuple[int, str]:
    return (int(row.if_index), "") if row.if_index.isdigit() else (1 << 62, row.if_index)


def interface_rows(
    series: Iterable[SeriesInfo],
    points: Mapping[int, Points],
    inventory: Iterable[tuple[str, Mapping[str, str]]] = (),
) -> list[InterfaceRow]:
    """One row per interface seen in the series or the inventory, by ifIndex."""
    rows: dict[str, InterfaceRow] = {}
    for if_index, attrs in inventory:
        rows[if_index] = InterfaceRow(
            if_index,
            name=attrs.get("name", ""),
            descr=attrs.get("descr", ""),
            alias=attrs.get("alias", ""),
            mac=attrs.get("mac", ""),
            type=attrs.get("type", ""),
        )
    series = list(series)
    uptime: Points = next((points.get(s.id, []) for s in series if s.name == UPTIME), [])
    counters: list[tuple[InterfaceRow, SeriesInfo]] = []
    for s in series:
        index = s.labels.get(Label.IF_INDEX)
        if index is None or (s.name not in COUNTERS and s.name not in GAUGES):
            continue
        row = rows.setdefault(index, InterfaceRow(index))
        row.name = row.name or s.labels.get(Label.IF_NAME, "")
        if s.name in GAUGES and points.get(s.id):
            setattr(row, GAUGES[s.name], points[s.id][-1][1])
        elif s.name in COUNTERS:
            counters.append((row, s))
    for row, s in counters:  # after the gauges: the speed bounds the rates
        pts = points.get(s.id, [])
        if not pts:
            continue
        bits = 32 if s.labels.get(Label.BITS) == "32" else 64
        octets = s.name in OCTETS
        if octets:
            row.counter_bits = bits
        row.totals[s.name.removeprefix("snmp.if.")] = pts[-1][1]  # the page's keys: "in_octets" ...
        cap = row.speed_bps / 8 * HEADROOM if octets and row.speed_bps else None
        per_s = latest_rate(with_uptime(pts, uptime), bits=bits, max_rate=cap)
        if per_s is not None and octets:
            per_s *= 8  # bytes -> bits per second
        setattr(row, COUNTERS[s.name], per_s)
    return sorted(rows.values(), key=_sort_key)
