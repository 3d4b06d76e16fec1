"""UPS-MIB (RFC 1628) and the APC PowerNet essentials: battery status, charge, runtime
remaining, load, input/output voltage, and one function for the UPS's health.

The UPS function is CRITICAL when the battery is low or depleted or the load runs on
battery, WARNING when the battery needs replacing or the UPS raises another alarm, else OK.
A device speaking both MIBs (APC cards with RFC 1628 enabled) is read through PowerNet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.snmp.oids import Oid, PollData, Value, oid
from agent.snmp.profiles.base import (
    Profile,
    ProfileResult,
    TargetInfo,
    function,
    index_str,
    integer,
    item,
    sample,
    text,
)
from eus.names import Label, Metric
from eus.v1 import eus_pb2

_U = "1.3.6.1.2.1.33.1."
UPS_MANUFACTURER = oid(_U + "1.1.0")
UPS_MODEL = oid(_U + "1.2.0")
UPS_SOFTWARE = oid(_U + "1.3.0")
UPS_NAME = oid(_U + "1.5.0")
UPS_BATTERY_STATUS = oid(_U + "2.1.0")
UPS_MINUTES_REMAINING = oid(_U + "2.3.0")
UPS_CHARGE_REMAINING = oid(_U + "2.4.0")
UPS_OUTPUT_SOURCE = oid(_U + "4.1.0")
UPS_INPUT_VOLTAGE = oid(_U + "3.3.1.3")
UPS_OUTPUT_VOLTAGE = oid(_U + "4.4.1.2")
UPS_OUTPUT_LOAD = oid(_U + "4.4.1.5")
UPS_ALARM_DESCR = oid(_U + "6.2.1.2")
WELL_KNOWN_ALARMS = oid(_U + "6.3")

_A = "1.3.6.1.4.1.318.1.1.1."
APC_MODEL = oid(_A + "1.1.1.0")
APC_FIRMWARE = oid(_A + "1.2.1.0")
APC_SERIAL = oid(_A + "1.2.3.0")
APC_BATTERY_STATUS = oid(_A + "2.1.1.0")
APC_CAPACITY = oid(_A + "2.2.1.0")
APC_RUNTIME = oid(_A + "2.2.3.0")
APC_REPLACE = oid(_A + "2.2.4.0")
APC_INPUT_VOLTAGE = oid(_A + "3.2.1.0")
APC_OUTPUT_STATUS = oid(_A + "4.1.1.0")
APC_OUTPUT_VOLTAGE = oid(_A + "4.2.1.0")
APC_OUTPUT_LOAD = oid(_A + "4.2.3.0")

UPS_MIB_SCALARS = (UPS_BATTERY_STATUS, UPS_MINUTES_REMAINING, UPS_CHARGE_REMAINING, UPS_OUTPUT_SOURCE)
UPS_MIB_COLUMNS = (UPS_INPUT_VOLTAGE, UPS_OUTPUT_VOLTAGE, UPS_OUTPUT_LOAD, UPS_ALARM_DESCR)
APC_SCALARS = (
    APC_BATTERY_STATUS,
    APC_CAPACITY,
    APC_RUNTIME,
    APC_REPLACE,
    APC_INPUT_VOLTAGE,
    APC_OUTPUT_STATUS,
    APC_OUTPUT_VOLTAGE,
    APC_OUTPUT_LOAD,
)

_MAX32 = 2_147_483_647
# Each numeric object's range as its MIB defines it. A value outside it is "unknown" (UPSes
# report -1 for an estimate they do not have): it yields no sample and no fact, never a
# number. upsEstimatedMinutesRemaining is a PositiveInteger (1..), but 0 is kept: a
# depleted battery reports it and it is a true duration.
RANGES: dict[Oid, tuple[int, int]] = {
    UPS_BATTERY_STATUS: (1, 4),
    UPS_MINUTES_REMAINING: (0, _MAX32),
    UPS_CHARGE_REMAINING: (0, 100),
    UPS_OUTPUT_SOURCE: (1, 7),
    UPS_INPUT_VOLTAGE: (0, _MAX32),
    UPS_OUTPUT_VOLTAGE: (0, _MAX32),
    UPS_OUTPUT_LOAD: (0, 200),
    APC_BATTERY_STATUS: (1, 4),
    APC_CAPACITY: (0, 100),
    APC_RUNTIME: (0, 0xFFFFFFFF),  # TimeTicks
    APC_REPLACE: (1, 2),
    APC_INPUT_VOLTAGE: (0, 0xFFFFFFFF),
    APC_OUTPUT_STATUS: (1, 20),
    APC_OUTPUT_VOLTAGE: (0, 0xFFFFFFFF),
    APC_OUTPUT_LOAD: (0, 0xFFFFFFFF),
}


def in_range(name: Oid, value: Value) -> int | None:
    """``value`` when it is an integer inside ``name``'s MIB range, else None (pure)."""
    number = integer(value)
    if number is None:
        return None
    lo, hi = RANGES.get(name, (-_MAX32 - 1, 0xFFFFFFFF))
    return number if lo <= number <= hi else None


