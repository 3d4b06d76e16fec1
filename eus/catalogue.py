"""Every metric the agent can emit: its labels, unit, kind and meaning.

One :class:`MetricSpec` per :class:`eus.names.Metric`. The agent's collectors and SNMP
profiles emit only what is listed here and the collector reads only what is listed here
(``tests/test_vocabulary.py`` runs both sides to check it); the dashboard's metric picker
offers :data:`CATALOGUE` as it stands.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from eus.names import Label, Metric, Unit


class Kind(enum.StrEnum):
    """How a series' values relate over time (``SeriesDef.monotonic``)."""

    GAUGE = "gauge"  # a reading: use the value
    COUNTER = "counter"  # only ever grows (until a reset): use its rate


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """What one metric is. ``labels`` are always set; ``optional_labels`` only sometimes."""

    name: Metric
    labels: frozenset[Label]
    unit: Unit
    kind: Kind
    description: str
    optional_labels: frozenset[Label] = frozenset()

    @property
    def monotonic(self) -> bool:
        return self.kind is Kind.COUNTER

    def accepts(self, labels: frozenset[str]) -> bool:
        """Whether a series with exactly these label keys is one of this metric's."""
        return self.labels <= labels <= self.labels | self.optional_labels


G, C = Kind.GAUGE, Kind.COUNTER
M, L, U = Metric, Label, Unit
_DISK = (L.MOUNT, L.DEVICE, L.FSTYPE)
_IF = (L.TARGET, L.IF_INDEX, L.IF_NAME)
_HR = (L.TARGET, L.INDEX, L.DESCR)
_SUPPLY = (L.TARGET, L.INDEX, L.DESCR, L.COLOR)


def _m(
    name: Metric,
    labels: tuple[Label, ...],
    unit: Unit,
    kind: Kind,
    description: str,
    *,
    optional: tuple[Label, ...] = (),
) -> MetricSpec:
    return MetricSpec(name, frozenset(labels), unit, kind, description, frozenset(optional))


