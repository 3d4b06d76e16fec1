"""IF-MIB: traffic, errors, discards, status and speed per interface; interfaces as inventory.

Octet counters come from ifXTable's 64-bit ifHCIn/OutOctets; an interface without them
falls back to the 32-bit ifIn/OutOctets, and its series carries ``bits="32"`` so the
collector wraps it at 2^32. Rates are made at the collector (wraps, reboots); this only
reports raw counters. Names, descriptions and MACs are fetched slowly (discovery and the
inventory refresh), the counters on every poll.
"""

from __future__ import annotations

from agent.snmp.oids import Oid, PollData, oid
from agent.snmp.profiles.base import (
    Profile,
    ProfileResult,
    TargetInfo,
    index_str,
    integer,
    item,
    lookup,
    mac,
    sample,
    text,
)
from eus.names import Label, Metric

_IF = "1.3.6.1.2.1.2.2.1."
_IFX = "1.3.6.1.2.1.31.1.1.1."
IF_DESCR = oid(_IF + "2")
IF_TYPE = oid(_IF + "3")
IF_SPEED = oid(_IF + "5")
IF_PHYS_ADDRESS = oid(_IF + "6")
IF_ADMIN_STATUS = oid(_IF + "7")
IF_OPER_STATUS = oid(_IF + "8")
IF_IN_OCTETS = oid(_IF + "10")
IF_IN_DISCARDS = oid(_IF + "13")
IF_IN_ERRORS = oid(_IF + "14")
IF_OUT_OCTETS = oid(_IF + "16")
IF_OUT_DISCARDS = oid(_IF + "19")
IF_OUT_ERRORS = oid(_IF + "20")
IF_NAME = oid(_IFX + "1")
IF_HC_IN_OCTETS = oid(_IFX + "6")
IF_HC_OUT_OCTETS = oid(_IFX + "10")
IF_HIGH_SPEED = oid(_IFX + "15")
IF_ALIAS = oid(_IFX + "18")

# IANAifType names for the types an MSP sees; others are shown by number.
IF_TYPES = {
    1: "other",
    6: "ethernetCsmacd",
    23: "ppp",
    24: "softwareLoopback",
    53: "propVirtual",
    71: "ieee80211",
    117: "gigabitEthernet",
    131: "tunnel",
    135: "l2vlan",
    136: "l3ipvlan",
    161: "ieee8023adLag",
    166: "mpls",
}

STATUS_AND_ERRORS = (
    IF_ADMIN_STATUS,
    IF_OPER_STATUS,
    IF_IN_ERRORS,
    IF_OUT_ERRORS,
    IF_IN_DISCARDS,
    IF_OUT_DISCARDS,
)
STATUS_SERIES = (
    (IF_OPER_STATUS, Metric.SNMP_IF_OPER_STATUS),
    (IF_ADMIN_STATUS, Metric.SNMP_IF_ADMIN_STATUS),
)
COUNT_SERIES = (
    (IF_IN_ERRORS, Metric.SNMP_IF_IN_ERRORS),
    (IF_OUT_ERRORS, Metric.SNMP_IF_OUT_ERRORS),
    (IF_IN_DISCARDS, Metric.SNMP_IF_IN_DISCARDS),
    (IF_OUT_DISCARDS, Metric.SNMP_IF_OUT_DISCARDS),
)


def plan(slow: PollData) -> tuple[tuple[Oid, ...], tuple[Oid, ...]]:
    """Per-poll columns: 64-bit counters where every interface has them, 32-bit where none
    has, both when the device mixes (slow interfaces often lack the HC counters)."""
    rows = set(slow.column(IF_DESCR)) | set(slow.column(IF_NAME))
    if not rows:
        return (), ()
    hc = set(slow.column(IF_HC_IN_OCTETS))
    if hc and rows <= hc:
        counters: tuple[Oid, ...] = (IF_HC_IN_OCTETS, IF_HC_OUT_OCTETS)
    elif hc:
        counters = (IF_HC_IN_OCTETS, IF_HC_OUT_OCTETS, IF_IN_OCTETS, IF_OUT_OCTETS)
    else:
        counters = (IF_IN_OCTETS, IF_OUT_OCTETS)
    speed = (IF_HIGH_SPEED,) if slow.column(IF_NAME) or hc else (IF_SPEED,)
    return (), counters + STATUS_AND_ERRORS + speed


def speed_bps(data: PollData, index: Oid) -> float | None:
    high = integer(lookup(data, IF_HIGH_SPEED, index))
    if high:
        return high * 1e6
    low = integer(lookup(data, IF_SPEED, index))
    if low is not None:
        return float(low)
    return None if high is None else 0.0


def if_name(data: PollData, index: Oid) -> str:
    return text(lookup(data, IF_NAME, index)) or text(lookup(data, IF_DESCR, index)) or index_str(index)


def collect(data: PollData, target: TargetInfo) -> ProfileResult:
    out = ProfileResult()
    polled = set(data.column(IF_OPER_STATUS)) | set(data.column(IF_HC_IN_OCTETS))
    polled |= set(data.column(IF_IN_OCTETS))
    for index in sorted(polled):
        labels = {Label.IF_INDEX: index_str(index), Label.IF_NAME: if_name(data, index)}
        for series, hc_col, col in (
            (Metric.SNMP_IF_IN_OCTETS, IF_HC_IN_OCTETS, IF_IN_OCTETS),
            (Metric.SNMP_IF_OUT_OCTETS, IF_HC_OUT_OCTETS, IF_OUT_OCTETS),
        ):
            if (hc_value := integer(lookup(data, hc_col, index))) is not None:
                out.samples.append(sample(target.id, series, hc_value, labels))
            elif (low := integer(lookup(data, col, index))) is not None:
                out.samples.append(sample(target.id, series, low, {**labels, Label.BITS: "32"}))
        for col, series in COUNT_SERIES + STATUS_SERIES:
            if (value := integer(lookup(data, col, index))) is not None:
                out.samples.append(sample(target.id, series, value, labels))
        if (speed := speed_bps(data, index)) is not None:
            out.samples.append(sample(target.id, Metric.SNMP_IF_SPEED_BPS, speed, labels))
    described = set(data.column(IF_DESCR)) | set(data.column(IF_NAME))
    for index in sorted(described):
        if_type = integer(lookup(data, IF_TYPE, index))
        speed = speed_bps(data, index)
        out.inventory.append(
            item(
                "interface",
                index_str(index),
                name=if_name(data, index),
                descr=text(lookup(data, IF_DESCR, index)),
                alias=text(lookup(data, IF_ALIAS, index)),
                mac=mac(lookup(data, IF_PHYS_ADDRESS, index)),
                type="" if if_type is None else IF_TYPES.get(if_type, str(if_type)),
                speed_bps="" if speed is None else str(int(speed)),
            )
        )
    return out


PROFILE = Profile(
    name="interfaces",
    collect=collect,
    slow_columns=(IF_DESCR, IF_TYPE, IF_SPEED, IF_PHYS_ADDRESS, IF_NAME, IF_ALIAS, IF_HC_IN_OCTETS),
    probes=(IF_DESCR,),
    plan=plan,
)
