"""Admin → Storage & retention (administrators): each time-series table's rows and bytes on
disk (``collector.tsdb.usage``), the relational logs' rows and oldest entry, and how long each
tier and log is kept. The ages come from the configuration file or environment only (they are
read by the hourly retention job in ``collector.app``), so the page names the setting and its
environment variable that changes each; it changes nothing itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, Flask, current_app, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collector.config import CollectorConfig
from collector.log_retention import LogRetention
from collector.notify.models import Message, OutboxEntry
from collector.store.models import AuditEntry
from collector.tsdb import usage
from collector.tsdb.retention import FUNCTION_HOURS_DAYS, TIERS, Retention, configured
from collector.web.permissions import Capability, require
from collector.web.resources import resources, store

bp = Blueprint("storage", __name__)
EXTENSION_KEY = "eus.storage"

# What the tables retention's settings do not cover hold, and how long.
OTHER_TABLES = {
    "function_hours": f"hourly summaries (availability, sparklines): {FUNCTION_HOURS_DAYS} days, no setting",
    "function_last": "each function's newest result (its status now): one row per function; kept",
    "gaps": "one row per loss an agent reported (device page, shaded on charts); kept",
    "batches": "one row per agent batch; pruned hourly once its stream's mark has passed it",
    "series": "one row per series; kept",
    "stream_progress": "one row per agent stream (device and spool epoch): the dedupe marks; kept",
}


@dataclass(frozen=True, slots=True)
class Ages:
    """The retention the running collector applies (from its configuration)."""

    tsdb: Retention
    logs: LogRetention
    configured: bool  # False: this app was built without a configuration (defaults shown)


@dataclass(frozen=True, slots=True)
class Kept:
    """One tier or log: what it is, its days (0: forever) and the setting that changes them."""

    name: str
    days: int
    setting: str

    @property
    def env(self) -> str:
        return f"EUS_{self.setting.upper()}"


@dataclass(frozen=True, slots=True)
class TableRow:
    table: str
    rows: int
    bytes: int
    kept: list[Kept]
    note: str


@dataclass(frozen=True, slots=True)
class LogRow:
    kept: Kept
    table: str
    rows: int
    oldest: datetime | None


def init_app(app: Flask, cfg: CollectorConfig) -> None:
    """Attach the configured ages (composition root)."""
    tsdb = configured(cfg)
    logs = LogRetention(
        audit_days=cfg.retention_audit_days,
        messages_days=cfg.retention_messages_days,
        outbox_days=cfg.retention_outbox_days,
    )
    app.extensions[EXTENSION_KEY] = Ages(tsdb, logs, configured=True)


def _ages() -> Ages:
    ages: Ages | None = current_app.extensions.get(EXTENSION_KEY)
    return ages or Ages(Retention(), LogRetention(), configured=False)


def table_rows(ages: Ages, use: list[usage.TableUse]) -> list[TableRow]:
    """The time-series tables in ``use`` with the tiers each holds and how long each is kept."""
    out = []
    for u in use:
        kept = [
            Kept(t.name, int(getattr(ages.tsdb, t.days)), f"retention_{t.days}")
            for t in TIERS
            if t.table == u.table
        ]
        out.append(TableRow(u.table, u.rows, u.bytes, kept, OTHER_TABLES.get(u.table, "")))
    return out


def log_rows(session: Session, ages: Ages) -> list[LogRow]:
    out = []
    for name, model, when, days, setting in (
        ("Audit log", AuditEntry, AuditEntry.at, ages.logs.audit_days, "retention_audit_days"),
        ("Message log", Message, Message.created_at, ages.logs.messages_days, "retention_messages_days"),
        (
            "Notification outbox",
            OutboxEntry,
            OutboxEntry.created_at,
            ages.logs.outbox_days,
            "retention_outbox_days",
        ),
    ):
        rows, oldest = session.execute(select(func.count(), func.min(when)).select_from(model)).one()
        out.append(LogRow(Kept(name, days, setting), str(model.__tablename__), int(rows), oldest))
    return out


@bp.get("/admin/storage")
@require(Capability.MANAGE_USERS)  # the administrators' capability for the installation
def overview() -> ResponseReturnValue:
    ages = _ages()
    tables = table_rows(ages, resources().tsdb.disk_use())
    with store().session() as s:
        logs = log_rows(s, ages)
    return render_template(
        "storage.html",
        tables=tables,
        total_bytes=sum(t.bytes for t in tables),
        logs=logs,
        configured=ages.configured,
    )
