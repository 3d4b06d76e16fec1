"""Retention: each tier of the time-series database keeps its data for its own number of days.

A scheduler job (``collector.app``) calls :func:`apply`. A block is dropped only when all of
it is past its age (its last timestamp is before the cut), so a day block stays until its
whole day is; rows of the per-run side tables go one by one. ``0`` days keeps a tier
forever. Each tier is one ``DELETE`` in its own transaction: blocks are few (one per series
and day), so even a year's worth is a short statement. The hourly function summaries
(``function_hours``) are no setting: they keep :data:`FUNCTION_HOURS_DAYS`, what the customer
screen reads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

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


@dataclass(frozen=True, slots=True)
class Tier:
    """A tier's table and the condition that says a row is older than ``$cut``."""

    name: str
    table: str
    older: str
    days: str  # the Retention field


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
)


def apply(cur: duckdb.DuckDBPyConnection, retention: Retention, now: datetime) -> dict[str, int]:
    """Delete what each tier holds past its age at ``now``; returns rows deleted per tier."""
    deleted: dict[str, int] = {}
    for tier in TIERS:
        days = int(getattr(retention, tier.days))
        if days <= 0:
            continue
        cut = naive(now) - timedelta(days=days)
        with transaction(cur):
            rows = cur.execute(
                f"DELETE FROM {tier.table} WHERE {tier.older}",  # noqa: S608 - names from TIERS
                {"cut": cut},
            ).fetchall()
        deleted[tier.name] = int(rows[0][0]) if rows else 0
    with transaction(cur):
        cut = naive(now) - timedelta(days=FUNCTION_HOURS_DAYS)
        rows = cur.execute("DELETE FROM function_hours WHERE hour + INTERVAL 1 HOUR <= ?", [cut]).fetchall()
    deleted["function hours"] = int(rows[0][0]) if rows else 0
    if any(deleted.values()):
        log.info("retention deleted %s", deleted)
    return deleted
