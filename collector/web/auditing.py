"""Audit rows for changes made through the web, stamped with who and from where."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy.orm import Session

from collector.store.db import audit
from collector.web.identity import current_user


def remote_address() -> str:
    return (request.remote_addr or "")[:100]


def record(
    session: Session,
    action: str,
    target: str = "",
    *,
    customer_id: int | None = None,
    **detail: Any,
) -> None:
    """Audit ``action`` by the logged-in user in the caller's transaction. Never pass secrets."""
    audit(
        session,
        current_user().actor,
        action,
        target,
        customer_id=customer_id,
        address=remote_address(),
        **detail,
    )
