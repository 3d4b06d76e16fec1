"""SNMP devices in the dashboard: tenant scope, form rules, encrypted secrets, audit, pushes,
and the pages showing what gateways reported (real SQLite store and DuckDB file).

Configuring devices is for supervisors and administrators: here the seeded ``tech`` user is
a supervisor granted customer A only (:func:`tech_configures`), so the tenant scope of
every change is tested too; the last test demotes them again."""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from collector.snmp.models import NetworkDevice, SnmpGateway
from collector.store.db import Store
from collector.store.models import AuditEntry, Device, Role, StreamState
from collector.tsdb.db import TimeSeriesDB

from .conftest import PASSWORDS, LoginFn, Seed, csrf_token, set_role
from .snmp_seed import (
    CRITICAL,
    OK,
    WARNING,
    DuckSeed,
    Snmp,
    snmp_fixture,  # noqa: F401 - provides the ``snmp`` fixture
)

AUTH_KEY, PRIV_KEY, COMMUNITY = "auth-key-4f1c9", "priv-key-8d2e7", "comm-secret-3a"


@pytest.fixture(autouse=True)
def tech_configures(store: Store, seed: Seed) -> None:
    """``tech`` (granted customer A only) as a supervisor, who may configure devices."""
    set_role(store, seed.tech, Role.SUPERVISOR)


def v3(seed: Seed, **extra: str) -> dict[str, str]:
    return {
        "name": "Core switch",
        "host": "10.0.0.2",
        "gateway_device_id": str(seed.device_a),
        "site_id": str(seed.site_a),
        "version": "3",
        "user": "monuser",
        "auth_protocol": "SHA-256",
        "auth_key": AUTH_KEY,
        "priv_protocol": "AES-256",
        "priv_key": PRIV_KEY,
        **extra,
    }


def post(client: FlaskClient, path: str, data: dict[str, str], token_page: str) -> object:
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_page)})


def add(client: FlaskClient, seed: Seed, **extra: str) -> int:
    page = f"/customers/{seed.customer_a}/snmp/new"
    response = post(client, page, v3(seed, **extra), page)
    assert response.status_code == 302, response.get_data(as_text=True)  # type: ignore[attr-defined]
    match = re.search(r"/snmp/(\d+)$", response.headers["Location"])  # type: ignore[attr-defined]
    assert match is not None
    return int(match.group(1))


def test_a_supervisor_adds_a_v3_device_stored_encrypted_audited_and_pushed(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed, snmp: Snmp
) -> None:
    login("tech", PASSWORDS["tech"])
    new_page = client.get(f"/customers/{seed.customer_a}/snmp/new").get_data(as_text=True)
    assert "acme-fs01" in new_page and "bravo-dc01" not in new_page  # only this customer's agents
    device_id = add(client, seed)
    with store.session() as s:
        row = s.get_one(NetworkDevice, device_id)
        assert (row.customer_id, row.gateway_device_id, row.created_by) == (
            seed.customer_a,
            seed.device_a,
            "user:tech",
        )
        assert (
            AUTH_KEY not in row.auth_key_enc
            and snmp.targets.box.decrypt(row.auth_key_enc).reveal() == AUTH_KEY
        )
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "snmp.device.create")).one()
        assert (audit.actor, audit.customer_id) == ("user:tech", seed.customer_a)
        assert AUTH_KEY not in audit.detail and PRIV_KEY not in audit.detail
    (target,) = snmp.gateway_a.targets()
    assert (target.id, target.host, target.auth_key, target.priv_key) == (
        f"snmp-{device_id}", "10.0.0.2", AUTH_KEY, PRIV_KEY)  # fmt: skip
    assert snmp.gateway_b.sent == []
    for path in (f"/snmp/{device_id}", f"/snmp/{device_id}/edit", f"/customers/{seed.customer_a}/snmp"):
        body = client.get(path).get_data(as_text=True)
        assert "Core switch" in body, path
        assert AUTH_KEY not in body and PRIV_KEY not in body, path


