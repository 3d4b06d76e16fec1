"""The alert engine: turns observations into lifecycle steps and persists each step with
its notifications in one transaction.

Fed by ``collector.alerting.feeds`` (bus events: committed batches, streams opening and
closing, inventory changes) and by scheduler jobs (:meth:`AlertEngine.tick`: for-durations,
event-like alerts expiring, maintenance ends and other suppressions lifting, escalation;
silence and forecast checks live in ``feeds``). Every public method takes the engine's
lock, so the bus thread and scheduler threads never interleave inside it. The clock is
injected: timeline tests drive it by hand.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collector.alerting import grouping, inhibit, maintenance, routing
from collector.alerting.directory import load_contacts, load_staff, load_windows
from collector.alerting.domain import Announcement, Severity, State
from collector.alerting.models import Alert, AlertTransition
from collector.alerting.rules import RULE_KINDS
from collector.alerting.rules.ruleset import RuleSet
from collector.alerting.rules.scope import RuleDef
from collector.alerting.state import Lifecycle, Step, Verdict, announcement, due_escalation, step
from collector.notify import outbox
from collector.notify.message_log import aware
from collector.store.db import Store
from collector.store.models import Customer, Device, Site

log = logging.getLogger(__name__)

Clock = Callable[[], float]
CHANNEL_FAILING = "channel_failing"


@dataclass(frozen=True, slots=True)
class EngineSettings:
    group_wait_s: float = 0.2  # how long a group collects before its message goes out
    offline_group_wait_s: float = 5.0  # site outages arrive as a burst of closing streams
    ops_email: str = ""  # the operator's address: receives every alert at tier 0
    webhook_url: str = ""
    hours: routing.BusinessHours = field(default_factory=routing.BusinessHours)
    cache_ttl_s: float = 2.0  # rules, people and windows edited elsewhere take effect after this
    max_tier: int = len(routing.TIER_ROLES) - 1


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    id: int
    customer_id: int
    site_id: int | None
    name: str
    customer: str
    site: str


@dataclass(slots=True)
class AlertRec:
    """The engine's copy of one alert."""

    id: int
    fingerprint: str
    rule: RuleDef
    device: DeviceInfo | None
    customer_id: int | None
    subject: str
    life: Lifecycle
    summary: str = ""
    notified_state: str = ""
    notified_severity: str = ""
    last_step_id: int = 0


def ts(dt: datetime | None) -> float | None:
    return None if dt is None else aware(dt).timestamp()


def dt(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, UTC)


@dataclass(frozen=True, slots=True)
class _SystemParams:
    for_s: float = 0.0
    hold_s: float = 3600.0


