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
