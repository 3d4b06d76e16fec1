"""The engine's copies of the alerts it watches, keyed by fingerprint, and how a copy is made
from its row: at start-up (open alerts and those owing a resolution message), when an
identity recurs, when a technician acts on one, and after a failed transaction (the row is
the truth then). Used only under the engine's lock."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.alerting import persist
from collector.alerting.domain import State
from collector.alerting.models import Alert
from collector.alerting.records import CHANNEL_FAILING, AlertRec, DeviceInfo, channel_rule
from collector.alerting.rules.ruleset import RuleSet
from collector.alerting.rules.scope import RuleDef
from collector.alerting.state import Lifecycle
from collector.store.db import Store

log = logging.getLogger(__name__)


class AlertMemory:
    def __init__(self, store: Store, rules: RuleSet, device: Callable[[int], DeviceInfo | None]) -> None:
        self._store = store
        self._rules = rules
        self._device = device
        self._by_fingerprint: dict[str, AlertRec] = {}

    def get(self, fingerprint: str) -> AlertRec | None:
        return self._by_fingerprint.get(fingerprint)

    def all(self) -> list[AlertRec]:
        return list(self._by_fingerprint.values())

    def forget(self, fingerprint: str) -> None:
        self._by_fingerprint.pop(fingerprint, None)

    def load(self) -> int:
        """The alerts that are pending or firing, or owe their recipients a resolution."""
        with self._store.session() as s:
            rows = s.scalars(
                select(Alert).where(
                    Alert.state.in_((State.PENDING.value, State.FIRING.value))
                    | (Alert.notified_state == State.FIRING.value)
                )
            ).all()
            last = persist.last_transitions(s, [a.id for a in rows])
            for a in rows:
                rec = self._from_row(a, last.get(a.id, 0))
                if rec is not None:
                    self._by_fingerprint[a.fingerprint] = rec
        return len(self._by_fingerprint)

    def remember(self, s: Session, row: Alert, rule: RuleDef | None = None) -> AlertRec | None:
        """A copy of ``row`` (None when its rule was deleted: the alert is history)."""
        rec = self._from_row(row, persist.last_transitions(s, [row.id]).get(row.id, 0), rule)
        if rec is not None:
            self._by_fingerprint[row.fingerprint] = rec
        return rec

    def lookup(
        self, fingerprint: str, rule: RuleDef, dev: DeviceInfo | None, subject: str, customer: int | None
    ) -> AlertRec:
        """The alert (rule, device, subject) as stored, or a new identity not yet stored."""
        with self._store.session() as s:
            row = s.scalar(select(Alert).where(Alert.fingerprint == fingerprint))
            rec = self.remember(s, row, rule) if row is not None else None
        if rec is None:
            customer_id = dev.customer_id if dev else customer
            rec = AlertRec(0, fingerprint, rule, dev, customer_id, subject, Lifecycle())
            self._by_fingerprint[fingerprint] = rec
        return rec

    def reload(self, fingerprint: str) -> None:
        """After a failed transaction: the copy may be ahead of its row; take the row's."""
        self.forget(fingerprint)
        try:
            with self._store.session() as s:
                row = s.scalar(select(Alert).where(Alert.fingerprint == fingerprint))
                if row is not None:
                    self.remember(s, row)
        except Exception:
            log.exception("alert %s could not be read again; it is looked up when it recurs", fingerprint)

    def _from_row(self, a: Alert, last_step: int, rule: RuleDef | None = None) -> AlertRec | None:
        """``rule``: the rule observing now (it may be a newer rule of the same family)."""
        if rule is None and a.kind == CHANNEL_FAILING:
            rule = channel_rule(a.subject)
        elif rule is None and a.rule_id is not None:
            rule = self._rules.by_id(a.rule_id)
        if rule is None:
            return None
        dev = self._device(a.device_id) if a.device_id is not None else None
        return AlertRec(
            a.id,
            a.fingerprint,
            rule,
            dev,
            a.customer_id,
            a.subject,
            persist.lifecycle_of(a),
            a.summary,
            a.notified_state,
            a.notified_severity,
            last_step,
        )
