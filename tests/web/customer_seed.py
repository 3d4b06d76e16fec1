"""Function results and alerts for the customer-screen tests, delivered the way the collector
delivers them: rows in ``function_results`` (as the ingest writer appends them), the same
results to the roll-up as a committed batch on the bus, and alerts through a real engine whose
transition hook is the roll-up's."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
from collector_functions.results import add_result
from support.ingest import function_result

from collector.alerting.domain import Severity
from collector.alerting.engine import AlertEngine
from collector.alerting.models import AlertRule
from collector.alerting.records import AlertRec
from collector.alerting.state import Verdict
from collector.bus import BatchCommitted
from collector.customers.rollup import Rollups
from collector.store.db import Store
from collector.tsdb.db import TimeSeriesDB


def deliver(
    tsdb: TimeSeriesDB,
    rollups: Rollups,
    device_id: int,
    results: list[tuple[str, str, int, str, timedelta]],
    *,
    now: datetime | None = None,
) -> None:
    """``results``: (function id, kind, status, message, age). Stored, then committed on the bus."""
    now = now or datetime.now(UTC)
    protos = []
    for fid, kind, status, message, age in results:
        at = now - age
        add_result(
            tsdb, device_id, fid, status, at.replace(tzinfo=None), kind=kind, name=fid, message=message
        )
        protos.append(function_result(fid, kind, status, message, int(at.timestamp() * 1000)))
    rollups.on_committed(
        BatchCommitted(
            device_id=device_id,
            epoch=1,
            seq=1,
            series_ids=np.zeros(0, np.uint32),
            ts_ms=np.zeros(0, np.int64),
            values=np.zeros(0, np.float64),
            functions=protos,
            committed_at=now.timestamp(),
        )
    )


def fire(store: Store, engine: AlertEngine, customer_id: int, device_id: int, severity: Severity) -> AlertRec:
    """A threshold alert the engine raises itself, firing now."""
    with store.session() as s:
        row = AlertRule(
            name=f"Disk full ({severity.value})",
            family="disk",
            kind="threshold",
            customer_id=customer_id,
            params=json.dumps({"metric": "disk.percent", "critical": 95}),
        )
        s.add(row)
        s.flush()
        rule_id = row.id
    engine.invalidate()
    rule = engine.rules.by_id(rule_id)
    assert rule is not None
    rec = engine.observe(
        rule, engine.device(device_id), "", Verdict(True, severity, "disk.percent = 97", 97.0)
    )
    assert rec is not None
    return rec
