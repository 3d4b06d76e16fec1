"""The SNMP gateway end to end: a real collector, a real enrolled agent acting as gateway,
snmpsim serving recordings of real devices, net-snmp's snmptrap, and a supervisor using
the dashboard over HTTP.

The supervisor adds a Cisco Nexus 5548 (SNMPv3 authPriv), the HPE ProCurve cabled to it
(SNMPv2c, legacy), a printer (a small recording: snmpsim-data ships none) and a device with
a wrong key. The collector pushes the targets down the stream and the gateway polls. After
the collector stops, DuckDB holds exactly the recordings' values; a counter the simulator
grows at 125,000 B/s gives that rate over two polls; the toner at 12 % is a WARNING; the
wrong key is an auth failure; LLDP makes a link between the two switches; and the traps
sent with snmptrap (v2c and v3) are events. A target the gateway polls from its own
configuration (an Eaton UPS) becomes a device in the collector as well.
"""

from __future__ import annotations

import bz2
import json
import re
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from support.dashboard import Dashboard, technician_and_gateway
from support.procs import BIN, AgentProc, CollectorProc, base_env, eus
from support.tsdb import query
from support.waits import free_udp_port, wait_for

from collector.snmp import rates
from collector.snmp.models import NetworkDevice
from collector.snmp.network import network_view, snmp_node_id
from collector.store.models import Device
from collector.tsdb.db import TimeSeriesDB

RECORDINGS = Path(str(files("snmpsim_data"))) / "data"  # recordings of real devices (PyPI snmpsim-data)
PASSWORD = "tech-password-snmp-1"
V3 = {"user": "monuser", "auth_key": "authpass123", "priv_key": "privpass123"}
ENGINE_ID = "8000000001020304"  # the v3 trap sender's engine id, as the supervisor enters it
NEXUS_COUNTER = "1.3.6.1.2.1.31.1.1.1.6.436281344"  # ifHCInOctets of Ethernet1/19
NEXUS_RATE = 125_000  # bytes per second the simulator adds to it
PRINTER = """\
1.3.6.1.2.1.1.1.0|4|HP LaserJet M404dn
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.11.2.3.9.1
1.3.6.1.2.1.1.3.0|67|123456
1.3.6.1.2.1.1.5.0|4|acme-printer-1
1.3.6.1.2.1.43.10.2.1.4.1.1|65|48211
1.3.6.1.2.1.43.11.1.1.3.1.1|2|1
1.3.6.1.2.1.43.11.1.1.4.1.1|2|3
1.3.6.1.2.1.43.11.1.1.4.1.2|2|3
1.3.6.1.2.1.43.11.1.1.5.1.1|2|3
1.3.6.1.2.1.43.11.1.1.5.1.2|2|9
1.3.6.1.2.1.43.11.1.1.6.1.1|4|Black Toner Cartridge HP 59A
1.3.6.1.2.1.43.11.1.1.6.1.2|4|Imaging Drum
1.3.6.1.2.1.43.11.1.1.8.1.1|2|1000
1.3.6.1.2.1.43.11.1.1.8.1.2|2|100
1.3.6.1.2.1.43.11.1.1.9.1.1|2|120
1.3.6.1.2.1.43.11.1.1.9.1.2|2|80
1.3.6.1.2.1.43.12.1.1.4.1.1|4|black
"""


def recording(path: Path) -> dict[str, str]:
    """OID -> value of a .snmprec file (hex strings decoded, as a manager sees them)."""
    out: dict[str, str] = {}
    last = ""
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line.count("|") < 2:  # the rest of a multi-line string value
            out[last] += "\n" + line
            continue
        last, tag, value = line.split("|", 2)
        out[last] = (bytes.fromhex(value).decode("latin-1") if tag == "4x" else value).strip()
    return out


def column(rec: dict[str, str], prefix: str) -> dict[str, str]:
    """index -> value of one table column."""
    return {oid[len(prefix) + 1 :]: v for oid, v in rec.items() if oid.startswith(prefix + ".")}


