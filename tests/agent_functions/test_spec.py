"""Function specs from agent.toml tables and pushed FunctionSpecs: one clear error per problem."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from agent.extensions import ExtensionError
from agent.functions.extension import merge, read_section
from agent.functions.registry import KINDS, UnknownKind, get_kind
from agent.functions.spec import from_proto, from_table
from eus.v1 import eus_pb2

TOML = """
[functions]
interval_s = "2m"
timeout_s = 20

[functions.web]
kind = "http"
name = "Intranet"
url = "https://intranet.example/health"
interval_s = 60
timeout_s = 10
expect_status = "200-399"
body_match = "ok"
max_redirects = 5

[functions.db]
kind = "tcp"
host = "db.local"
port = 5432

[functions.off]
kind = "tcp"
enabled = false

[functions.typo]
kind = "tcp"
host = "db.local"
prot = 5432
"""


def test_section_from_toml_reads_settings_specs_and_keeps_invalid_ones_as_errors() -> None:
    settings, specs = read_section(tomllib.loads(TOML)["functions"])
    assert settings.defaults.interval_s == 120
    assert settings.defaults.timeout_s == 20
    by_id = {s.id: s for s in specs}
    assert set(by_id) == {"web", "db", "typo"}  # "off" is disabled
    web = by_id["web"]
    assert (web.kind, web.name, web.interval_s, web.timeout_s, web.source) == (
        "http",
        "Intranet",
        60,
        10,
        "file",
    )
    assert web.params.max_redirects == 5
    assert web.params.body_match.pattern == "ok"
    db = by_id["db"]
    assert (db.name, db.interval_s, db.timeout_s) == ("db", 120, 20)  # the section's defaults
    assert db.params.port == 5432
    typo = by_id["typo"]
    assert not typo.valid
    assert typo.error == "port is required for kind 'tcp' (unknown parameter(s): prot)"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"interval": 5}, r"unknown setting\(s\) interval \(known: enabled, interval_s, timeout_s, workers"),
        ({"interval_s": "soon"}, "interval_s must be a duration"),
        ({"interval_s": 0.1}, "interval_s must be at least 1 s"),
        ({"workers": 0}, "workers must be at least 1"),
        ({"enabled": "maybe"}, "enabled must be true or false"),
    ],
)
def test_bad_section_settings_stop_the_agent_with_a_clear_error(
    section: dict[str, Any], message: str
) -> None:
    with pytest.raises(ExtensionError, match=message):
        read_section(section)


@pytest.mark.parametrize(
    ("table", "error"),
    [
        ({"kind": "carrier-pigeon"}, "unknown kind 'carrier-pigeon' (known: file, http, log, ping, process"),
        ({}, "kind is required"),
        ({"kind": 5}, "kind must be a string, not 5"),
        ({"kind": "tcp", "host": "h"}, "port is required for kind 'tcp'"),
        ({"kind": "tcp", "host": "h", "port": 70000}, "port must be at most 65535, not 70000"),
        ({"kind": "tcp", "host": "h", "port": "eighty"}, "port must be a whole number, not 'eighty'"),
        ({"kind": "tcp", "host": "h", "port": 80, "interval_s": 0.5}, "interval_s must be at least 1 s"),
        ({"kind": "tcp", "host": "h", "port": 80, "timeout_s": "x"}, "timeout_s must be a number of seconds"),
        ({"kind": "http", "url": "ftp://x"}, "url must be an http:// or https:// URL with a host"),
        ({"kind": "http", "url": "https://u:p@x/"}, "url must not contain credentials"),
        (
            {"kind": "http", "url": "http://x/", "body_match": "("},
            "body_match is not a valid regular expression",
        ),
        (
            {"kind": "http", "url": "http://x/", "method": "POST"},
            "method must be one of GET, HEAD, not 'POST'",
        ),
        ({"kind": "http", "url": "http://x/", "verify_tls": "sure"}, "verify_tls must be true or false"),
        (
            {"kind": "tls", "host": "h", "warn_days": 3, "crit_days": 7},
            "crit_days (7) must not exceed warn_days (3)",
        ),
        ({"kind": "file", "path": "relative/x", "max_age_s": 60}, "path must be absolute"),
        ({"kind": "file", "path": "/x"}, "max_age_s is required for kind 'file'"),
        ({"kind": "file", "path": "/x", "max_age_s": "1 fortnight"}, "max_age_s must be a duration"),
        (
            {"kind": "file", "path": "/x", "max_age_s": "1h", "warn_age_s": "2h"},
            "warn_age_s (7200) must be less",
        ),
        ({"kind": "log", "path": "/var/log/x"}, "pattern is required for kind 'log'"),
        (
            {"kind": "log", "path": "/x", "pattern": "E", "warn_count": 5, "crit_count": 2},
            "crit_count (2) must be at",
        ),
        ({"kind": "process", "name": "web"}, "give process_name or cmdline (or both) for kind 'process'"),
        (
            {"kind": "process", "process_name": "a", "min_count": 3, "max_count": 2},
            "max_count (2) must be at least",
        ),
        ({"kind": "systemd", "unit": "--now"}, "unit must be a systemd unit name"),
        ({"kind": "ping", "host": "-f"}, "host must be a host name or address, not '-f'"),
        ({"kind": "ping", "host": "gw", "count": 50}, "count must be at most 20"),
    ],
)
def test_invalid_tables_become_specs_that_say_what_is_wrong(table: dict[str, Any], error: str) -> None:
    spec = from_table("f1", table)
    assert spec is not None
    assert not spec.valid
    assert error in spec.error, spec.error
    assert spec.id == "f1"
    assert spec.interval_s >= 1  # still scheduled, so the problem is reported


def test_not_a_table_and_bad_ids() -> None:
    spec = from_table("x", "http://x")
    assert spec is not None
    assert "must be a table" in spec.error
    spec = from_table("has space", {"kind": "tcp", "host": "h", "port": 1})
    assert spec is not None
    assert "id must be 1-100 characters" in spec.error


def test_pushed_specs_take_string_params_and_defaults() -> None:
    msg = eus_pb2.FunctionSpec(
        id="http:intranet",
        kind="http",
        name="Intranet",
        interval_s=30,
        params={
            "url": "http://intranet/",
            "max_redirects": "3",
            "verify_tls": "false",
            "warn_latency_s": "1.5",
        },
    )
    spec = from_proto(msg)
    assert spec.valid, spec.error
    assert from_proto(msg) == spec  # a re-push of the same spec (every Hello) restarts nothing
    assert (spec.source, spec.interval_s, spec.timeout_s) == ("collector", 30, 10)
    assert spec.params.max_redirects == 3
    assert spec.params.verify_tls is False
    assert spec.params.warn_latency_s == 1.5
    empty = from_proto(
        eus_pb2.FunctionSpec(id="p", kind="tcp", params={"host": "h", "port": "22", "crit_latency_s": ""})
    )
    assert empty.valid
    assert empty.params.crit_latency_s is None  # "" = not set
    assert empty.interval_s == 60


def test_pushed_specs_override_file_ones_by_id() -> None:
    _, file_specs = read_section(tomllib.loads(TOML)["functions"])
    pushed = [
        from_proto(eus_pb2.FunctionSpec(id="db", kind="tcp", params={"host": "db2", "port": "5433"})),
        from_proto(eus_pb2.FunctionSpec(id="new", kind="ping", params={"host": "gw"})),
    ]
    merged = {s.id: s for s in merge(file_specs, pushed)}
    assert set(merged) == {"web", "db", "typo", "new"}
    assert merged["db"].params.host == "db2"
    assert merged["db"].source == "collector"
    assert merged["web"].source == "file"


def test_registry_lists_every_kind_and_each_module_answers_for_its_name() -> None:
    assert sorted(KINDS) == ["file", "http", "log", "ping", "process", "systemd", "tcp", "tls"]
    for name in KINDS:
        assert get_kind(name).name == name
    with pytest.raises(UnknownKind):
        get_kind("nope")
