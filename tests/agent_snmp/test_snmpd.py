"""Against Debian's snmpd on loopback: SNMPv2c and SNMPv3 polls return what net-snmp's own
tools see; wrong credentials fail closed, each with its own status, and never downgrade;
a changed SNMPv3 engine is rediscovered; pushed targets apply at once."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from support.procs import REPO

from agent_snmp.harness import Harness, latest, target, v2c
from agent_snmp.peers import Snmpd, VersionTap, snmpwalk
from eus.v1 import eus_pb2

IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
HR_STORAGE_DESCR = "1.3.6.1.2.1.25.2.3.1.3"
HR_STORAGE_UNITS = "1.3.6.1.2.1.25.2.3.1.4"
HR_STORAGE_SIZE = "1.3.6.1.2.1.25.2.3.1.5"
IF_HC_IN = "1.3.6.1.2.1.31.1.1.1.6"


def v3(tid: str, port: int, user: str, auth: str, priv: str, **fields: Any) -> dict[str, Any]:
    return target(
        tid,
        port,
        user=user,
        auth_protocol=auth,
        auth_key=fields.pop("auth_key", Snmpd.AUTH_KEY),
        priv_protocol=priv,
        priv_key=fields.pop("priv_key", Snmpd.PRIV_KEY),
        **fields,
    )


def by_suffix(walk: dict[str, str], column: str) -> dict[str, str]:
    return {k[len(column) + 1 :]: v for k, v in walk.items()}


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("v2c", {"version": "2c", "legacy": True, "community": Snmpd.COMMUNITY}),
        ("v3-sha-aes128", {"user": "monuser", "auth_protocol": "SHA", "priv_protocol": "AES"}),
        ("v3-sha256-aes256", {"user": "mon256", "auth_protocol": "SHA-256", "priv_protocol": "AES-256"}),
    ],
)
def test_polls_return_the_interfaces_and_storage_snmpd_serves(
    snmpd: Snmpd, gateway: Callable[..., Harness], name: str, fields: dict[str, Any]
) -> None:
    if "user" in fields:
        fields = {**fields, "auth_key": Snmpd.AUTH_KEY, "priv_key": Snmpd.PRIV_KEY}
    h = gateway({"targets": [target(f"snmp-{name}", snmpd.port, interval_s=600, **fields)]})
    (reach,) = h.wait_polls(f"snmp-{name}:reachability", 1, 60)
    h.stop()
    assert reach.status == eus_pb2.HEALTH_OK, reach.message
    assert reach.message.endswith("(legacy SNMPv2c: insecure)") == (name == "v2c")
    assert reach.metrics["rtt_s"] > 0
    system = h.items(f"snmp-{name}", "snmp_system")["system"]
    assert set(system["profiles"].split(",")) == {"system", "interfaces", "host_resources"}

    descr = by_suffix(snmpwalk(snmpd.port, "public", IF_DESCR), IF_DESCR)
    interfaces = h.items(f"snmp-{name}", "interface")
    assert {k: v["descr"] for k, v in interfaces.items()} == descr
    counters_after = by_suffix(snmpwalk(snmpd.port, "public", IF_HC_IN), IF_HC_IN)
    stored = latest(h.points(f"snmp-{name}"), "snmp.if.in_octets")
    assert {dict(k)["ifIndex"] for k in stored} == set(descr)
    for k, p in stored.items():
        assert 0 <= p.value <= float(counters_after[dict(k)["ifIndex"]])  # counted on since

    storage = by_suffix(snmpwalk(snmpd.port, "public", HR_STORAGE_DESCR), HR_STORAGE_DESCR)
    units = by_suffix(snmpwalk(snmpd.port, "public", HR_STORAGE_UNITS), HR_STORAGE_UNITS)
    sizes = by_suffix(snmpwalk(snmpd.port, "public", HR_STORAGE_SIZE), HR_STORAGE_SIZE)
    stored_sizes = latest(h.points(f"snmp-{name}"), "snmp.hr.storage_size_bytes")
    assert {dict(k)["index"]: dict(k)["descr"] for k in stored_sizes} == storage
    root = next(i for i, d in storage.items() if d == "/")
    (root_size,) = [p.value for k, p in stored_sizes.items() if dict(k)["index"] == root]
    assert root_size == int(sizes[root]) * int(units[root].split()[0])


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"auth_key": "wrongauth123"}, "auth failure (wrong key or unknown user): wrong digest"),
        (
            {"priv_key": "wrongpriv123"},
            "auth failure (wrong key or unknown user): the device answers engine discovery but not "
            "encrypted requests",
        ),
        (
            {"user": "nosuchuser"},
            "auth failure (wrong key or unknown user): the device does not know user 'nosuchuser'",
        ),
    ],
    ids=["wrong-auth-key", "wrong-priv-key", "unknown-user"],
)
def test_wrong_credentials_fail_closed_with_their_own_status_and_never_downgrade(
    snmpd: Snmpd, gateway: Callable[..., Harness], fields: dict[str, str], expected: str
) -> None:
    tap = VersionTap(snmpd.port)
    try:
        spec = v3(
            "snmp-bad",
            tap.port,
            fields.pop("user", "monuser"),
            "SHA",
            "AES",
            interval_s=2,
            timeout_s=1,
            **fields,
        )
        h = gateway({"targets": [spec]})
        results = h.wait_polls("snmp-bad:reachability", 2, 60)
        h.stop()
    finally:
        tap.close()
    for r in results:
        assert r.status == eus_pb2.HEALTH_CRITICAL
        assert r.message.startswith(expected), r.message
        assert "wrongauth123" not in r.message and "wrongpriv123" not in r.message
    assert h.points("snmp-bad") == []  # no values stored
    assert h.items("snmp-bad", "snmp_system") == {}
    assert tap.versions and set(tap.versions) == {3}, f"versions sent: {sorted(set(tap.versions))}"


def test_timeouts_read_differently_from_auth_failures(gateway: Callable[..., Harness]) -> None:
    from agent_snmp.peers import BlackHole

    hole = BlackHole()
    try:
        h = gateway(
            {"targets": [v3("snmp-gone", hole.port, "monuser", "SHA", "AES", interval_s=600, timeout_s=0.5)]}
        )
        (r,) = h.wait_polls("snmp-gone:reachability", 1, 30)
    finally:
        hole.close()
    assert r.status == eus_pb2.HEALTH_CRITICAL
    assert r.message == f"timeout: no response from 127.0.0.1:{hole.port} after 2 tries"


def test_a_changed_engine_id_after_a_device_restart_is_recovered(
    gateway: Callable[..., Harness], caplog: pytest.LogCaptureFixture
) -> None:
    """pysnmp alone keeps sending to the old engine id for five minutes (its cache); the
    gateway must notice within a poll or two and rediscover the engine."""
    caplog.set_level("INFO", logger="agent.snmp")
    daemon = Snmpd().start(engine_id="eusengine1")
    try:
        h = gateway(
            {
                "targets": [
                    v3("snmp-restart", daemon.port, "monuser", "SHA", "AES", interval_s=1, timeout_s=0.5)
                ]
            }
        )
        h.wait_polls("snmp-restart:reachability", 5, 30)  # up for a few seconds
        daemon.stop()
        daemon.start(engine_id="eusengine2")  # a new engine id; boots and time restart too
        before = len(h.functions("snmp-restart:reachability"))
        results = h.wait_polls("snmp-restart:reachability", before + 4, 60)
    finally:
        daemon.cleanup()
    after = results[before:]
    assert after[-1].status == eus_pb2.HEALTH_OK, [r.message for r in after]
    assert sum(r.status != eus_pb2.HEALTH_OK for r in after) <= 1, [r.message for r in after]
    assert "rediscovering its SNMPv3 engine" in caplog.text


def test_targets_pushed_at_runtime_take_effect_without_a_restart(
    snmpd: Snmpd, gateway: Callable[..., Harness]
) -> None:
    h = gateway({})  # idle: nothing configured locally
    assert h.ext.gateway is None
    pushed = eus_pb2.SnmpTarget(
        id="snmp-42",
        name="core switch",
        host="127.0.0.1",
        port=snmpd.port,
        user="mon256",
        auth_protocol="SHA-256",
        auth_key=Snmpd.AUTH_KEY,
        priv_protocol="AES-256",
        priv_key=Snmpd.PRIV_KEY,
        interval_s=1,
    )
    refused = eus_pb2.SnmpTarget(
        id="snmp-43", host="127.0.0.1", port=snmpd.port, version="2c", community="public"
    )
    h.push(eus_pb2.AgentConfig(snmp_targets=[pushed, refused], generation=1))
    results = h.wait_polls("snmp-42:reachability", 2, 30)
    assert results[0].status == eus_pb2.HEALTH_OK and results[0].name == "core switch"
    (no,) = h.functions("snmp-43:reachability")
    assert no.status == eus_pb2.HEALTH_CRITICAL
    refused_why = "configuration refused: SNMP target 'snmp-43': SNMPv2c sends the community in clear text"
    assert no.message.startswith(refused_why)
    h.push(eus_pb2.AgentConfig(generation=2))  # the collector removed it
    # Once the push returned, no poll of it may *start* (one already running may still report,
    # later on a busy machine: its result carries its start time).
    removed_ms = int(time.time() * 1000)
    time.sleep(2.5)  # a few of its intervals: time for a wrong poll to happen
    late = [r.ts_ms for r in h.functions("snmp-42:reachability") if r.ts_ms > removed_ms]
    assert not late, "a removed target is still polled"


def test_v2c_targets_keep_their_legacy_finding_when_pushed(
    snmpd: Snmpd, gateway: Callable[..., Harness]
) -> None:
    h = gateway({"targets": [v2c("snmp-file", snmpd.port, Snmpd.COMMUNITY, interval_s=600)]})
    (r,) = h.wait_polls("snmp-file:reachability", 1, 30)
    assert r.message.endswith(" (legacy SNMPv2c: insecure)")


def test_the_idle_extension_does_not_import_pysnmp() -> None:
    code = """
import sys, time
from pathlib import Path
import agent.snmp
from agent.extensions import ExtensionContext
from eus.v1 import eus_pb2

class Sink:
    def put(self, *a, **k): pass
    def put_report(self, *a, **k): pass
    def flush(self): return 0

ext = agent.snmp.create(ExtensionContext({}, Path("."), Sink(), time.time))
ext.start()
ext.apply_config(eus_pb2.AgentConfig(generation=1))
assert ext.gateway is None
assert not [m for m in sys.modules if m.startswith("pysnmp")], "pysnmp imported while idle"
ext.apply_config(eus_pb2.AgentConfig(snmp_targets=[eus_pb2.SnmpTarget(
    id="snmp-1", host="127.0.0.1", port=9, user="u", auth_protocol="SHA", auth_key="authpass123",
    priv_protocol="AES", priv_key="privpass123", interval_s=600)]))
assert ext.gateway is not None and "pysnmp" in sys.modules
ext.stop()
print("ok")
"""
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
