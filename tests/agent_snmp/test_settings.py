"""Credentials and the [snmp] section: v3 authPriv by default, weak settings only with the
legacy flag, and every bad value refused with a message that names it (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from agent.extensions import ExtensionContext, ExtensionError
from agent.snmp import create
from agent.snmp.credentials import CredentialError, from_target, pysnmp_protocols
from agent.snmp.extension import effective_targets, effective_traps
from agent.snmp.settings import SettingsError, TrapSettings, check_target, parse, target_from_table
from eus.v1 import eus_pb2

V3: dict[str, Any] = {
    "user": "mon",
    "auth_protocol": "SHA-256",
    "auth_key": "authpass123",
    "priv_protocol": "AES",
    "priv_key": "privpass123",
}


def t(**fields: Any) -> eus_pb2.SnmpTarget:
    return eus_pb2.SnmpTarget(id="snmp-1", host="192.0.2.1", **fields)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"version": "2c", "community": "public"}, "SNMPv2c sends the community in clear text"),
        ({"version": "1", "community": "public"}, "SNMPv1 sends the community in clear text"),
        ({"version": "2c", "legacy": True}, "Community: required for SNMPv2c"),
        ({"version": "4"}, "SNMP version: choose 3, 2c or 1"),
        ({**V3, "user": ""}, "User: 1 to 32 characters"),
        ({**V3, "auth_protocol": "SHA-3"}, "Authentication: choose one of"),
        ({**V3, "priv_protocol": "AES-512"}, "Privacy: choose one of"),
        ({**V3, "auth_key": "short"}, "Authentication key: 8 to 256 characters"),
        ({**V3, "priv_key": "short"}, "Privacy key: 8 to 256 characters"),
        ({**V3, "auth_protocol": "", "auth_key": ""}, "Privacy needs authentication"),
        ({**V3, "priv_protocol": "", "priv_key": ""}, "authPriv. is insecure"),
        ({**V3, "auth_protocol": "MD5"}, "MD5 is broken: .*legacy = true"),
        ({**V3, "priv_protocol": "DES"}, "DES is broken: .*legacy = true"),
    ],
)
def test_weak_or_broken_credentials_are_refused_with_a_specific_reason(
    fields: dict[str, Any], error: str
) -> None:
    with pytest.raises(CredentialError, match=error):
        from_target(t(**fields))


@pytest.mark.parametrize(
    ("fields", "level", "note"),
    [
        (V3, "authPriv", ""),
        ({**V3, "version": "3"}, "authPriv", ""),
        (
            {"version": "2c", "legacy": True, "community": "public"},
            "noAuthNoPriv",
            " (legacy SNMPv2c: insecure)",
        ),
        (
            {"version": "1", "legacy": True, "community": "public"},
            "noAuthNoPriv",
            " (legacy SNMPv1: insecure)",
        ),
        (
            {**V3, "legacy": True, "auth_protocol": "MD5", "priv_protocol": "DES"},
            "authPriv",
            " (legacy SNMPv3 MD5/DES: insecure)",
        ),
        (
            {**V3, "legacy": True, "priv_protocol": "", "priv_key": ""},
            "authNoPriv",
            " (legacy SNMPv3 authNoPriv: insecure)",
        ),
    ],
)
def test_accepted_credentials_and_their_legacy_finding(fields: dict[str, Any], level: str, note: str) -> None:
    creds = from_target(t(**fields))
    assert creds.security_level == level
    assert creds.legacy_note() == note


def test_secrets_never_appear_in_the_credentials_repr() -> None:
    creds = from_target(t(**V3))
    assert "authpass123" not in repr(creds)
    assert "privpass123" not in repr(creds)
    assert "privpass123" not in creds.fingerprint


@pytest.mark.parametrize("auth", ["SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512", "MD5"])
@pytest.mark.parametrize(
    "priv", ["AES", "AES-192", "AES-256", "AES-192-BLUMENTHAL", "AES-256-BLUMENTHAL", "DES"]
)
def test_every_protocol_maps_to_a_distinct_pysnmp_service(auth: str, priv: str) -> None:
    from pysnmp.entity import config  # type: ignore[import-untyped]

    creds = from_target(t(**{**V3, "auth_protocol": auth, "priv_protocol": priv, "legacy": True}))
    auth_id, priv_id = pysnmp_protocols(creds)
    assert auth_id in config.AUTH_SERVICES
    assert priv_id in config.PRIV_SERVICES
    blumenthal = priv.endswith("BLUMENTHAL")
    assert (
        priv_id in (config.USM_PRIV_CFB192_AES_BLUMENTHAL, config.USM_PRIV_CFB256_AES_BLUMENTHAL)
    ) == blumenthal


def test_target_defaults() -> None:
    spec = check_target(t(**V3))
    assert (spec.port, spec.interval_s, spec.timeout_s, spec.retries) == (161, 60.0, 2.0, 1)
    assert check_target(t(**V3, retries=0)).retries == 0  # present: "ask once", not "not set"
    assert check_target(target_from_table({**V3, "id": "a", "host": "h", "retries": 0}, "t")).retries == 0
    assert spec.name == "192.0.2.1"
    assert spec.address == "192.0.2.1:161"
    assert check_target(eus_pb2.SnmpTarget(id="x", host="fe80::1", **V3)).address == "[fe80::1]:161"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"id": ""}, "Id: 1 to 128 letters"),
        ({"id": "a b"}, "Id: 1 to 128 letters"),
        ({"host": ""}, "Host: an IPv4 or IPv6 address or a DNS name"),
        ({"host": "bad host!"}, "Host: an IPv4 or IPv6 address or a DNS name"),
        ({"port": 70000}, "Port: from 1 to 65535"),
        ({"port": 0}, "Port: from 1 to 65535"),
        ({"interval_s": 0.5}, "Interval: from 1 to 86400"),
        ({"timeout_s": 120}, "Timeout: from 0.1 to 60"),
        ({"timeout_s": 0}, "Timeout: from 0.1 to 60"),
        ({"retries": 11}, "Retries: from 0 to 10"),
        ({"profiles": ["Bad Name"]}, "Profiles: up to 20 names"),
        ({"params": {"supply_warn_percent": "x"}}, "Supply warning level: from 0 to 100"),
    ],
)
def test_bad_target_settings_are_named(fields: dict[str, Any], error: str) -> None:
    base = {"id": "snmp-1", "host": "192.0.2.1", **V3}
    with pytest.raises(SettingsError, match=error):
        check_target(eus_pb2.SnmpTarget(**{**base, **fields}))


def test_section_parsing_from_file_and_environment_values() -> None:
    settings = parse(
        {
            "targets": '[{"id": "snmp-9", "host": "192.0.2.9", "user": "mon", "auth_protocol": "SHA",'
            ' "auth_key": "authpass123", "priv_protocol": "AES", "priv_key": "privpass123",'
            ' "profiles": "interfaces,printer", "params": {"supply_warn_percent": 20}}]',
            "trap_enabled": "true",
            "trap_port": "11162",
            "trap_communities": "public, site-b",
            "trap_v3_users": [{**V3, "engine_id": "0x8000000001020304"}],
            "max_concurrency": 4,
        }
    )
    (target,) = settings.targets
    assert list(target.profiles) == ["interfaces", "printer"]
    assert dict(target.params) == {"supply_warn_percent": "20"}
    assert settings.traps == TrapSettings(
        enabled=True,
        host="0.0.0.0",
        port=11162,
        communities=("public", "site-b"),
        v3_users=settings.traps.v3_users,
    )
    assert settings.traps.v3_users[0].params["engine_id"] == "8000000001020304"
    assert settings.max_concurrency == 4
    assert settings.max_repetitions == 25


@pytest.mark.parametrize(
    ("section", "error"),
    [
        ({"polling": 1}, r"unknown setting\(s\) polling"),
        ({"targets": "not json"}, "not a JSON array"),
        ({"targets": [{"id": "a", "host": "h", "colour": "red"}]}, r"unknown key\(s\) colour"),
        ({"targets": [{"id": "a", "host": "h", "version": "2c", "community": "c"}]}, "legacy = true"),
        ({"targets": [{**V3, "id": "a", "host": "h"}, {**V3, "id": "a", "host": "h"}]}, "appears twice"),
        ({"targets": [{**V3, "id": "a", "host": "h", "port": "x"}]}, "port: must be a whole number"),
        ({"trap_enabled": True}, "needs trap_communities or trap_v3_users"),
        ({"trap_port": 0}, "trap_port: 0 is not in 1..65535"),
        ({"trap_enabled": "maybe"}, "trap_enabled: must be true or false"),
        ({"trap_v3_users": [{**V3, "engine_id": "xyz"}]}, "engine_id: must be 5-32 octets in hex"),
        ({"max_concurrency": 0}, "max_concurrency: 0 is not in 1..100"),
    ],
)
def test_bad_sections_are_refused_at_start(section: dict[str, Any], error: str) -> None:
    with pytest.raises(SettingsError, match=error):
        parse(section)


def test_the_extension_refuses_a_bad_section_and_can_be_switched_off(tmp_path: Any) -> None:
    def ctx(settings: dict[str, Any]) -> ExtensionContext:
        return ExtensionContext(settings, tmp_path, reports=None, clock=lambda: 0.0)  # type: ignore[arg-type]

    with pytest.raises(ExtensionError, match="legacy = true"):
        create(ctx({"targets": [{"id": "a", "host": "h", "version": "1", "community": "c"}]}))
    assert create(ctx({"enabled": False})) is None
    assert create(ctx({})) is not None  # on by default: the collector may push targets


def test_pushed_targets_replace_file_targets_with_the_same_id_and_bad_ones_are_reported() -> None:
    file_targets = (t(**V3), eus_pb2.SnmpTarget(id="snmp-2", host="192.0.2.2", **V3))
    pushed = [
        eus_pb2.SnmpTarget(id="snmp-1", host="192.0.2.100", **V3),
        eus_pb2.SnmpTarget(id="snmp-3", host="192.0.2.3", version="2c", community="public"),
    ]
    specs, refused = effective_targets(file_targets, pushed)
    assert {s.id: s.host for s in specs} == {"snmp-1": "192.0.2.100", "snmp-2": "192.0.2.2"}
    assert [(r.id, "legacy = true" in why) for r, why in refused] == [("snmp-3", True)]


def test_the_pushed_trap_listener_wins_only_when_enabled() -> None:
    local = TrapSettings(enabled=True, port=1162, communities=("public",))
    assert effective_traps(local, None) is local
    assert effective_traps(local, eus_pb2.TrapListener(enabled=False, port=9)) is local
    pushed = effective_traps(local, eus_pb2.TrapListener(enabled=True, communities=["site"]))
    assert (pushed.port, pushed.communities) == (1162, ("site",))
