"""The alert engine: turns observations into lifecycle steps and persists each step with
its notifications in one transaction.

Fed by ``collector.alerting.feeds`` (bus events: committed batches, streams opening and
closing, inventory changes) and by scheduler jobs (:meth:`AlertEngine.tick`, in ``timers``: for-durations,
event-like alerts expiring, maintenance ends and other suppressions lifting, escalation;
silence and forecast checks live in ``feeds``). Every public method takes the engine's
lock, so the bus thread and scheduler threads never interleave inside it. The clock is
injected: timeline tests drive it by hand.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collector.alerting import inhibit, maintenance, routing, timers
from collector.alerting.announce import announce
from collector.alerting.directory import load_contacts, load_staff, load_windows
from collector.alerting.domain import Severity, State
from collector.alerting.models import Alert, AlertTransition
from collector.alerting.records import (
    CHANNEL_FAILING,
    AlertRec,
    Clock,
    DeviceInfo,
    EngineSettings,
    channel_rule,
    dt,
    ts,
)
from collector.alerting.rules.ruleset import RuleSet
from collector.alerting.rules.scope import RuleDef
from collector.alerting.state import Lifecycle, Step, Verdict, step
from collector.store.db import Store
from collector.store.models import Customer, Device, Site

log = logging.getLogger(__name__)


class AlertEngine:
    def __init__(
        self,
        store: Store,
        *,
        clock: Clock = time.time,
        settings: EngineSettings | None = None,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings or EngineSettings()
        self._wake = wake
        self.lock = threading.RLock()
        self.rules = RuleSet(store, self.settings.cache_ttl_s)
        self._alerts: dict[str, AlertRec] = {}
        self._devices: dict[int, DeviceInfo] = {}
        self._cache_at = -1e18
        self._directory = routing.Directory()
        self._windows: list[maintenance.Window] = []
        self.steps = 0

    # -- caches ---------------------------------------------------------------------------
    def invalidate(self) -> None:
        """Forget cached rules, people, windows and devices (after edits, in tests)."""
        with self.lock:
            self.rules.invalidate()
            self._cache_at = -1e18
            self._devices.clear()

    def refresh(self) -> None:
        if time.monotonic() - self._cache_at < self.settings.cache_ttl_s:
            return
        with self.store.session() as s:
            self._directory = routing.Directory(
                contacts=load_contacts(s),
                staff=load_staff(s),
                ops_email=self.settings.ops_email,
                webhook_url=self.settings.webhook_url,
                hours=self.settings.hours,
            )
            self._windows = load_windows(s)
        self._cache_at = time.monotonic()

    def device(self, device_id: int) -> DeviceInfo | None:
        found = self._devices.get(device_id)
        if found is not None:
            return found
        with self.store.session() as s:
            row = s.execute(
                select(Device, Customer.name)
                .join(Customer, Customer.id == Device.customer_id)
                .where(Device.id == device_id)
            ).first()
            if row is None:
                return None
            d, customer = row
            site = s.get(Site, d.site_id) if d.site_id is not None else None
            info = DeviceInfo(
                d.id, d.customer_id, d.site_id, d.hostname or d.agent_id, customer, site.name if site else ""
            )
        self._devices[device_id] = info
        return info

    def load(self) -> int:
        """Load the alerts that are pending or firing, or owe their recipients a resolution:
        identities and states survive restarts. The rest is looked up when it recurs."""
        with self.lock, self.store.session() as s:
            rows = s.scalars(
                select(Alert).where(
                    Alert.state.in_((State.PENDING.value, State.FIRING.value))
                    | (Alert.notified_state == State.FIRING.value)
                )
            ).all()
            ids = [a.id for a in rows]
            last = {
                int(aid): int(tid)
                for aid, tid in s.execute(
                    select(AlertTransition.alert_id, func.max(AlertTransition.id))
                    .where(AlertTransition.alert_id.in_(ids))
                    .group_by(AlertTransition.alert_id)
                ).all()
            }
            for a in rows:
                rec = self._rec_from_row(a, last.get(a.id, 0))
                if rec is not None:
                    self._alerts[a.fingerprint] = rec
        return len(self._alerts)

    def forget(self, fingerprint: str) -> None:
        """Drop a settled alert from memory; it is looked up again if it recurs."""
        self._alerts.pop(fingerprint, None)

    def _rec_from_row(self, a: Alert, last_step: int, rule: RuleDef | None = None) -> AlertRec | None:
        """``rule``: the rule observing now (it may be a newer rule of the same family)."""
        if rule is None and a.kind == CHANNEL_FAILING:
            rule = channel_rule(a.subject)
        elif rule is None and a.rule_id is not None:
            rule = self.rules.by_id(a.rule_id)
        if rule is None:
            return None  # its rule was deleted: the alert stays as history
        life = Lifecycle(
            state=State(a.state),
            severity=Severity(a.severity),
            active_since=ts(a.active_since),
            firing_since=ts(a.firing_since),
            resolved_at=ts(a.resolved_at),
            acked=a.acked_at is not None,
            snoozed_until=ts(a.snoozed_until),
            escalation_tier=a.escalation_tier,
        )
        dev = self.device(a.device_id) if a.device_id is not None else None
        return AlertRec(
            a.id,
            a.fingerprint,
            rule,
            dev,
            a.customer_id,
            a.subject,
            life,
            a.summary,
            a.notified_state,
            a.notified_severity,
            last_step,
        )

    def alert(self, fingerprint: str) -> AlertRec | None:
        return self._alerts.get(fingerprint)

    def alerts(self) -> list[AlertRec]:
        return list(self._alerts.values())

    # -- observing ------------------------------------------------------------------------
    @staticmethod
    def fingerprint(rule: RuleDef, device_id: int | None, subject: str) -> str:
        return f"{rule.family}|d{device_id}|{subject}"[:400]

    def current_severity(self, rule: RuleDef, device_id: int | None, subject: str) -> Severity | None:
        rec = self._alerts.get(self.fingerprint(rule, device_id, subject))
        if rec is None or rec.life.state not in (State.PENDING, State.FIRING):
            return None
        return rec.life.severity

    def observe(
        self,
        rule: RuleDef,
        dev: DeviceInfo | None,
        subject: str,
        verdict: Verdict,
        *,
        source_at: float | None = None,
        customer_id: int | None = None,
    ) -> AlertRec | None:
        """Feed one verdict about (rule, device, subject); persists a transition if any."""
        with self.lock:
            now = self.clock()
            fp = self.fingerprint(rule, dev.id if dev else None, subject)
            rec = self._alerts.get(fp)
            if rec is None:
                if not verdict.active:
                    return None
                rec = self._lookup(fp, rule, dev, subject, customer_id)
            rec.rule = rule  # a rule edited since: its newest parameters apply
            nxt, st = step(rec.life, verdict, now, float(getattr(rule.params, "for_s", 0.0)))
            if st is None:
                if verdict.active and rec.life.state is State.FIRING:
                    rec.summary = verdict.summary or rec.summary
                return rec
            self.commit(rec, nxt, st, verdict=verdict, now=now, source_at=source_at)
            return rec

    def _lookup(
        self, fp: str, rule: RuleDef, dev: DeviceInfo | None, subject: str, customer: int | None
    ) -> AlertRec:
        with self.store.session() as s:
            row = s.scalar(select(Alert).where(Alert.fingerprint == fp))
            if row is not None:
                last = (
                    s.scalar(select(func.max(AlertTransition.id)).where(AlertTransition.alert_id == row.id))
                    or 0
                )
                rec = self._rec_from_row(row, last, rule)
                if rec is not None:
                    self._alerts[fp] = rec
                    return rec
        rec = AlertRec(0, fp, rule, dev, dev.customer_id if dev else customer, subject, Lifecycle())
        self._alerts[fp] = rec
        return rec

    # -- persisting -----------------------------------------------------------------------
    def commit(
        self,
        rec: AlertRec,
        nxt: Lifecycle,
        st: Step,
        *,
        verdict: Verdict | None,
        now: float,
        source_at: float | None,
    ) -> None:
        if st.from_state in (State.INACTIVE, State.RESOLVED) and st.to_state in (State.PENDING, State.FIRING):
            nxt = replace(nxt, acked=False, snoozed_until=None, escalation_tier=0)
        summary = (verdict.summary if verdict and verdict.summary else "") or rec.summary
        with self.store.session() as s:
            row = s.get(Alert, rec.id) if rec.id else None
            if row is None:
                row = Alert(
                    fingerprint=rec.fingerprint,
                    kind=rec.rule.kind,
                    customer_id=rec.customer_id,
                    site_id=rec.device.site_id if rec.device else None,
                    device_id=rec.device.id if rec.device else None,
                    subject=rec.subject[:300],
                )
                s.add(row)
            row.rule_id = rec.rule.id or None
            row.state = nxt.state.value
            row.severity = nxt.severity.value
            row.summary = summary
            row.value = verdict.value if verdict else row.value
            row.active_since = dt(nxt.active_since)
            row.firing_since = dt(nxt.firing_since)
            row.resolved_at = dt(nxt.resolved_at)
            row.escalation_tier = nxt.escalation_tier
            row.updated_at = dt(now) or row.updated_at
            if not nxt.acked:
                row.acked_by, row.acked_at = "", None
            if nxt.snoozed_until is None:
                row.snoozed_until = None
            s.flush()
            rec.id, rec.life, rec.summary = row.id, nxt, summary
            tr = self.record_transition(s, rec, st, now, source_at)
            self.announce(
                s,
                rec,
                row,
                transition_id=tr.id,
                suppressed=bool(tr.suppressed),
                now=now,
                source_at=source_at,
                tier=0,
            )
        self.steps += 1
        log.info(
            "alert %d %s: %s -> %s (%s)", rec.id, rec.fingerprint, st.from_state, st.to_state, st.severity
        )
        if self._wake is not None:
            self._wake()

    def record_transition(
        self, s: Session, rec: AlertRec, st: Step, now: float, source_at: float | None
    ) -> AlertTransition:
        tr = AlertTransition(
            alert_id=rec.id,
            at=dt(now),
            from_state=st.from_state.value,
            to_state=st.to_state.value,
            severity=st.severity.value,
            reason=st.reason[:2000],
            source_at=dt(source_at),
            suppressed=self.suppression(rec, now),
        )
        s.add(tr)
        s.flush()
        rec.last_step_id = tr.id
        return tr

    def suppression(self, rec: AlertRec, now: float) -> str:
        """Why notifications of ``rec`` are held back now ("" = they are not)."""
        self.refresh()
        if rec.life.severity is Severity.INFO:
            return "not paged (info)"
        if rec.life.snoozed_until is not None and rec.life.snoozed_until > now:
            return "snoozed"
        if rec.device is not None:
            target = maintenance.Target(rec.customer_id, rec.device.site_id, rec.device.id, _function_of(rec))
            if maintenance.in_maintenance(self._windows, target, now):
                return "maintenance"
            if inhibit.inhibited(rec.rule.kind, rec.device.id, self.offline_devices()):
                return "inhibited: instance offline"
        return ""

    def offline_devices(self) -> set[int]:
        return {
            r.device.id
            for r in self._alerts.values()
            if r.rule.kind == inhibit.OFFLINE_KIND and r.life.state is State.FIRING and r.device is not None
        }

    def announce(self, s: Session, rec: AlertRec, row: Alert, **kw: Any) -> int:
        return announce(s, rec, row, directory=self._directory, settings=self.settings, **kw)

    # -- time-driven ----------------------------------------------------------------------
    def tick(self) -> None:
        """Scheduler job: see ``collector.alerting.timers``."""
        timers.tick(self)

    def wake(self) -> None:
        if self._wake is not None:
            self._wake()

    # -- a channel that keeps failing -------------------------------------------------------
    def channel_failed(self, channel: str, reason: str) -> None:
        """The worker gave up on a message: raise "notification channel failing" (sent by
        the other channels only)."""
        rule = channel_rule(channel)
        self.observe(rule, None, channel, Verdict(True, Severity.CRITICAL, f"{channel}: {reason[:300]}"))

    def channel_delivered(self, channel: str) -> None:
        """A message went out on ``channel``: a "channel failing" alert for it resolves."""
        self.observe(
            channel_rule(channel),
            None,
            channel,
            Verdict(False, Severity.CRITICAL, f"{channel} delivers again"),
        )


def _function_of(rec: AlertRec) -> str:
    return rec.subject if rec.rule.kind == "function_status" else ""


__all__ = ["AlertEngine", "AlertRec", "DeviceInfo", "EngineSettings", "channel_rule"]
