"""Engine, sessions and schema migrations for the relational store.

SQLite in WAL mode by default (one file under the data directory); any SQLAlchemy URL
works, so an operator who outgrows one box points ``store_url`` at PostgreSQL.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from collector.store.models import AuditEntry

MIGRATIONS = Path(__file__).parent / "migrations"
# ``do_orm_execute`` hooks of the areas, as "module:function", attached to every Store's session
# factory when the Store is made (not to every Session when a module happens to be imported).
SESSION_HOOKS: tuple[str, ...] = ("collector.snmp.models:hide_retired",)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and enforced foreign keys."""
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revisions (idempotent). Areas may branch from a
    common revision, so the target is every head."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


class Store:
    """The relational store: a session factory plus the audit helper."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        for path in SESSION_HOOKS:
            event.listen(self._sessions, "do_orm_execute", _hook(path))

    def migrate(self) -> None:
        migrate(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with self._sessions() as s, s.begin():
            yield s

    def dispose(self) -> None:
        self.engine.dispose()


def _hook(path: str) -> Callable[[ORMExecuteState], None]:
    module, name = path.split(":")
    hook: Callable[[ORMExecuteState], None] = getattr(importlib.import_module(module), name)
    return hook


def audit(
    session: Session,
    actor: str,
    action: str,
    target: str = "",
    *,
    customer_id: int | None = None,
    address: str = "",
    **detail: Any,
) -> None:
    """Record an action in the audit log, in the caller's transaction. Never pass secrets."""
    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            target=target,
            customer_id=customer_id,
            address=address,
            detail=json.dumps(detail, sort_keys=True, default=str) if detail else "",
        )
    )


class Auditor(Protocol):
    """Records one change in the caller's transaction, stamped with who made it.

    Services take one instead of an actor name, so the web can stamp the address too
    (``collector.web.auditing.record``) and the CLI its Unix user (:func:`actor_auditor`).
    """

    def __call__(
        self,
        session: Session,
        action: str,
        target: str = "",
        *,
        customer_id: int | None = None,
        **detail: Any,
    ) -> None: ...


def actor_auditor(actor: str) -> Auditor:
    """An :class:`Auditor` that records every change as made by ``actor`` (no address)."""

    def record(
        session: Session, action: str, target: str = "", *, customer_id: int | None = None, **detail: Any
    ) -> None:
        audit(session, actor, action, target, customer_id=customer_id, **detail)

    return record
