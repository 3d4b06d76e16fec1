"""The device form rules: authPriv by default, legacy only when ticked, one message per problem."""

from __future__ import annotations

from typing import Any

import pytest

from collector.snmp.gateways import validate_trap_settings
from collector.snmp.validation import StoredSecrets, ValidationError, validate

V3 = {
    "name": "Core switch",
    "host": "10.0.0.2",
    "gateway_device_id": "7",
    "version": "3",
    "user": "monuser",
    "auth_protocol": "SHA-256",
    "auth_key": "authpass123",
    "priv_protocol": "AES-256-BLUMENTHAL",
    "priv_key": "privpass123",
}
V2C = {
    "name": "Printer",
    "host": "printer.acme.lan",
    "gateway_device_id": "7",
    "version": "2c",
    "community": "public",
}


def check(form: dict[str, str], stored: StoredSecrets | None = None) -> Any:
    return validate(form, gateways={7}, sites={3}, stored=stored)


def test_v3_auth_priv_is_accepted_with_defaults() -> None:
    s = check(V3)
    assert (s.name, s.host, s.port, s.version, s.legacy) == ("Core switch", "10.0.0.2", 161, "3", False)
    assert s.credentials.auth_protocol == "SHA-256"
    assert s.credentials.priv_protocol == "AES-256-BLUMENTHAL"
    assert s.credentials.auth_key is not None and s.credentials.auth_key.reveal() == "authpass123"
    assert s.credentials.community is not None and not s.credentials.community  # v3 drops any community
    assert (s.interval_s, s.timeout_s, s.retries) == (60.0, 2.0, 1)
    assert s.params == {"supply_warn_percent": 15.0, "supply_crit_percent": 5.0}
    assert s.site_id is None and s.gateway_device_id == 7


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"version": "2c", "community": "public"}, "SNMPv2c sends the community in clear text"),
        ({"version": "1", "community": "public"}, "SNMPv1 sends the community in clear text"),
        ({"version": "4"}, "SNMP version: choose 3, 2c or 1."),
        ({"priv_protocol": ""}, "without authentication and privacy (authPriv) is insecure"),
        ({"auth_protocol": "", "priv_protocol": ""}, "without authentication and privacy"),
        ({"auth_protocol": "MD5"}, "MD5 is broken"),
        ({"priv_protocol": "DES"}, "DES is broken"),
        ({"auth_protocol": "SHA-3"}, "Authentication: choose one of"),
        ({"priv_protocol": "ROT13"}, "Privacy: choose one of"),
        ({"auth_protocol": ""}, "Privacy needs authentication"),
        ({"user": ""}, "User: 1 to 32 characters"),
        ({"user": "u" * 33}, "User: 1 to 32 characters"),
        ({"auth_key": "short"}, "Authentication key: 8 to 256 characters"),
        ({"priv_key": ""}, "Privacy key: required for AES-256-BLUMENTHAL."),
        ({"name": "  "}, "Name: 1 to 200 characters."),
        ({"host": "bad host!"}, "Host: an IPv4 or IPv6 address or a DNS name."),
        ({"host": "999.1.1.1"}, "Host: an IPv4 or IPv6 address or a DNS name."),
        ({"port": "0"}, "Port: from 1 to 65535."),
        ({"port": "x"}, "Port: a whole number from 1 to 65535."),
        ({"gateway_device_id": ""}, "Gateway: choose the agent that polls this device."),
        ({"gateway_device_id": "8"}, "Gateway: choose one of this customer's agents."),
        ({"site_id": "4"}, "Site: choose one of this customer's sites."),
        ({"interval_s": "0.5"}, "Interval: from 1 to 86400."),
        ({"timeout_s": "100"}, "Timeout: from 0.1 to 60."),
        ({"retries": "11"}, "Retries: from 0 to 10."),
        ({"profiles": "if-mib, Bad Name"}, "Profiles: up to 20 names"),
        ({"supply_warn_percent": "10", "supply_crit_percent": "20"}, "must be below the warning level"),
        ({"supply_warn_percent": "150"}, "Supply warning level: from 0 to 100."),
        ({"context": "c" * 65}, "Context: at most 64 characters."),
        ({"engine_id": "0x8000"}, "Engine id: 5 to 32 octets in hex"),
        ({"engine_id": "zz" * 6}, "Engine id: 5 to 32 octets in hex"),
    ],
)
def test_each_problem_has_its_own_message(changes: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        check({**V3, **changes})
    assert any(message in e for e in info.value.errors), info.value.errors


@pytest.mark.parametrize(
    "changes",
    [
        {"version": "2c", "community": "public"},
        {"version": "1", "community": "public"},
        {"auth_protocol": "MD5", "priv_protocol": "DES"},
        {"priv_protocol": ""},  # authNoPriv
        {"auth_protocol": "", "priv_protocol": ""},  # noAuthNoPriv
    ],
)
def test_weak_setups_pass_only_with_the_legacy_flag(changes: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        check({**V3, **changes})
    assert check({**V3, **changes, "legacy": "on"}).legacy is True


def test_v2c_needs_a_community_unless_one_is_stored() -> None:
    with pytest.raises(ValidationError) as info:
        check({**V2C, "community": "", "legacy": "on"})
    assert info.value.errors == ["Community: required for SNMPv2c."]
    kept = check({**V2C, "community": "", "legacy": "on"}, StoredSecrets(community=True))
    assert kept.credentials.community is None  # None = keep the stored one
    assert kept.credentials.auth_key is not None and not kept.credentials.auth_key  # v2c drops USM keys


def test_blank_keys_keep_the_stored_ones_when_editing() -> None:
    s = check({**V3, "auth_key": "", "priv_key": ""}, StoredSecrets(auth_key=True, priv_key=True))
    assert s.credentials.auth_key is None and s.credentials.priv_key is None


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        check({"name": "", "host": "", "version": "2c", "gateway_device_id": "9", "port": "70000"})
    assert len(info.value.errors) >= 5
    assert "public" not in str(info.value)


def test_all_strong_protocol_combinations_pass() -> None:
    for auth in ("SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512"):
        for priv in ("AES", "AES-192", "AES-256", "AES-192-BLUMENTHAL", "AES-256-BLUMENTHAL"):
            s = check({**V3, "auth_protocol": auth.lower(), "priv_protocol": priv})
            assert (s.credentials.auth_protocol, s.credentials.priv_protocol) == (auth, priv)


def test_hosts() -> None:
    for ok in ("10.1.2.3", "fe80::1", "switch-1", "sw1.acme.example."):
        assert check({**V3, "host": ok}).host == ok
    for bad in ("", "a b", "-lead.example", "1.2.3", "x" * 254):
        with pytest.raises(ValidationError):
            check({**V3, "host": bad})


def test_engine_id_is_normalised_into_params() -> None:
    assert check({**V3, "engine_id": "0x80:00:1F:88:80:C7"}).params["engine_id"] == "80001f8880c7"
    assert "engine_id" not in check(V3).params


def test_profiles_are_normalised() -> None:
    assert check({**V3, "profiles": "IF-MIB, printer,,printer"}).profiles == ("if-mib", "printer")


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({}, (False, "0.0.0.0", 162, None)),
        ({"trap_enabled": "on", "trap_port": "16200", "trap_communities": "public, traps\npublic"},
         (True, "0.0.0.0", 16200, ["public", "traps"])),
        ({"trap_enabled": "on", "trap_host": "127.0.0.1", "clear_communities": "on"},
         (True, "127.0.0.1", 162, [])),
    ],
)  # fmt: skip
def test_trap_settings(form: dict[str, str], expected: tuple[object, ...]) -> None:
    s = validate_trap_settings(form)
    assert (s.enabled, s.host, s.port, s.communities) == expected


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"trap_port": "0"}, "Trap port: a whole number from 1 to 65535."),
        ({"trap_port": "abc"}, "Trap port"),
        ({"trap_host": "gateway"}, "Listen address"),
        ({"trap_communities": ",".join(f"c{i}" for i in range(21))}, "Communities: up to 20"),
    ],
)
def test_trap_settings_errors(form: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_trap_settings(form)
    assert any(message in e for e in info.value.errors)
