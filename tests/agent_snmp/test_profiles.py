"""Profiles are pure mappings: fed with what a recording of a real device holds, they
must report exactly its values (interfaces, storage, supplies, UPS, entities, LLDP)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.snmp.oids import Missing, Oid, PollData, Value, oid
from agent.snmp.profiles import PROFILES, entity, host_resources, interfaces, lldp, printer, system, ups
from agent.snmp.profiles.base import ProfileResult, TargetInfo, mac, pretty, text
from agent_snmp import snmprec
from agent_snmp.peers import FIXTURES, recording
from eus.v1 import eus_pb2

T = TargetInfo("snmp-7", "device")


def run(name: str, records: dict[Oid, Value], target: TargetInfo = T) -> ProfileResult:
    """A profile over a recording: the slow fetch, its plan, then collect on both."""
    profile = PROFILES[name]
    slow = snmprec.poll_data(records, profile.slow_scalars, profile.slow_columns)
    scalars, columns = profile.poll_oids(slow)
    data = slow.merged(snmprec.poll_data(records, scalars, columns))
    return profile.collect(data, target)


@pytest.fixture(scope="module")
def c3560() -> dict[Oid, Value]:
    return snmprec.load(recording("network", "switch", "cisco-c3560.snmprec.bz2"))


def test_interfaces_report_the_recorded_64_bit_counters_names_and_status(c3560: dict[Oid, Value]) -> None:
    out = run("interfaces", c3560)
    names = snmprec.column(c3560, interfaces.IF_NAME)
    hc_in = snmprec.column(c3560, interfaces.IF_HC_IN_OCTETS)
    oper = snmprec.column(c3560, interfaces.IF_OPER_STATUS)
    got = {(s.key.name, dict(s.key.labels)["ifIndex"]): (s.value, dict(s.key.labels)) for s in out.samples}
    assert len(hc_in) > 40
    for index, value in hc_in.items():
        sample_value, labels = got[("snmp.if.in_octets", str(index[0]))]
        assert sample_value == snmprec.num(value)
        assert labels["ifName"] == text(names[index])
        assert "bits" not in labels
        assert got[("snmp.if.oper_status", str(index[0]))][0] == oper[index]
    monotonic = {s.key.name for s in out.samples if s.key.monotonic}
    assert monotonic == {
        "snmp.if.in_octets",
        "snmp.if.out_octets",
        "snmp.if.in_errors",
        "snmp.if.out_errors",
        "snmp.if.in_discards",
        "snmp.if.out_discards",
    }
    items = {i.key: dict(i.attrs) for i in out.inventory}
    assert set(items) == {str(i[0]) for i in snmprec.column(c3560, interfaces.IF_DESCR)}
    phys = snmprec.column(c3560, interfaces.IF_PHYS_ADDRESS)
    some, raw = next((k, v) for k, v in phys.items() if isinstance(v, bytes) and len(v) == 6)
    assert isinstance(raw, bytes)
    assert items[str(some[0])]["mac"] == ":".join(f"{b:02x}" for b in raw)


def test_interfaces_without_ifxtable_fall_back_to_32_bit_counters_and_say_so() -> None:
    records = snmprec.load(FIXTURES / "printer-color-laser.snmprec")
    out = run("interfaces", records)
    octets = [s for s in out.samples if s.key.name == "snmp.if.in_octets"]
    assert [(s.value, dict(s.key.labels)["bits"]) for s in octets] == [(91234567.0, "32")]
    speed = [s.value for s in out.samples if s.key.name == "snmp.if.speed_bps"]
    assert speed == [1e9]


@pytest.mark.parametrize(
    ("slow_rows", "expected"),
    [
        (
            {"descr": [1, 2], "hc": [1, 2], "name": [1, 2]},
            {interfaces.IF_HC_IN_OCTETS, interfaces.IF_HIGH_SPEED},
        ),
        ({"descr": [1, 2], "hc": [], "name": []}, {interfaces.IF_IN_OCTETS, interfaces.IF_SPEED}),
        (
            {"descr": [1, 2], "hc": [2], "name": [1, 2]},
            {interfaces.IF_HC_IN_OCTETS, interfaces.IF_IN_OCTETS, interfaces.IF_HIGH_SPEED},
        ),
        ({"descr": [], "hc": [], "name": []}, set()),
    ],
)
def test_interface_poll_plan_follows_what_the_device_has(
    slow_rows: dict[str, list[int]], expected: set[Oid]
) -> None:
    slow = PollData(
        columns={
            interfaces.IF_DESCR: {(i,): b"x" for i in slow_rows["descr"]},
            interfaces.IF_HC_IN_OCTETS: {(i,): 1 for i in slow_rows["hc"]},
            interfaces.IF_NAME: {(i,): b"x" for i in slow_rows["name"]},
        }
    )
    _, columns = interfaces.plan(slow)
    relevant = {
        interfaces.IF_HC_IN_OCTETS,
        interfaces.IF_IN_OCTETS,
        interfaces.IF_HIGH_SPEED,
        interfaces.IF_SPEED,
    }
    assert set(columns) & relevant == expected


def test_host_resources_storage_in_bytes_and_overflowed_sizes_read_unsigned() -> None:
    data = PollData(
        columns={
            host_resources.HR_STORAGE_DESCR: {(1,): b"Physical memory", (36,): b"/"},
            host_resources.HR_STORAGE_UNITS: {(1,): 1024, (36,): 4096},
            host_resources.HR_STORAGE_SIZE: {(1,): 8000000, (36,): -1294967296},
            host_resources.HR_STORAGE_USED: {(1,): 6000000, (36,): 1000},
            host_resources.HR_PROCESSOR_LOAD: {(196608,): 7},
        }
    )
    got = {
        (s.key.name, dict(s.key.labels).get("descr", "")): s.value
        for s in host_resources.collect(data, T).samples
    }
    assert got[("snmp.hr.storage_size_bytes", "Physical memory")] == 8000000 * 1024
    assert got[("snmp.hr.storage_used_bytes", "Physical memory")] == 6000000 * 1024
    assert got[("snmp.hr.storage_size_bytes", "/")] == 3000000000 * 4096
    assert got[("snmp.hr.cpu_load_percent", "")] == 7


@pytest.mark.parametrize(
    ("pct", "level", "capacity", "receptacle", "status", "message"),
    [
        (60.0, 60, 100, False, eus_pb2.HEALTH_OK, "Toner: 60% left"),
        (15.0, 15, 100, False, eus_pb2.HEALTH_OK, "Toner: 15% left"),
        (12.0, 12, 100, False, eus_pb2.HEALTH_WARNING, "Toner: 12% left (warning below 15%)"),
        (5.0, 5, 100, False, eus_pb2.HEALTH_CRITICAL, "Toner: 5% left (critical at 5%)"),
        (0.0, 0, 100, False, eus_pb2.HEALTH_CRITICAL, "Toner: 0% left (critical at 5%)"),
        # receptacles (waste toner) fill up: warning at 80 % full, critical when full (#10.6)
        (30.0, 30, 100, True, eus_pb2.HEALTH_OK, "Toner: 30% full"),
        (80.0, 80, 100, True, eus_pb2.HEALTH_WARNING, "Toner: 80% full (warning at 80%)"),
        (85.0, 85, 100, True, eus_pb2.HEALTH_WARNING, "Toner: 85% full (warning at 80%)"),
        (100.0, 100, 100, True, eus_pb2.HEALTH_CRITICAL, "Toner: 100% full (critical at 100%)"),
        (None, -3, 100, False, eus_pb2.HEALTH_OK, "Toner: some remaining"),
        (None, -3, -2, False, eus_pb2.HEALTH_OK, "Toner: some remaining"),
        (None, -3, -2, True, eus_pb2.HEALTH_OK, "Toner: some space remaining"),
        (None, -2, 100, False, eus_pb2.HEALTH_UNKNOWN, "Toner: level unknown"),
        (None, -1, 100, False, eus_pb2.HEALTH_UNKNOWN, "Toner: level not reported (other)"),
        (None, 50, -2, False, eus_pb2.HEALTH_UNKNOWN, "Toner: capacity unknown"),
        (None, 50, None, False, eus_pb2.HEALTH_UNKNOWN, "Toner: capacity unknown"),
    ],
)
def test_supply_health(  # noqa: PLR0917 -- one parameter per table column
    pct: float | None, level: int, capacity: int | None, receptacle: bool, status: int, message: str
) -> None:
    assert printer.percent(level, capacity) == pct
    assert printer.judge("Toner", pct, level, capacity, receptacle=receptacle, warn=15, crit=5) == (
        status,
        message,
    )


def test_printer_recording_gives_levels_in_percent_and_functions_per_supply() -> None:
    records = snmprec.load(FIXTURES / "printer-color-laser.snmprec")
    out = run("printer", records, TargetInfo("snmp-7", "printer", {"supply_warn_percent": "15"}))
    pct = {
        dict(s.key.labels)["color"] or dict(s.key.labels)["descr"]: s.value
        for s in out.samples
        if s.key.name == "snmp.printer.supply_percent"
    }
    assert pct == {"black": 12.0, "cyan": 60.0, "magenta": 4.0}  # the waste receptacle is not a supply left
    full = [s.value for s in out.samples if s.key.name == "snmp.printer.receptacle_percent"]
    assert full == [90.0]
    health = {f.id: (f.status, f.kind) for f in out.functions}
    assert health == {
        "snmp-7:supply:1": (eus_pb2.HEALTH_WARNING, "snmp.supply"),
        "snmp-7:supply:2": (eus_pb2.HEALTH_OK, "snmp.supply"),
        "snmp-7:supply:3": (eus_pb2.HEALTH_CRITICAL, "snmp.supply"),
        "snmp-7:supply:4": (eus_pb2.HEALTH_OK, "snmp.supply"),  # -3: some remaining
        "snmp-7:supply:5": (eus_pb2.HEALTH_UNKNOWN, "snmp.supply"),
        "snmp-7:supply:6": (eus_pb2.HEALTH_WARNING, "snmp.supply"),
    }
    pages = [(s.value, s.key.monotonic) for s in out.samples if s.key.name == "snmp.printer.pages_total"]
    assert pages == [(123456.0, True)]
    (ident,) = out.inventory  # identity of a printer without ENTITY-MIB (#10.7)
    assert (ident.kind, ident.key) == ("printer", "printer")
    assert dict(ident.attrs) == {"model": "HP Color LaserJet MFP M480f", "serial": "CNBRP4K0GX",
                                 "name": "HP Color LaserJet MFP M480f"}  # fmt: skip
    # the MIB's negative codes are no amounts: no level or capacity sample carries one
    assert all(s.value >= 0 for s in out.samples if s.key.name.startswith("snmp.printer.supply"))
    messages = {f.id: f.message for f in out.functions}
    assert messages["snmp-7:supply:4"] == "Yellow Cartridge HP 415A W2032A: some remaining"
    assert messages["snmp-7:supply:6"] == "Toner Collection Unit HP 3WT90A: 90% full (warning at 80%)"


@pytest.mark.parametrize(
    ("state", "status", "message"),
    [
        (
            ups.UpsState("UPS-MIB", 2, 100.0, 3600.0),
            eus_pb2.HEALTH_OK,
            "on line, battery 100%, 1 h 0 min left",
        ),
        (
            ups.UpsState("UPS-MIB", 2, 80.0, 1200.0, on_battery=True),
            eus_pb2.HEALTH_CRITICAL,
            "on battery: battery 80%, 20 min left",
        ),
        (
            ups.UpsState("UPS-MIB", 3, 20.0, 120.0, battery_low=True),
            eus_pb2.HEALTH_CRITICAL,
            "battery low: battery 20%, 2 min left",
        ),
        (
            ups.UpsState("UPS-MIB", 4, 0.0, None, battery_low=True, fault="battery depleted"),
            eus_pb2.HEALTH_CRITICAL,
            "battery depleted: battery 0%",
        ),
        (
            ups.UpsState("PowerNet-MIB", 2, 87.0, 2520.0, replace_battery=True),
            eus_pb2.HEALTH_WARNING,
            "battery needs replacing: battery 87%, 42 min left",
        ),
        (
            ups.UpsState("UPS-MIB", 2, 100.0, None, alarms=[8]),
            eus_pb2.HEALTH_WARNING,
            "output overload: battery 100%",
        ),
        (
            ups.UpsState("UPS-MIB", 2, None, None, alarms=[1]),
            eus_pb2.HEALTH_WARNING,
            "battery needs replacing",
        ),
        (
            ups.UpsState("UPS-MIB", 2, 50.0, None, alarms=[2, 3], on_battery=True, battery_low=True),
            eus_pb2.HEALTH_CRITICAL,
            "battery low, on battery: battery 50%",
        ),
    ],
)
def test_ups_health(state: ups.UpsState, status: int, message: str) -> None:
    assert ups.judge(state) == (status, message)


def test_ups_mib_recording_of_an_eaton_ups() -> None:
    records = snmprec.load(recording("UPS", "eaton-93e-80.snmprec.bz2"))
    out = run("ups", records)
    values = {(s.key.name, dict(s.key.labels).get("line", "")): s.value for s in out.samples}
    assert values[("snmp.ups.battery_charge_percent", "")] == records[oid("1.3.6.1.2.1.33.1.2.4.0")] == 100
    assert values[("snmp.ups.runtime_s", "")] == 1092 * 60
    assert values[("snmp.ups.load_percent", "1")] == 21
    assert values[("snmp.ups.input_voltage_v", "3")] == 233
    assert values[("snmp.ups.output_voltage_v", "2")] == 220
    (function,) = out.functions
    assert (function.id, function.status) == ("snmp-7:ups", eus_pb2.HEALTH_OK)
    (item,) = out.inventory
    assert (item.attrs["manufacturer"], item.attrs["model"], item.attrs["mib"]) == (
        "EATON",
        "EATON 93E 80",
        "UPS-MIB",
    )


def test_unknown_ups_estimates_are_no_numbers() -> None:
    """Issue #10.4: a UPS reporting -1 for charge and minutes remaining showed "Charge -1 %"
    and raised a false runtime alert ("-60 < 300"). Outside the MIB's range is unknown."""
    records = snmprec.load(recording("UPS", "eaton-93e-80.snmprec.bz2"))
    records[ups.UPS_CHARGE_REMAINING] = -1
    records[ups.UPS_MINUTES_REMAINING] = -1
    records[oid("1.3.6.1.2.1.33.1.4.4.1.5.1")] = 201  # load above upsOutputPercentLoad (0..200)
    out = run("ups", records)
    names = {(s.key.name, dict(s.key.labels).get("line", "")) for s in out.samples}
    assert ("snmp.ups.battery_charge_percent", "") not in names
    assert ("snmp.ups.runtime_s", "") not in names
    assert ("snmp.ups.load_percent", "1") not in names and ("snmp.ups.load_percent", "2") in names
    (function,) = out.functions
    assert function.status == eus_pb2.HEALTH_OK and "-" not in function.message
    assert dict(function.metrics) == {}


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (ups.UPS_CHARGE_REMAINING, -1, None),
        (ups.UPS_CHARGE_REMAINING, 0, 0),
        (ups.UPS_CHARGE_REMAINING, 100, 100),
        (ups.UPS_CHARGE_REMAINING, 101, None),
        (ups.UPS_MINUTES_REMAINING, -1, None),
        (ups.UPS_MINUTES_REMAINING, 0, 0),
        (ups.UPS_BATTERY_STATUS, 0, None),
        (ups.APC_CAPACITY, 87, 87),
        (ups.UPS_CHARGE_REMAINING, b"87", None),
    ],
)
def test_ups_values_outside_the_mib_range_are_unknown(name: Oid, value: Value, expected: int | None) -> None:
    assert ups.in_range(name, value) == expected