def channel_rule(channel: str) -> RuleDef:
    return RuleDef(
        0,
        f"Notification channel failing: {channel}",
        f"{CHANNEL_FAILING}:{channel}",
        CHANNEL_FAILING,
        _SystemParams(),
        Severity.CRITICAL,
    )


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
        self._absent: set[str] = set()
        self._devices: dict[int, DeviceInfo] = {}
        self._cache_at = -1e18
        self._directory = routing.Directory()
        self._windows: list[maintenance.Window] = []
        self._last_tick: float | None = None
        self.steps = 0

    # -- caches ---------------------------------------------------------------------------
    def invalidate(self) -> None:
        """Forget cached rules, people, windows and devices (after edits, in tests)."""
        with self.lock:
            self.rules.invalidate()
            self._cache_at = -1e18
            self._devices.clear()

    def _refresh(self) -> None:
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
        """Load every alert that is not inactive: identities and states survive restarts."""
        with self.lock, self.store.session() as s:
            grouped = select(AlertTransition.alert_id, func.max(AlertTransition.id)).group_by(
                AlertTransition.alert_id
            )
            last = {int(aid): int(tid) for aid, tid in s.execute(grouped).all()}
            for a in s.scalars(select(Alert).where(Alert.state != State.INACTIVE.value)):
                rec = self._rec_from_row(a, last.get(a.id, 0))
                if rec is not None:
                    self._alerts[a.fingerprint] = rec
        return len(self._alerts)

    def _rec_from_row(self, a: Alert, last_step: int) -> AlertRec | None:
        if a.kind == CHANNEL_FAILING:
            rule: RuleDef | None = channel_rule(a.subject)
        else:
            rule = self.rules.by_id(a.rule_id) if a.rule_id is not None else None
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
            self._commit(rec, nxt, st, verdict=verdict, now=now, source_at=source_at)
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
                rec = self._rec_from_row(row, last)
                if rec is not None:
                    rec.rule = rule
                    self._alerts[fp] = rec
                    return rec
        rec = AlertRec(0, fp, rule, dev, dev.customer_id if dev else customer, subject, Lifecycle())
        self._alerts[fp] = rec
        return rec

    # -- persisting -----------------------------------------------------------------------
    def _commit(
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
            tr = self._transition(s, rec, st, now, source_at)
            self._announce(
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

    def _transition(
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
        self._refresh()
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

    def _announce(
        self,
        s: Session,
        rec: AlertRec,
        row: Alert,
        *,
        transition_id: int,
        suppressed: bool,
        now: float,
        source_at: float | None,
        tier: int,
        escalation: bool = False,
    ) -> int:
        if escalation:
            what: Announcement | None = None if suppressed else Announcement.ESCALATED
        else:
            what = announcement(
                rec.life.state, rec.life.severity, rec.notified_state, rec.notified_severity, suppressed
            )
        if what is None:
            return 0
        facts = routing.AlertFacts(
            rec.customer_id, rec.life.severity, rec.rule.id or None, rec.rule.notify_contacts, tier
        )
        people = routing.recipients(facts, self._directory, now)
        if rec.rule.kind == CHANNEL_FAILING:
            people = routing.failover(people, rec.subject)
        wait = (
            self.settings.offline_group_wait_s
            if rec.rule.kind == inhibit.OFFLINE_KIND
            else self.settings.group_wait_s
        )
        gt = grouping.GroupTarget(
            rec.customer_id,
            rec.device.site_id if rec.device else None,
            rec.device.id if rec.device else None,
            rec.rule.kind,
            rec.rule.family,
        )
        added = outbox.enqueue(
            s,
            transition_id=transition_id,
            alert_id=rec.id,
            customer_id=rec.customer_id,
            recipients=people,
            announcement=what.value,
            group_key=grouping.group_key(gt, what),
            title=self._title(rec, many=False),
            line=self._line(rec),
            due_at=dt(now + wait) or datetime.now(UTC),
            source_at=dt(source_at),
        )
        if not escalation:
            state = Announcement.FIRING if what is Announcement.FIRING else Announcement.RESOLVED
            rec.notified_state, rec.notified_severity = state.value, rec.life.severity.value
            row.notified_state, row.notified_severity = rec.notified_state, rec.notified_severity
        return added

    @staticmethod
    def _title(rec: AlertRec, many: bool) -> str:
        if rec.device is None:
            return rec.rule.name
        place = rec.device.customer + (f" / {rec.device.site}" if rec.device.site else "")
        return f"{rec.rule.name} - {place}"

    @staticmethod
    def _line(rec: AlertRec) -> str:
        who = rec.device.name if rec.device else "EUS"
        return f"{rec.life.severity.value.upper()} {who}: {rec.summary}"[:500]

    # -- time-driven ----------------------------------------------------------------------
    def tick(self) -> None:
        """Scheduler job: pending alerts whose for-duration passed fire, event-like alerts
        past their hold resolve, suppressions that lifted are caught up, escalation."""
        with self.lock:
            now = self.clock()
            self._refresh()
            self._sync_actions()
            for rec in list(self._alerts.values()):
                life = rec.life
                for_s = float(getattr(rec.rule.params, "for_s", 0.0))
                if life.state is State.PENDING:
                    nxt, st = step(life, Verdict(True, life.severity, rec.summary), now, for_s)
                    if st is not None:
                        self._commit(rec, nxt, st, verdict=None, now=now, source_at=None)
                        continue
                event_like = rec.rule.kind == CHANNEL_FAILING or (
                    rec.rule.kind in RULE_KINDS and RULE_KINDS[rec.rule.kind].event_like
                )
                hold = float(getattr(rec.rule.params, "hold_s", 3600.0))
                expired = life.firing_since is not None and now - life.firing_since >= hold
                if event_like and life.state is State.FIRING and expired:
                    nxt, st = step(life, Verdict(False, life.severity, "expired"), now, for_s)
                    if st is not None:
                        self._commit(rec, nxt, st, verdict=None, now=now, source_at=None)
                        continue
                self._catch_up(rec, now)
                self._escalate(rec, now)
            self._last_tick = now

    def _catch_up(self, rec: AlertRec, now: float) -> None:
        """Announce what a lifted suppression held back (at most one message per alert)."""
        if rec.last_step_id == 0:
            return
        suppressed = self.suppression(rec, now)
        if (
            announcement(
                rec.life.state, rec.life.severity, rec.notified_state, rec.notified_severity, bool(suppressed)
            )
            is None
        ):
            return
        with self.store.session() as s:
            row = s.get(Alert, rec.id)
            if row is None:
                return
            added = self._announce(
                s, rec, row, transition_id=rec.last_step_id, suppressed=False, now=now, source_at=None, tier=0
            )
        if added and self._wake is not None:
            self._wake()

    def _escalate(self, rec: AlertRec, now: float) -> None:
        tier = due_escalation(rec.life, now, rec.rule.escalate_after_s, self.settings.max_tier)
        if tier is None:
            return
        rec.life = replace(rec.life, escalation_tier=tier)
        with self.store.session() as s:
            row = s.get(Alert, rec.id)
            if row is None:
                return
            row.escalation_tier = tier
            st = Step(
                State.FIRING,
                State.FIRING,
                rec.life.severity,
                f"escalated to tier {tier} ({routing.TIER_ROLES[tier]})",
            )
            tr = self._transition(s, rec, st, now, None)
            self._announce(
                s,
                rec,
                row,
                transition_id=tr.id,
                suppressed=bool(tr.suppressed),
                now=now,
                source_at=None,
                tier=tier,
                escalation=True,
            )
        if self._wake is not None:
            self._wake()

    def _sync_actions(self) -> None:
        """Pick up acknowledgements and snoozes made on the dashboard."""
        active = [r for r in self._alerts.values() if r.life.state in (State.PENDING, State.FIRING) and r.id]
        if not active:
            return
        with self.store.session() as s:
            rows = s.execute(
                select(Alert.id, Alert.acked_at, Alert.snoozed_until).where(
                    Alert.id.in_([r.id for r in active])
                )
            ).all()
        by_id = {i: (acked, snoozed) for i, acked, snoozed in rows}
        for r in active:
            acked, snoozed = by_id.get(r.id, (None, None))
            r.life = replace(r.life, acked=acked is not None, snoozed_until=ts(snoozed))

    # -- a channel that keeps failing -------------------------------------------------------
    def channel_failed(self, channel: str, reason: str) -> None:
        """The worker gave up on a message: raise "notification channel failing" (sent by
        the other channels only)."""
        rule = channel_rule(channel)
        self.observe(rule, None, channel, Verdict(True, Severity.CRITICAL, f"{channel}: {reason[:300]}"))


def _function_of(rec: AlertRec) -> str:
    return rec.subject if rec.rule.kind == "function_status" else ""


def active_rules(rules: Iterable[RuleDef], kind: str) -> list[RuleDef]:
    return [r for r in rules if r.kind == kind]


__all__ = ["AlertEngine", "AlertRec", "DeviceInfo", "EngineSettings", "active_rules", "channel_rule"]
