"""Retention: each tier of the time-series database keeps its data for its own number of days.

A scheduler job (``collector.app``) calls :func:`apply`. ``0`` days keeps a tier forever.

- Block tiers: a block is dropped only when all of it is past its age (its last timestamp is
  before the cut), so a day block stays until its whole day is. Each is one ``DELETE`` in its
  own transaction: blocks are few (one per series and day), so even a year's worth is short.
- Per-record tiers (``step_by``: their time column): the tables that grow with the fleet and
  time, one row per check result, change, event, command result or inventory change. A row
  goes when its time is before the cut, in bounded time steps (:mod:`collector.tsdb.time_steps`):
  function results alone are 72 M rows a day at 1,000 devices, and the first run after an
  upgrade deletes weeks of them. Before deleting, the cut is recorded in ``retention_marks``
  (never moving back): the ingest writer drops function results older than the cut of
  ``function_results`` or ``function_changes``, whose state-change log could no longer be
  recomputed there (:mod:`collector.tsdb.function_changes`).

The hourly function summaries (``function_hours``) are no setting: they keep
:data:`FUNCTION_HOURS_DAYS`, what the customer screen reads. ``function_last`` (each function's
newest result), the inventory snapshot and ``gaps`` (one row per loss, ARCHITECTURE.md
"Retention") are kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

import duckdb

from collector.tsdb import time_steps
from collector.tsdb.txn import naive, transaction

log = logging.getLogger(__name__)

FUNCTION_HOURS_DAYS = 31  # hourly function summaries: the customer screen's longest window (30 d) + 1


@dataclass(frozen=True, slots=True)
class Retention:
    """Days each tier is kept (0: forever)."""

    samples_days: int = 30  # raw samples and their compacted blocks
    rollup_5m_days: int = 180
    rollup_1h_days: int = 730
    collector_runs_days: int = 30  # agent-side collector runs and their 5-min summaries
    # Raw check results: availability reads function_hours, the Function Log function_changes.
    function_results_days: int = 30
    function_changes_days: int = 365  # the Function Log's state changes
    events_days: int = 180  # agent events and SNMP traps
    command_results_days: int = 90
    inventory_changes_days: int = 730  # the inventory's change history (the snapshot is kept)


def configured(settings: object) -> Retention:
    """The ages a configuration sets: each field's ``retention_<field>`` (``collector.config``)."""
    return Retention(**{f.name: int(getattr(settings, f"retention_{f.name}")) for f in fields(Retention)})


@dataclass(frozen=True, slots=True)
class Tier:
    """A tier's table and the condition that says a row is older than ``$cut``."""

    name: str
    table: str
    older: str
    days: str  # the Retention field
    step_by: str = ""  # a per-record table's time column: deleted in time steps, its cut marked


def _records(name: str, table: str, days: str) -> Tier:
    return Tier(name, table, "ts < $cut", days, step_by="ts")


TIERS: tuple[Tier, ...] = (
    Tier("raw samples", "samples", "ts < $cut", "samples_days"),
    Tier("compacted samples", "sample_blocks", "last_ts < $cut", "samples_days"),
    Tier(
        "5-min rollups",
        "rollup_blocks",
        "step_s = 300 AND last_ts + INTERVAL 300 SECOND <= $cut",
        "rollup_5m_days",
    ),
    Tier(
        "1-h rollups",
        "rollup_blocks",
        "step_s = 3600 AND last_ts + INTERVAL 3600 SECOND <= $cut",
        "rollup_1h_days",
    ),
    Tier("collector runs", "collector_runs", "started < $cut", "collector_runs_days"),
    Tier(
        "collector run summaries",
        "collector_run_summary",
        "bucket + INTERVAL 300 SECOND <= $cut",
        "collector_runs_days",
    ),
    _records("function results", "function_results", "function_results_days"),
    _records("function changes", "function_changes", "function_changes_days"),
    _records("events", "events", "events_days"),
    _records("command results", "command_results", "command_results_days"),
    _records("inventory changes", "inventory_changes", "inventory_changes_days"),
)

_MARK = """
INSERT INTO retention_marks VALUES (?, ?)
ON CONFLICT DO UPDATE SET cut = greatest(cut, excluded.cut)
"""


def _delete(cur: duckdb.DuckDBPyConnection, tier: Tier, cut: datetime) -> int:
    if tier.step_by:
        with transaction(cur):
            cur.execute(_MARK, [tier.table, cut])
        return time_steps.delete_before(cur, tier.table, tier.step_by, cut)
    with transaction(cur):
        rows = cur.execute(
            f"DELETE FROM {tier.table} WHERE {tier.older}",  # noqa: S608 - names from TIERS
            {"cut": cut},
        ).fetchall()
    return int(rows[0][0]) if rows else 0


def apply(cur: duckdb.DuckDBPyConnection, retention: Retention, now: datetime) -> dict[str, int]:
    """Delete what each tier holds past its age at ``now``; returns rows deleted per tier."""
    deleted: dict[str, int] = {}
    for tier in TIERS:
        days = int(getattr(retention, tier.days))
        if days > 0:
            deleted[tier.name] = _delete(cur, tier, naive(now) - timedelta(days=days))
    with transaction(cur):
        cut = naive(now) - timedelta(days=FUNCTION_HOURS_DAYS)
        rows = cur.execute("DELETE FROM function_hours WHERE hour + INTERVAL 1 HOUR <= ?", [cut]).fetchall()
    deleted["function hours"] = int(rows[0][0]) if rows else 0
    if any(deleted.values()):
        log.info("retention deleted %s", deleted)
    return deleted
