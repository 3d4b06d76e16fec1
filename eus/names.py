"""The contract's vocabulary: every string the agent and the collector must agree on.

Metric names, label keys, units, event kinds and command kinds travel as plain strings
in ``eus.v1`` messages (a new metric must not need a new proto), so the set of valid
strings lives here, once, and both programs import it. ``eus.catalogue`` describes each
metric (labels, unit, kind, meaning); ``tests/test_vocabulary.py`` checks that what the
agent emits and what the collector reads stay inside this vocabulary.

Every enum is a ``StrEnum``: a member *is* its string, so it goes into a protobuf field,
a DuckDB query or a dict key unchanged.
"""

from __future__ import annotations

import enum


class Metric(enum.StrEnum):
    """A metric name, dotted: ``<source>.<quantity>``."""

    # agent collectors (agent/collectors/)
    CPU_PERCENT = "cpu.percent"
    DISK_TOTAL_BYTES = "disk.total_bytes"
    DISK_USED_BYTES = "disk.used_bytes"
    DISK_FREE_BYTES = "disk.free_bytes"
    DISK_PERCENT = "disk.percent"
    DISKIO_READ_BYTES = "diskio.read_bytes"
    DISKIO_WRITE_BYTES = "diskio.write_bytes"
    DISKIO_READ_OPS = "diskio.read_ops"
    DISKIO_WRITE_OPS = "diskio.write_ops"
    HOST_UPTIME_SECONDS = "host.uptime_seconds"
    HOST_PROCESSES = "host.processes"
    PROCESS_CPU_PERCENT = "process.cpu_percent"
    PROCESS_MEMORY_BYTES = "process.memory_bytes"
    LOAD_AVG = "load.avg"
    MEMORY_TOTAL_BYTES = "memory.total_bytes"
    MEMORY_USED_BYTES = "memory.used_bytes"
    MEMORY_AVAILABLE_BYTES = "memory.available_bytes"
    MEMORY_PERCENT = "memory.percent"
    NET_RX_BYTES = "net.rx_bytes"
    NET_TX_BYTES = "net.tx_bytes"
    NET_RX_PACKETS = "net.rx_packets"
    NET_TX_PACKETS = "net.tx_packets"
    NET_RX_ERRORS = "net.rx_errors"
    NET_TX_ERRORS = "net.tx_errors"
    NET_RX_DROPS = "net.rx_drops"
    NET_TX_DROPS = "net.tx_drops"
    SWAP_TOTAL_BYTES = "swap.total_bytes"
    SWAP_USED_BYTES = "swap.used_bytes"
    SWAP_PERCENT = "swap.percent"
    # SNMP profiles (agent/snmp/profiles/)
    SNMP_SYS_UPTIME_S = "snmp.sys.uptime_s"
    SNMP_IF_IN_OCTETS = "snmp.if.in_octets"
    SNMP_IF_OUT_OCTETS = "snmp.if.out_octets"
    SNMP_IF_IN_ERRORS = "snmp.if.in_errors"
    SNMP_IF_OUT_ERRORS = "snmp.if.out_errors"
    SNMP_IF_IN_DISCARDS = "snmp.if.in_discards"
    SNMP_IF_OUT_DISCARDS = "snmp.if.out_discards"
    SNMP_IF_OPER_STATUS = "snmp.if.oper_status"
    SNMP_IF_ADMIN_STATUS = "snmp.if.admin_status"
    SNMP_IF_SPEED_BPS = "snmp.if.speed_bps"
    SNMP_HR_STORAGE_SIZE_BYTES = "snmp.hr.storage_size_bytes"
    SNMP_HR_STORAGE_USED_BYTES = "snmp.hr.storage_used_bytes"
    SNMP_HR_CPU_LOAD_PERCENT = "snmp.hr.cpu_load_percent"
    SNMP_PRINTER_SUPPLY_PERCENT = "snmp.printer.supply_percent"
    SNMP_PRINTER_SUPPLY_LEVEL = "snmp.printer.supply_level"
    SNMP_PRINTER_SUPPLY_CAPACITY = "snmp.printer.supply_capacity"
    SNMP_PRINTER_PAGES_TOTAL = "snmp.printer.pages_total"
    SNMP_PRINTER_RECEPTACLE_PERCENT = "snmp.printer.receptacle_percent"
    SNMP_UPS_BATTERY_CHARGE_PERCENT = "snmp.ups.battery_charge_percent"
    SNMP_UPS_RUNTIME_S = "snmp.ups.runtime_s"
    SNMP_UPS_BATTERY_STATUS = "snmp.ups.battery_status"
    SNMP_UPS_LOAD_PERCENT = "snmp.ups.load_percent"
    SNMP_UPS_INPUT_VOLTAGE_V = "snmp.ups.input_voltage_v"
    SNMP_UPS_OUTPUT_VOLTAGE_V = "snmp.ups.output_voltage_v"
    SNMP_UPS_ON_BATTERY = "snmp.ups.on_battery"


class Label(enum.StrEnum):
    """A label key. Values are free text (a mount point, an interface name ...)."""

    CPU = "cpu"  # "total" or a core's index
    MOUNT = "mount"
    DEVICE = "device"  # the block device behind a mount
    FSTYPE = "fstype"
    DISK = "disk"
    PERIOD = "period"  # "1m", "5m", "15m"
    IFACE = "iface"
    TARGET = "target"  # the SNMP target (network device) id; on every SNMP series
    IF_INDEX = "ifIndex"
    IF_NAME = "ifName"
    BITS = "bits"  # "32": the device has no 64-bit counter for this interface
    INDEX = "index"  # a MIB table row's index
    DESCR = "descr"
    COLOR = "color"
    MIB = "mib"  # which MIB a UPS value came from ("UPS-MIB" or "PowerNet-MIB")
    LINE = "line"  # a UPS's input/output line
    PROCESS = "process"  # a process name (all processes of that name together)


class Unit(enum.StrEnum):
    """A series' unit, as the agent declares it in ``SeriesDef.unit``."""

    NONE = ""  # a code or a plain number (status codes, load average, supply levels)
    PERCENT = "percent"
    BYTES = "bytes"
    SECONDS = "seconds"
    COUNT = "count"
    BITS_PER_SECOND = "bits/s"
    VOLTS = "volts"


class EventKind(enum.StrEnum):
    """``Event.kind``: what happened, as the agent reports it."""

    SNMP_TRAP = "snmp.trap"  # a notification the gateway's trap listener accepted
    SNMP_FILE_TARGETS = "snmp.file_targets"  # the complete target list of the gateway's agent.toml


class CommandKind(enum.StrEnum):
    """``Command.kind``: what the collector asks an agent to do now."""

    INVENTORY_COLLECT = "inventory.collect"  # collect and send what changed
    INVENTORY_FULL = "inventory.full"  # collect and send a full report
    FUNCTIONS_CHECK = "functions.check"  # run function checks now