def test_powernet_recording_of_an_apc_smart_ups() -> None:
    records = snmprec.load(FIXTURES / "apc-smart-ups.snmprec")
    out = run("ups", records)
    values = {s.key.name: s.value for s in out.samples}
    assert values["snmp.ups.battery_charge_percent"] == 87
    assert values["snmp.ups.runtime_s"] == 2520
    assert values["snmp.ups.load_percent"] == 31
    assert values["snmp.ups.input_voltage_v"] == 229
    status = [s for s in out.samples if s.key.name == "snmp.ups.battery_status"]
    assert [(s.value, dict(s.key.labels)["mib"]) for s in status] == [(2, "PowerNet-MIB")]
    (function,) = out.functions
    assert function.status == eus_pb2.HEALTH_WARNING
    assert function.message == "battery needs replacing: battery 87%, 42 min left"
    assert dict(function.metrics) == {"charge_percent": 87.0, "runtime_s": 2520.0}
    assert dict(out.inventory[0].attrs)["serial"] == "AS1825123456"


def test_entity_inventory_has_the_recorded_models_and_serials(c3560: dict[Oid, Value]) -> None:
    out = run("entity", c3560)
    serials = {k: text(v) for k, v in snmprec.column(c3560, entity.ENT_SERIAL).items() if text(v)}
    items = {i.key: dict(i.attrs) for i in out.inventory}
    assert serials
    for index, serial in serials.items():
        assert items[str(index[0])]["serial"] == serial
    chassis = [a for a in items.values() if a.get("class") == "chassis"]
    assert chassis and chassis[0]["model"]
    assert not [a for a in items.values() if a.get("class") == "port" and not a.get("serial")]


