"""Gaps and refused batches where a technician sees them: the device page and its charts' API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from collector.ingest.refusals import record_refusal
from collector.store.db import Store
from collector.store.models import Device
from collector.tsdb.db import TimeSeriesDB

from .conftest import PASSWORDS, LoginFn, Seed
from .tsdb_seed import aligned_now


@pytest.fixture
def tech(client: FlaskClient, login: LoginFn) -> FlaskClient:
    login("tech", PASSWORDS["tech"])
    return client


def add_gap(
    tsdb: TimeSeriesDB,
    device_id: int,
    seqs: tuple[int, int],
    span: tuple[datetime, datetime] | None,
    reason: str,
    *,
    dropped: int = 40,
) -> None:
    first, last = span or (None, None)
    tsdb.cursor().execute(
        "INSERT INTO gaps VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)",
        [
            device_id,
            *seqs,
            dropped,
            first and first.replace(tzinfo=None),
            last and last.replace(tzinfo=None),
            reason,
            datetime.now(UTC).replace(tzinfo=None),
        ],
    )


def test_the_chart_api_returns_the_gap_spans_in_its_window(
    tech: FlaskClient, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    now = aligned_now(10)
    inside = (now - timedelta(minutes=20), now - timedelta(minutes=15))
    add_gap(tsdb, seed.device_a, (3, 9), inside, "spool max_bytes exceeded")
    add_gap(tsdb, seed.device_a, (1, 2), (now - timedelta(hours=3), now - timedelta(hours=2)), "old")
    add_gap(tsdb, seed.device_a, (10, 10), None, "refused by the collector")  # no samples: no span
    add_gap(tsdb, seed.device_b, (3, 9), inside, "another tenant's")

    body = tech.get(f"/api/devices/{seed.device_a}/series?metric=cpu&range=1h").get_json()
    assert body["gaps"] == [[int(inside[0].timestamp()), int(inside[1].timestamp())]]
    wide = tech.get(f"/api/devices/{seed.device_a}/series?metric=cpu&range=24h").get_json()
    assert len(wide["gaps"]) == 2


def test_the_device_page_lists_gaps_and_refused_batches(
    tech: FlaskClient, tsdb: TimeSeriesDB, store: Store, seed: Seed
) -> None:
    page = tech.get(f"/devices/{seed.device_a}").get_data(as_text=True)
    assert "Data gaps" not in page and "Refused batches" not in page

    now = aligned_now(10)
    add_gap(
        tsdb,
        seed.device_a,
        (3, 9),
        (now - timedelta(minutes=5), now),
        "spool max_bytes exceeded",
        dropped=1234,
    )
    add_gap(tsdb, seed.device_b, (3, 9), None, "bravo's secret reason")
    with store.session() as s:
        customer_a = s.get_one(Device, seed.device_a).customer_id
        customer_b = s.get_one(Device, seed.device_b).customer_id
    record_refusal(
        store,
        customer_id=customer_a,
        device_id=seed.device_a,
        epoch=1,
        seq=12,
        reason="batch 12 refused: ts_ms[0] = 4611686018427387904",
    )
    record_refusal(
        store,
        customer_id=customer_a,
        device_id=seed.device_a,
        epoch=1,
        seq=12,
        reason="batch 12 refused: ts_ms[0] = 4611686018427387904",
    )
    record_refusal(
        store, customer_id=customer_b, device_id=seed.device_b, epoch=1, seq=5, reason="bravo refusal"
    )

    page = tech.get(f"/devices/{seed.device_a}").get_data(as_text=True)
    assert "Data gaps" in page
    assert "3\u20139" in page and "1234" in page and "spool max_bytes exceeded" in page
    assert "Refused batches" in page
    assert "batch 12 refused: ts_ms[0] = 4611686018427387904" in page
    assert "<td>2</td>" in page  # the resend counted as a second attempt, not a second row
    assert "bravo" not in page
