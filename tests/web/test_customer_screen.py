"""The fleet overview, the customer screen and the global search over a roll-up kept current by
what arrives (function results on the bus, alert steps through the engine's hook): worst first,
filter, sort, pages, columns, bulk actions (audited), the four levels, search scoped to the user."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from collector.alerting.domain import Severity
from collector.alerting.engine import AlertEngine
from collector.alerting.models import Alert, Contact, MaintenanceWindow
from collector.alerting.records import Actor
from collector.customers.models import CustomerRollup, FunctionLatest
from collector.customers.rollup import Rollups
from collector.helpdesk import tickets
from collector.helpdesk.models import Calendar, SlaPolicy, SlaTarget
from collector.store.db import Store
from collector.store.models import AuditEntry
from collector.tsdb.db import TimeSeriesDB
from collector.web import alerting_views, create_app, fleet_devices

from .conftest import PASSWORDS, SECRET_KEY, LoginFn, Seed, csrf_token
from .customer_seed import deliver, fire

H = timedelta(hours=1)
M = timedelta(minutes=1)


@pytest.fixture
def rollups(store: Store) -> Rollups:
    return Rollups(store)


@pytest.fixture
def engine(store: Store, rollups: Rollups) -> AlertEngine:
    """Wired as the composition root wires it: the roll-up is a transition hook."""
    return AlertEngine(store, hooks=(rollups.alert_hook,))


@pytest.fixture
def app(store: Store, tsdb: TimeSeriesDB, seed: Seed, engine: AlertEngine) -> Flask:
    app = create_app(store, tsdb, secret_key=SECRET_KEY, test_config={"TESTING": True})
    alerting_views.init_app(app, engine)
    return app


def _rollup(store: Store, customer_id: int) -> CustomerRollup:
    with store.session() as s:
        row = s.get(CustomerRollup, customer_id)
        assert row is not None, "no roll-up row was written"
        s.expunge(row)
        return row


def test_results_arriving_keep_the_roll_up_current(
    store: Store, tsdb: TimeSeriesDB, seed: Seed, rollups: Rollups
) -> None:
    deliver(tsdb, rollups, seed.device_a, [("http:portal", "http", 1, "HTTP 200", 10 * M)])
    assert _rollup(store, seed.customer_a).status == "ok"

    deliver(tsdb, rollups, seed.device_a, [("http:portal", "http", 3, "HTTP 500", 5 * M)])
    row = _rollup(store, seed.customer_a)
    assert (row.status, row.functions_critical, row.reason) == ("down", 1, "every function failing")

    deliver(tsdb, rollups, seed.device_a, [("tcp:db", "tcp", 1, "connected", 4 * M)])
    row = _rollup(store, seed.customer_a)
    assert (row.status, row.functions_total, row.reason) == ("degraded", 2, "1 function failing")

    # a resent older batch changes nothing; the newer failure stands
    deliver(tsdb, rollups, seed.device_a, [("http:portal", "http", 1, "HTTP 200", 9 * M)])
    with store.session() as s:
        fn = s.scalars(select(FunctionLatest).where(FunctionLatest.function_id == "http:portal")).one()
        assert (fn.status, fn.message) == (3, "HTTP 500")


def test_alert_steps_update_the_roll_up_in_their_own_transaction(
    store: Store, seed: Seed, engine: AlertEngine
) -> None:
    rec = fire(store, engine, seed.customer_b, seed.device_b, Severity.CRITICAL)
    row = _rollup(store, seed.customer_b)
    assert (row.status, row.open_alerts, row.critical_alerts) == ("down", 1, 1)
    engine.resolve(rec.id, Actor("user:admin", "127.0.0.1", None), "fixed the disk")
    row = _rollup(store, seed.customer_b)
    assert (row.status, row.open_alerts) == ("down", 0)
    assert row.reason == "every instance offline"  # bravo-dc01, its only one, is still offline


def _customer_order(page: str) -> list[str]:
    table = page.split('class="fleet-customers', 1)[1].split("</table>", 1)[0]
    return re.findall(r'data-customer="\d+" data-status="(\w+)"', table)


def test_the_fleet_lists_customers_worst_first_and_only_those_one_may_see(  # noqa: PLR0917 - fixtures
    client: FlaskClient,
    login: LoginFn,
    store: Store,
    tsdb: TimeSeriesDB,
    seed: Seed,
    rollups: Rollups,
    engine: AlertEngine,
) -> None:
    deliver(
        tsdb,
        rollups,
        seed.device_a,
        [("http:portal", "http", 2, "slow", 5 * M), ("tcp:db", "tcp", 1, "ok", M)],
    )
    fire(store, engine, seed.customer_b, seed.device_b, Severity.CRITICAL)
    login("admin", PASSWORDS["admin"])
    page = client.get("/").get_data(as_text=True)
    assert _customer_order(page) == ["down", "degraded"]
    assert page.index("Bravo Logistics") < page.index("Acme Dental")
    assert "1 critical alert firing" in page and "1 function warning" in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login("tech", PASSWORDS["tech"])
    page = client.get("/").get_data(as_text=True)
    assert _customer_order(page) == ["degraded"]
    assert "Bravo" not in page and "bravo-dc01" not in page


def test_the_device_list_filters_sorts_and_shows_the_chosen_columns(
    client: FlaskClient, login: LoginFn, tsdb: TimeSeriesDB, seed: Seed, rollups: Rollups
) -> None:
    deliver(tsdb, rollups, seed.device_a, [("http:portal", "http", 3, "HTTP 500", M)])
    login("admin", PASSWORDS["admin"])

    def devices(query: str) -> list[str]:
        page = client.get("/" + query).get_data(as_text=True)
        table = page.split("fleet-devices kb-list", 1)[1].split("</table>", 1)[0]
        return re.findall(r'<a href="/devices/\d+">([^<]+)</a>', table)

    assert devices("?sort=host&dir=asc") == ["acme-fs01", "bravo-dc01"]
    assert devices("?sort=host&dir=desc") == ["bravo-dc01", "acme-fs01"]
    assert devices("?health=failing") == ["acme-fs01"]
    assert devices("?q=BRAVO") == ["bravo-dc01"]  # by customer name, case-insensitively
    assert devices("?q=10.0.0.17") == ["acme-fs01"]  # by address
    assert devices("?state=offline-unexpected") == ["bravo-dc01"]
    assert devices(f"?customer={seed.customer_a}") == ["acme-fs01"]
    page = client.get("/?col=agent&col=address").get_data(as_text=True)
    head = page.split("fleet-devices kb-list", 1)[1].split("</thead>", 1)[0]
    assert re.findall(r"<th>([^<]+)</th>", head) == ["Host", "Agent", "Address"]
    assert "10.0.0.17" in page
    assert client.get("/?sort=nonsense&health=worse&page=x").status_code == 200  # defaults, not errors


def _rows(page: str) -> list[tuple[str, str, str]]:
    """(host, functions cell, open alerts cell) of each device row, in order."""
    table = page.split("fleet-devices kb-list", 1)[1].split("</table>", 1)[0]
    found = []
    for row in re.findall(r'<tr class="kb-item".*?</tr>', table, re.S):
        host = re.search(r'<a href="/devices/\d+">([^<]+)</a>', row)
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        assert host is not None, row
        found.append((host.group(1), cells[-2], cells[-1]))
    return found


def test_sorting_by_open_alerts_and_paging_split_the_list(  # noqa: PLR0917 - fixtures
    client: FlaskClient,
    login: LoginFn,
    monkeypatch: pytest.MonkeyPatch,
    seed: Seed,
    store: Store,
    engine: AlertEngine,
    tsdb: TimeSeriesDB,
    rollups: Rollups,
) -> None:
    fire(store, engine, seed.customer_b, seed.device_b, Severity.WARNING)
    deliver(tsdb, rollups, seed.device_a, [("http:portal", "http", 3, "HTTP 500", M)])
    login("admin", PASSWORDS["admin"])
    cols = "&col=health&col=alerts"

    by_alerts = _rows(client.get("/?sort=alerts&dir=desc" + cols).get_data(as_text=True))
    assert [(h, n) for h, _, n in by_alerts] == [("bravo-dc01", "1"), ("acme-fs01", "0")]
    assert "critical" in by_alerts[1][1] and "none" in by_alerts[0][1]  # each row keeps its own values
    by_health = _rows(client.get("/?sort=health&dir=desc" + cols).get_data(as_text=True))
    assert [h for h, _, _ in by_health] == ["acme-fs01", "bravo-dc01"]

    monkeypatch.setattr(fleet_devices, "PAGE", 1)
    pages = [client.get(f"/?sort=alerts&dir=asc&page={n}" + cols).get_data(as_text=True) for n in (1, 2, 3)]
    assert [_rows(p) for p in pages[:2]] == [[by_alerts[1]], [by_alerts[0]]]
    assert _rows(pages[2]) == []
    assert all('id="device-total">2 matching' in p for p in pages)
    assert "Page 2 of 2" in pages[1] and "previous" in pages[1]


def test_bulk_maintenance_and_acknowledge_are_scoped_and_audited(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed, engine: AlertEngine
) -> None:
    rec = fire(store, engine, seed.customer_b, seed.device_b, Severity.WARNING)
    login("tech", PASSWORDS["tech"])  # sees customer A only
    token = csrf_token(client, "/")
    both = {"device_id": [str(seed.device_a), str(seed.device_b)], "csrf_token": token}
    resp = client.post(
        "/fleet/bulk", data={**both, "action": "maintenance", "hours": "2"}, follow_redirects=True
    )
    assert "1 device(s) in maintenance for 2 h" in resp.get_data(as_text=True)
    client.post("/fleet/bulk", data={**both, "action": "acknowledge"})
    with store.session() as s:
        windows = s.scalars(select(MaintenanceWindow)).all()
        assert [w.device_id for w in windows] == [seed.device_a]
        assert s.get_one(Alert, rec.id).acked_by == ""  # Bravo's alert: not the technician's to touch
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "maintenance.create")).all()
        assert [(a.actor, a.customer_id, '"bulk": true' in a.detail) for a in audit] == [
            ("user:tech", seed.customer_a, True)
        ]
    refused = client.post(
        "/fleet/bulk", data={**both, "action": "maintenance", "hours": "3"}, follow_redirects=True
    )
    assert "choose how long" in refused.get_data(as_text=True)

    client.post("/logout", data={"csrf_token": token})
    login("admin", PASSWORDS["admin"])
    token = csrf_token(client, "/")
    client.post(
        "/fleet/bulk", data={"device_id": str(seed.device_b), "action": "acknowledge", "csrf_token": token}
    )
    with store.session() as s:
        assert s.get_one(Alert, rec.id).acked_by == "user:admin"
        acts = s.scalars(select(AuditEntry).where(AuditEntry.target == f"alert:{rec.id}")).all()
        assert [a.actor for a in acts] == ["user:admin"]  # the engine audits the acknowledgement


def test_the_customer_screen_shows_the_four_levels_and_audits_each_view(  # noqa: PLR0917 - fixtures
    client: FlaskClient, login: LoginFn, store: Store, tsdb: TimeSeriesDB, seed: Seed, rollups: Rollups
) -> None:
    deliver(
        tsdb,
        rollups,
        seed.device_a,
        [
            ("http:portal", "http", 1, "HTTP 200", 3 * H),
            ("http:portal", "http", 3, "HTTP 500 from portal", 2 * M),
        ],
    )
    deliver(
        tsdb,
        rollups,
        seed.device_a,
        [("tcp:db", "tcp", 1, "connected", M), ("tcp:db", "tcp", 1, "connected", 2 * M)],
    )
    with store.session() as s:
        s.add(Contact(customer_id=seed.customer_a, name="Ann Office", email="ann@acme.example"))
        cal = Calendar(name="office", hours="mon-fri 09:00-18:00", tz="UTC")
        s.add(cal)
        s.flush()
        policy = SlaPolicy(name="standard", calendar_id=cal.id, warn_percent=75)
        s.add(policy)
        s.flush()
        s.add(SlaTarget(policy_id=policy.id, priority=2, response_minutes=600, resolution_minutes=6000))
        s.flush()
        tickets.open_ticket(
            s,
            tickets.NewTicket(customer_id=seed.customer_a, title="Portal down", priority=2),
            "user:tech",
            datetime.now(UTC),
        )
    login("tech", PASSWORDS["tech"])
    page = client.get(f"/customers/{seed.customer_a}").get_data(as_text=True)
    for level in ("level-service", "level-instance", "level-function", "level-contacts"):
        assert f'id="{level}"' in page, level
    service = page.split('id="level-service"', 1)[1].split("</section>", 1)[0]
    assert "75.00 %" in service  # 3 of 4 checks OK in every window
    assert "Portal down" in service
    tickets_table = service.split('class="open-tickets"', 1)[1]
    assert tickets_table.count(" left</span>") == 2  # response and resolution SLA countdowns
    instance = page.split('id="level-instance"', 1)[1].split("</section>", 1)[0]
    for fact in ("acme-fs01", "Debian 12", "0.1.0", "10.0.0.17", "online", "Inventory"):
        assert fact in instance, fact
    function = page.split('id="level-function"', 1)[1].split("</section>", 1)[0]
    assert function.index("http:portal") < function.index("tcp:db")  # failing first
    assert "HTTP 500 from portal" in function
    with store.session() as s:
        dev = s.scalars(
            select(FunctionLatest.device_id).where(FunctionLatest.function_id == "http:portal")
        ).one()
    resolve = f"/customers/{seed.customer_a}/functions/http:portal/resolve?device={dev}"
    assert f'data-slot="resolve" href="{resolve}"' in function
    assert function.count('data-slot="resolve"') == 1  # only the faulty one
    assert 'class="spark-3"' in function and 'class="spark-1"' in function
    assert "Ann Office" in page.split('id="level-contacts"', 1)[1]
    data = client.get(f"/api/customers/{seed.customer_a}/functions").get_json()
    by_id = {f["function_id"]: f for f in data["functions"]}
    spark = by_id["http:portal"]["sparkline"]
    # The newest hour that ran is critical: the current hour, or the one before when the
    # clock has just turned an hour (the failing result came 2 minutes ago).
    assert by_id["http:portal"]["status"] == 3 and [h for h in spark if h][-1] == 3, spark
    assert 3 in spark[-2:] and 1 in spark, spark
    with store.session() as s:
        views = s.scalars(select(AuditEntry).where(AuditEntry.action == "customer.view")).all()
        assert [(v.actor, v.customer_id) for v in views] == [("user:tech", seed.customer_a)] * 2


def test_global_search_finds_every_kind_the_user_may_see(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    with store.session() as s:
        s.add(
            Contact(
                customer_id=seed.customer_a, name="Ann Office", email="ann@acme.example", mobile="+4915112345"
            )
        )
        s.add(Contact(customer_id=seed.customer_b, name="Bob Bravo", email="bob@bravo.example"))
        t = tickets.open_ticket(
            s,
            tickets.NewTicket(customer_id=seed.customer_a, title="Printer jammed"),
            "user:tech",
            datetime.now(UTC),
        )
        number = t.number
    login("tech", PASSWORDS["tech"])

    def kinds(q: str) -> list[tuple[str, str]]:
        data = client.get("/search", query_string={"q": q, "format": "json"}).get_json()
        return [(h["kind"], h["label"]) for h in data["hits"]]

    assert ("customer", "Acme Dental") in kinds("acme")
    assert ("device", "acme-fs01") in kinds("fs01")
    assert ("device", "acme-fs01") in kinds("10.0.0.17")
    assert ("contact", "Ann Office") in kinds("ann@acme")
    assert ("contact", "Ann Office") in kinds("+49151")
    assert [k for k, _ in kinds(f"EUS-{number:06d}")] == ["ticket"]
    assert ("ticket", f"EUS-{number:06d} Printer jammed") in kinds("printer")
    assert kinds("bravo") == [] and kinds("bob@") == []  # customer B is not the technician's
    page = client.get("/search?q=a").get_data(as_text=True)
    assert "Type at least 2 characters" in page
    assert 'id="global-search"' in client.get(f"/devices/{seed.device_a}").get_data(as_text=True)