def test_v2c_is_refused_without_the_legacy_flag_and_shown_as_a_finding_with_it(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed, snmp: Snmp
) -> None:
    login("tech", PASSWORDS["tech"])
    page = f"/customers/{seed.customer_a}/snmp/new"
    form = v3(seed, name="Old printer", version="2c", community=COMMUNITY)
    refused = post(client, page, form, page)
    body = refused.get_data(as_text=True)  # type: ignore[attr-defined]
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "SNMPv2c sends the community in clear text" in body
    assert "Old printer" in body  # what was typed is kept ...
    assert COMMUNITY not in body  # ... except secrets, which are never sent back
    with store.session() as s:
        assert s.scalars(select(NetworkDevice)).all() == []
    device_id = add(client, seed, name="Old printer", version="2c", community=COMMUNITY, legacy="on")
    listing = client.get(f"/customers/{seed.customer_a}/snmp").get_data(as_text=True)
    assert "legacy finding" in listing
    assert "legacy SNMPv2c" in client.get(f"/snmp/{device_id}").get_data(as_text=True)
    assert snmp.gateway_a.targets()[0].community == COMMUNITY


def test_bad_input_gets_specific_messages_and_stores_nothing(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed, snmp: Snmp
) -> None:
    login("tech", PASSWORDS["tech"])
    page = f"/customers/{seed.customer_a}/snmp/new"
    cases = [
        ({"gateway_device_id": str(seed.device_b)}, "Gateway: choose one of this customer&#39;s agents."),
        ({"host": "not a host"}, "Host: an IPv4 or IPv6 address or a DNS name."),
        ({"auth_key": "short"}, "Authentication key: 8 to 256 characters"),
        ({"priv_protocol": "DES"}, "DES is broken"),
        ({"port": "99999"}, "Port: from 1 to 65535."),
    ]
    for changes, message in cases:
        response = post(client, page, v3(seed, **changes), page)
        assert response.status_code == 400, changes  # type: ignore[attr-defined]
        assert message in response.get_data(as_text=True), changes  # type: ignore[attr-defined]
    with store.session() as s:
        assert s.scalars(select(NetworkDevice)).all() == []
    assert snmp.gateway_a.sent == []


def test_another_customers_devices_are_404_everywhere(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed, snmp: Snmp
) -> None:
    login("admin", PASSWORDS["admin"])
    page = f"/customers/{seed.customer_b}/snmp/new"
    response = post(
        client, page, v3(seed, gateway_device_id=str(seed.device_b), site_id="", name="Bravo switch"), page
    )
    assert response.status_code == 302  # type: ignore[attr-defined]
    with store.session() as s:
        bravo = s.scalars(select(NetworkDevice)).one().id
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login("tech", PASSWORDS["tech"])
    token = csrf_token(client, f"/customers/{seed.customer_a}/snmp")
    for path in (f"/snmp/{bravo}", f"/snmp/{bravo}/edit", f"/customers/{seed.customer_b}/snmp",
                 f"/customers/{seed.customer_b}/snmp/new", f"/customers/{seed.customer_b}/network",
                 f"/customers/{seed.customer_b}/traps", "/snmp/424242"):  # fmt: skip
        assert client.get(path).status_code == 404, path
    for path in (f"/snmp/{bravo}/edit", f"/snmp/{bravo}/delete", f"/customers/{seed.customer_b}/snmp/new",
                 f"/customers/{seed.customer_b}/snmp/trap-listener"):  # fmt: skip
        assert client.post(path, data={**v3(seed), "csrf_token": token}).status_code == 404, path
    overview = client.get("/snmp").get_data(as_text=True)
    assert "Acme Dental" in overview and "Bravo Logistics" not in overview
    with store.session() as s:
        assert s.get_one(NetworkDevice, bravo).name == "Bravo switch"


def test_post_without_csrf_token_is_rejected(
    client: FlaskClient, login: LoginFn, seed: Seed, snmp: Snmp
) -> None:
    login("tech", PASSWORDS["tech"])
    assert client.post(f"/customers/{seed.customer_a}/snmp/new", data=v3(seed)).status_code == 400


