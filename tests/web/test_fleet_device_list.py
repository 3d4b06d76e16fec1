"""The fleet's device list read in three queries (count, the page's ids in order, their rows):
sorts on the per-device values and pages that split the list; and the two template helpers the
long lists render with (``collector.web.list_render``)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from collector.alerting.domain import Severity
from collector.alerting.engine import AlertEngine
from collector.customers.rollup import Rollups
from collector.store.db import Store
from collector.tsdb.db import TimeSeriesDB
from collector.web import alerting_views, create_app, fleet_devices
from collector.web.list_render import id_url

from .conftest import PASSWORDS, SECRET_KEY, LoginFn, Seed
from .customer_seed import deliver, fire

M = timedelta(minutes=1)


@pytest.fixture
def rollups(store: Store) -> Rollups:
    return Rollups(store)


@pytest.fixture
def engine(store: Store, rollups: Rollups) -> AlertEngine:
    return AlertEngine(store, hooks=(rollups.alert_hook,))


@pytest.fixture
def app(store: Store, tsdb: TimeSeriesDB, seed: Seed, engine: AlertEngine) -> Flask:
    app = create_app(store, tsdb, secret_key=SECRET_KEY, test_config={"TESTING": True})
    alerting_views.init_app(app, engine)
    return app


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
    store: Store,
    tsdb: TimeSeriesDB,
    seed: Seed,
    rollups: Rollups,
    engine: AlertEngine,
    monkeypatch: pytest.MonkeyPatch,
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


def test_id_url_writes_what_url_for_writes(app: Flask) -> None:
    app.add_url_rule("/padded/<int(fixed_digits=4):n>", "padded", lambda n: "")
    with app.test_request_context("/"):
        for endpoint, arg in (
            ("dashboard.device", "device_id"),
            ("dashboard.customer", "customer_id"),
            ("alerting.alert_detail", "alert_id"),
            ("alerting.acknowledge", "alert_id"),
            ("alerting.alerts", "customer"),  # a query argument
        ):
            build = id_url(endpoint, arg)
            for value in (1, 7, 42, 1000, 123456789):
                values: dict[str, Any] = {arg: value}
                assert build(value) == url_for(endpoint, **values)
        with pytest.raises(ValueError, match="padded"):
            id_url("padded", "n")  # 7 is written 0007 there


def test_memo_renders_a_macro_once_per_distinct_value(app: Flask) -> None:
    calls: list[object] = []

    def seen(value: object) -> str:
        calls.append(value)
        return ""

    template = app.jinja_env.from_string(
        "{% macro badge(v) %}{{ seen(v) }}<b>{{ v }}</b>{% endmacro %}"
        "{% for v in values %}{{ memo(badge, v) }}|{% endfor %}"
    )
    values = [1, 2, 1, [3, 4], 1, [3, 4], "<x>", 2]
    with app.test_request_context("/"):
        out = template.render(values=values, seen=seen)
    assert out.split("|")[:-1] == [f"<b>{v}</b>" if v != "<x>" else "<b>&lt;x&gt;</b>" for v in values]
    assert calls == [1, 2, [3, 4], "<x>"]
