"""Per-customer roll-up state, kept current as results arrive rather than computed per request.

Writers: :meth:`Rollups.on_agent_report` (bus) keeps a newer agent's clock skew and spool
backlog apart; :meth:`Rollups.on_committed` (bus, after each ingest commit) records each function's
newest result in ``customer_function_latest`` and recomputes its customer's row in
``customer_rollups``; :meth:`Rollups.alert_hook` (the alert engine's transition hook) does so
inside the transaction of every alert lifecycle step; stream open/close recompute the
customer's instance counts; :meth:`Rollups.refresh_all` (a scheduler job) catches what has no
event of its own (tickets, SLA stamps, functions ageing out). Readers (fleet overview,
customer screen, search) only read the two tables.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from collector.alerting.models import Alert
from collector.bus import AgentReported, BatchCommitted, StreamClosed, StreamOpened
from collector.customers.models import CustomerRollup, FunctionLatest, InstanceClock, StatusChange
from collector.customers.status import Counts, roll_up, status_changed
from collector.helpdesk.lifecycle import OPEN
from collector.helpdesk.models import Ticket
from collector.store.db import Store
from collector.store.models import Customer, Device, StreamState

log = logging.getLogger(__name__)

FUNCTION_WINDOW = timedelta(days=7)  # a function not heard from this long no longer counts
WARNING, CRITICAL = 2, 3  # eus.v1.Health
CLOCK_EVERY_S = 60.0


class Result(Protocol):
    """What a function result brings (``eus_pb2.FunctionResult``)."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def status(self) -> int: ...
    @property
    def message(self) -> str: ...
    @property
    def ts_ms(self) -> int: ...
    @property
    def subject(self) -> str: ...


def record_results(session: Session, customer_id: int, device_id: int, results: Sequence[Result]) -> bool:
    """Keep each function's newest result; True when a status changed (or a function is new)."""
    changed = False
    known = {
        (row.subject, row.function_id): row
        for row in session.scalars(select(FunctionLatest).where(FunctionLatest.device_id == device_id))
    }
    for r in sorted(results, key=lambda r: r.ts_ms):
        at = datetime.fromtimestamp(r.ts_ms / 1000, UTC)
        key = (r.subject[:200], r.id[:200])
        row = known.get(key)
        if row is None:
            row = FunctionLatest(
                customer_id=customer_id,
                device_id=device_id,
                subject=key[0],
                function_id=key[1],
                status=int(r.status),
                changed_at=at,
            )
            session.add(row)
            known[key] = row
            changed = True
        elif at < row.checked_at:
            continue  # an older result arriving late (a resent batch) changes nothing
        elif row.status != int(r.status):
            row.status, row.changed_at, changed = int(r.status), at, True
        row.kind, row.name, row.message, row.checked_at = r.kind[:32], r.name[:200], r.message, at
    return changed


def counts_of(session: Session, customer_id: int, now: datetime) -> Counts:
    """The counts of one customer, from indexed rows of the store."""
    fresh = FunctionLatest.checked_at >= now - FUNCTION_WINDOW
    fn = session.execute(
        select(
            func.count(),
            func.count().filter(FunctionLatest.status == WARNING),
            func.count().filter(FunctionLatest.status == CRITICAL),
        ).where(FunctionLatest.customer_id == customer_id, fresh)
    ).one()
    dev = session.execute(
        select(
            func.count(), func.count().filter(Device.stream_state == StreamState.OFFLINE_UNEXPECTED.value)
        ).where(Device.customer_id == customer_id, Device.revoked_at.is_(None))
    ).one()
    al = session.execute(
        select(func.count(), func.count().filter(Alert.severity == "critical")).where(
            Alert.customer_id == customer_id, Alert.state == "firing"
        )
    ).one()
    tk = session.execute(
        select(
            func.count(),
            func.count().filter(
                or_(
                    Ticket.response_warned_at.is_not(None),
                    Ticket.resolution_warned_at.is_not(None),
                    Ticket.response_breached_at.is_not(None),
                    Ticket.resolution_breached_at.is_not(None),
                )
            ),
        ).where(Ticket.customer_id == customer_id, Ticket.status.in_([s.value for s in OPEN]))
    ).one()
    return Counts(
        functions_total=fn[0],
        functions_warning=fn[1],
        functions_critical=fn[2],
        devices_total=dev[0],
        devices_offline=dev[1],
        open_alerts=al[0],
        critical_alerts=al[1],
        open_tickets=tk[0],
        sla_at_risk=tk[1],
    )


