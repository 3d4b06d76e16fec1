"""Validating central function specs: one specific message per problem."""

from __future__ import annotations

import pytest

from collector.functions.specs import SpecError, default_spec_id, parse_params, validate


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "smtp", "name": "x"}, "unknown kind 'smtp'; one of: process, systemd"),
        ({"kind": "tcp", "name": "  "}, "a name is required"),
        ({"kind": "tcp", "name": "n" * 201}, "longer than 200"),
        ({"kind": "tcp", "name": "db", "spec_id": "has space"}, "id must be 1-100 characters"),
        (
            {"kind": "tcp", "name": "db", "interval": "fast"},
            "interval must be a number of seconds, not 'fast'",
        ),
        ({"kind": "tcp", "name": "db", "interval": "1"}, "interval must be between 5 and 86400"),
        ({"kind": "tcp", "name": "db", "interval": "nan"}, "interval must be between"),
        ({"kind": "tcp", "name": "db", "interval": "30", "timeout": "60"}, "timeout (60 s) must not exceed"),
        ({"kind": "tcp", "name": "db", "timeout": "0"}, "timeout must be between 0.1"),
        ({"kind": "tcp", "name": "db", "params_text": "host=db1"}, "kind tcp needs the parameter(s): port"),
        ({"kind": "http", "name": "web"}, "kind http needs the parameter(s): url"),
        (
            {"kind": "log", "name": "l", "params_text": "path=/var/log/x"},
            "kind log needs the parameter(s): pattern",
        ),
        (
            {"kind": "process", "name": "p", "params_text": "user=root"},
            "at least one of the parameters: process_name",
        ),
        ({"kind": "http", "name": "web", "params_text": "url"}, "line 1: expected key=value, got 'url'"),
        ({"kind": "http", "name": "web", "params_text": "\nURL=x"}, "line 2: 'URL' is not a parameter name"),
        ({"kind": "http", "name": "web", "params_text": "url=a\nurl=b"}, "line 2: url is given twice"),
    ],
)
def test_bad_specs_are_named(fields: dict[str, str], message: str) -> None:
    with pytest.raises(SpecError) as err:
        validate(**fields)
    assert message in str(err.value)


def test_valid_spec_with_defaults_and_comments() -> None:
    spec = validate(
        "http",
        "  Intranet   portal ",
        params_text="# the portal\nurl = https://intranet.example/health\n\nexpect_status=200-299\n",
    )
    assert spec.spec_id == "http:intranet-portal"
    assert spec.name == "Intranet portal"
    assert (spec.interval_s, spec.timeout_s) == (60.0, 10.0)
    assert spec.params == {"url": "https://intranet.example/health", "expect_status": "200-299"}
    wire = spec.to_proto()
    assert (wire.id, wire.kind, wire.interval_s, dict(wire.params)["url"]) == (
        "http:intranet-portal",
        "http",
        60.0,
        "https://intranet.example/health",
    )


def test_explicit_id_and_short_interval_caps_the_default_timeout() -> None:
    spec = validate("ping", "gw", interval="5", params_text="host=10.0.0.1", spec_id="ping:gw-1")
    assert (spec.spec_id, spec.interval_s, spec.timeout_s) == ("ping:gw-1", 5.0, 5.0)


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("tcp", "Postgres :5432", "tcp:postgres-5432"),
        ("log", "!!!", "log:check"),
        ("file", "Backup", "file:backup"),
    ],
)
def test_default_spec_id(kind: str, name: str, expected: str) -> None:
    assert default_spec_id(kind, name) == expected


def test_parse_params_limits() -> None:
    assert parse_params("") == {}
    with pytest.raises(SpecError, match="longer than 2000"):
        parse_params("path=" + "x" * 2001)
    with pytest.raises(SpecError, match="at most 30 parameters"):
        parse_params("\n".join(f"p{i}=1" for i in range(31)))
