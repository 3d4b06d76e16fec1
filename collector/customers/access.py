"""Who may not see what: customers hidden from users or roles, sensitive categories blocked per
role. Administrators set both on the "Restrict access" page; the dashboard reads them once per
request into the signed-in user (``collector.web.identity``) and asks
``collector.web.permissions.may_see_category``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from collector.customers.models import CategoryBlock, CustomerRestriction
from collector.store.models import Customer


class Category(enum.StrEnum):
    """What a role can be kept from, whatever customers it sees."""

    PROCESS_LISTS = "process-lists"  # process checks: the process names and command lines watched
    SOFTWARE_INVENTORY = "software-inventory"  # installed packages and applications
    REMOTE_ACCESS = "remote-access"  # how an instance is reached: its addresses

    @property
    def label(self) -> str:
        return {
            Category.PROCESS_LISTS: "Process lists",
            Category.SOFTWARE_INVENTORY: "Software inventory",
            Category.REMOTE_ACCESS: "Remote-access details",
        }[self]


@dataclass(frozen=True, slots=True)
class Restrictions:
    """What one user may not see."""

    hidden_customer_ids: frozenset[int]
    blocked_categories: frozenset[str]
    all_customer_ids: frozenset[int]  # every customer's id; filled only when something is hidden


NONE = Restrictions(frozenset(), frozenset(), frozenset())


def restrictions_for(session: Session, user_id: int, role: str) -> Restrictions:
    """The customers hidden from ``user_id`` (by name or by role) and the categories ``role``
    is blocked from."""
    hidden = frozenset(
        session.scalars(
            select(CustomerRestriction.customer_id).where(
                or_(CustomerRestriction.user_id == user_id, CustomerRestriction.role == role)
            )
        )
    )
    blocked = frozenset(session.scalars(select(CategoryBlock.category).where(CategoryBlock.role == role)))
    if not hidden and not blocked:
        return NONE
    every = frozenset(session.scalars(select(Customer.id))) if hidden else frozenset()
    return Restrictions(hidden, blocked, every)


@dataclass(frozen=True, slots=True)
class HiddenMap:
    """Every restriction at once, for deciding about many users (alert routing)."""

    by_user: dict[int, frozenset[int]]
    by_role: dict[str, frozenset[int]]

    def hidden_from(self, user_id: int, role: str) -> frozenset[int]:
        """The customers hidden from ``user_id`` by name or by ``role``."""
        return self.by_user.get(user_id, frozenset()) | self.by_role.get(role, frozenset())


def hidden_map(session: Session) -> HiddenMap:
    """Every customer restriction, by user and by role, in one query."""
    by_user: dict[int, set[int]] = {}
    by_role: dict[str, set[int]] = {}
    for customer_id, user_id, role in session.execute(
        select(CustomerRestriction.customer_id, CustomerRestriction.user_id, CustomerRestriction.role)
    ):
        if user_id is not None:
            by_user.setdefault(user_id, set()).add(customer_id)
        if role is not None:
            by_role.setdefault(role, set()).add(customer_id)
    return HiddenMap(
        {k: frozenset(v) for k, v in by_user.items()}, {k: frozenset(v) for k, v in by_role.items()}
    )


def category(raw: str) -> Category:
    """The category named ``raw``; ValueError naming the choices otherwise."""
    try:
        return Category(raw)
    except ValueError:
        raise ValueError(f"category: one of {', '.join(c.value for c in Category)}") from None