@pytest.mark.parametrize(
    ("subtype", "value", "shown"),
    [
        ("macAddress", bytes.fromhex("3891d5fb742c"), "38:91:d5:fb:74:2c"),
        ("networkAddress", bytes.fromhex("010a017b02"), "10.1.123.2"),
        ("interfaceName", b"GigabitEthernet1/0/33", "GigabitEthernet1/0/33"),
        ("local", bytes.fromhex("00ff10"), "0x00ff10"),
        ("macAddress", b"short", "short"),
    ],
)
def test_lldp_ids_are_shown_the_way_their_subtype_says(subtype: str, value: bytes, shown: str) -> None:
    assert lldp.format_id(subtype, value) == shown


def test_lldp_neighbours_of_a_recorded_switch() -> None:
    records = snmprec.load(recording("network", "switch", "hpe-procurve-516733-b21.snmprec.bz2"))
    out = run("lldp", records)
    neighbours = {i.key: dict(i.attrs) for i in out.inventory if i.kind == "lldp_neighbor"}
    recorded = snmprec.column(records, lldp.REM_CHASSIS_ID)
    assert {f"{i[1]}.{i[2]}" for i in recorded} == set(neighbours)
    names = snmprec.column(records, lldp.REM_SYS_NAME)
    for index, name in names.items():
        assert neighbours[f"{index[1]}.{index[2]}"].get("sys_name", "") == text(name)
    (local,) = [i for i in out.inventory if i.kind == "lldp_local"]
    assert local.attrs["chassis_id"] == "ac:16:2d:92:7d:21"


