"""Printer-MIB: every supply (toner, ink, drum, waste box ...) as a level in percent and a
function with WARNING/CRITICAL thresholds, and the page counter.

A supply's percentage is level / max capacity when the printer states both. The MIB's
negative levels are codes, never numbers (no sample is sent for them): -3 "some remaining"
is OK, -2 unknown and -1 other are UNKNOWN, as is an unknown capacity. Containers are
judged by what is left: params ``supply_warn_percent`` (default 15: WARNING below it) and
``supply_crit_percent`` (default 5: CRITICAL at or below it). Receptacles that fill up
(prtMarkerSuppliesClass 4, e.g. a waste toner bottle) are judged by how full they are:
``receptacle_warn_percent`` (default 80: WARNING at or above it) and
``receptacle_crit_percent`` (default 100: CRITICAL when full).
"""

from __future__ import annotations

from agent.snmp.oids import Oid, PollData, oid
from agent.snmp.profiles.base import (
    Profile,
    ProfileResult,
    TargetInfo,
    column_samples,
    function,
    index_str,
    integer,
    item,
    lookup,
    sample,
    text,
)
from eus import snmp_target
from eus.names import Label, Metric
from eus.v1 import eus_pb2

_SUP = "1.3.6.1.2.1.43.11.1.1."
SUPPLY_COLORANT = oid(_SUP + "3")
SUPPLY_CLASS = oid(_SUP + "4")
SUPPLY_TYPE = oid(_SUP + "5")
SUPPLY_DESCR = oid(_SUP + "6")
SUPPLY_UNIT = oid(_SUP + "7")
SUPPLY_MAX = oid(_SUP + "8")
SUPPLY_LEVEL = oid(_SUP + "9")
COLORANT_VALUE = oid("1.3.6.1.2.1.43.12.1.1.4")
MARKER_LIFE_COUNT = oid("1.3.6.1.2.1.43.10.2.1.4")
PRINTER_NAME = oid("1.3.6.1.2.1.43.5.1.1.16.1")  # prtGeneralPrinterName of the first printer
PRINTER_SERIAL = oid("1.3.6.1.2.1.43.5.1.1.17.1")  # prtGeneralSerialNumber
HR_DEVICE_DESCR = oid("1.3.6.1.2.1.25.3.2.1.3.1")  # the printer's model on most devices

RECEPTACLE = 4  # prtMarkerSuppliesClass receptacleThatIsFilled
SUPPLY_TYPES = {
    3: "toner",
    4: "waste toner",
    5: "ink",
    6: "ink cartridge",
    8: "waste ink",
    9: "drum (OPC)",
    10: "developer",
    15: "fuser",
    18: "cleaner unit",
    20: "transfer unit",
    21: "toner cartridge",
    32: "staples",
}
LEVEL_MEANING = {-1: "level not reported (other)", -2: "level unknown", -3: "some remaining"}
SOME_REMAINING = -3


def key(index: Oid) -> str:
    """``(hrDeviceIndex, supplyIndex)`` -> the supply index, prefixed by the device when not 1."""
    if len(index) == 2 and index[0] == 1:
        return str(index[1])
    return index_str(index)


def percent(level: int | None, capacity: int | None) -> float | None:
    if level is None or capacity is None or level < 0 or capacity <= 0:
        return None
    return min(100.0, level * 100.0 / capacity)


def judge(
    descr: str,
    pct: float | None,
    level: int | None,
    capacity: int | None,
    *,
    receptacle: bool,
    warn: float,
    crit: float,
    full_warn: float = snmp_target.DEFAULT_RECEPTACLE_WARN,
    full_crit: float = snmp_target.DEFAULT_RECEPTACLE_CRIT,
) -> tuple[eus_pb2.Health.ValueType, str]:
    """Health and message of one supply (pure; table-tested)."""
    if level == SOME_REMAINING:
        return eus_pb2.HEALTH_OK, f"{descr}: some {'space ' if receptacle else ''}remaining"
    if level is not None and level in LEVEL_MEANING:
        return eus_pb2.HEALTH_UNKNOWN, f"{descr}: {LEVEL_MEANING[level]}"
    if pct is None:
        if capacity is None or capacity <= 0:
            return eus_pb2.HEALTH_UNKNOWN, f"{descr}: capacity unknown"
        return eus_pb2.HEALTH_UNKNOWN, f"{descr}: level unknown"
    if receptacle:
        shown = f"{pct:.0f}% full"
        if pct >= full_crit:
            return eus_pb2.HEALTH_CRITICAL, f"{descr}: {shown} (critical at {full_crit:g}%)"
        if pct >= full_warn:
            return eus_pb2.HEALTH_WARNING, f"{descr}: {shown} (warning at {full_warn:g}%)"
        return eus_pb2.HEALTH_OK, f"{descr}: {shown}"
    shown = f"{pct:.0f}% left"
    if pct <= crit:
        return eus_pb2.HEALTH_CRITICAL, f"{descr}: {shown} (critical at {crit:g}%)"
    if pct < warn:
        return eus_pb2.HEALTH_WARNING, f"{descr}: {shown} (warning below {warn:g}%)"
    return eus_pb2.HEALTH_OK, f"{descr}: {shown}"


