"""The alert engine: the one writer of alert state.

It turns observations into lifecycle steps (``observe``, fed by ``collector.alerting.feeds``
from bus events and scheduled checks), lets time act (``tick``, a scheduler job:
for-durations, event-like alerts expiring, suppressions lifting, escalation), and applies
the technicians' actions (``acknowledge``, ``unacknowledge``, ``snooze``, ``resolve``,
``comment``: the dashboard's forms and its JSON API call these same methods). Every change
is a pure transition from ``collector.alerting.state``, persisted with its transition row,
its outbox rows and, for an action, its audit row, in one transaction.

Locking rule: every public method holds ``lock`` (re-entrant) for its whole run, store
transaction included. The bus thread, the scheduler's threads and the dashboard's request
threads therefore never interleave inside the engine: an acknowledgement made while an
evaluation is in progress waits for it and applies to its result, so the engine never
overwrites it with an older copy. The engine's copy of an alert changes only together with
a transaction; when one fails, the copy is read again from the alert's row.

The clock is injected: timeline tests drive it by hand.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Protocol, TypeAlias

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.alerting import inhibit, persist, routing, state, timers
from collector.alerting.announce import announce
from collector.alerting.directory import CachedDirectory, HiddenLookup
from collector.alerting.domain import Severity, State
from collector.alerting.memory import AlertMemory
from collector.alerting.models import Alert
from collector.alerting.records import (
    Acted,
    Actor,
    AlertNotFound,
    AlertRec,
    Clock,
    DeviceInfo,
    EngineSettings,
    channel_rule,
    dt,
)
from collector.alerting.rules.ruleset import RuleSet
from collector.alerting.rules.scope import RuleDef
from collector.alerting.state import Lifecycle, Step, Verdict
from collector.alerting.suppression import held_back
from collector.store.db import Store, audit

log = logging.getLogger(__name__)

RETIRED_COMMENT = "device retired"

Transition: TypeAlias = Callable[[Lifecycle, float], tuple[Lifecycle, Step | None]]
"""An action as a pure transition of (lifecycle, now)."""


class TransitionHook(Protocol):
    """Called in the transaction that records a lifecycle step of ``alert`` (the helpdesk
    opens and notes tickets this way), so what it writes commits with the step or not at all."""

    def __call__(self, session: Session, alert: Alert, rule: RuleDef, step: Step, now: float) -> None: ...


class AlertEngine:
    """The one writer of alert state (see the module's docstring for its locking rule)."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock = time.time,
        settings: EngineSettings | None = None,
        wake: Callable[[], None] | None = None,
        hooks: Sequence[TransitionHook] = (),
    ) -> None:
        self.store = store
        self._hooks = tuple(hooks)
        self.clock = clock
        self.settings = settings or EngineSettings()
        self._wake = wake
        self.lock = threading.RLock()
        self.rules = RuleSet(store, self.settings.cache_ttl_s)
        self._memory = AlertMemory(store, self.rules, self.device)
        self._devices: dict[int, tuple[float, DeviceInfo]] = {}
        self.hidden_customers: HiddenLookup | None = None
        self._people = CachedDirectory(store, self.settings)
        self.steps = 0

    # -- reading ----------------------------------------------------------------------------
    def use_settings(self, settings: EngineSettings) -> None:
        """Route with new settings (the operator's address, webhook, business hours) from now on."""
        with self.lock:
            self.settings = settings
            self._people = CachedDirectory(self.store, settings, self.hidden_customers)

    def hide_customers(self, lookup: HiddenLookup) -> None:
        """Never notify a user of a customer ``lookup`` says is hidden from them (the
        composition root gives ``collector.customers.access.hidden_map``)."""
        with self.lock:
            self.hidden_customers = lookup
            self._people = CachedDirectory(self.store, self.settings, lookup)

    def invalidate(self) -> None:
        """Forget cached rules, people, windows and devices (after edits, in tests)."""
        with self.lock:
            self.rules.invalidate()
            self._people.invalidate()
            self._devices.clear()

    def device(self, device_id: int) -> DeviceInfo | None:
        """The device as alerting sees it (cached for ``cache_ttl_s``: a rename or a retirement
        made elsewhere takes effect after it)."""
        with self.lock:
            now = self.clock()
            cached = self._devices.get(device_id)
            if cached is not None and now - cached[0] < self.settings.cache_ttl_s:
                return cached[1]
            with self.store.session() as s:
                found = persist.device_info(s, device_id)
            if found is not None:
                self._devices[device_id] = (now, found)
            return found

    def load(self) -> int:
        """Load the alerts that are pending or firing, or owe their recipients a resolution:
        identities and states survive restarts. The rest is looked up when it recurs."""
        with self.lock:
            return self._memory.load()

    def alert(self, fingerprint: str) -> AlertRec | None:
        with self.lock:
            return self._memory.get(fingerprint)

    def alerts(self) -> list[AlertRec]:
        with self.lock:
            return self._memory.all()

    def current_severity(self, rule: RuleDef, device_id: int | None, subject: str) -> Severity | None:
        """The severity of the alert (rule, device, subject) while pending or firing."""
        with self.lock:
            rec = self._memory.get(self.fingerprint(rule, device_id, subject))
            if rec is None or rec.life.state not in state.OPEN:
                return None
            return rec.life.severity

    def offline_devices(self) -> set[int]:
        """Devices with a firing "instance offline" alert (they inhibit their own alerts)."""
        with self.lock:
            return {
                r.device.id
                for r in self._memory.all()
                if r.rule.kind == inhibit.OFFLINE_KIND
                and r.life.state is State.FIRING
                and r.device is not None
            }

    @staticmethod
    def fingerprint(rule: RuleDef, device_id: int | None, subject: str) -> str:
        return f"{rule.family}|d{device_id}|{subject}"[:400]

    # -- observing --------------------------------------------------------------------------
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
        """Feed one verdict about (rule, device, subject); persists a transition if any.
        A retired device's conditions count as cleared: it raises nothing."""
        if dev is not None and dev.retired and verdict.active:
            verdict = Verdict(False, verdict.severity, RETIRED_COMMENT)
        with self.lock:
            now = self.clock()
            fp = self.fingerprint(rule, dev.id if dev else None, subject)
            rec = self._memory.get(fp)
            if rec is None:
                if not verdict.active:
                    return None
                rec = self._memory.lookup(fp, rule, dev, subject, customer_id)
            rec.rule = rule  # a rule edited since: its newest parameters apply
            nxt, st = state.step(rec.life, verdict, now, rule.params.for_s)
            if st is None:
                if verdict.active and rec.life.state is State.FIRING:
                    rec.summary = verdict.summary or rec.summary
                return rec
            self._commit(rec, nxt, st, verdict=verdict, now=now, source_at=source_at)
            return rec

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

    # -- time -------------------------------------------------------------------------------
    def tick(self) -> None:
        """Scheduler job (every second): pending alerts whose for-duration passed fire,
        event-like alerts past their hold resolve, what a lifted suppression (a maintenance
        window ending, a snooze running out, an instance back online) held back is announced,
        unacknowledged firing alerts escalate, and settled alerts leave memory."""
        with self.lock:
            now = self.clock()
            self._people.refresh()
            offline = self.offline_devices()  # once a pass, not once an alert: O(alerts), not squared
            for rec in self._memory.all():
                if self._advance(rec, now):
                    offline = self.offline_devices()  # the transition may be an offline alert's
                    continue
                self._catch_up(rec, now, offline)
                self._escalate(rec, now)
                if timers.settled(rec, now):
                    self._memory.forget(rec.fingerprint)

    def _advance(self, rec: AlertRec, now: float) -> bool:
        life = rec.life
        if life.state is State.PENDING:
            verdict = Verdict(True, life.severity, rec.summary)
        elif timers.hold_expired(rec, now):
            verdict = Verdict(False, life.severity, "expired")
        else:
            return False
        nxt, st = state.step(life, verdict, now, rec.rule.params.for_s)
        if st is None:
            return False
        self._commit(rec, nxt, st, verdict=None, now=now, source_at=None)
        return True

    def _catch_up(self, rec: AlertRec, now: float, offline: set[int]) -> None:
        """Announce what a lifted suppression held back (at most one message per alert);
        ``offline``: :meth:`offline_devices` as it stands."""
        if rec.last_step_id == 0:
            return
        life, held = rec.life, bool(self._suppression(rec, now, offline))
        owed = state.announcement(life.state, life.severity, rec.notified_state, rec.notified_severity, held)
        if owed is None:
            return
        with self._guard(rec), self.store.session() as s:
            row = s.get(Alert, rec.id)
            if row is None:
                return
            added = announce(
                s,
                rec,
                row,
                transition_id=rec.last_step_id,
                suppressed=False,
                now=now,
                source_at=None,
                tier=0,
                directory=self._people.directory,
                settings=self.settings,
            )
        if added:
            self._wake_worker()

    def _escalate(self, rec: AlertRec, now: float) -> None:
        tier = state.due_escalation(rec.life, now, rec.rule.escalate_after_s, self.settings.max_tier)
        if tier is None:
            return
        reason = f"escalated to tier {tier} ({routing.TIER_ROLES[tier]})"
        st = Step(State.FIRING, State.FIRING, rec.life.severity, reason)
        with self._guard(rec), self.store.session() as s:
            row = s.get(Alert, rec.id)
            if row is None:
                return
            rec.life = replace(rec.life, escalation_tier=tier)
            row.escalation_tier = tier
            self._record(s, rec, row, st, now=now, source_at=None, tier=tier, escalation=True)
        self._wake_worker()

    # -- the technicians' actions -----------------------------------------------------------
    def acknowledge(self, alert_id: int, who: Actor) -> Acted:
        """Escalation stops; notifications go on. ActionRefused unless pending or firing."""
        return self._act(alert_id, who, "ack", lambda life, _now: state.acknowledge(life))

    def unacknowledge(self, alert_id: int, who: Actor) -> Acted:
        """The alert is nobody's again; escalation resumes."""
        return self._act(alert_id, who, "unack", lambda life, _now: state.unacknowledge(life))

    def snooze(self, alert_id: int, who: Actor, seconds: float) -> Acted:
        """Hold notifications of a pending or firing alert back for ``seconds``."""
        return self._act(alert_id, who, "snooze", lambda life, now: state.snooze(life, now + seconds, now))

    def resolve(self, alert_id: int, who: Actor, comment: str) -> Acted:
        """Close a pending or firing alert by hand, saying why (recipients of its firing are
        told it is resolved)."""
        return self._act(alert_id, who, "resolve", lambda life, now: state.resolve(life, now, comment))

    def retire_device(
        self, device_id: int, who: Actor, about: Callable[[str], bool] | None = None
    ) -> list[Acted]:
        """The device was retired: its pending and firing alerts resolve (recipients of a
        firing are told), and from now on it raises none (see ``observe``). Given ``about``,
        only the alerts whose subject it accepts (an SNMP target a gateway no longer polls)."""
        with self.lock:
            self._devices.pop(device_id, None)
            with self.store.session() as s:
                rows = s.execute(
                    select(Alert.id, Alert.subject).where(
                        Alert.device_id == device_id, Alert.state.in_([st.value for st in state.OPEN])
                    )
                ).all()
            ids = [alert_id for alert_id, subject in rows if about is None or about(subject)]
            return [self.resolve(alert_id, who, RETIRED_COMMENT) for alert_id in ids]

    def comment(self, alert_id: int, who: Actor, text: str) -> Acted:
        """A note on the alert's timeline, in any state."""
        return self._act(alert_id, who, "comment", lambda life, _now: state.comment(life, text))

    def _act(self, alert_id: int, who: Actor, action: str, apply: Transition) -> Acted:
        """Apply ``apply`` to the alert under the lock; persist the step, its notifications and
        the audit row in one transaction. AlertNotFound when ``who`` may not see the alert;
        ActionRefused (from the transition) when its state does not allow the action."""
        with self.lock:
            now = self.clock()
            touched: str | None = None
            try:
                with self.store.session() as s:
                    row = s.get(Alert, alert_id)
                    if row is None or not who.may_see(row.customer_id):
                        raise AlertNotFound(f"alert {alert_id}")
                    rec = self._memory.get(row.fingerprint) or self._memory.remember(s, row)
                    life = rec.life if rec is not None else persist.lifecycle_of(row)
                    nxt, st = apply(life, now)  # a refusal raises here, before anything is written
                    if st is None:
                        return Acted(alert_id, False, life, "")
                    touched = row.fingerprint
                    persist.write_life(row, nxt, now, who.name)
                    audit(
                        s,
                        who.name,
                        f"alert.{action}",
                        f"alert:{alert_id}",
                        customer_id=row.customer_id,
                        address=who.address,
                        **_audit_detail(st, nxt),
                    )
                    if rec is None:  # its rule is gone: history, nobody to notify
                        persist.add_transition(
                            s, alert_id, st, now=now, source_at=None, suppressed="", actor=who.name
                        )
                    else:
                        rec.life = nxt
                        self._record(s, rec, row, st, now=now, source_at=None, actor=who.name)
            except BaseException:
                if touched is not None:
                    self._memory.reload(touched)
                raise
        log.info("alert %d: %s by %s", alert_id, st.reason[:100], who.name)
        self._wake_worker()
        return Acted(alert_id, True, nxt, st.reason)

    # -- persisting -------------------------------------------------------------------------
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
        if st.from_state in (State.INACTIVE, State.RESOLVED) and st.to_state in state.OPEN:
            nxt = replace(nxt, acked=False, snoozed_until=None, escalation_tier=0)  # a new episode
        summary = (verdict.summary if verdict and verdict.summary else "") or rec.summary
        with self._guard(rec), self.store.session() as s:
            row = s.get(Alert, rec.id) if rec.id else None
            if row is None:
                row = persist.new_row(rec)
                s.add(row)
            row.rule_id = rec.rule.id or None
            row.summary = summary
            row.value = verdict.value if verdict else row.value
            persist.write_life(row, nxt, now, persist.SYSTEM)
            s.flush()
            rec.id, rec.life, rec.summary = row.id, nxt, summary
            self._record(s, rec, row, st, now=now, source_at=source_at)
        self.steps += 1
        log.info(
            "alert %d %s: %s -> %s (%s)", rec.id, rec.fingerprint, st.from_state, st.to_state, st.severity
        )
        self._wake_worker()

    def _record(
        self,
        s: Session,
        rec: AlertRec,
        row: Alert,
        st: Step,
        *,
        now: float,
        source_at: float | None,
        actor: str = persist.SYSTEM,
        tier: int = 0,
        escalation: bool = False,
    ) -> None:
        """The transition row and what it owes recipients (an escalation: the new tier)."""
        tr = persist.add_transition(
            s, rec.id, st, now=now, source_at=source_at, suppressed=self._suppression(rec, now), actor=actor
        )
        rec.last_step_id = tr.id
        if not escalation:
            for hook in self._hooks:
                hook(s, row, rec.rule, st, now)
        announce(
            s,
            rec,
            row,
            transition_id=tr.id,
            suppressed=bool(tr.suppressed),
            now=now,
            source_at=source_at,
            tier=tier,
            escalation=escalation,
            directory=self._people.directory,
            settings=self.settings,
        )

    def _suppression(self, rec: AlertRec, now: float, offline: set[int] | None = None) -> str:
        self._people.refresh()
        if offline is None:
            return held_back(rec, now, self._people.windows, self.offline_devices)
        return held_back(rec, now, self._people.windows, lambda: offline)

    @contextmanager
    def _guard(self, rec: AlertRec | None) -> Iterator[None]:
        """Changes made to ``rec`` inside belong to a transaction: when it fails, the copy is
        read again from the alert's row, which the failed transaction left as it was."""
        try:
            yield
        except BaseException:
            if rec is not None:
                self._memory.reload(rec.fingerprint)
            raise

    def _wake_worker(self) -> None:
        if self._wake is not None:
            self._wake()


def _audit_detail(st: Step, nxt: Lifecycle) -> dict[str, str]:
    detail = {"reason": st.reason}
    until = dt(nxt.snoozed_until)
    if until is not None:
        detail["until"] = until.isoformat(timespec="seconds")
    return detail


__all__ = ["Acted", "Actor", "AlertEngine", "AlertNotFound", "AlertRec", "DeviceInfo", "EngineSettings"]
