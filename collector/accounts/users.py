"""Dashboard users: create, change role/activity/scope, reset a password, grant customers.

Every function works in the caller's transaction and records what it changed through the
caller's :class:`~collector.store.db.Auditor`; a refusal raises an
:class:`~collector.accounts.errors.AccountError` before anything is written. Passwords
are hashed here and appear in no audit row, only *that* one changed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collector.accounts import rules, targets
from collector.accounts.errors import AlreadyExists, NotAllowed, NotFound
from collector.passwords import hash_password
from collector.store.db import Auditor
from collector.store.models import Customer, Role, User, UserCustomer

SELF_LOCKOUT = "You cannot remove your own administrator role or deactivate yourself."


def generate_password() -> str:
    """A password for someone who did not choose one: 96 random bits, 16 characters."""
    return secrets.token_urlsafe(12)


def find(session: Session, username: str) -> User:
    """The user named ``username``, ignoring case."""
    wanted = username.strip()
    found = [u for u in session.scalars(select(User)) if rules.same_name(u.username, wanted)]
    if len(found) != 1:
        raise NotFound(f"No user named {wanted!r}.")
    return found[0]


def _check_customers(session: Session, customer_ids: Iterable[int]) -> list[int]:
    wanted = sorted(set(customer_ids))
    known = set(session.scalars(select(Customer.id).where(Customer.id.in_(wanted))))
    for cid in wanted:
        if cid not in known:
            raise NotFound(f"No customer number {cid}.")
    return wanted


def create(
    session: Session,
    audit: Auditor,
    *,
    username: str,
    password: str,
    role: str,
    all_customers: bool,
    customer_ids: Iterable[int] = (),
) -> User:
    """A new active user who sees ``customer_ids`` (or every customer)."""
    name = rules.username(username)
    rules.password(password)
    level = rules.role(role)
    granted = _check_customers(session, customer_ids)
    taken = rules.taken_by(name, session.scalars(select(User.username)))
    if taken is not None:
        raise AlreadyExists(f"A user named {taken!r} already exists.")
    user = User(
        username=name,
        password_hash=hash_password(password),
        role=level.value,
        all_customers=all_customers,
        active=True,
    )
    user.grants = [UserCustomer(customer_id=cid) for cid in granted]
    session.add(user)
    session.flush()
    target = targets.user(name)
    audit(session, "user.create", target, role=level.value, all_customers=all_customers, customers=granted)
    for cid in granted:
        audit(session, "grant.add", target, customer_id=cid)
    return user


def update(
    session: Session,
    audit: Auditor,
    user: User,
    *,
    role: str | None = None,
    active: bool | None = None,
    all_customers: bool | None = None,
    password: str | None = None,
    acting_user_id: int | None = None,
) -> dict[str, list[Any]]:
    """Change what is given (None leaves it); returns the changes as ``{field: [old, new]}``.

    ``acting_user_id`` is the user making the change, if any: nobody can take away their
    own administrator role or deactivate themselves.
    """
    level = rules.role(role).value if role is not None else None
    if password is not None:
        rules.password(password)
    if user.id == acting_user_id and (
        (level is not None and level != Role.ADMINISTRATOR.value) or active is False
    ):
        raise NotAllowed(SELF_LOCKOUT)
    changes: dict[str, list[Any]] = {}
    for field, new in (("role", level), ("active", active), ("all_customers", all_customers)):
        old = getattr(user, field)
        if new is not None and old != new:
            changes[field] = [old, new]
            setattr(user, field, new)
    if password is not None:
        user.password_hash = hash_password(password)
    if changes or password is not None:
        audit(
            session,
            "user.update",
            targets.user(user.username),
            changes=changes,
            password_changed=password is not None,
        )
    return changes


def grant(
    session: Session, audit: Auditor, user: User, customer_ids: Iterable[int]
) -> tuple[list[int], list[int]]:
    """Make ``customer_ids`` exactly the customers granted to ``user``; returns (added, removed)."""
    wanted = set(_check_customers(session, customer_ids))
    current = {g.customer_id: g for g in user.grants}
    added, removed = sorted(wanted - current.keys()), sorted(current.keys() - wanted)
    target = targets.user(user.username)
    for cid in added:
        user.grants.append(UserCustomer(customer_id=cid))
        audit(session, "grant.add", target, customer_id=cid)
    for cid in removed:
        user.grants.remove(current[cid])
        audit(session, "grant.remove", target, customer_id=cid)
    return added, removed


def listing(session: Session) -> list[User]:
    """Every user, by name ignoring case."""
    return list(session.scalars(select(User).order_by(func.lower(User.username), User.id)))