def _get(data: PollData, name: Oid) -> int | None:
    return in_range(name, data.scalar(name))


ALARMS = {
    1: "battery needs replacing",
    2: "on battery",
    3: "battery low",
    4: "battery depleted",
    5: "temperature out of range",
    6: "input out of range",
    7: "output out of range",
    8: "output overload",
    9: "on bypass",
    10: "bypass out of range",
    13: "charger failed",
    14: "output off",
    15: "UPS system off",
    16: "fan failure",
    17: "fuse failure",
    18: "general fault",
    19: "self-test failed",
    20: "communication with the UPS lost",
    22: "shutdown pending",
    23: "shutdown imminent",
}
CRITICAL_ALARMS = frozenset({2, 3, 4, 14, 15, 23})


@dataclass
class UpsState:
    """The facts the UPS function is judged on, whatever the MIB."""

    mib: str
    battery_status: int | None = None
    charge: float | None = None
    runtime_s: float | None = None
    on_battery: bool = False
    battery_low: bool = False
    alarms: list[int] = field(default_factory=list)
    replace_battery: bool = False
    fault: str = ""


def read_state(data: PollData) -> UpsState | None:
    """The UPS state from PowerNet if present, else from UPS-MIB; None when neither answers."""
    apc_status = _get(data, APC_BATTERY_STATUS)
    if apc_status is not None:
        runtime = _get(data, APC_RUNTIME)
        return UpsState(
            mib="PowerNet-MIB",
            battery_status=apc_status,
            charge=_num(_get(data, APC_CAPACITY)),
            runtime_s=None if runtime is None else runtime / 100.0,
            on_battery=_get(data, APC_OUTPUT_STATUS) == 3,
            battery_low=apc_status == 3,
            replace_battery=_get(data, APC_REPLACE) == 2,
            fault="battery fault" if apc_status == 4 else "",
        )
    status = _get(data, UPS_BATTERY_STATUS)
    if status is None:
        return None
    minutes = _get(data, UPS_MINUTES_REMAINING)
    alarms = sorted(
        v[len(WELL_KNOWN_ALARMS)]
        for v in data.column(UPS_ALARM_DESCR).values()
        if isinstance(v, tuple)
        and len(v) > len(WELL_KNOWN_ALARMS)
        and v[: len(WELL_KNOWN_ALARMS)] == WELL_KNOWN_ALARMS
    )
    return UpsState(
        mib="UPS-MIB",
        battery_status=status,
        charge=_num(_get(data, UPS_CHARGE_REMAINING)),
        runtime_s=None if minutes is None else minutes * 60.0,
        on_battery=_get(data, UPS_OUTPUT_SOURCE) == 5 or 2 in alarms,
        battery_low=status in (3, 4) or 3 in alarms or 4 in alarms,
        alarms=alarms,
        replace_battery=1 in alarms,
        fault="battery depleted" if status == 4 else "",
    )


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def judge(state: UpsState) -> tuple[eus_pb2.Health.ValueType, str]:
    """Health and message of the UPS (pure; table-tested)."""
    facts = []
    if state.charge is not None:
        facts.append(f"battery {state.charge:.0f}%")
    if state.runtime_s is not None:
        facts.append(f"{_duration(state.runtime_s)} left")
    detail = ", ".join(facts)
    problems: list[str] = []
    if state.fault:
        problems.append(state.fault)
    elif state.battery_low:
        problems.append("battery low")
    if state.on_battery:
        problems.append("on battery")
    problems += [ALARMS[a] for a in state.alarms if a in CRITICAL_ALARMS and ALARMS[a] not in problems]
    if problems:
        return eus_pb2.HEALTH_CRITICAL, f"{', '.join(problems)}" + (f": {detail}" if detail else "")
    warnings = ["battery needs replacing"] if state.replace_battery or 1 in state.alarms else []
    warnings += [ALARMS.get(a, f"alarm {a}") for a in state.alarms if a not in CRITICAL_ALARMS and a != 1]
    if warnings:
        return eus_pb2.HEALTH_WARNING, f"{', '.join(warnings)}" + (f": {detail}" if detail else "")
    return eus_pb2.HEALTH_OK, "on line" + (f", {detail}" if detail else "")