def recompute(session: Session, customer_id: int, now: datetime | None = None) -> CustomerRollup:
    """Write the customer's roll-up row from its current counts, in the caller's transaction."""
    now = now or datetime.now(UTC)
    session.flush()  # what the caller changed in this transaction counts
    c = counts_of(session, customer_id, now)
    status, reason = roll_up(c)
    row = session.get(CustomerRollup, customer_id)
    previous = row.status if row is not None else ""
    if row is None:
        row = CustomerRollup(customer_id=customer_id)
    session.add(row)
    if status_changed(previous, status.value):
        session.add(
            StatusChange(
                customer_id=customer_id, at=now, previous=previous, status=status.value, reason=reason[:300]
            )
        )
    row.status, row.reason, row.updated_at = status.value, reason[:300], now
    for name in Counts.__dataclass_fields__:
        setattr(row, name, getattr(c, name))
    return row


def status_changes(session: Session, customer_id: int, start: datetime, end: datetime) -> list[StatusChange]:
    """The customer's service status changes in [start, end), newest first."""
    stmt = select(StatusChange).where(
        StatusChange.customer_id == customer_id, StatusChange.at >= start, StatusChange.at < end
    )
    return list(session.scalars(stmt.order_by(StatusChange.at.desc(), StatusChange.id.desc())))


def counts_of_row(row: CustomerRollup) -> Counts:
    """The counts a roll-up row holds."""
    return Counts(**{name: int(getattr(row, name)) for name in Counts.__dataclass_fields__})


class Rollups:
    """The roll-up's writers, wired at the composition root."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._clock_sampled: dict[int, float] = {}  # device id -> committed_at of the last sample
        self._reported: dict[int, tuple[float, int]] = {}  # device id -> (received_at, backlog) kept

    def on_committed(self, ev: BatchCommitted) -> None:
        self._measure_clock(ev)
        if not ev.functions:
            return
        with self.store.session() as s:
            dev = s.get(Device, ev.device_id)
            if dev is None:
                return
            record_results(s, dev.customer_id, dev.id, ev.functions)
            recompute(s, dev.customer_id)

    def _measure_clock(self, ev: BatchCommitted) -> None:
        """Sample the instance's clock offset, at most once per :data:`CLOCK_EVERY_S`."""
        if not len(ev.ts_ms) or not ev.committed_at:
            return
        if ev.committed_at - self._clock_sampled.get(ev.device_id, 0.0) < CLOCK_EVERY_S:
            return
        self._clock_sampled[ev.device_id] = ev.committed_at
        offset = float(ev.ts_ms.max()) / 1000 - ev.committed_at
        with self.store.session() as s:
            row = s.get(InstanceClock, ev.device_id) or InstanceClock(device_id=ev.device_id)
            row.offset_s, row.measured_at = offset, datetime.fromtimestamp(ev.committed_at, UTC)
            s.add(row)

    def on_agent_report(self, ev: AgentReported) -> None:
        """A newer agent's clock and spool backlog, as stamped on a batch: kept at most once per
        :data:`CLOCK_EVERY_S` per instance, and at once when the backlog is worked off."""
        last = self._reported.get(ev.device_id)
        drained = ev.spool_backlog == 0 and last is not None and last[1] != 0
        if last is not None and ev.received_at - last[0] < CLOCK_EVERY_S and not drained:
            return
        self._reported[ev.device_id] = (ev.received_at, ev.spool_backlog)
        with self.store.session() as s:
            if s.get(Device, ev.device_id) is None:
                return
            row = s.get(InstanceClock, ev.device_id) or InstanceClock(
                device_id=ev.device_id, measured_at=datetime.fromtimestamp(ev.received_at, UTC)
            )
            row.skew_s = ev.sent_ms / 1000 - ev.received_at
            row.spool_backlog = ev.spool_backlog
            row.reported_at = datetime.fromtimestamp(ev.received_at, UTC)
            s.add(row)

    def on_stream(self, ev: StreamOpened | StreamClosed) -> None:
        with self.store.session() as s:
            recompute(s, ev.customer_id)

    def alert_hook(self, session: Session, alert: Alert, rule: object, step: object, now: float) -> None:
        """The alert engine's transition hook: recompute in the step's own transaction, inside a
        savepoint, so a failure here is logged and never costs the alert its step."""
        if alert.customer_id is None:
            return
        try:
            with session.begin_nested():
                recompute(session, alert.customer_id, datetime.fromtimestamp(now, UTC))
        except Exception:
            log.exception("customer %s: roll-up not updated (the 30 s refresh will)", alert.customer_id)

    def refresh(self, customer_ids: Iterable[int] | None = None) -> None:
        """Recompute the given customers (default: every one)."""
        with self.store.session() as s:
            ids = list(customer_ids) if customer_ids is not None else list(s.scalars(select(Customer.id)))
            now = datetime.now(UTC)
            for cid in ids:
                recompute(s, cid, now)

    def refresh_all(self) -> None:
        """Scheduler job: tickets and SLA stamps have no event of their own."""
        self.refresh()
