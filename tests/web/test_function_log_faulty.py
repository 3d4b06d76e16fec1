"""The Function Log's "not OK now" list reads the customer roll-up's newest results (one indexed
read per page, whatever the fleet's size), so it follows results as they are committed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from collector_functions.results import add_result
from flask.testing import FlaskClient

from collector.customers.rollup import Rollups
from collector.store.db import Store
from collector.tsdb import function_log
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


def test_changes_count_the_status_held_from_before_the_range(tsdb: TimeSeriesDB) -> None:
    """Only the range's results are windowed, plus each function's last result before it: a
    status held into the range is no change there; a function first heard in the range is."""
    now = datetime.now(UTC)
    h = timedelta(hours=1)
    for fid, status, at in [
        ("held", 3, now - 30 * h),  # critical long before the range, and still critical in it
        ("held", 3, now - 2 * h),
        ("back", 3, now - 30 * h),  # critical before the range, OK in it: one change
        ("back", 1, now - 3 * h),
        ("back", 1, now - 2 * h),
        ("new", 2, now - h),  # first heard in the range
    ]:
        add_result(tsdb, 1, fid, status, at.replace(tzinfo=None))
    got = function_log.state_changes(tsdb.cursor(), [1], now - 24 * h, now)
    assert [(c.function_id, c.previous, c.status) for c in got] == [("new", None, 2), ("back", 3, 1)]
