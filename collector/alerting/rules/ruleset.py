"""The rules in force, read from the store and cached briefly; rules whose parameters no
longer validate are skipped with one log line rather than failing every evaluation."""

from __future__ import annotations

import json
import logging
import threading
import time

from sqlalchemy import select

from collector.alerting.domain import Severity
from collector.alerting.models import AlertRule
from collector.alerting.rules import RuleError, parse_params
from collector.alerting.rules.scope import RuleDef, effective
from collector.store.db import Store

log = logging.getLogger(__name__)


def rule_def(r: AlertRule) -> RuleDef:
    """Raises RuleError (or ValueError) when the stored parameters do not validate."""
    return RuleDef(
        id=r.id,
        name=r.name,
        family=r.family,
        kind=r.kind,
        params=parse_params(r.kind, json.loads(r.params or "{}")),
        severity=Severity(r.severity),
        customer_id=r.customer_id,
        site_id=r.site_id,
        device_id=r.device_id,
        notify_contacts=r.notify_contacts,
        escalate_after_s=r.escalate_after_s,
        ticket_priority=r.ticket_priority,
    )


class RuleSet:
    def __init__(self, store: Store, ttl_s: float = 2.0) -> None:
        self._store = store
        self._ttl = ttl_s
        self._rules: list[RuleDef] = []
        self._by_id: dict[int, RuleDef] = {}
        self._loaded_at = -1e18
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        self._loaded_at = -1e18

    def all(self) -> list[RuleDef]:
        with self._lock:
            if time.monotonic() - self._loaded_at >= self._ttl:
                self._load()
            return self._rules

    def by_id(self, rule_id: int) -> RuleDef | None:
        self.all()
        return self._by_id.get(rule_id)

    def for_device(
        self, customer_id: int | None, site_id: int | None, device_id: int | None
    ) -> list[RuleDef]:
        return effective(self.all(), customer_id, site_id, device_id)

    def _load(self) -> None:
        rules: list[RuleDef] = []
        with self._store.session() as s:
            rows = s.scalars(
                select(AlertRule).where(AlertRule.enabled.is_(True)).order_by(AlertRule.id)
            ).all()
        for r in rows:
            try:
                rules.append(rule_def(r))
            except (RuleError, ValueError) as exc:
                log.warning("alert rule %d (%s) skipped: %s", r.id, r.name, exc)
        self._rules = rules
        self._by_id = {r.id: r for r in rules}
        self._loaded_at = time.monotonic()