class SnmpSim:
    """snmpsim's command responder on a loopback port, serving every recording in a folder:
    community = file name for v1/v2c, context = file name for the v3 user."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_udp_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = folder.parent / "snmpsim.log"

    def start(self) -> SnmpSim:
        args = [
            str(BIN / "snmpsim-command-responder"),
            f"--data-dir={self.folder}",
            f"--cache-dir={self.folder.parent / 'snmpsim-cache'}",
            f"--agent-udpv4-endpoint=127.0.0.1:{self.port}",
            f"--v3-user={V3['user']}",
            f"--v3-auth-key={V3['auth_key']}",
            "--v3-auth-proto=SHA256",
            f"--v3-priv-key={V3['priv_key']}",
            "--v3-priv-proto=AES",
        ]
        with self.log.open("wb") as log:
            env = {**base_env(), "SNMPSIM_ALLOW_ROOT": "true"}
            self.proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: self.get("hpe-procurve", "1.3.6.1.2.1.1.5.0") == "DUMSYS-64", 60, "snmpsim", 0.5)
        return self

    def get(self, community: str, oid: str) -> str | None:
        assert self.proc is not None and self.proc.poll() is None, self.log.read_text()[-2000:]
        address = f"127.0.0.1:{self.port}"
        out = subprocess.run(
            ["snmpget", "-v2c", "-c", community, "-Oqv", "-t", "1", "-r", "0", address, oid],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return out.stdout.strip().strip('"') if out.returncode == 0 else None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture
def snmpsim(tmp_path: Path) -> Iterator[SnmpSim]:
    folder = tmp_path / "recordings"
    folder.mkdir()
    with bz2.open(RECORDINGS / "network/switch/cisco-n5000.snmprec.bz2", "rt") as src:
        nexus = src.read()
    recorded = re.search(rf"^{re.escape(NEXUS_COUNTER)}\|70\|(\d+)$", nexus, re.MULTILINE)
    assert recorded, "the recording changed"
    growing = f"{NEXUS_COUNTER}|70:numeric|rate={NEXUS_RATE},initial={recorded.group(1)}"
    (folder / "cisco-n5000.snmprec").write_text(nexus.replace(recorded.group(0), growing))
    with bz2.open(RECORDINGS / "network/switch/hpe-procurve-516733-b21.snmprec.bz2", "rb") as raw:
        (folder / "hpe-procurve.snmprec").write_bytes(raw.read())
    (folder / "printer.snmprec").write_text(PRINTER)
    with bz2.open(RECORDINGS / "UPS/eaton-93e-80.snmprec.bz2", "rb") as raw:
        (folder / "eaton-93e-80.snmprec").write_bytes(raw.read())
    sim = SnmpSim(folder).start()
    try:
        yield sim
    finally:
        sim.stop()


@dataclass(frozen=True)
class Added:
    """The network devices the supervisor added (their ids in the collector)."""

    gateway: int
    nexus: int
    procurve: int
    printer: int
    wrong: int


def target(device_id: int) -> str:
    return f"snmp-{device_id}"


def add_devices(web: Dashboard, customer_id: int, gateway_id: int, port: int) -> Added:
    common = {
        "host": "127.0.0.1",
        "port": str(port),
        "gateway_device_id": str(gateway_id),
        "interval_s": "5",
        "timeout_s": "3",
        "retries": "1",
    }
    v3 = {**common, "version": "3", "user": V3["user"], "auth_protocol": "SHA-256", "priv_protocol": "AES"}
    v3 |= {"auth_key": V3["auth_key"], "priv_key": V3["priv_key"], "context": "cisco-n5000"}
    v2c = {**common, "version": "2c", "legacy": "on"}
    path = f"/customers/{customer_id}/snmp/new"
    refused = web.submit(path, path, {**v2c, "legacy": "", "name": "No flag", "community": "public"})
    assert refused.status_code == 400 and "tick “Legacy (insecure)”" in refused.text
    return Added(
        gateway=gateway_id,
        nexus=web.add_device(customer_id, {**v3, "name": "Nexus 5548", "engine_id": "0x" + ENGINE_ID}),
        procurve=web.add_device(customer_id, {**v2c, "name": "ProCurve 6120XG", "community": "hpe-procurve"}),
        printer=web.add_device(customer_id, {**v2c, "name": "Printer 2nd floor", "community": "printer"}),
        wrong=web.add_device(customer_id, {**v3, "name": "Nexus, wrong key", "auth_key": "not-the-key-1"}),
    )


def send_traps(port: int) -> None:
    """linkDown as a v2c trap and as a v3 (authPriv) trap, with net-snmp's snmptrap."""
    v3 = ["-v", "3", "-e", "0x" + ENGINE_ID, "-u", V3["user"], "-l", "authPriv", "-a", "SHA-256"]
    v3 += ["-A", V3["auth_key"], "-x", "AES", "-X", V3["priv_key"]]
    for version in (["-v", "2c", "-c", "public"], v3):
        trap = [
            "127.0.0.1:" + str(port),
            "",
            "1.3.6.1.6.3.1.1.5.3",
            "1.3.6.1.2.1.2.2.1.1.436281344",
            "i",
            "7",
        ]
        subprocess.run(["snmptrap", *version, *trap], check=True, timeout=30, capture_output=True)


