"""An SNMP device's life as an operator lives it: a real collector, a real gateway agent
whose agent.toml lists two targets on a real snmpd, and the ``eus`` CLI.

The operator adds a third device with ``eus snmp device add`` (key from standard input).
Then they delete a target from agent.toml and restart the agent the way systemd does: the
collector retires that device — gone from the CLI's and the dashboard's lists, kept with a
"removed from agent.toml" note under ``--all``, audited as ``system`` — while the other
file target and the CLI's device stay. Put back in the file, it returns with the same id.
Its polls before the removal are still in DuckDB.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from agent_snmp.peers import Snmpd
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from support.dashboard import Dashboard, technician_and_gateway
from support.procs import AgentProc, CollectorProc, eus
from support.tsdb import query
from support.waits import wait_for

from collector.store.models import AuditEntry

PASSWORD = "tech-password-snmp-2"
FILE_LISTED = "SNMP target(s) of agent.toml to the collector"  # logged once per run, when queued


@pytest.fixture
def snmpd() -> Iterator[Snmpd]:
    daemon = Snmpd().start()
    try:
        yield daemon
    finally:
        daemon.cleanup()


def agent_toml(port: int, *targets: str) -> str:
    """``[[snmp.targets]]`` on snmpd: the v3 switch and the v2c (legacy) UPS, as asked."""
    tables = {
        "lab-sw": f"""
[[snmp.targets]]
id = "lab-sw"
name = "Lab switch"
host = "127.0.0.1"
port = {port}
user = "mon256"
auth_protocol = "SHA-256"
auth_key = "{Snmpd.AUTH_KEY}"
priv_protocol = "AES-256"
priv_key = "{Snmpd.PRIV_KEY}"
interval_s = 2
""",
        "lab-ups": f"""
[[snmp.targets]]
id = "lab-ups"
name = "Lab UPS"
host = "127.0.0.1"
port = {port}
version = "2c"
legacy = true
community = "{Snmpd.COMMUNITY}"
interval_s = 2
""",
    }
    return "[snmp]\n" + "".join(tables[t] for t in targets)


def devices(data: Path, *extra: str) -> dict[str, dict[str, str]]:
    """``eus snmp device list --json``, by name."""
    rows = json.loads(eus(data, "snmp", "device", "list", "--json", *extra).stdout)
    return {r["name"]: r for r in rows}


def restart(gateway: AgentProc) -> None:
    """What ``systemctl restart eus-agent`` does: SIGTERM, wait, start; then wait until the
    collector has sent its configuration and the gateway has queued its file's targets in answer
    (a stop before that would rightly report them only at the next start)."""
    assert gateway.stop() == 0, gateway.log_tail()

    def listed() -> int:
        return gateway.log_path.read_text().count(FILE_LISTED)

    before = listed()
    gateway.start()
    wait_for(lambda: listed() > before, 60, "the gateway to report its agent.toml targets")


@pytest.mark.slow
def test_a_target_removed_from_agent_toml_is_retired_and_comes_back_with_its_id(
    tmp_path: Path, collector: CollectorProc, snmpd: Snmpd
) -> None:
    data = collector.data_dir
    config = tmp_path / "agent.toml"
    config.write_text(agent_toml(snmpd.port, "lab-sw", "lab-ups"))
    env = {"EUS_AGENT_CONFIG": str(config)}
    gateway, agent_id = technician_and_gateway(collector, tmp_path / "gateway", PASSWORD, env)
    try:
        wait_for(
            lambda: {"Lab switch", "Lab UPS"} <= set(devices(data)), 120, "both file targets as devices", 1
        )
        switch = devices(data)["Lab switch"]
        assert (switch["origin"], switch["target_id"]) == ("agent.toml", "lab-sw")
        add = ["snmp", "device", "add", "--customer", "Acme", "--gateway", agent_id, "--name", "Core router"]
        add += ["--host", "127.0.0.1", "--port", str(snmpd.port), "--snmp-version", "2c", "--legacy"]
        eus(data, *add, "--community-file", "-", "--interval", "2", stdin=Snmpd.COMMUNITY + "\n")

        config.write_text(agent_toml(snmpd.port, "lab-ups"))  # the operator deletes the switch
        restart(gateway)
        wait_for(lambda: "Lab switch" not in devices(data), 120, "the switch to be retired", 1)
        assert set(devices(data)) == {"Lab UPS", "Core router"}
        retired = devices(data, "--all")["Lab switch"]
        assert retired["id"] == switch["id"] and retired["state"].startswith("removed from agent.toml on 20")
        (gw,) = json.loads(eus(data, "snmp", "gateway", "list", "--json").stdout)
        assert (gw["central"], gw["agent_toml"], gw["removed_from_agent_toml"]) == (1, 1, ["lab-sw"])

        web = Dashboard(collector)
        web.login("tech", PASSWORD)
        customer_id = eus(data, "customer", "list", "--no-headers").stdout.split("\t", 1)[0]
        listing = web.get(f"/customers/{customer_id}/snmp").text
        assert "Lab UPS" in listing and "Core router" in listing and "Lab switch" not in listing
        assert web.get(f"/snmp/{switch['id']}").status_code == 404

        router = devices(data)["Core router"]

        def router_polled() -> bool:  # the CLI's device reached the running gateway (pushed)
            resp = web.get(f"/api/devices/{gw['id']}/functions").json()
            return any(f["subject"] == router["target_id"] and f["status"] == "ok" for f in resp["functions"])

        wait_for(router_polled, 120, "the gateway to poll the device the CLI added", 1)
        subjects = {f["subject"] for f in web.get(f"/api/devices/{gw['id']}/functions").json()["functions"]}
        assert "lab-sw" not in subjects  # the retired switch left the gateway's function list

        restart(gateway)  # the same file again: nothing changes
        config.write_text(agent_toml(snmpd.port, "lab-sw", "lab-ups"))  # the switch is back
        restart(gateway)
        wait_for(lambda: "Lab switch" in devices(data), 120, "the switch to come back", 1)
        assert devices(data)["Lab switch"]["id"] == switch["id"]
        assert gateway.stop() == 0, gateway.log_tail()
    finally:
        if gateway.alive:
            gateway.stop()
        assert collector.stop() == 0, collector.log_tail()

    engine = create_engine(f"sqlite:///{data / 'eus.sqlite3'}")
    with Session(engine) as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.target == f"snmp:{switch['id']}")).all()
        trail = [(a.actor, a.action) for a in entries]
    engine.dispose()
    assert [t for t in trail if t[1] != "snmp.device.reported"] == [
        (f"agent:{agent_id}", "snmp.device.discover"),
        ("system", "snmp.device.retire"),
        ("system", "snmp.device.restore"),
    ]
    assert ("system", "snmp.device.reported") in trail  # how the gateway polls it (#10.3)
    polls = query(
        data,
        "SELECT count(*) FROM function_results WHERE device_id = ? AND subject = 'lab-sw' AND status = 1",
        [gw["id"]],
    )
    assert int(str(polls[0][0])) >= 2  # the switch's history is kept
    lists = query(
        data,
        "SELECT message FROM events WHERE device_id = ? AND kind = 'snmp.file_targets' ORDER BY ts",
        [gw["id"]],
    )
    assert [str(m) for (m,) in lists][-3:] == [
        "1 SNMP target(s) in agent.toml: lab-ups",
        "1 SNMP target(s) in agent.toml: lab-ups",
        "2 SNMP target(s) in agent.toml: lab-sw, lab-ups",
    ]
