"""The one SNMP target validator (``eus.snmp_target``), table-driven: a target in, the fields
it is refused for out. The collector's form and the agent's loader both call it."""

from __future__ import annotations

from typing import Any

import pytest

from eus import snmp_target
from eus.v1 import eus_pb2

V3 = {
    "id": "snmp-1",
    "host": "192.0.2.1",
    "user": "monitor",
    "auth_protocol": "SHA-256",
    "auth_key": "authpass123",
    "priv_protocol": "AES",
    "priv_key": "privpass123",
}


CRIT = snmp_target.SUPPLY_CRIT


def target(**changes: Any) -> eus_pb2.SnmpTarget:
    return eus_pb2.SnmpTarget(**{**V3, **changes})


@pytest.mark.parametrize(
    ("changes", "stored", "fields"),
    [
        ({}, (), []),
        ({"retries": 0}, (), []),  # 0 retries: ask once
        ({"retries": 10, "timeout_s": 0.1, "interval_s": 86400, "port": 65535}, (), []),
        ({"retries": 11}, (), ["retries"]),
        ({"port": 0}, (), ["port"]),  # present and 0: refused, not the default
        ({"port": 65536}, (), ["port"]),
        ({"timeout_s": 0}, (), ["timeout_s"]),
        ({"timeout_s": float("nan")}, (), ["timeout_s"]),
        ({"interval_s": 0.5}, (), ["interval_s"]),
        ({"id": ""}, (), ["id"]),
        ({"id": "a b"}, (), ["id"]),
        ({"name": "n" * 201}, (), ["name"]),
        ({"host": ""}, (), ["host"]),
        ({"host": "999.1.1.1"}, (), ["host"]),
        ({"host": "fe80::1"}, (), []),
        ({"host": "switch-1.example.net"}, (), []),
        ({"profiles": ["Interfaces", " printer "]}, (), []),
        ({"profiles": ["bad name"]}, (), ["profiles"]),
        ({"profiles": [f"p{i}" for i in range(21)]}, (), ["profiles"]),
        ({"version": "4"}, (), ["version"]),
        ({"version": "2c", "community": "public"}, (), ["legacy"]),
        ({"version": "2c", "community": "public", "legacy": True}, (), []),
        ({"version": "1", "legacy": True}, (), ["community"]),
        ({"version": "1", "legacy": True}, ("community",), []),  # kept from before
        ({"user": ""}, (), ["user"]),
        ({"user": "u" * 33}, (), ["user"]),
        ({"auth_protocol": "SHA-3"}, (), ["auth_protocol"]),
        ({"priv_protocol": "ROT13"}, (), ["priv_protocol"]),
        ({"auth_protocol": "", "auth_key": ""}, (), ["priv_protocol", "legacy"]),
        ({"priv_protocol": "", "priv_key": ""}, (), ["legacy"]),
        ({"priv_protocol": "", "priv_key": "", "legacy": True}, (), []),
        ({"auth_protocol": "MD5"}, (), ["legacy"]),
        ({"priv_protocol": "DES", "legacy": True}, (), []),
        ({"auth_key": "short"}, (), ["auth_key"]),
        ({"priv_key": ""}, (), ["priv_key"]),
        ({"priv_key": ""}, ("priv_key",), []),
        ({"context": "c" * 65}, (), ["context"]),
        (
            {"params": {"supply_warn_percent": "0", "supply_crit_percent": "0"}},
            (),
            ["params.supply_crit_percent"],
        ),
        ({"params": {"supply_warn_percent": "1", "supply_crit_percent": "0"}}, (), []),  # 0 is a level
        ({"params": {"supply_warn_percent": "101"}}, (), ["params.supply_warn_percent"]),
        ({"params": {"supply_crit_percent": "x"}}, (), ["params.supply_crit_percent"]),
        ({"params": {"receptacle_warn_percent": "90"}}, (), []),
        ({"params": {"receptacle_warn_percent": "100"}}, (), ["params.receptacle_warn_percent"]),
        ({"params": {"receptacle_crit_percent": "101"}}, (), ["params.receptacle_crit_percent"]),
        ({"params": {"engine_id": "0x8000"}}, (), ["params.engine_id"]),
        ({"params": {"engine_id": "80:00:1f:88:80:c7"}}, (), []),
    ],
)
def test_problems(changes: dict[str, Any], stored: tuple[str, ...], fields: list[str]) -> None:
    found = snmp_target.problems(target(**changes), stored=stored)
    assert [p.field for p in found] == fields
    assert all(p.message and "pass123" not in p.message for p in found)  # never a secret


def test_a_dashboard_device_needs_no_id_yet() -> None:
    assert snmp_target.problems(target(id=""), require_id=False) == []


@pytest.mark.parametrize(
    ("changes", "resolved"),
    [
        ({}, (161, 60.0, 2.0, 1)),
        ({"retries": 0}, (161, 60.0, 2.0, 0)),
        ({"port": 1161, "interval_s": 30, "timeout_s": 0.5, "retries": 3}, (1161, 30.0, 0.5, 3)),
    ],
)
def test_defaults_apply_to_absent_fields_only(changes: dict[str, Any], resolved: tuple[float, ...]) -> None:
    t = target(**changes)
    assert (
        snmp_target.port(t),
        snmp_target.interval_s(t),
        snmp_target.timeout_s(t),
        snmp_target.retries(t),
    ) == (resolved)


def test_retries_zero_survives_the_wire() -> None:
    wire = eus_pb2.SnmpTarget.FromString(target(retries=0).SerializeToString())
    assert wire.HasField("retries") and snmp_target.retries(wire) == 0
    assert not eus_pb2.SnmpTarget.FromString(target().SerializeToString()).HasField("retries")


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("1.3.6.1.6.3.18.1.4.0", True),  # snmpTrapCommunity.0
        ("1.3.6.1.6.3.18.1.4", True),
        ("1.3.6.1.6.3.18.1.3.0", False),  # snmpTrapAddress.0
        ("1.3.6.1.6.3.18.1.40.0", False),
        ("community", False),
    ],
)
def test_secret_varbinds(name: str, secret: bool) -> None:
    assert snmp_target.is_secret_varbind(name) is secret
    masked = snmp_target.mask_secret_varbinds({name: "public"})
    assert masked[name] == ("***" if secret else "public")