def test_edit_keeps_blank_secrets_and_delete_empties_the_gateways_list(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed, snmp: Snmp
) -> None:
    login("tech", PASSWORDS["tech"])
    device_id = add(client, seed)
    edit = f"/snmp/{device_id}/edit"
    response = post(client, edit, v3(seed, host="10.0.0.9", auth_key="", priv_key=""), edit)
    assert response.status_code == 302  # type: ignore[attr-defined]
    (target,) = snmp.gateway_a.targets()
    assert (target.host, target.auth_key, target.priv_key) == ("10.0.0.9", AUTH_KEY, PRIV_KEY)
    switched = post(client, edit, v3(seed, version="2c", legacy="on", community=""), edit)
    assert "Community: required for SNMPv2c." in switched.get_data(as_text=True)  # type: ignore[attr-defined]
    post(client, f"/snmp/{device_id}/delete", {}, f"/snmp/{device_id}")
    assert snmp.gateway_a.targets() == []
    with store.session() as s:
        assert s.get(NetworkDevice, device_id) is None
        actions = [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()]
        details = " ".join(a.detail for a in s.scalars(select(AuditEntry)).all())
    assert actions[-3:] == ["snmp.device.create", "snmp.device.update", "snmp.device.delete"]
    assert AUTH_KEY not in details and PRIV_KEY not in details


def test_trap_listener_settings_are_saved_audited_and_pushed(  # noqa: PLR0917 - fixtures
    client: FlaskClient, login: LoginFn, store: Store, tsdb: TimeSeriesDB, seed: Seed, snmp: Snmp
) -> None:
    login("tech", PASSWORDS["tech"])
    page = f"/customers/{seed.customer_a}/snmp"
    url = f"/customers/{seed.customer_a}/snmp/trap-listener"
    form = {"gateway_device_id": str(seed.device_a), "trap_enabled": "1", "trap_port": "16162",
            "trap_communities": COMMUNITY}  # fmt: skip
    assert post(client, url, form, page).status_code == 302  # type: ignore[attr-defined]
    listener = snmp.gateway_a.sent[-1].config.trap_listener
    assert (listener.enabled, listener.port, list(listener.communities)) == (True, 16162, [COMMUNITY])
    shown = client.get(page).get_data(as_text=True)
    # saved is not listening: the page says what the agent reported (issue #10.1)
    assert "saved (listen on 0.0.0.0:16162)" in shown and COMMUNITY not in shown
    assert "listening on" not in shown and "no listener state yet" in shown
    message = "cannot listen on 0.0.0.0:16162: Address already in use (retrying in 2 s)"
    DuckSeed(tsdb.cursor()).function(
        seed.device_a, "", "snmp:trap-listener", kind="snmp", status=CRITICAL, message=message
    )
    shown = client.get(page).get_data(as_text=True)
    assert f'<span class="health-critical">{message}</span>' in shown
    post(client, url, {**form, "gateway_device_id": str(seed.device_b)}, page)
    assert "choose one of this customer" in client.get(page).get_data(as_text=True)
    post(client, url, {**form, "trap_port": "0"}, page)
    assert "Trap port: a whole number from 1 to 65535." in client.get(page).get_data(as_text=True)
    with store.session() as s:
        assert s.get(SnmpGateway, seed.device_b) is None
        row = s.get_one(SnmpGateway, seed.device_a)
        assert (row.trap_enabled, row.trap_port) == (
            True,
            16162,
        ) and COMMUNITY not in row.trap_communities_enc
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "snmp.gateway.update")).one()
        assert COMMUNITY not in audit.detail and json.loads(audit.detail)["trap_port"] == 16162