@pytest.mark.slow
def test_gateway_polls_what_a_supervisor_added_and_forwards_traps(
    tmp_path: Path, collector: CollectorProc, snmpsim: SnmpSim
) -> None:
    data = collector.data_dir
    gateway, _ = technician_and_gateway(collector, tmp_path / "gateway", PASSWORD)
    web = Dashboard(collector)
    web.login("tech", PASSWORD)
    trap_port = free_udp_port()
    try:
        customer_id = web.first_id("/", r'href="/customers/(\d+)"')
        wait_for(lambda: 'href="/devices/' in web.page("/"), 60, "the gateway to enroll")
        added = add_devices(web, customer_id, web.first_id("/", r'href="/devices/(\d+)"'), snmpsim.port)
        listener = {"gateway_device_id": str(added.gateway), "trap_enabled": "1", "trap_host": "127.0.0.1"}
        listener |= {"trap_port": str(trap_port), "trap_communities": "public"}
        saved = web.submit(
            f"/customers/{customer_id}/snmp", f"/customers/{customer_id}/snmp/trap-listener", listener
        )
        assert saved.status_code == 200 and f"saved (listen on 127.0.0.1:{trap_port})" in saved.text
        wait_for(  # what the agent reports, not what was saved
            lambda: f"listening on 127.0.0.1:{trap_port}" in web.page(f"/customers/{customer_id}/snmp"),
            60,
            "the gateway to report its trap listener",
            1,
        )

        def nexus_rate_shown() -> bool:
            page = web.page(f"/snmp/{added.nexus}")
            row = re.search(r'<tr data-ifindex="436281344">.*?class="num in-rate">([^<]*)<', page, re.S)
            return bool(row and row.group(1).strip() not in ("", "—"))

        wait_for(nexus_rate_shown, 240, "two polls of the Nexus (a rate on Ethernet1/19)", 2)
        wait_for(lambda: "health-warning" in web.page(f"/snmp/{added.printer}"), 120, "the toner verdict", 2)
        wait_for(
            lambda: "auth failure" in web.page(f"/snmp/{added.wrong}"), 120, "the wrong key's verdict", 2
        )
        network = f"/customers/{customer_id}/network"
        wait_for(lambda: '<tr class="link">' in web.page(network), 120, "an LLDP link", 2)
        assert web.page(f"/customers/{customer_id}/snmp").count("legacy finding") == 2  # the v2c devices
        send_traps(trap_port)
        traps = f"/customers/{customer_id}/traps"
        wait_for(lambda: web.page(traps).count("linkDown") >= 2, 60, "both traps as events", 1)
        assert gateway.stop() == 0, gateway.log_tail()
    finally:
        if gateway.alive:
            gateway.stop()
        assert collector.stop() == 0, collector.log_tail()

    check_stored_values(data, snmpsim, added)
    check_rates(data, added)
    check_functions(data, added)
    check_traps(data, added.gateway)
    check_links(data, added)


