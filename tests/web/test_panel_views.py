"""The SNMP and fleet views of the dashboard files: an SNMP device's panels read its gateway's
series of that device only, a customer's fleet panels draw a line per device, the pages list
the panels of their view, and another customer's device or customer is a 404."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from collector.snmp.models import NetworkDevice
from collector.store.db import Store
from collector.tsdb.db import TimeSeriesDB

from .conftest import PASSWORDS, LoginFn, Seed
from .tsdb_seed import add_samples, add_series, aligned_now


def _snmp_device(store: Store, customer_id: int, gateway: int, name: str) -> tuple[int, str]:
    with store.session() as s:
        row = NetworkDevice(customer_id=customer_id, gateway_device_id=gateway, name=name, host="10.0.0.9")
        s.add(row)
        s.flush()
        return row.id, row.target_id


def test_an_snmp_device_panel_reads_only_its_own_target(
    client: FlaskClient, login: LoginFn, store: Store, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    ups, ups_target = _snmp_device(store, seed.customer_a, seed.device_a, "UPS")
    _, other_target = _snmp_device(store, seed.customer_a, seed.device_a, "Other UPS")
    hidden, _ = _snmp_device(store, seed.customer_b, seed.device_b, "Bravo UPS")
    cur = tsdb.cursor()
    now = aligned_now(10)
    for sid, target, charge in ((1, ups_target, 80.0), (2, other_target, 20.0)):
        labels = {"target": target}
        add_series(cur, sid, seed.device_a, "snmp.ups.battery_charge_percent", labels, unit="percent")
        add_samples(cur, sid, [(now - timedelta(seconds=10), charge), (now, charge + 1)])
    login("tech", PASSWORDS["tech"])

    body = client.get(f"/api/snmp/{ups}/series?panel=ups-battery&range=1h").get_json()
    [line] = body["series"]
    assert (line["label"], line["v"], line["matched"]) == ("charge", [80.0, 81.0], 1)
    assert body["unit"] == "percent" and body["kind"] == "area"
    traffic = client.get(f"/api/snmp/{ups}/series?panel=traffic").get_json()
    assert traffic["range"] == "24h"  # the SNMP file's default range
    assert [s["matched"] for s in traffic["series"]] == [0, 0]  # a UPS has no interfaces: hidden

    page = client.get(f"/snmp/{ups}").get_data(as_text=True)
    assert 'id="chart-ups-battery"' in page and "data-hide-unmatched" in page
    assert client.get(f"/api/snmp/{hidden}/series?panel=ups-battery").status_code == 404
    assert client.get(f"/api/snmp/{ups}/series?panel=cpu-cores").status_code == 400  # a device panel


def test_a_fleet_panel_draws_a_line_per_device_of_the_customer(
    client: FlaskClient, login: LoginFn, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    cur = tsdb.cursor()
    now = aligned_now(300)
    add_series(cur, 1, seed.device_a, "cpu.percent", {"cpu": "total"}, unit="percent")
    add_series(cur, 2, seed.device_a, "cpu.percent", {"cpu": "0"}, unit="percent")  # a core: not drawn
    add_series(cur, 3, seed.device_b, "cpu.percent", {"cpu": "total"}, unit="percent")  # customer B
    add_samples(cur, 1, [(now, 42.0)])
    add_samples(cur, 2, [(now, 99.0)])
    add_samples(cur, 3, [(now, 7.0)])
    login("tech", PASSWORDS["tech"])

    body = client.get(f"/api/customers/{seed.customer_a}/fleet?panel=cpu&range=24h").get_json()
    assert [(s["label"], s["v"]) for s in body["series"]] == [("acme-fs01", [42.0])]
    page = client.get(f"/customers/{seed.customer_a}").get_data(as_text=True)
    assert 'id="fleet-charts"' in page and 'id="chart-cpu"' in page and 'id="chart-memory"' in page
    assert client.get(f"/api/customers/{seed.customer_b}/fleet?panel=cpu").status_code == 404


def test_the_device_page_lists_every_device_panel_with_its_kind_and_default_range(
    client: FlaskClient, login: LoginFn, seed: Seed
) -> None:
    login("tech", PASSWORDS["tech"])
    page = client.get(f"/devices/{seed.device_a}?range=7d").get_data(as_text=True)
    for key in ("cpu", "memory", "disk", "net", "diskio", "cpu-cores", "load", "swap", "processes"):
        assert f'id="chart-{key}"' in page, key
    assert 'data-panel="processes" data-metric="processes"' in page
    assert 'data-kind="stat"' in page and 'data-kind="area"' in page
    assert 'data-range="7d"' in page  # the range switch offers every named range
    for key in ("1h", "6h", "24h", "30d"):
        assert f'data-range="{key}"' in page