def test_the_device_page_shows_what_the_gateway_reported(  # noqa: PLR0917 - fixtures
    client: FlaskClient, login: LoginFn, store: Store, tsdb: TimeSeriesDB, seed: Seed, snmp: Snmp
) -> None:
    login("tech", PASSWORDS["tech"])
    device_id = add(client, seed, interval_s="30")
    t, gw = f"snmp-{device_id}", seed.device_a
    duck = DuckSeed(tsdb.cursor())
    duck.function(gw, t, f"{t}:reachability", kind="snmp", status=OK, message="polled in 0.02 s")
    duck.function(
        gw,
        t,
        f"{t}:supply:1",
        kind="snmp.supply",
        status=WARNING,
        message="Black Toner at 12% (warning below 15%)",
    )
    duck.function(
        gw, "snmp-999", "snmp-999:reachability", kind="snmp", status=CRITICAL, message="someone else's"
    )
    duck.item(gw, t, "snmp_system", "system", sysName="DUMSYS-52", sysObjectID="1.3.6.1.4.1.9.12.3.1.3.1084",
              vendor="Cisco", profiles="system,interfaces,entity,lldp")  # fmt: skip
    duck.item(
        gw, t, "interface", "436281344", name="Ethernet1/19", alias="to ProCurve", mac="8c:60:4f:19:16:3a"
    )
    duck.item(gw, t, "entity", "10", model="N5K-C5548UP", serial="SSI183706KP", firmware="6.0(2)N2(3)")
    duck.item(gw, t, "lldp_neighbor", "436281344.0", sys_name="ProCurve 6120XG Blade Switch", port_id="17")
    labels = {"ifIndex": "436281344", "ifName": "Ethernet1/19"}
    duck.series(gw, t, "snmp.if.in_octets", [(60, 1_000_000), (0, 1_750_000)], **labels)  # 100 kbit/s
    duck.series(gw, t, "snmp.sys.uptime_s", [(60, 5000), (0, 5060)])
    duck.series(
        gw, t, "snmp.printer.supply_percent", [(0, 12)], index="1", descr="Black Toner", color="black"
    )
    duck.trap(gw, "10.0.0.2", "linkDown", "warning", target=t, trap_oid="1.3.6.1.6.3.1.1.5.3", version="2c")
    duck.item(gw, t, "ups", "ups", manufacturer="EATON", model="93E 80", firmware="INV: 1.40")  # (#10.7)
    duck.item(gw, t, "printer", "printer", model="HP Color LaserJet MFP M480f", serial="CNBRP4K0GX")
    duck.series(gw, t, "snmp.printer.pages_total", [(0, 123456)], index="1")
    for line, volts_in, volts_out in (("1", 238, 231), ("2", 0, 0)):  # each line shown (#10.5)
        duck.series(gw, t, "snmp.ups.input_voltage_v", [(0, volts_in)], line=line)
        duck.series(gw, t, "snmp.ups.output_voltage_v", [(0, volts_out)], line=line)
    page = client.get(f"/snmp/{device_id}").get_data(as_text=True)
    assert '<tr data-line="1"><td>1</td><td class="num">238 V</td>' in page
    assert '<td class="num">231 V</td>' in page and '<tr data-line="2">' in page
    for fact in ("EATON 93E 80", "INV: 1.40", "HP Color LaserJet MFP M480f", "CNBRP4K0GX", "123456"):
        assert fact in page.split('id="identity"')[1].split("</section>")[0], fact
    facts = [
        "polled in 0.02 s",
        "DUMSYS-52",
        "system, interfaces, entity, lldp",
        "Ethernet1/19",
        "to ProCurve",
    ]
    facts += ["100.0 kbit/s", "SSI183706KP", "N5K-C5548UP", "ProCurve 6120XG Blade Switch", "Black Toner"]
    facts += ["12 %", "health-warning", "at 12% (warning below 15%)", "linkDown"]
    for fact in facts:
        assert fact in page, fact
    assert "someone else" not in page
    listing = client.get(f"/customers/{seed.customer_a}/snmp").get_data(as_text=True)
    assert "polled in 0.02 s" in listing and "health-warning" in listing and "DUMSYS-52" in listing
    # the badge: the worst finding, and unknown while the gateway is offline (#10.8)
    assert '<span class="badge status health-warning" title="Black Toner at 12%' not in page  # name first
    h1 = page.split("<h1>")[1].split("</h1>")[0]
    assert "health-warning" in h1 and ">warning</span>" in h1, h1
    with store.session() as s:
        s.get_one(Device, gw).stream_state = StreamState.OFFLINE_UNEXPECTED.value
    offline = '<span class="badge status health-unknown" title="its gateway agent is not connected">'
    assert offline + "unknown — gateway offline</span>" in client.get(f"/snmp/{device_id}").get_data(
        as_text=True
    )
    listing = client.get(f"/customers/{seed.customer_a}/snmp").get_data(as_text=True)
    assert "unknown — gateway offline" in listing


