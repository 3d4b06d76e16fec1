"""``eus snmp ...`` run as the operator runs it: a subprocess on a data directory. The CLI
takes the dashboard's rules and service layer, so a refused value gets the form's message
and changes nothing; keys never come from argv; secrets are encrypted at rest; every change
is audited as ``cli:<user>`` and leaves the collector a push to make."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from support.procs import eus

from collector.snmp.models import INCLUDE_RETIRED, NetworkDevice, Origin, SnmpPushRequest
from collector.snmp.registry import AgentFileTargets
from collector.snmp.secrets import SecretBox
from collector.store.db import Store
from collector.store.models import AuditEntry, Customer, Device, Site

AUTH, PRIV, COMMUNITY = "authpass-cli-71", "privpass-cli-39", "community-cli-5"
V3 = ["--user", "monuser", "--auth-protocol", "SHA-256", "--priv-protocol", "AES"]


@dataclass(frozen=True)
class Setup:
    data: Path
    store: Store
    gw1: int
    gw2: int
    other_gw: int  # Bravo's agent


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    data = tmp_path / "data"
    eus(data, "init")
    store = Store(f"sqlite:///{data / 'eus.sqlite3'}")
    with store.session() as s:
        acme, bravo = Customer(name="Acme"), Customer(name="Bravo")
        s.add_all([acme, bravo])
        s.flush()
        gws = [
            Device(customer_id=acme.id, agent_id="a1b2-gw1", hostname="acme-gw"),
            Device(customer_id=acme.id, agent_id="a1b2-gw2", hostname="acme-gw2"),
            Device(customer_id=bravo.id, agent_id="b3c4-gw", hostname="bravo-gw"),
        ]
        s.add_all([*gws, Site(customer_id=acme.id, name="HQ"), Site(customer_id=bravo.id, name="Depot")])
        s.flush()
        ids = [g.id for g in gws]
    yield Setup(data, store, *ids)
    store.dispose()


def add(setup: Setup, *args: str, stdin: str | None = None, check: bool = True) -> tuple[int, str]:
    base = ["snmp", "device", "add", "--customer", "Acme", "--gateway", "acme-gw", "--name", "Core switch"]
    proc = eus(setup.data, *base, "--host", "192.0.2.10", *args, stdin=stdin, check=check)
    return proc.returncode, proc.stdout + proc.stderr


def snapshot(setup: Setup) -> tuple[list[tuple[object, ...]], int, int]:
    """Devices (every column), audit rows and push requests: what a refused command must not touch."""
    with setup.store.session() as s:
        devices = s.scalars(select(NetworkDevice).execution_options(**{INCLUDE_RETIRED: True})).all()
        rows = [tuple(getattr(d, c.key) for c in NetworkDevice.__table__.columns) for d in devices]
        return rows, len(s.scalars(select(AuditEntry)).all()), len(s.scalars(select(SnmpPushRequest)).all())


def test_add_encrypts_the_keys_read_from_stdin_audits_and_asks_for_a_push(setup: Setup) -> None:
    rc, out = add(setup, *V3, "--auth-key-file", "-", "--priv-key-file", "-", stdin=f"{AUTH}\n{PRIV}\n")
    assert rc == 0 and out.startswith("SNMP device 1: Core switch, polled by acme-gw"), out
    with setup.store.session() as s:
        device = s.scalars(select(NetworkDevice)).one()
        assert (device.version, device.user, device.auth_protocol, device.priv_protocol) == (
            "3",
            "monuser",
            "SHA-256",
            "AES",
        )
        box = SecretBox.open(setup.data)  # the collector's key: it can read them back
        assert box.decrypt(device.auth_key_enc).reveal() == AUTH
        assert box.decrypt(device.priv_key_enc).reveal() == PRIV
        (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.action.like("snmp.%"))).all()
        assert (entry.actor, entry.action, entry.target) == (
            f"cli:{getpass.getuser()}",
            "snmp.device.create",
            "snmp:1",
        )
        (push,) = s.scalars(select(SnmpPushRequest)).all()
        assert push.gateway_device_id == setup.gw1
    setup.store.dispose()
    on_disk = b"".join(p.read_bytes() for p in setup.data.glob("eus.sqlite3*"))
    assert b"monuser" in on_disk and AUTH.encode() not in on_disk and PRIV.encode() not in on_disk

    shown = eus(setup.data, "snmp", "device", "show", "1").stdout
    assert "secrets_set: auth_key, priv_key" in shown and "origin: central" in shown
    assert AUTH not in shown and PRIV not in shown
    (listed,) = json.loads(eus(setup.data, "snmp", "device", "list", "--json").stdout)
    assert (listed["name"], listed["gateway"], listed["state"]) == (
        "Core switch",
        "acme-gw (agent 1)",
        "active",
    )


def test_keys_from_files_and_a_legacy_v2c_device(setup: Setup, tmp_path: Path) -> None:
    community = tmp_path / "community"
    community.write_text(COMMUNITY + "\n")
    rc, out = add(
        setup, "--snmp-version", "2c", "--legacy", "--community-file", str(community), "--port", "1161"
    )
    assert rc == 0, out
    header, line = eus(setup.data, "snmp", "device", "list").stdout.strip().split("\n")
    assert header.split("\t") == ["ID", "CUSTOMER", "NAME", "ADDRESS", "SNMP", "GATEWAY", "ORIGIN", "STATE"]
    row = line.split("\t")
    assert row == [
        "1",
        "Acme",
        "Core switch",
        "192.0.2.10:1161",
        "v2c legacy",
        "acme-gw (agent 1)",
        "central",
        "active",
    ]
    with setup.store.session() as s:
        device = s.scalars(select(NetworkDevice)).one()
        assert SecretBox.open(setup.data).decrypt(device.community_enc).reveal() == COMMUNITY


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--snmp-version", "2c", "--community-file", "-"], "public\n",
         "tick “Legacy (insecure)” to allow it"),
        ([*V3, "--auth-key-file", "-", "--priv-key-file", "-", "--port", "70000"], f"{AUTH}\n{PRIV}\n",
         "Port: from 1 to 65535."),
        ([*V3, "--auth-key-file", "-", "--priv-key-file", "-", "--port", "1e3"], f"{AUTH}\n{PRIV}\n",
         "Port: a whole number from 1 to 65535."),
        ([*V3, "--auth-key-file", "-", "--priv-key-file", "-", "--interval", "soon"], f"{AUTH}\n{PRIV}\n",
         "Interval: a number from 1 to 86400."),
        ([*V3, "--auth-key-file", "-", "--priv-key-file", "-"], "short\n" + PRIV + "\n",
         "Authentication key: 8 to 256 characters (RFC 3414)."),
        ([*V3, "--auth-key-file", "-", "--priv-key-file", "-"], AUTH + "\n",
         "standard input ended before the privacy key"),
        ([*V3], None, "Authentication key: required for SHA-256."),  # no terminal to prompt on
        ([*V3, "--auth-key-file", "/nonexistent/key"], None, "--auth-key-file: cannot read /nonexistent/key"),
        ([*V3, "--auth-protocol", "ROT13", "--auth-key-file", "-", "--priv-key-file", "-"],
         f"{AUTH}\n{PRIV}\n", "Authentication: choose one of SHA-256"),
        (["--snmp-version", "4"], None, "SNMP version: choose 3, 2c or 1."),
        (["--site", "Depot", *V3], None, "Site: choose one of this customer's sites."),
    ],
)  # fmt: skip
def test_garbage_is_refused_with_the_forms_message_and_changes_nothing(
    setup: Setup, args: list[str], stdin: str | None, message: str
) -> None:
    before = snapshot(setup)
    rc, out = add(setup, *args, stdin=stdin, check=False)
    assert rc == 2 and message in out, out
    assert snapshot(setup) == before
    assert AUTH not in out and PRIV not in out


def test_a_key_on_the_command_line_is_refused_without_repeating_it(setup: Setup) -> None:
    before = snapshot(setup)
    for option in ("--auth-key", "--priv-key", "--community"):
        rc, out = add(setup, *V3, option, "hunter2-secret", check=False)
        assert rc == 2 and "never taken from the command line" in out and f"{option}-file" in out, out
        assert "hunter2" not in out
    assert snapshot(setup) == before


def test_a_gateway_of_another_customer_or_unknown_names_change_nothing(setup: Setup) -> None:
    before = snapshot(setup)
    keys = ["--auth-key-file", "-", "--priv-key-file", "-"]
    rc, out = add(setup, *V3, *keys, "--gateway", "bravo-gw", stdin=f"{AUTH}\n{PRIV}\n", check=False)
    assert rc == 2 and "Gateway: choose one of this customer's agents." in out
    proc = eus(setup.data, "snmp", "device", "add", "--customer", "Nobody", "--gateway", "x", "--name", "n",
               "--host", "h", check=False)  # fmt: skip
    assert proc.returncode == 2 and "No customer 'Nobody'." in proc.stderr
    for args in (
        ["show", "99"],
        ["remove", "x"],
        ["assign", "99", "--no-site"],
        ["list", "--gateway", "nope"],
    ):
        proc = eus(setup.data, "snmp", "device", *args, check=False)
        assert proc.returncode == 2 and proc.stderr.startswith("eus: no "), (args, proc.stderr)
    assert snapshot(setup) == before


def test_assign_moves_a_device_and_both_gateways_get_a_push(setup: Setup) -> None:
    add(setup, *V3, "--auth-key-file", "-", "--priv-key-file", "-", stdin=f"{AUTH}\n{PRIV}\n")
    with setup.store.session() as s:
        s.execute(delete(SnmpPushRequest))
    before = snapshot(setup)
    for args in (["--site", "Depot"], ["--gateway", "bravo-gw"], []):  # another customer's; nothing at all
        proc = eus(setup.data, "snmp", "device", "assign", "1", *args, check=False)
        assert proc.returncode == 2 and proc.stderr.startswith("eus: "), proc.stderr
    assert snapshot(setup) == before

    proc = eus(setup.data, "snmp", "device", "assign", "1", "--gateway", "a1b2-gw2", "--site", "HQ")
    assert proc.stdout.strip() == "SNMP device 1: polled by acme-gw2 (agent 2), site HQ"
    assert (
        eus(setup.data, "snmp", "device", "assign", "1", "--site", "HQ").stdout.strip()
        == "SNMP device 1: nothing changed"
    )
    with setup.store.session() as s:
        device = s.scalars(select(NetworkDevice)).one()
        assert device.gateway_device_id == setup.gw2 and device.auth_key_enc  # the keys are kept
        assert SecretBox.open(setup.data).decrypt(device.auth_key_enc).reveal() == AUTH
        pushes = s.scalars(select(SnmpPushRequest.gateway_device_id)).all()
        assert sorted(pushes) == [setup.gw1, setup.gw2]
        (update,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "snmp.device.update")).all()
        assert json.loads(update.detail)["changed"] == ["gateway_device_id", "site_id"]


def test_remove_deletes_central_devices_only_and_lists_show_removed_file_targets(setup: Setup) -> None:
    add(setup, *V3, "--auth-key-file", "-", "--priv-key-file", "-", stdin=f"{AUTH}\n{PRIV}\n")
    with setup.store.session() as s:
        for target, retired in (("lab-ups", None), ("lab-sw", datetime(2026, 11, 20, 9, 30, tzinfo=UTC))):
            s.add(NetworkDevice(customer_id=1, gateway_device_id=setup.gw1, origin=Origin.AGENT_FILE.value,
                                agent_target_id=target, name=target, host="", params={},
                                retired_at=retired))  # fmt: skip
    listed = eus(setup.data, "snmp", "device", "list").stdout
    assert "lab-ups" in listed and "lab-sw" not in listed
    everything = eus(setup.data, "snmp", "device", "list", "--all").stdout
    assert (
        "lab-sw\tnot reported yet\tnot reported yet\tacme-gw (agent 1)\tagent.toml\t"
        "removed from agent.toml on 2026-11-20 09:30 UTC" in everything
    )
    (gateway,) = json.loads(eus(setup.data, "snmp", "gateway", "list", "--json").stdout)
    assert (gateway["central"], gateway["agent_toml"], gateway["removed_from_agent_toml"]) == (
        1,
        1,
        ["lab-sw"],
    )
    assert "1 from agent.toml (1 removed: lab-sw)" in eus(setup.data, "snmp", "gateway", "list").stdout

    # the gateway reports how it polls lab-ups (issue #10.3): shown exactly, never invented
    facts = {"poll_host": "192.0.2.50", "poll_port": "1161", "poll_version": "2c", "poll_legacy": "1",
             "poll_interval_s": "30", "poll_timeout_s": "2", "poll_retries": "1"}  # fmt: skip
    AgentFileTargets(setup.store).record_facts(setup.gw1, {"lab-ups": facts})
    listed = eus(setup.data, "snmp", "device", "list").stdout
    assert "lab-ups\t192.0.2.50:1161\tv2c legacy\t" in listed
    shown = json.loads(eus(setup.data, "snmp", "device", "show", "2", "--json").stdout)
    assert (shown["host"], shown["port"], shown["version"], shown["interval_s"]) == (
        "192.0.2.50",
        "1161",
        "2c",
        "30",
    )
    with setup.store.session() as s:
        reported_actions = [a.action for a in s.scalars(select(AuditEntry)).all()]
    assert reported_actions.count("snmp.device.reported") == 1

    proc = eus(setup.data, "snmp", "device", "remove", "2", check=False)
    assert (
        proc.returncode == 2
        and "configured in its gateway's agent.toml (lab-ups): remove it there" in proc.stderr
    )
    assert (
        eus(setup.data, "snmp", "device", "remove", "1").stdout.strip()
        == "SNMP device 1 (Core switch) removed"
    )
    with setup.store.session() as s:
        left = s.scalars(
            select(NetworkDevice.agent_target_id).execution_options(**{INCLUDE_RETIRED: True})
        ).all()
        assert sorted(left) == ["lab-sw", "lab-ups"]
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("snmp.device.%"))).all()
        assert sorted(actions) == ["snmp.device.create", "snmp.device.delete", "snmp.device.reported"]
