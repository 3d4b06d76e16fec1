"""Audit rows for changes made through the web, stamped with who and from where."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from sqlalchemy.orm import Session

from collector.signin.client_address import client_address
from collector.store.db import audit
from collector.web.identity import current_user

TRUSTED_PROXIES_KEY = "TRUSTED_PROXIES"


def remote_address() -> str:
    """The client's address; ``X-Forwarded-For`` counts only from ``TRUSTED_PROXIES``."""
    trusted = current_app.extensions.get(TRUSTED_PROXIES_KEY, ())
    peer = request.remote_addr or ""
    return client_address(peer, request.headers.get("X-Forwarded-For"), trusted)[:100]


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