def check_stored_values(data: Path, sim: SnmpSim, added: Added) -> None:
    """DuckDB holds exactly what the recordings say: interface names, counters, a serial."""
    procurve = recording(sim.folder / "hpe-procurve.snmprec")
    items = query(
        data,
        "SELECT key, attrs FROM inventory_items WHERE device_id = ? AND subject = ? AND kind = 'interface'",
        [added.gateway, target(added.procurve)],
    )
    names = {str(key): json.loads(str(attrs))["name"] for key, attrs in items}
    assert names == column(procurve, "1.3.6.1.2.1.31.1.1.1.1")
    counters = query(
        data,
        "SELECT json_extract_string(s.labels, '$.ifIndex'), list(DISTINCT x.value) FROM series s "
        "JOIN samples x ON x.series_id = s.id WHERE s.device_id = ? AND s.name = 'snmp.if.in_octets' "
        "AND json_extract_string(s.labels, '$.target') = ? GROUP BY 1",
        [added.gateway, target(added.procurve)],
    )
    stored = {str(index): sorted(values) for index, values in counters}  # type: ignore[call-overload]
    expected = {index: [float(v)] for index, v in column(procurve, "1.3.6.1.2.1.31.1.1.1.6").items()}
    assert stored == expected

    serial = column(recording(sim.folder / "cisco-n5000.snmprec"), "1.3.6.1.2.1.47.1.1.1.1.11")["10"]
    entity = query(
        data,
        "SELECT attrs FROM inventory_items "
        "WHERE device_id = ? AND subject = ? AND kind = 'entity' AND key = '10'",
        [added.gateway, target(added.nexus)],
    )
    assert json.loads(str(entity[0][0]))["serial"] == serial == "SSI183706KP"


def check_rates(data: Path, added: Added) -> None:
    """Two or more polls of the growing counter give the simulator's rate (poll start times
    stamp the samples, so allow for scheduling jitter on a loaded machine)."""
    points = query(
        data,
        "SELECT epoch_ms(x.ts) / 1000.0, x.value FROM series s JOIN samples x ON x.series_id = s.id "
        "WHERE s.device_id = ? AND s.name = 'snmp.if.in_octets' "
        "AND json_extract_string(s.labels, '$.target') = ? "
        "AND json_extract_string(s.labels, '$.ifIndex') = '436281344' ORDER BY 1",
        [added.gateway, target(added.nexus)],
    )
    readings = [rates.Reading(float(str(t)), float(str(v))) for t, v in points]
    assert len(readings) >= 2
    computed = [r for _, r in rates.rates(readings)]
    assert all(r is not None and 0.65 * NEXUS_RATE <= r <= 1.35 * NEXUS_RATE for r in computed), computed


def check_functions(data: Path, added: Added) -> None:
    """The gateway's verdicts: supplies against the thresholds, auth failure, the legacy note."""

    def latest(device_id: int, suffix: str) -> tuple[int, str]:
        subject = target(device_id)
        rows = query(
            data,
            "SELECT status, message FROM function_results WHERE device_id = ? AND subject = ? "
            "AND function_id = ? ORDER BY ts DESC LIMIT 1",
            [added.gateway, subject, f"{subject}:{suffix}"],
        )
        assert rows, (subject, suffix)
        return int(str(rows[0][0])), str(rows[0][1])

    status, message = latest(added.printer, "supply:1")
    assert status == 2 and "12%" in message, message  # WARNING: below 15 %
    assert latest(added.printer, "supply:2")[0] == 1  # the drum at 80 %: OK
    status, message = latest(added.wrong, "reachability")
    assert status == 3 and message.startswith("auth failure"), message
    status, message = latest(added.procurve, "reachability")
    assert status == 1 and message.endswith("(legacy SNMPv2c: insecure)"), message
    assert latest(added.nexus, "reachability")[0] == 1


def check_traps(data: Path, gateway: int) -> None:
    """Both traps are events; the community is never stored."""
    rows = query(
        data,
        "SELECT source, message, attrs FROM events WHERE device_id = ? AND kind = 'snmp.trap'",
        [gateway],
    )
    events = {json.loads(str(a))["version"]: (str(src), str(msg), json.loads(str(a))) for src, msg, a in rows}
    assert set(events) == {"2c", "3"}, rows
    src, msg, attrs = events["2c"]
    assert (src, msg, attrs["trap_oid"], attrs["community"]) == (
        "127.0.0.1",
        "linkDown",
        "1.3.6.1.6.3.1.1.5.3",
        "***",
    )
    assert events["3"][2]["user"] == V3["user"]
    assert all("public" not in json.dumps(a) for _, _, a in events.values())