def plan(slow: PollData) -> tuple[tuple[Oid, ...], tuple[Oid, ...]]:
    if slow.scalar(APC_BATTERY_STATUS) is not None:
        return APC_SCALARS, ()
    return UPS_MIB_SCALARS, UPS_MIB_COLUMNS


def collect(data: PollData, target: TargetInfo) -> ProfileResult:
    out = ProfileResult()
    state = read_state(data)
    if state is None:
        return out

    def emit(metric: Metric, value: float | None, labels: dict[Label, str] | None = None) -> None:
        if value is not None:
            out.samples.append(sample(target.id, metric, value, labels))

    emit(Metric.SNMP_UPS_BATTERY_CHARGE_PERCENT, state.charge)
    emit(Metric.SNMP_UPS_RUNTIME_S, state.runtime_s)
    emit(Metric.SNMP_UPS_BATTERY_STATUS, state.battery_status, {Label.MIB: state.mib})
    emit(Metric.SNMP_UPS_ON_BATTERY, 1.0 if state.on_battery else 0.0)
    if state.mib == "PowerNet-MIB":
        line1 = {Label.LINE: "1"}
        emit(Metric.SNMP_UPS_LOAD_PERCENT, _num(_get(data, APC_OUTPUT_LOAD)), line1)
        emit(Metric.SNMP_UPS_INPUT_VOLTAGE_V, _num(_get(data, APC_INPUT_VOLTAGE)), line1)
        emit(Metric.SNMP_UPS_OUTPUT_VOLTAGE_V, _num(_get(data, APC_OUTPUT_VOLTAGE)), line1)
        ident = {"model": text(data.scalar(APC_MODEL)), "firmware": text(data.scalar(APC_FIRMWARE))}
        ident |= {"serial": text(data.scalar(APC_SERIAL)), "manufacturer": "APC"}
    else:
        for column, metric in (
            (UPS_OUTPUT_LOAD, Metric.SNMP_UPS_LOAD_PERCENT),
            (UPS_INPUT_VOLTAGE, Metric.SNMP_UPS_INPUT_VOLTAGE_V),
            (UPS_OUTPUT_VOLTAGE, Metric.SNMP_UPS_OUTPUT_VOLTAGE_V),
        ):
            for index, value in sorted(data.column(column).items()):
                emit(metric, _num(in_range(column, value)), {Label.LINE: index_str(index)})
        ident = {"model": text(data.scalar(UPS_MODEL)), "firmware": text(data.scalar(UPS_SOFTWARE))}
        ident |= {"manufacturer": text(data.scalar(UPS_MANUFACTURER)), "name": text(data.scalar(UPS_NAME))}
    ident["mib"] = state.mib
    out.inventory.append(item("ups", "ups", **ident))
    status, message = judge(state)
    metrics = {
        k: v for k, v in (("charge_percent", state.charge), ("runtime_s", state.runtime_s)) if v is not None
    }
    out.functions.append(
        function(
            target.id,
            kind="snmp.ups",
            fid=f"{target.id}:ups",
            name="UPS",
            status=status,
            message=message,
            metrics=metrics,
        )
    )
    return out


PROFILE = Profile(
    name="ups",
    collect=collect,
    slow_scalars=(
        UPS_MANUFACTURER,
        UPS_MODEL,
        UPS_SOFTWARE,
        UPS_NAME,
        UPS_BATTERY_STATUS,
        APC_MODEL,
        APC_FIRMWARE,
        APC_SERIAL,
        APC_BATTERY_STATUS,
    ),
    probes=(UPS_BATTERY_STATUS, APC_BATTERY_STATUS),
    sys_object_ids=(oid("1.3.6.1.4.1.318.1.3.2"), oid("1.3.6.1.4.1.318.1.3.27"), oid("1.3.6.1.4.1.705.1")),
    plan=plan,
)
