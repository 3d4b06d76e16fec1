"""The legacy finding (table-driven) and the number formats of the SNMP pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from collector.snmp.models import NetworkDevice, Origin
from collector.snmp.status import Badge, TargetStatus, badge, legacy_finding, worst_first
from collector.tsdb.functions.queries import FunctionState, Health
from collector.web.snmp_format import bitrate, duration, health_class, number, per_second, size

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def reach(message: str) -> FunctionState:
    return FunctionState(
        "lab-sw", "lab-sw:reachability", "snmp", "lab", Health.OK, message, NOW, 0.1, {}, NOW, True
    )


FILE = {"origin": Origin.AGENT_FILE.value, "agent_target_id": "lab-sw"}
V3_WEAK = {"version": "3", "legacy": True}


@pytest.mark.parametrize(
    ("device", "message", "expected"),
    [
        ({"version": "3", "auth_protocol": "SHA-256", "priv_protocol": "AES"}, "polled", None),
        ({"version": "2c", "legacy": True}, "polled", "legacy SNMPv2c: community in clear text"),
        ({"version": "1", "legacy": True}, "polled", "legacy SNMPv1: community in clear text"),
        ({**V3_WEAK, "auth_protocol": "MD5", "priv_protocol": "DES"}, "", "legacy SNMPv3: MD5/DES"),
        ({**V3_WEAK, "auth_protocol": "SHA", "priv_protocol": ""}, "", "legacy SNMPv3: SHA/noPriv"),
        # A target from the gateway's own agent.toml: only its reachability message tells.
        (FILE, "polled in 0.1 s (legacy SNMPv2c: insecure)", "legacy SNMPv2c"),
        (FILE, "polled (legacy SNMPv3 authNoPriv/MD5: insecure)", "legacy SNMPv3 authNoPriv/MD5"),
        (FILE, "polled in 0.1 s", None),
    ],
)
def test_legacy_finding(device: dict[str, object], message: str, expected: str | None) -> None:
    row = NetworkDevice(
        **{"version": "3", "legacy": False, "auth_protocol": "", "priv_protocol": "", **device}
    )
    assert legacy_finding(row, reach(message) if message else None) == expected


@pytest.mark.parametrize(
    ("fn", "value", "expected"),
    [
        (bitrate, None, "—"),
        (bitrate, 999.0, "999 bit/s"),
        (bitrate, 100_000.0, "100.0 kbit/s"),
        (bitrate, 1e9, "1.0 Gbit/s"),
        (size, 1536.0, "1.5 KiB"),
        (size, 100.0, "100 B"),
        (per_second, 0.0, "0"),
        (per_second, 0.05, "0.05/s"),
        (per_second, 12.4, "12/s"),
        (number, 12.0, "12"),
        (number, 12.25, "12.2"),
        (number, None, "—"),
        (duration, 5400.0, "1 h 30 min"),
        (duration, 90061.0, "1 d 1 h"),
        (duration, 65.0, "1 min 5 s"),
        (duration, 7.0, "7 s"),
        (duration, -60.0, "unknown"),  # a UPS's -1 min stored before #10.4
    ],
)
def test_formats(fn: object, value: float | None, expected: str) -> None:
    assert fn(value) == expected  # type: ignore[operator]


def test_health_classes() -> None:
    assert health_class(Health.WARNING) == "health-warning"
    assert health_class(None) == "health-none"


def fn(name: str, status: Health, message: str) -> FunctionState:
    return FunctionState("prn", f"prn:{name}", "snmp", name, status, message, NOW, 0.1, {}, NOW, True)


PRINTER = [
    fn("reachability", Health.OK, "polled in 0.1 s"),
    fn("Black Cartridge", Health.CRITICAL, "0% left (critical at 5%)"),
]


@pytest.mark.parametrize(
    ("functions", "online", "expected"),
    [
        # the worst finding, not reachability: an empty cartridge is not "ok" (#10.8)
        (PRINTER, True, Badge("health-critical", "critical", "Black Cartridge: 0% left (critical at 5%)")),
        (PRINTER[:1], True, Badge("health-ok", "ok", "polled in 0.1 s")),
        ([], True, Badge("health-none", "no data")),
        # behind an offline gateway the last verdicts are stale, green or not
        (
            PRINTER[:1],
            False,
            Badge("health-unknown", "unknown — gateway offline", "its gateway agent is not connected"),
        ),
        (
            [],
            False,
            Badge("health-unknown", "unknown — gateway offline", "its gateway agent is not connected"),
        ),
    ],
)
def test_a_devices_badge(functions: list[FunctionState], online: bool, expected: Badge) -> None:
    assert badge(TargetStatus(functions=worst_first(functions)), online) == expected
