"""Leaving blocked categories out of what a view sends (``collector.customers.access``): the
helpers the function, inventory and customer views call so a role blocked from process lists
or software inventory never receives them, in HTML or in JSON."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.customers.access import Category
from collector.customers.models import FunctionLatest
from collector.web.identity import current_user
from collector.web.permissions import may_see_category

PROCESS_KIND = "process"


class HasKind(Protocol):
    @property
    def kind(self) -> str: ...


K = TypeVar("K", bound=HasKind)


def shows(customer_id: int, category: Category) -> bool:
    """Whether the signed-in user may receive ``category`` of ``customer_id``."""
    return may_see_category(current_user(), customer_id, category)


def without_processes(items: Iterable[K], customer_id: int) -> list[K]:
    """``items`` (function states, specs) without process checks when the user's role is
    blocked from process lists."""
    if shows(customer_id, Category.PROCESS_LISTS):
        return list(items)
    return [i for i in items if i.kind != PROCESS_KIND]


def is_process_check(s: Session, device_id: int, function_id: str, subject: str = "") -> bool:
    """Whether the device's function ``function_id`` is a process check (by its reported kind,
    or by the ``process:`` id a central process check gets)."""
    kind = s.scalar(
        select(FunctionLatest.kind).where(
            FunctionLatest.device_id == device_id,
            FunctionLatest.subject == subject,
            FunctionLatest.function_id == function_id,
        )
    )
    return kind == PROCESS_KIND or function_id.startswith(f"{PROCESS_KIND}:")


def blocked(category: Category) -> bool:
    """Whether the signed-in user's role is blocked from ``category`` (for every customer)."""
    return category.value in current_user().blocked_categories


def without_packages(items: Iterable[K], customer_id: int) -> list[K]:
    """Inventory items (or changes) without packages when the role is blocked from software inventory."""
    if shows(customer_id, Category.SOFTWARE_INVENTORY):
        return list(items)
    return [i for i in items if i.kind != "package"]
