"""The audit log, the message log and the notification outbox drop exactly what is past their
age, by the retention job itself (``Collector.apply_retention``), never a message whose delivery
is not over nor an outbox row still pending or whose message is still being sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from web import conftest as web_conftest

from collector.alerting.models import Alert, AlertTransition
from collector.app import Collector
from collector.config import load
from collector.log_retention import LogRetention, apply
from collector.notify.models import DeadLetter, Message, OutboxEntry
from collector.store.db import Store
from collector.store.models import AuditEntry

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
US = timedelta(microseconds=1)


store = web_conftest.store  # the migrated SQLite store fixture the web tests use


def _message(key: str, state: str, created: datetime) -> Message:
    return Message(
        idempotency_key=key,
        recipient="contact:1",
        channel="email",
        address="a@example.com",
        state=state,
        next_attempt_at=created,
        created_at=created,
    )


def _seed(store: Store, now: datetime, keep: LogRetention) -> None:
    """Per log, rows a microsecond before the cut and exactly on it."""
    audit_cut = now - timedelta(days=keep.audit_days)
    msg_cut = now - timedelta(days=keep.messages_days)
    with store.session() as s:
        s.add_all(
            [
                AuditEntry(at=audit_cut - US, actor="cli", action="old"),
                AuditEntry(at=audit_cut, actor="cli", action="on-the-cut"),
                _message("old-delivered", "delivered", msg_cut - US),
                _message("old-dead", "dead", msg_cut - US),
                _message("old-failed", "failed", msg_cut - US),
                _message("old-retrying", "retrying", msg_cut - timedelta(days=400)),
                _message("old-queued", "queued", msg_cut - timedelta(days=400)),
                _message("on-the-cut", "delivered", msg_cut),
            ]
        )
        s.flush()
        dead = s.scalars(select(Message.id).where(Message.idempotency_key == "old-dead")).one()
        s.add(DeadLetter(message_id=dead, channel="email", reason="550 no such user", at=msg_cut))


def _left(store: Store) -> tuple[list[str], list[str], int]:
    with store.session() as s:
        actions = sorted(s.scalars(select(AuditEntry.action)).all())
        keys = sorted(s.scalars(select(Message.idempotency_key)).all())
        dead = len(s.scalars(select(DeadLetter.id)).all())
    return actions, keys, dead


def test_each_log_drops_exactly_what_is_past_its_age(store: Store) -> None:
    keep = LogRetention(audit_days=365, messages_days=90)
    _seed(store, NOW, keep)
    with store.session() as s:
        assert apply(s, keep, NOW) == {"audit log": 1, "message log": 3, "notification outbox": 0}
    actions, keys, dead = _left(store)
    assert actions == ["on-the-cut", "retention.logs"]  # what went is audited, by counts
    assert keys == ["old-queued", "old-retrying", "on-the-cut"]
    assert dead == 0  # the dead letter went with its message
    with store.session() as s:
        assert apply(s, keep, NOW) == {"audit log": 0, "message log": 0, "notification outbox": 0}


def test_zero_days_keeps_a_log_forever(store: Store) -> None:
    keep = LogRetention(audit_days=1, messages_days=1)
    _seed(store, NOW, keep)
    with store.session() as s:
        assert (
            apply(s, LogRetention(audit_days=0, messages_days=0, outbox_days=0), NOW + timedelta(days=3650))
            == {}
        )
    assert len(_left(store)[1]) == 6


def test_the_retention_job_applies_the_configured_ages(tmp_path: Path) -> None:
    ages = {"retention_audit_days": 2, "retention_messages_days": 3}
    cfg = load(env={}, overrides={"data_dir": tmp_path, **ages})
    collector = Collector(cfg)
    try:
        now = datetime.now(UTC)
        _seed(collector.store, now, LogRetention(audit_days=2, messages_days=3))
        # A minute of slack on the "on the cut" rows: the job reads the clock itself.
        with collector.store.session() as s:
            for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "on-the-cut")):
                e.at += timedelta(minutes=1)
            for m in s.scalars(select(Message).where(Message.idempotency_key == "on-the-cut")):
                m.created_at += timedelta(minutes=1)
        collector.apply_retention()
        actions, keys, _ = _left(collector.store)
        assert "old" not in actions and "on-the-cut" in actions
        assert keys == ["old-queued", "old-retrying", "on-the-cut"]
    finally:
        collector.tsdb.close()
        collector.store.dispose()


# The notification outbox: only rows past their age whose notification is over go, never one
# still pending or whose message is still being sent.
OUTBOX_KEEP = LogRetention(audit_days=0, messages_days=0, outbox_days=30)

# (outbox row key, outbox state, its message's state or "" for none, created how long before the cut)
OUTBOX_ROWS = [
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
OUTBOX_GONE = {"delivered", "dead", "failed", "message-gone"}


def _seed_outbox(store: Store, now: datetime, days: int) -> None:
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
        for key, state, msg_state, before in OUTBOX_ROWS:
            created = cut - before
            message_id = None
            if msg_state:
                msg = _message(f"m:{key}", msg_state, created)
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


def _outbox_left(store: Store) -> list[str]:
    with store.session() as s:
        return sorted(s.scalars(select(OutboxEntry.idempotency_key)).all())


def test_the_outbox_drops_exactly_the_old_rows_whose_notification_is_over(store: Store) -> None:
    _seed_outbox(store, NOW, OUTBOX_KEEP.outbox_days)
    with store.session() as s:
        assert apply(s, OUTBOX_KEEP, NOW) == {"notification outbox": len(OUTBOX_GONE)}
    assert _outbox_left(store) == sorted(k for k, *_ in OUTBOX_ROWS if k not in OUTBOX_GONE)
    with store.session() as s:
        audited = s.scalars(select(AuditEntry).where(AuditEntry.action == "retention.logs")).one()
        messages = len(s.scalars(select(Message.id)).all())
    assert audited.actor == "system" and '"outbox": 4' in audited.detail
    assert messages == sum(1 for *_, m, _ in OUTBOX_ROWS if m)  # the message log has its own age (0 here)
    with store.session() as s:
        assert apply(s, OUTBOX_KEEP, NOW) == {"notification outbox": 0}


def test_zero_days_keeps_the_outbox_forever(store: Store) -> None:
    _seed_outbox(store, NOW, 1)
    with store.session() as s:
        assert (
            apply(s, LogRetention(audit_days=0, messages_days=0, outbox_days=0), NOW + timedelta(days=3650))
            == {}
        )
    assert len(_outbox_left(store)) == len(OUTBOX_ROWS)


def test_the_retention_job_applies_the_configured_outbox_age(tmp_path: Path) -> None:
    cfg = load(env={"EUS_RETENTION_OUTBOX_DAYS": "3"}, overrides={"data_dir": tmp_path})
    assert cfg.retention_outbox_days == 3
    collector = Collector(cfg)
    try:
        _seed_outbox(collector.store, datetime.now(UTC) - timedelta(minutes=1), 3)
        with collector.store.session() as s:  # a minute of slack each side: the job reads the clock
            on_cut = s.scalars(select(OutboxEntry).where(OutboxEntry.idempotency_key == "on-the-cut")).one()
            on_cut.created_at += timedelta(minutes=2)
        collector.apply_retention()
        assert _outbox_left(collector.store) == sorted(k for k, *_ in OUTBOX_ROWS if k not in OUTBOX_GONE)
    finally:
        collector.tsdb.close()
        collector.store.dispose()
