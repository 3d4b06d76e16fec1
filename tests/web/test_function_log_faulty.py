"""The Function Log's "not OK now" list reads the customer roll-up's newest results (one indexed
read per page, whatever the fleet's size), so it follows results as they are committed."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from collector.customers.rollup import Rollups
from collector.store.db import Store
from collector.tsdb.db import TimeSeriesDB

from .conftest import PASSWORDS, LoginFn, Seed
from .customer_seed import deliver

M = timedelta(minutes=1)


def _faulty_table(client: FlaskClient, customer_id: int) -> str:
    page = client.get(f"/customers/{customer_id}/function-log").get_data(as_text=True)
    start = page.index('<table id="faulty-functions">')
    return page[start : page.index("</table>", start)]


def test_the_not_ok_list_follows_the_committed_results_of_this_customer_only(
    client: FlaskClient, login: LoginFn, store: Store, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    rollups = Rollups(store)
    deliver(tsdb, rollups, seed.device_a, [("http:portal", "http", 3, "HTTP 500", 5 * M)])
    deliver(tsdb, rollups, seed.device_a, [("tcp:db", "tcp", 1, "connected", 4 * M)])
    deliver(tsdb, rollups, seed.device_b, [("http:shop", "http", 3, "HTTP 502", 3 * M)])
    login("admin", PASSWORDS["admin"])

    table = _faulty_table(client, seed.customer_a)
    assert "http:portal" in table and "HTTP 500" in table and "critical" in table
    assert "tcp:db" not in table  # OK now
    assert "http:shop" not in table  # another customer's device
    assert f"device={seed.device_a}" in table  # Resolve and Manage name the device

    deliver(tsdb, rollups, seed.device_a, [("http:portal", "http", 1, "HTTP 200", M)])
    assert "Every function is OK." in _faulty_table(client, seed.customer_a)
