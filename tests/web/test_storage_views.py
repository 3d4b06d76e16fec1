"""Admin → Storage & retention: administrators only; each table's rows and disk use as the
database reports them, and each tier's and log's age with the setting that changes it."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from collector.config import load
from collector.store.db import Store, audit
from collector.store.models import AuditEntry
from collector.tsdb import usage
from collector.tsdb.db import TimeSeriesDB
from collector.web import storage_views
from collector.web.filters import human_bytes

from .conftest import PASSWORDS, LoginFn


def _row(page: str, table: str) -> str:
    match = re.search(rf'<tr data-table="{table}">(.*?)</tr>', page, re.S)
    assert match is not None, f"no row for {table}"
    return re.sub(r"\s+", " ", match.group(1))


@pytest.mark.parametrize(("username", "status"), [("tech", 403), ("super", 403), ("admin", 200)])
def test_only_administrators_see_the_page_and_its_link(
    client: FlaskClient, login: LoginFn, username: str, status: int
) -> None:
    login(username, PASSWORDS[username])
    assert client.get("/admin/storage").status_code == status
    assert ("/admin/storage" in client.get("/").get_data(as_text=True)) == (status == 200)


def test_the_page_shows_each_tables_use_and_the_configured_ages(
    app: Flask, client: FlaskClient, login: LoginFn, tsdb: TimeSeriesDB, store: Store
) -> None:
    cur = tsdb.cursor()
    start = datetime(2026, 11, 20)
    cur.execute(
        "INSERT INTO samples SELECT 1, ? + to_seconds(i::BIGINT), random() FROM range(12345) t(i)", [start]
    )
    cur.execute("INSERT INTO batches VALUES (1, 1, 1, 12345, now())")
    tsdb.checkpoint()
    with store.session() as s:
        audit(s, "cli", "test.entry", at_least="one")
    overrides = {
        "retention_samples_days": 45,
        "retention_audit_days": 0,
        "retention_function_results_days": 14,
    }
    cfg = load(env={}, overrides=overrides)
    storage_views.init_app(app, cfg)
    login("admin", PASSWORDS["admin"])
    page = client.get("/admin/storage").get_data(as_text=True)

    use = {u.table: u for u in usage.disk_use(cur)}
    assert use["samples"].bytes > 0
    for table in usage.TABLES:
        row = _row(page, table)
        assert f"{use[table].rows:,}" in row
        assert human_bytes(use[table].bytes) in row
    samples = _row(page, "samples")
    assert "raw samples: 45 days" in samples
    assert "retention_samples_days" in samples and "EUS_RETENTION_SAMPLES_DAYS" in samples
    assert "5-min rollups: 180 days" in _row(page, "rollup_blocks")
    assert "1-h rollups: 730 days" in _row(page, "rollup_blocks")
    assert "pruned hourly" in _row(page, "batches")
    # the per-record tables: each with its age and the setting that changes it
    results = _row(page, "function_results")
    assert "function results: 14 days" in results and "EUS_RETENTION_FUNCTION_RESULTS_DAYS" in results
    for table, kept, setting in (
        ("function_changes", "function changes: 365 days", "retention_function_changes_days"),
        ("events", "events: 180 days", "retention_events_days"),
        ("command_results", "command results: 90 days", "retention_command_results_days"),
        ("inventory_changes", "inventory changes: 730 days", "retention_inventory_changes_days"),
    ):
        row = _row(page, table)
        assert kept in row and setting in row and setting.upper() in row, row
    assert "kept" in _row(page, "function_last") and "kept" in _row(page, "gaps")
    assert "31 days, no setting" in _row(page, "function_hours")
    audit_row = _row(page, "audit_log")
    with store.session() as s:
        entries = s.scalar(select(func.count()).select_from(AuditEntry))
    assert entries and f'<td class="num">{entries:,}</td>' in audit_row
    assert "Audit log: forever" in audit_row and "retention_audit_days" in audit_row
    messages = _row(page, "alert_messages")
    assert "Message log: 180 days" in messages and "EUS_RETENTION_MESSAGES_DAYS" in messages
    outbox = _row(page, "alert_outbox")
    assert "Notification outbox: 30 days" in outbox and "EUS_RETENTION_OUTBOX_DAYS" in outbox
    assert "given up on" in outbox
    assert "defaults are shown" not in page


def test_without_a_configuration_the_page_says_it_shows_defaults(client: FlaskClient, login: LoginFn) -> None:
    login("admin", PASSWORDS["admin"])
    page = client.get("/admin/storage").get_data(as_text=True)
    assert "defaults are shown" in page
    assert "raw samples: 30 days" in _row(page, "samples")
