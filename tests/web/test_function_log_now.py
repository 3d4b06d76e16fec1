"""The Function Log's "not OK now" list reads the roll-up state (``customer_function_latest``)
in one query for the whole customer, whatever its number of devices: worst first, only the
functions heard from within the roll-up's window, process checks left out for a role blocked
from process lists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event

from collector.customers.models import CategoryBlock
from collector.customers.rollup import Rollups
from collector.store.db import Store
from collector.store.models import Device, StreamState
from collector.tsdb.db import TimeSeriesDB

from .conftest import PASSWORDS, LoginFn, Seed
from .customer_seed import deliver

M = timedelta(minutes=1)
OK, WARNING, CRITICAL = 1, 2, 3


@contextmanager
def statements(store: Store) -> Iterator[list[str]]:
    """The SQL statements the store runs inside the block."""
    seen: list[str] = []

    def on_execute(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    event.listen(store.engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", on_execute)


def second_device(store: Store, seed: Seed) -> int:
    with store.session() as s:
        dev = Device(
            customer_id=seed.customer_a,
            agent_id="agent-a-0002",
            hostname="acme-ws07",
            stream_state=StreamState.ONLINE.value,
        )
        s.add(dev)
        s.flush()
        return dev.id


def faulty_rows(page: str) -> list[str]:
    table = page.split('id="faulty-functions"', 1)[1].split("</table>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in table.split("<tr>")[2:]]


def test_not_ok_now_is_one_roll_up_query_worst_first(
    client: FlaskClient, login: LoginFn, store: Store, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    rollups = Rollups(store)
    other = second_device(store, seed)
    deliver(tsdb, rollups, seed.device_a, [("http:portal", "http", WARNING, "HTTP 302 slow", 3 * M)])
    deliver(tsdb, rollups, seed.device_a, [("tcp:db", "tcp", OK, "connected", 2 * M)])
    deliver(tsdb, rollups, other, [("svc:spooler", "systemd", CRITICAL, "spooler dead", 4 * M)])
    deliver(tsdb, rollups, other, [("tcp:old", "tcp", CRITICAL, "refused", timedelta(days=8))])
    deliver(tsdb, rollups, seed.device_b, [("http:bravo", "http", CRITICAL, "HTTP 500", M)])
    login("tech", PASSWORDS["tech"])
    with statements(store) as seen:
        page = client.get(f"/customers/{seed.customer_a}/function-log").get_data(as_text=True)
    rows = faulty_rows(page)
    assert [r.split()[0] for r in rows] == ["svc:spooler", "http:portal"]  # critical, then warning
    assert "acme-ws07" in rows[0] and "spooler dead" in rows[0] and "critical" in rows[0]
    assert "acme-fs01" in rows[1] and "warning" in rows[1]
    assert "tcp:old" not in page and "http:bravo" not in page  # aged out; another customer's
    assert len([q for q in seen if "customer_function_latest" in q]) == 1


def test_a_role_blocked_from_process_lists_is_not_shown_a_failing_process_check(
    client: FlaskClient, login: LoginFn, store: Store, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    rollups = Rollups(store)
    deliver(tsdb, rollups, seed.device_a, [("process:backupd", "process", CRITICAL, "not running", M)])
    login("tech", PASSWORDS["tech"])
    before = client.get(f"/customers/{seed.customer_a}/function-log").get_data(as_text=True)
    assert [r.split()[0] for r in faulty_rows(before)] == ["process:backupd"]
    with store.session() as s:
        s.add(CategoryBlock(role="technician", category="process-lists", created_by="user:admin"))
    after = client.get(f"/customers/{seed.customer_a}/function-log").get_data(as_text=True)
    assert faulty_rows(after) == ["Every function is OK."]