_SPECS = (
    _m(M.CPU_PERCENT, (L.CPU,), U.PERCENT, G, 'CPU busy since the previous run; cpu="total" or a core'),
    _m(M.DISK_TOTAL_BYTES, _DISK, U.BYTES, G, "size of a mounted filesystem"),
    _m(M.DISK_USED_BYTES, _DISK, U.BYTES, G, "space used on a mounted filesystem"),
    _m(M.DISK_FREE_BYTES, _DISK, U.BYTES, G, "space free for unprivileged users"),
    _m(M.DISK_PERCENT, _DISK, U.PERCENT, G, "share of a filesystem in use"),
    _m(M.DISKIO_READ_BYTES, (L.DISK,), U.BYTES, C, "bytes read from a disk"),
    _m(M.DISKIO_WRITE_BYTES, (L.DISK,), U.BYTES, C, "bytes written to a disk"),
    _m(M.DISKIO_READ_OPS, (L.DISK,), U.COUNT, C, "read operations on a disk"),
    _m(M.DISKIO_WRITE_OPS, (L.DISK,), U.COUNT, C, "write operations on a disk"),
    _m(M.HOST_UPTIME_SECONDS, (), U.SECONDS, G, "time since the machine booted"),
    _m(M.HOST_PROCESSES, (), U.COUNT, G, "processes running"),
    _m(M.PROCESS_CPU_PERCENT, (L.PROCESS,), U.PERCENT, G, "CPU of a top process name, percent of one core"),
    _m(M.PROCESS_MEMORY_BYTES, (L.PROCESS,), U.BYTES, G, "resident memory of the largest processes by name"),
    _m(M.LOAD_AVG, (L.PERIOD,), U.NONE, G, "load average over 1, 5 or 15 minutes"),
    _m(M.MEMORY_TOTAL_BYTES, (), U.BYTES, G, "physical memory"),
    _m(M.MEMORY_USED_BYTES, (), U.BYTES, G, "memory in use"),
    _m(M.MEMORY_AVAILABLE_BYTES, (), U.BYTES, G, "memory available without swapping"),
    _m(M.MEMORY_PERCENT, (), U.PERCENT, G, "share of memory not available"),
    _m(M.NET_RX_BYTES, (L.IFACE,), U.BYTES, C, "bytes received on an interface"),
    _m(M.NET_TX_BYTES, (L.IFACE,), U.BYTES, C, "bytes sent on an interface"),
    _m(M.NET_RX_PACKETS, (L.IFACE,), U.COUNT, C, "packets received on an interface"),
    _m(M.NET_TX_PACKETS, (L.IFACE,), U.COUNT, C, "packets sent on an interface"),
    _m(M.NET_RX_ERRORS, (L.IFACE,), U.COUNT, C, "receive errors on an interface"),
    _m(M.NET_TX_ERRORS, (L.IFACE,), U.COUNT, C, "send errors on an interface"),
    _m(M.NET_RX_DROPS, (L.IFACE,), U.COUNT, C, "incoming packets dropped on an interface"),
    _m(M.NET_TX_DROPS, (L.IFACE,), U.COUNT, C, "outgoing packets dropped on an interface"),
    _m(M.SWAP_TOTAL_BYTES, (), U.BYTES, G, "swap space"),
    _m(M.SWAP_USED_BYTES, (), U.BYTES, G, "swap space in use"),
    _m(M.SWAP_PERCENT, (), U.PERCENT, G, "share of swap space in use"),
    _m(M.SNMP_SYS_UPTIME_S, (L.TARGET,), U.SECONDS, G, "network device's uptime (sysUpTime)"),
    _m(M.SNMP_IF_IN_OCTETS, _IF, U.BYTES, C, "octets received (ifHCInOctets)", optional=(L.BITS,)),
    _m(M.SNMP_IF_OUT_OCTETS, _IF, U.BYTES, C, "octets sent (ifHCOutOctets)", optional=(L.BITS,)),
    _m(M.SNMP_IF_IN_ERRORS, _IF, U.COUNT, C, "inbound packets with errors (ifInErrors)"),
    _m(M.SNMP_IF_OUT_ERRORS, _IF, U.COUNT, C, "outbound packets with errors (ifOutErrors)"),
    _m(M.SNMP_IF_IN_DISCARDS, _IF, U.COUNT, C, "inbound packets discarded (ifInDiscards)"),
    _m(M.SNMP_IF_OUT_DISCARDS, _IF, U.COUNT, C, "outbound packets discarded (ifOutDiscards)"),
    _m(M.SNMP_IF_OPER_STATUS, _IF, U.NONE, G, "ifOperStatus code: 1 up, 2 down, ... 7 lowerLayerDown"),
    _m(M.SNMP_IF_ADMIN_STATUS, _IF, U.NONE, G, "ifAdminStatus code: 1 up, 2 down, 3 testing"),
    _m(M.SNMP_IF_SPEED_BPS, _IF, U.BITS_PER_SECOND, G, "interface speed (ifHighSpeed or ifSpeed)"),
    _m(M.SNMP_HR_STORAGE_SIZE_BYTES, _HR, U.BYTES, G, "size of a storage area (hrStorageSize)"),
    _m(M.SNMP_HR_STORAGE_USED_BYTES, _HR, U.BYTES, G, "storage area in use (hrStorageUsed)"),
    _m(M.SNMP_HR_CPU_LOAD_PERCENT, (L.TARGET, L.INDEX), U.PERCENT, G, "processor load (hrProcessorLoad)"),
    _m(M.SNMP_PRINTER_SUPPLY_PERCENT, _SUPPLY, U.PERCENT, G, "printer supply left, percent of capacity"),
    _m(M.SNMP_PRINTER_SUPPLY_LEVEL, _SUPPLY, U.NONE, G, "printer supply left (prtMarkerSuppliesLevel)"),
    _m(M.SNMP_PRINTER_SUPPLY_CAPACITY, _SUPPLY, U.NONE, G, "supply capacity (prtMarkerSuppliesMaxCapacity)"),
    _m(
        M.SNMP_PRINTER_RECEPTACLE_PERCENT,
        _SUPPLY,
        U.PERCENT,
        G,
        "waste receptacle filled, percent of capacity",
    ),
    _m(M.SNMP_PRINTER_PAGES_TOTAL, (L.TARGET, L.INDEX), U.COUNT, C, "pages printed (prtMarkerLifeCount)"),
    _m(M.SNMP_UPS_BATTERY_CHARGE_PERCENT, (L.TARGET,), U.PERCENT, G, "UPS battery charge"),
    _m(M.SNMP_UPS_RUNTIME_S, (L.TARGET,), U.SECONDS, G, "UPS runtime left on battery"),
    _m(M.SNMP_UPS_BATTERY_STATUS, (L.TARGET, L.MIB), U.NONE, G, "1 unknown, 2 normal, 3 low, 4 depleted"),
    _m(M.SNMP_UPS_LOAD_PERCENT, (L.TARGET, L.LINE), U.PERCENT, G, "UPS output load on a line"),
    _m(M.SNMP_UPS_INPUT_VOLTAGE_V, (L.TARGET, L.LINE), U.VOLTS, G, "UPS input voltage on a line"),
    _m(M.SNMP_UPS_OUTPUT_VOLTAGE_V, (L.TARGET, L.LINE), U.VOLTS, G, "UPS output voltage on a line"),
    _m(
        M.SNMP_UPS_ON_BATTERY,
        (L.TARGET,),
        U.NONE,
        G,
        "1 while the UPS runs on battery (output source), else 0",
    ),
)

CATALOGUE: Mapping[Metric, MetricSpec] = {s.name: s for s in _SPECS}


def spec(name: str) -> MetricSpec | None:
    """The metric called ``name``, or None when no agent emits it."""
    try:
        return CATALOGUE[Metric(name)]
    except ValueError:
        return None