def test_system_identity_and_uptime(c3560: dict[Oid, Value]) -> None:
    out = run("system", c3560)
    (uptime,) = out.samples
    assert (uptime.key.name, uptime.value) == ("snmp.sys.uptime_s", 492446481 / 100)
    (item,) = out.inventory
    assert item.attrs["vendor"] == "Cisco"
    assert item.attrs["sysObjectID"] == "1.3.6.1.4.1.9.1.617"
    assert item.attrs["sysDescr"].startswith("Cisco IOS Software, C3560 Software")
    assert system.sys_object_id(PollData({system.SYS_OBJECT_ID: Missing.NO_SUCH_OBJECT})) == ()


@pytest.mark.parametrize(
    ("value", "as_text", "as_mac", "as_pretty"),
    [
        (b"eth0\x00", "eth0", "eth0", "eth0"),
        (bytes.fromhex("001122334455"), '\x11"3DU', "00:11:22:33:44:55", "0x001122334455"),
        (b"", "", "", ""),
        ((1, 3, 6), "1.3.6", "1.3.6", "1.3.6"),
        (42, "42", "42", "42"),
        (None, "", "", ""),
        (Missing.NO_SUCH_INSTANCE, "", "", "noSuchInstance"),
        (b"Line\r\ntwo", "Line\r\ntwo", "4c:69:6e:65:0d:0a:74:77:6f", "Line\r\ntwo"),
    ],
)
def test_value_helpers(value: Value, as_text: str, as_mac: str, as_pretty: str) -> None:
    assert (text(value), mac(value), pretty(value)) == (as_text, as_mac, as_pretty)


def test_every_registered_profile_is_named_like_its_key_and_has_a_probe_or_is_system() -> None:
    for name, profile in PROFILES.items():
        assert profile.name == name
        assert name == "system" or profile.probes or profile.sys_object_ids


__all__ = ["Path"]


@pytest.mark.parametrize(
    ("source", "on_battery"), [(3, 0.0), (5, 1.0)]
)  # upsOutputSource normal(3), battery(5)
def test_ups_on_battery_comes_from_the_output_source(source: int, on_battery: float) -> None:
    records: dict[Oid, Value] = {
        ups.UPS_BATTERY_STATUS: 2,
        ups.UPS_CHARGE_REMAINING: 90,
        ups.UPS_OUTPUT_SOURCE: source,
    }
    out = run("ups", records)
    assert [s.value for s in out.samples if s.key.name == "snmp.ups.on_battery"] == [on_battery]
