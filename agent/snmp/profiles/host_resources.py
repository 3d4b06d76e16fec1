"""HOST-RESOURCES-MIB: storage areas (size and use in bytes) and processor load."""

from __future__ import annotations

from agent.snmp.oids import PollData, oid
from agent.snmp.profiles.base import (
    Profile,
    ProfileResult,
    TargetInfo,
    column_samples,
    index_str,
    integer,
    lookup,
    sample,
    text,
)
from eus.names import Label, Metric

HR_STORAGE_DESCR = oid("1.3.6.1.2.1.25.2.3.1.3")
HR_STORAGE_UNITS = oid("1.3.6.1.2.1.25.2.3.1.4")
HR_STORAGE_SIZE = oid("1.3.6.1.2.1.25.2.3.1.5")
HR_STORAGE_USED = oid("1.3.6.1.2.1.25.2.3.1.6")
HR_PROCESSOR_LOAD = oid("1.3.6.1.2.1.25.3.3.1.2")


def _unsigned(value: int | None) -> int | None:
    # hrStorageSize/Used are Integer32; agents overflowing them report negative numbers.
    return None if value is None else value & 0xFFFFFFFF


def collect(data: PollData, target: TargetInfo) -> ProfileResult:
    out = ProfileResult()
    for index in sorted(data.column(HR_STORAGE_SIZE)):
        units = integer(lookup(data, HR_STORAGE_UNITS, index))
        size = _unsigned(integer(lookup(data, HR_STORAGE_SIZE, index)))
        used = _unsigned(integer(lookup(data, HR_STORAGE_USED, index)))
        if not units or size is None:
            continue
        labels = {
            Label.INDEX: index_str(index),
            Label.DESCR: text(lookup(data, HR_STORAGE_DESCR, index)) or index_str(index),
        }
        out.samples.append(sample(target.id, Metric.SNMP_HR_STORAGE_SIZE_BYTES, size * units, labels))
        if used is not None:
            out.samples.append(sample(target.id, Metric.SNMP_HR_STORAGE_USED_BYTES, used * units, labels))
    out.samples.extend(column_samples(data, HR_PROCESSOR_LOAD, target.id, Metric.SNMP_HR_CPU_LOAD_PERCENT))
    return out


PROFILE = Profile(
    name="host_resources",
    collect=collect,
    columns=(HR_STORAGE_UNITS, HR_STORAGE_SIZE, HR_STORAGE_USED, HR_PROCESSOR_LOAD),
    slow_columns=(HR_STORAGE_DESCR,),
    probes=(HR_STORAGE_DESCR, HR_PROCESSOR_LOAD),
)
