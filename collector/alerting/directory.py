"""Loads who could receive alerts (contacts, staff with their channels) and the maintenance
windows from the relational store, as the plain values routing and maintenance decide on,
and keeps a copy for the engine (:class:`CachedDirectory`)."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.alerting import maintenance, routing
from collector.alerting.domain import Hours, Severity
from collector.alerting.models import Contact, MaintenanceWindow, UserChannel
from collector.alerting.records import EngineSettings
from collector.alerting.routing import ContactInfo, StaffInfo
from collector.store.db import Store
from collector.store.models import User, UserCustomer


def opt_in_ids(raw: str) -> frozenset[int]:
    try:
        data = json.loads(raw or "[]")
    except ValueError:
        return frozenset()
    return frozenset(int(x) for x in data if isinstance(x, int))


def contact_info(c: Contact) -> ContactInfo:
    return ContactInfo(
        id=c.id,
        customer_id=c.customer_id,
        email=c.email,
        mobile=c.mobile,
        sms_gateway_domain=c.sms_gateway_domain,
        min_severity=Severity(c.min_severity),
        hours=Hours(c.hours),
        all_rules=c.all_rules,
        opt_in_rules=opt_in_ids(c.opt_in_rules),
        active=c.active,
    )


def load_contacts(s: Session) -> list[ContactInfo]:
    return [contact_info(c) for c in s.scalars(select(Contact).where(Contact.active.is_(True)))]


class HiddenFrom(Protocol):
    """Which customers are hidden from a user ("Restrict access",
    ``collector.customers.access.HiddenMap``)."""

    def hidden_from(self, user_id: int, role: str) -> frozenset[int]: ...


# Reads every restriction in the caller's session; given by the composition root
# (``collector.customers.access.hidden_map``), since customers builds on alerting, not the reverse.
HiddenLookup = Callable[[Session], HiddenFrom]


def load_staff(s: Session, hidden: HiddenLookup | None = None) -> list[StaffInfo]:
    """Active staff with an enabled channel, with their grants and (given ``hidden``) the
    customers hidden from them."""
    grants: dict[int, set[int]] = defaultdict(set)
    for user_id, customer_id in s.execute(select(UserCustomer.user_id, UserCustomer.customer_id)):
        grants[user_id].add(customer_id)
    rows = s.execute(
        select(User, UserChannel)
        .join(UserChannel, UserChannel.user_id == User.id)
        .where(User.active.is_(True))
        .where(UserChannel.enabled.is_(True))
    ).all()
    restricted = hidden(s) if hidden is not None else None
    return [
        StaffInfo(
            u.id,
            u.role,
            u.all_customers,
            frozenset(grants[u.id]),
            email=ch.email,
            mobile=ch.mobile,
            hidden_customer_ids=restricted.hidden_from(u.id, u.role) if restricted else frozenset(),
        )
        for u, ch in rows
    ]


def window_of(w: MaintenanceWindow) -> maintenance.Window:
    return maintenance.Window(
        customer_id=w.customer_id,
        starts=w.starts_at.timestamp(),
        ends=w.ends_at.timestamp(),
        recurrence=w.recurrence,
        until=w.until.timestamp() if w.until is not None else None,
        site_id=w.site_id,
        device_id=w.device_id,
        function_id=w.function_id,
        id=w.id,
        rule=w.rule,
        timezone=w.timezone,
    )


def load_windows(s: Session) -> list[maintenance.Window]:
    return [window_of(w) for w in s.scalars(select(MaintenanceWindow))]


class CachedDirectory:
    """Who could receive alerts and the maintenance windows, re-read from the store once the
    copy is older than ``ttl_s`` (people and windows are edited elsewhere)."""

    def __init__(self, store: Store, settings: EngineSettings, hidden: HiddenLookup | None = None) -> None:
        self._store = store
        self._settings = settings
        self._hidden = hidden
        self._at = -1e18
        self.directory = routing.Directory()
        self.windows: list[maintenance.Window] = []

    def invalidate(self) -> None:
        self._at = -1e18

    def refresh(self) -> None:
        if time.monotonic() - self._at < self._settings.cache_ttl_s:
            return
        with self._store.session() as s:
            self.directory = routing.Directory(
                contacts=load_contacts(s),
                staff=load_staff(s, self._hidden),
                ops_email=self._settings.ops_email,
                webhook_url=self._settings.webhook_url,
                hours=self._settings.hours,
            )
            self.windows = load_windows(s)
        self._at = time.monotonic()