def test_network_view_links_devices_and_traps_are_scoped(
    client: FlaskClient, login: LoginFn, tsdb: TimeSeriesDB, seed: Seed, snmp: Snmp
) -> None:
    login("tech", PASSWORDS["tech"])
    nexus = add(client, seed, name="Nexus")
    procurve = add(client, seed, name="ProCurve", host="10.0.0.3")
    gw = seed.device_a
    duck = DuckSeed(tsdb.cursor())
    duck.item(gw, f"snmp-{nexus}", "interface", "436281344", name="Ethernet1/19", mac="8c604f19163a")
    duck.item(gw, f"snmp-{procurve}", "interface", "17", name="17", mac="ac162d927d2f")
    duck.item(gw, f"snmp-{procurve}", "interface", "76", name="VLAN1", mac="ac162d927d21")
    duck.item(gw, f"snmp-{nexus}", "lldp_neighbor", "436281344.0", local_port="Ethernet1/19",
              chassis_id="ac162d927d21", port_id="17", sys_name="ProCurve 6120XG Blade Switch")  # fmt: skip
    duck.item(gw, f"snmp-{nexus}", "lldp_neighbor", "1.1", local_port="mgmt0", chassis_id="001122334455",
              sys_name="unmanaged-switch", port_id="Gi0/1")  # fmt: skip
    page = client.get(f"/customers/{seed.customer_a}/network").get_data(as_text=True)
    row = re.search(r'<tr class="link">(.*?)</tr>', page, re.S)
    assert row is not None
    cells = re.sub(r"<[^>]+>", " ", row.group(1)).split()
    assert cells[:5] == ["Nexus", "Ethernet1/19", "ProCurve", "17", "chassis"]
    assert "unmanaged-switch" in page and "(not monitored)" in page
    assert "acme-fs01" in page and "gateway" in page

    duck.trap(
        gw,
        "10.0.0.3",
        "coldStart",
        trap_oid="1.3.6.1.6.3.1.1.5.1",
        version="2c",
        **{"1.3.6.1.2.1.1.3.0": "42"},
    )
    duck.trap(seed.device_b, "192.0.2.1", "bravo-secret-trap")
    # a row stored before the agent masked snmpTrapCommunity.0 (issue #10.2)
    duck.trap(seed.device_a, "192.0.2.9", "v1 trap", **{"1.3.6.1.6.3.18.1.4.0": "leaky-community"})
    traps = client.get(f"/customers/{seed.customer_a}/traps").get_data(as_text=True)
    assert "coldStart" in traps and "ProCurve" in traps and "1.3.6.1.2.1.1.3.0" in traps
    assert "1.3.6.1.6.3.18.1.4.0" in traps and "leaky-community" not in traps
    assert "bravo-secret-trap" not in traps


def test_a_technician_reads_snmp_pages_but_may_not_configure(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed, snmp: Snmp
) -> None:
    login("tech", PASSWORDS["tech"])
    device_id = add(client, seed)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    set_role(store, seed.tech, Role.TECHNICIAN)

    login("tech", PASSWORDS["tech"])
    customer = f"/customers/{seed.customer_a}/snmp"
    for path in ("/snmp", customer, f"/snmp/{device_id}"):
        page = client.get(path)
        assert page.status_code == 200, path
        text = page.get_data(as_text=True)
        assert (
            "/snmp/new" not in text and f"/snmp/{device_id}/edit" not in text and "trap-listener" not in text
        )
    token = csrf_token(client, customer)
    for path in (f"{customer}/new", f"/snmp/{device_id}/edit"):
        assert client.get(path).status_code == 403, path
    for path in (
        f"{customer}/new",
        f"/snmp/{device_id}/edit",
        f"/snmp/{device_id}/delete",
        f"{customer}/trap-listener",
    ):
        assert client.post(path, data={**v3(seed), "csrf_token": token}).status_code == 403, path
    with store.session() as s:
        assert s.get_one(NetworkDevice, device_id).host == "10.0.0.2"
    assert len(snmp.gateway_a.sent) == 1  # only the supervisor's addition was pushed