def check_links(data: Path, added: Added) -> None:
    """LLDP neighbours from the recordings are a link between the two switches."""
    engine = create_engine(f"sqlite:///{data / 'eus.sqlite3'}")
    with Session(engine) as s:
        devices = list(s.scalars(select(NetworkDevice)).all())
        agents = list(s.scalars(select(Device)).all())
    engine.dispose()
    tsdb = TimeSeriesDB(data / "metrics.duckdb")
    try:
        view = network_view(tsdb, agents, devices)
    finally:
        tsdb.close()
    nexus, procurve = (
        snmp_node_id(next(d for d in devices if d.id == i)) for i in (added.nexus, added.procurve)
    )
    cable = [link for link in view.links if {link.a, link.b} == {nexus, procurve}]
    assert len(cable) == 1, view.links
    ports = {cable[0].a: cable[0].a_port, cable[0].b: cable[0].b_port}
    assert ports == {nexus: "Ethernet1/19", procurve: "17"}
    assert cable[0].both_sides  # each switch's LLDP table names the other


@pytest.mark.slow
def test_a_target_from_the_gateways_own_file_becomes_a_device(
    tmp_path: Path, collector: CollectorProc, snmpsim: SnmpSim
) -> None:
    data = collector.data_dir
    # a supervisor of Acme only: configuring devices is for supervisors and administrators
    tech = ["user", "create", "tech", "--role", "supervisor", "--customer", "Acme", "--password-stdin"]
    eus(data, *tech, stdin=PASSWORD)
    token = eus(data, "token", "create", "--customer", "Acme", "--uses", "1").stdout.strip()
    ups = {"id": "lab-ups", "name": "Lab UPS", "host": "127.0.0.1", "port": snmpsim.port, "version": "2c"}
    ups |= {"legacy": True, "community": "eaton-93e-80", "interval_s": 5}
    env = {"EUS_AGENT_BATCH_FLUSH_INTERVAL_S": "0.5", "EUS_AGENT_SNMP_TARGETS": json.dumps([ups])}
    gateway = AgentProc(tmp_path / "gateway", "gateway", env)
    gateway.enroll(collector, token)
    gateway.start()
    web = Dashboard(collector)
    web.login("tech", PASSWORD)
    try:
        customer_id = web.first_id("/", r'href="/customers/(\d+)"')
        listing = f"/customers/{customer_id}/snmp"
        wait_for(lambda: "Lab UPS" in web.page(listing), 120, "the gateway's own target in the list", 1)
        assert "agent.toml" in web.page(listing)
        device_id = web.first_id(listing, r'href="/snmp/(\d+)">Lab UPS<')
        page = f"/snmp/{device_id}"
        wait_for(lambda: 'id="ups"' in web.page(page), 120, "the UPS readings", 2)
        ups_page = web.page(page)
        assert "legacy finding" in ups_page and "lab-ups" in ups_page
        assert re.search(r"<dt>Battery</dt><dd>normal</dd>", ups_page), ups_page[:3000]
        assert re.search(r"<dt>Charge</dt><dd>100 %</dd>", ups_page)
        assert f"/snmp/{device_id}/edit" not in ups_page  # configured in the agent's file, not here
        refused = web.submit(page, f"{page}/delete", {})
        assert refused.status_code == 409
        assert gateway.stop() == 0, gateway.log_tail()
    finally:
        if gateway.alive:
            gateway.stop()
        assert collector.stop() == 0, collector.log_tail()
    engine = create_engine(f"sqlite:///{data / 'eus.sqlite3'}")
    with Session(engine) as s:
        row = s.get_one(NetworkDevice, device_id)
        assert (row.origin, row.target_id, row.community_enc) == ("agent-file", "lab-ups", "")
    engine.dispose()
