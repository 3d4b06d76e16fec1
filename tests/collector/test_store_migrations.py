"""Alembic migrations and the SQLAlchemy models describe the same schema."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from collector.store.db import Store
from collector.store.schema import metadata


def test_migrations_match_models(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    store.migrate()
    store.migrate()  # idempotent
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    store.dispose()
    assert diff == [], f"models changed without a migration: {diff}"


def test_downgrade_to_base_removes_every_table_and_upgrade_restores_them(tmp_path: Path) -> None:
    """The downgrades drop every table the upgrades create (indexes go with their tables),
    and the schema built again afterwards still matches the models."""
    from alembic import command
    from alembic.config import Config

    from collector.store.db import MIGRATIONS

    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    store.migrate()
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    with store.engine.connect() as conn:
        left = set(inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set()
    store.migrate()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        indexes = {ix["name"] for t in inspect(conn).get_table_names() for ix in inspect(conn).get_indexes(t)}
    store.dispose()
    assert diff == []
    assert "ix_tickets_assignee_id" in indexes and "ix_alert_messages_next_attempt_at" in indexes


def test_upgrade_lets_unedited_default_rules_notify_contacts(tmp_path: Path) -> None:
    """An install from before the defaults notified contacts: its untouched defaults now
    notify (audited); one a technician edited, and the staff-only ones, stay as they are."""
    from datetime import UTC, datetime, timedelta

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import select

    from collector.alerting.models import AlertRule, InstalledDefault
    from collector.store.db import MIGRATIONS
    from collector.store.models import AuditEntry

    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "1201_user_timezone")
    created = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    edited = {"memory": created + timedelta(days=3)}
    ids: dict[str, int] = {}
    with store.session() as s:
        for key in ("cpu", "memory", "agent-offline", "data-gap"):
            row = AlertRule(
                name=key,
                family=f"default.{key}",
                kind="threshold",
                notify_contacts=False,
                created_at=created,
                updated_at=edited.get(key, created + timedelta(microseconds=40)),
            )
            s.add(row)
            s.flush()
            s.add(InstalledDefault(key=key, rule_id=row.id))
            ids[key] = row.id
    store.migrate()
    with store.session() as s:
        notify = {key: s.get_one(AlertRule, rid).notify_contacts for key, rid in ids.items()}
        audited = [
            (e.actor, e.action, e.target) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
    store.dispose()
    assert notify == {"cpu": True, "memory": False, "agent-offline": True, "data-gap": False}
    assert audited == [
        ("system", "alert_rule.update", f"alert_rule:{ids['cpu']}"),
        ("system", "alert_rule.update", f"alert_rule:{ids['agent-offline']}"),
    ]
