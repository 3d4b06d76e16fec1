"""Exports through the real app: a device's 24 h as CSV and Parquet read back row for row
against the read path the charts use, scoping to the caller's customers, the audit trail
of every download, and the alert list and audit log as CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pyarrow.parquet as pq
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from collector.alerting.models import Alert
from collector.store.db import Store
from collector.store.models import AuditEntry
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.points import load
from collector.web.exports_views import parse_range, time_chunks

from .conftest import PASSWORDS, LoginFn, Seed, csrf_token
from .test_inventory_views import seed_inventory
from .tsdb_seed import add_samples, add_series

END = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
START = END - timedelta(hours=24)


def seed_series(tsdb: TimeSeriesDB, seed: Seed) -> None:
    """30 h of 60-second samples (so the range cuts both ends) on two series of device A
    and one of device B, which a technician of customer A must never receive."""
    cur = tsdb.cursor()
    stamps = [START - timedelta(hours=3) + timedelta(seconds=60 * i) for i in range(30 * 60)]
    add_series(cur, 1, seed.device_a, "cpu.percent", {"cpu": "total"}, unit="percent")
    add_samples(cur, 1, [(t, (i * 7 % 101) / 3) for i, t in enumerate(stamps)])
    add_series(cur, 2, seed.device_a, "disk.percent", {"mount": "/var"}, unit="percent")
    add_samples(cur, 2, [(t, 40 + i / 7) for i, t in enumerate(stamps)])
    add_series(cur, 3, seed.device_b, "cpu.percent", {"cpu": "total"}, unit="percent")
    add_samples(cur, 3, [(t, 99.0) for t in stamps])


def expected_rows(tsdb: TimeSeriesDB) -> list[tuple[int, datetime, float]]:
    table = load(tsdb.cursor(), [1, 2], START, END).sort_by([("series_id", "ascending"), ("ts", "ascending")])
    return [
        (int(s), t.replace(tzinfo=UTC), float(v))
        for s, t, v in zip(*(table[c].to_pylist() for c in ("series_id", "ts", "value")), strict=True)
    ]


def span_args() -> str:
    return f"start={START.isoformat().replace('+00:00', 'Z')}&end={END.isoformat().replace('+00:00', 'Z')}"


def test_device_day_as_csv_and_parquet_matches_the_read_path(
    client: FlaskClient, login: LoginFn, seed: Seed, tsdb: TimeSeriesDB, store: Store
) -> None:
    seed_series(tsdb, seed)
    want = expected_rows(tsdb)
    assert len(want) == 2 * 24 * 60  # the range is half-open: 24 h of minutes per series
    login("tech", PASSWORDS["tech"])

    resp = client.get(f"/devices/{seed.device_a}/export.csv?{span_args()}")
    assert resp.status_code == 200 and resp.is_streamed
    assert resp.headers["Content-Disposition"].startswith('attachment; filename="acme-fs01-')
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    got = [(int(r["series_id"]), datetime.fromisoformat(r["ts"]), float(r["value"])) for r in rows]
    assert got == want
    assert {r["labels"] for r in rows} == {'{"cpu": "total"}', '{"mount": "/var"}'}

    resp = client.get(f"/devices/{seed.device_a}/export.parquet?{span_args()}")
    assert resp.status_code == 200 and resp.is_streamed
    table = pq.read_table(io.BytesIO(resp.get_data()))
    assert table.num_rows == len(want)
    got = [
        (int(s), t, float(v))
        for s, t, v in zip(*(table[c].to_pylist() for c in ("series_id", "ts", "value")), strict=True)
    ]
    assert got == want
    assert pq.ParquetFile(io.BytesIO(resp.get_data())).num_row_groups > 1  # written piece by piece

    with store.session() as s:
        audited = s.scalars(select(AuditEntry).where(AuditEntry.action == "export.series")).all()
        assert [(a.actor, a.target, a.customer_id) for a in audited] == [
            ("user:tech", f"device:{seed.device_a}", seed.customer_a)
        ] * 2


def test_series_export_is_scoped_and_validates_its_range(
    client: FlaskClient, login: LoginFn, seed: Seed, tsdb: TimeSeriesDB
) -> None:
    seed_series(tsdb, seed)
    assert client.get(f"/devices/{seed.device_a}/export.csv").status_code == 302  # sign in first
    login("tech", PASSWORDS["tech"])
    assert client.get(f"/devices/{seed.device_b}/export.csv?{span_args()}").status_code == 404
    assert client.get(f"/devices/{seed.device_a}/export.xlsx").status_code == 404
    assert client.get(f"/devices/{seed.device_a}/export.csv?start=yesterday").status_code == 400


@pytest.mark.parametrize(
    ("start", "end", "want"),
    [
        (None, None, (END - timedelta(hours=24), END)),
        (
            "2026-12-01T00:00:00",
            "2026-12-01T06:00:00+00:00",
            (START + timedelta(hours=12), END - timedelta(hours=6)),
        ),
        ("2026-12-01T06:00:00Z", "2026-12-01T06:00:00Z", None),  # empty
        ("2026-12-01T07:00:00Z", "2026-12-01T06:00:00Z", None),  # backwards
        ("2024-01-01T00:00:00Z", None, None),  # more than 400 days
        ("12/01/2026", None, None),
    ],
)
def test_parse_range(start: str | None, end: str | None, want: tuple[datetime, datetime] | None) -> None:
    assert parse_range(start, end, END) == want


def test_time_chunks_cover_the_range_without_overlap() -> None:
    lo, hi = START, START + timedelta(hours=13)
    chunks = time_chunks(lo, hi, timedelta(hours=6))
    assert chunks == [
        (lo, lo + timedelta(hours=6)),
        (lo + timedelta(hours=6), lo + timedelta(hours=12)),
        (lo + timedelta(hours=12), hi),
    ]
    assert time_chunks(lo, lo, timedelta(hours=6)) == []


def test_alerts_and_audit_csv_are_scoped(
    app: Flask, client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    with store.session() as s:
        for customer, device, summary in (
            (seed.customer_a, seed.device_a, "disk full on acme"),
            (seed.customer_b, seed.device_b, "cpu hot on bravo"),
        ):
            s.add(Alert(fingerprint=summary, kind="threshold", customer_id=customer, device_id=device,
                        severity="critical", state="firing", summary=summary))  # fmt: skip
    login("tech", PASSWORDS["tech"])
    rows = list(csv.DictReader(io.StringIO(client.get("/alerts/export.csv").get_data(as_text=True))))
    assert [(r["summary"], r["device"]) for r in rows] == [("disk full on acme", "acme-fs01")]
    assert client.get("/audit/export.csv").status_code == 403  # technicians do not read the audit log

    client = app.test_client()  # a second browser, signed in as a supervisor of every customer
    token = csrf_token(client)
    client.post("/login", data={"username": "super", "password": PASSWORDS["super"], "csrf_token": token})
    rows = list(csv.DictReader(io.StringIO(client.get("/alerts/export.csv").get_data(as_text=True))))
    assert sorted(r["summary"] for r in rows) == ["cpu hot on bravo", "disk full on acme"]
    audit_rows = list(csv.DictReader(io.StringIO(client.get("/audit/export.csv").get_data(as_text=True))))
    # Rows of no customer (sign-ins, fleet-wide exports) are for administrators only.
    assert {(r["action"], r["customer_id"]) for r in audit_rows} == {
        ("token.create", str(seed.customer_a)),
        ("token.create", str(seed.customer_b)),
    }
    with store.session() as s:
        done = [
            (a.actor, a.action)
            for a in s.scalars(select(AuditEntry).where(AuditEntry.action.startswith("export.")))
        ]
    assert done == [
        ("user:tech", "export.alerts"),
        ("user:super", "export.alerts"),
        ("user:super", "export.audit"),
    ]


def test_inventory_and_fleet_software_csv_are_scoped_and_audited(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store, tsdb: TimeSeriesDB
) -> None:
    seed_inventory(tsdb, seed)
    login("tech", PASSWORDS["tech"])
    resp = client.get(f"/devices/{seed.device_a}/inventory/export.csv")
    assert resp.status_code == 200 and resp.is_streamed
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [(r["name"], r["version"]) for r in rows] == [
        ("bash", "5.2.15-2+b2"),
        ("jq", "1.6-2.1"),
        ("openssl", "3.0.11-1~deb12u2"),
    ]
    filtered = client.get(f"/devices/{seed.device_a}/inventory/export.csv?q=SSL").get_data(as_text=True)
    assert [r["name"] for r in csv.DictReader(io.StringIO(filtered))] == ["openssl"]
    assert client.get(f"/devices/{seed.device_b}/inventory/export.csv").status_code == 404

    # device B's openssl 1.1.1w is below 3.0 too, but not for a technician of customer A only
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/software/export.csv?name=openssl&below=3.1").get_data(as_text=True))
        )
    )
    assert [(r["customer"], r["device"], r["version"]) for r in rows] == [
        ("Acme Dental", "acme-fs01", "3.0.11-1~deb12u2")
    ]
    assert client.get("/software/export.csv").status_code == 400
    assert client.get("/software/export.csv?name=openssl&below=").status_code == 200

    with store.session() as s:
        done = [
            (a.action, a.customer_id)
            for a in s.scalars(select(AuditEntry).where(AuditEntry.action.startswith("export.")))
        ]
    assert done == [
        ("export.inventory", seed.customer_a),
        ("export.inventory", seed.customer_a),
        ("export.software", None),
        ("export.software", None),
    ]
