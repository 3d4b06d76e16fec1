"""The notification outbox drops exactly the rows past their age whose notification is over,
never one still pending or whose message is still being sent (``collector.log_retention``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from web import conftest as web_conftest

from collector.alerting.models import Alert, AlertTransition
from collector.app import Collector
from collector.config import load
from collector.log_retention import LogRetention, apply
from collector.notify.models import Message, OutboxEntry
from collector.store.db import Store
from collector.store.models import AuditEntry

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
US = timedelta(microseconds=1)
KEEP = LogRetention(audit_days=0, messages_days=0, outbox_days=30)

store = web_conftest.store  # the migrated SQLite store fixture the web tests use

# (outbox row key, outbox state, its message's state or "" for none, created how long before the cut)
ROWS = [
    ("delivered", "grouped", "delivered", US),
    ("dead", "grouped", "dead", US),
    ("failed", "grouped", "failed", US),
    ("message-gone", "grouped", "", timedelta(days=200)),  # its message went with message retention
    ("queued", "grouped", "queued", timedelta(days=400)),
    ("sending", "grouped", "sending", timedelta(days=400)),
    ("retrying", "grouped", "retrying", timedelta(days=400)),
    ("pending", "pending", "", timedelta(days=400)),
    ("on-the-cut", "grouped", "delivered", timedelta(0)),
    ("recent", "grouped", "delivered", -timedelta(days=1)),
]
GONE = {"delivered", "dead", "failed", "message-gone"}


def _seed(store: Store, now: datetime, days: int) -> None:
    cut = now - timedelta(days=days)
    with store.session() as s:
        alert = Alert(fingerprint="disk:1", kind="threshold")
        s.add(alert)
        s.flush()
        transition = AlertTransition(
            alert_id=alert.id, from_state="pending", to_state="firing", severity="critical"
        )
        s.add(transition)
        s.flush()
        for key, state, msg_state, before in ROWS:
            created = cut - before
            message_id = None
            if msg_state:
                msg = Message(
                    idempotency_key=f"m:{key}",
                    recipient="contact:1",
                    channel="email",
                    address="a@example.com",
                    state=msg_state,
                    next_attempt_at=created,
                    created_at=created,
                )
                s.add(msg)
                s.flush()
                message_id = msg.id
            s.add(
                OutboxEntry(
                    idempotency_key=key,
                    transition_id=transition.id,
                    alert_id=alert.id,
                    recipient="contact:1",
                    channel="email",
                    address="a@example.com",
                    announcement="firing",
                    group_key="g",
                    title="Disk full",
                    line="disk 99 %",
                    state=state,
                    due_at=created,
                    message_id=message_id,
                    created_at=created,
                )
            )


def _left(store: Store) -> list[str]:
    with store.session() as s:
        return sorted(s.scalars(select(OutboxEntry.idempotency_key)).all())


def test_the_outbox_drops_exactly_the_old_rows_whose_notification_is_over(store: Store) -> None:
    _seed(store, NOW, KEEP.outbox_days)
    with store.session() as s:
        assert apply(s, KEEP, NOW) == {"notification outbox": len(GONE)}
    assert _left(store) == sorted(k for k, *_ in ROWS if k not in GONE)
    with store.session() as s:
        audited = s.scalars(select(AuditEntry).where(AuditEntry.action == "retention.logs")).one()
        messages = len(s.scalars(select(Message.id)).all())
    assert audited.actor == "system" and '"outbox": 4' in audited.detail
    assert messages == sum(1 for *_, m, _ in ROWS if m)  # the message log has its own age (0 here)
    with store.session() as s:
        assert apply(s, KEEP, NOW) == {"notification outbox": 0}


def test_zero_days_keeps_the_outbox_forever(store: Store) -> None:
    _seed(store, NOW, 1)
    with store.session() as s:
        assert (
            apply(s, LogRetention(audit_days=0, messages_days=0, outbox_days=0), NOW + timedelta(days=3650))
            == {}
        )
    assert len(_left(store)) == len(ROWS)


def test_the_retention_job_applies_the_configured_outbox_age(tmp_path: Path) -> None:
    cfg = load(env={"EUS_RETENTION_OUTBOX_DAYS": "3"}, overrides={"data_dir": tmp_path})
    assert cfg.retention_outbox_days == 3
    collector = Collector(cfg)
    try:
        _seed(collector.store, datetime.now(UTC) - timedelta(minutes=1), 3)
        with collector.store.session() as s:  # a minute of slack each side: the job reads the clock
            on_cut = s.scalars(select(OutboxEntry).where(OutboxEntry.idempotency_key == "on-the-cut")).one()
            on_cut.created_at += timedelta(minutes=2)
        collector.apply_retention()
        assert _left(collector.store) == sorted(k for k, *_ in ROWS if k not in GONE)
    finally:
        collector.tsdb.close()
        collector.store.dispose()
