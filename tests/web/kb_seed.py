"""A faulty central function on customer A's device, with its results and a linked ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from collector_functions.results import add_result as store_result

from collector.customers.rollup import record_results
from collector.functions.models import FunctionSpecRow
from collector.helpdesk import tickets
from collector.store.db import Store
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.timestamps import naive_utc
from eus.v1 import eus_pb2

from .conftest import Seed

FUNCTION_ID = "svc-nginx"
OK, CRITICAL = 1, 3


def add_result(db: TimeSeriesDB, device_id: int, status: int, ts: datetime, message: str) -> None:
    """One result of ``svc-nginx`` (systemd) as the ingest writer appends it."""
    store_result(
        db, device_id, FUNCTION_ID, status, naive_utc(ts), message=message, kind="systemd", name="nginx"
    )


def seed_faulty_function(store: Store, tsdb: TimeSeriesDB, seed: Seed) -> int:
    """``svc-nginx`` (systemd) on device A: OK, then critical for the last hour; ticket EUS-000001
    open for it. Returns the number of results stored."""
    now = datetime.now(UTC)
    with store.session() as s:
        s.add(
            FunctionSpecRow(
                customer_id=seed.customer_a,
                device_id=seed.device_a,
                spec_id=FUNCTION_ID,
                kind="systemd",
                name="nginx",
                params={"unit": "nginx.service"},
                created_by="user:super",
            )
        )
        new = tickets.NewTicket(
            customer_id=seed.customer_a,
            title="Web shop down",
            device_id=seed.device_a,
            function_id=FUNCTION_ID,
        )
        tickets.open_ticket(s, new, "user:super", now)
    rows = [
        (OK, now - timedelta(hours=2), "nginx.service is active"),
        (OK, now - timedelta(minutes=90), "nginx.service is active"),
        (CRITICAL, now - timedelta(hours=1), "nginx.service is inactive (dead)"),
        (CRITICAL, now - timedelta(minutes=30), "nginx.service is inactive (dead)"),
        (CRITICAL, now - timedelta(minutes=1), "nginx.service is inactive (dead)"),
    ]
    for status, ts, message in rows:
        add_result(tsdb, seed.device_a, status, ts, message)
    with store.session() as s:  # and the roll-up's newest result, as the collector keeps it
        record_results(
            s,
            seed.customer_a,
            seed.device_a,
            [
                eus_pb2.FunctionResult(
                    id=FUNCTION_ID,
                    kind="systemd",
                    name="nginx",
                    status=eus_pb2.Health.ValueType(status),
                    message=message,
                    ts_ms=int(ts.timestamp() * 1000),
                )
                for status, ts, message in rows
            ],
        )
    return len(rows)
