"""SNMPv2-MIB system group: identity (inventory) and uptime (the reboot detector)."""

from __future__ import annotations

from agent.snmp.oids import PollData, oid
from agent.snmp.profiles.base import Profile, ProfileResult, TargetInfo, integer, item, pretty, sample, text
from agent.snmp.vendors import vendor
from eus.names import Metric

SYS_DESCR = oid("1.3.6.1.2.1.1.1.0")
SYS_OBJECT_ID = oid("1.3.6.1.2.1.1.2.0")
SYS_UPTIME = oid("1.3.6.1.2.1.1.3.0")
SYS_CONTACT = oid("1.3.6.1.2.1.1.4.0")
SYS_NAME = oid("1.3.6.1.2.1.1.5.0")
SYS_LOCATION = oid("1.3.6.1.2.1.1.6.0")

IDENTITY = (SYS_DESCR, SYS_OBJECT_ID, SYS_CONTACT, SYS_NAME, SYS_LOCATION)


def sys_object_id(data: PollData) -> tuple[int, ...]:
    value = data.scalar(SYS_OBJECT_ID)
    return value if isinstance(value, tuple) else ()


def uptime_s(data: PollData) -> float | None:
    ticks = integer(data.scalar(SYS_UPTIME))
    return None if ticks is None else ticks / 100.0


def collect(data: PollData, target: TargetInfo) -> ProfileResult:
    out = ProfileResult()
    up = uptime_s(data)
    if up is not None:
        out.samples.append(sample(target.id, Metric.SNMP_SYS_UPTIME_S, up))
    if data.scalar(SYS_DESCR) is not None or data.scalar(SYS_OBJECT_ID) is not None:
        soid = data.scalar(SYS_OBJECT_ID)
        out.inventory.append(
            item(
                "snmp_system",
                "system",
                sysDescr=pretty(data.scalar(SYS_DESCR)),
                sysObjectID=text(soid),
                sysName=text(data.scalar(SYS_NAME)),
                sysLocation=text(data.scalar(SYS_LOCATION)),
                sysContact=text(data.scalar(SYS_CONTACT)),
                vendor=vendor(soid) if isinstance(soid, tuple) else "",
            )
        )
    return out


PROFILE = Profile(name="system", collect=collect, scalars=(SYS_UPTIME,), slow_scalars=IDENTITY)