def collect(data: PollData, target: TargetInfo) -> ProfileResult:
    out = ProfileResult()
    warn = target.param_float(snmp_target.SUPPLY_WARN, snmp_target.DEFAULT_SUPPLY_WARN)
    crit = target.param_float(snmp_target.SUPPLY_CRIT, snmp_target.DEFAULT_SUPPLY_CRIT)
    full_warn = target.param_float(snmp_target.RECEPTACLE_WARN, snmp_target.DEFAULT_RECEPTACLE_WARN)
    full_crit = target.param_float(snmp_target.RECEPTACLE_CRIT, snmp_target.DEFAULT_RECEPTACLE_CRIT)
    rows = sorted(set(data.column(SUPPLY_LEVEL)) | set(data.column(SUPPLY_DESCR)))
    for index in rows:
        k = key(index)
        supply_type = integer(lookup(data, SUPPLY_TYPE, index))
        descr = text(lookup(data, SUPPLY_DESCR, index)) or SUPPLY_TYPES.get(supply_type or 0, f"supply {k}")
        colorant = integer(lookup(data, SUPPLY_COLORANT, index))
        color = text(lookup(data, COLORANT_VALUE, (*index[:-1], colorant))) if colorant else ""
        level = integer(lookup(data, SUPPLY_LEVEL, index))
        capacity = integer(lookup(data, SUPPLY_MAX, index))
        pct = percent(level, capacity)
        labels = {Label.INDEX: k, Label.DESCR: descr, Label.COLOR: color}
        receptacle = integer(lookup(data, SUPPLY_CLASS, index)) == RECEPTACLE
        if pct is not None:
            # A waste receptacle's percent is how full it is: a metric of its own, so a
            # "supply low" rule never fires for an empty waste container.
            name = (
                Metric.SNMP_PRINTER_RECEPTACLE_PERCENT if receptacle else Metric.SNMP_PRINTER_SUPPLY_PERCENT
            )
            out.samples.append(sample(target.id, name, pct, labels))
        if level is not None and level >= 0:  # negative levels are codes, not amounts
            out.samples.append(sample(target.id, Metric.SNMP_PRINTER_SUPPLY_LEVEL, level, labels))
        if capacity is not None and capacity > 0:
            out.samples.append(sample(target.id, Metric.SNMP_PRINTER_SUPPLY_CAPACITY, capacity, labels))
        status, message = judge(
            descr,
            pct,
            level,
            capacity,
            receptacle=receptacle,
            warn=warn,
            crit=crit,
            full_warn=full_warn,
            full_crit=full_crit,
        )
        metrics = {} if pct is None else {"percent": pct}
        out.functions.append(
            function(
                target.id,
                kind="snmp.supply",
                fid=f"{target.id}:supply:{k}",
                name=descr,
                status=status,
                message=message,
                metrics=metrics,
            )
        )
    model = text(data.scalar(HR_DEVICE_DESCR)) or text(data.scalar(PRINTER_NAME))
    ident = {
        "model": model,
        "serial": text(data.scalar(PRINTER_SERIAL)),
        "name": text(data.scalar(PRINTER_NAME)),
    }
    if any(ident.values()):
        out.inventory.append(item("printer", "printer", **ident))
    out.samples.extend(
        column_samples(data, MARKER_LIFE_COUNT, target.id, Metric.SNMP_PRINTER_PAGES_TOTAL, key=key)
    )
    return out


PROFILE = Profile(
    name="printer",
    collect=collect,
    columns=(SUPPLY_LEVEL, SUPPLY_MAX, MARKER_LIFE_COUNT),
    slow_columns=(SUPPLY_DESCR, SUPPLY_CLASS, SUPPLY_TYPE, SUPPLY_UNIT, SUPPLY_COLORANT, COLORANT_VALUE),
    slow_scalars=(PRINTER_NAME, PRINTER_SERIAL, HR_DEVICE_DESCR),
    probes=(SUPPLY_DESCR, SUPPLY_LEVEL),
)
