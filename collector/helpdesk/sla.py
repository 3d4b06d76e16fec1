"""The SLA clock of a ticket. Pure: the calendar, the ticket's facts and ``now`` are inputs.

A ticket has two targets, each a business duration counted by its policy's calendar from the
moment the ticket was opened: **response** (met by the first acknowledgement or public reply)
and **resolution** (met when it is resolved). The clock does not run while the ticket waits on
the customer (the pauses); a reopened ticket's resolution clock runs again from where it
stopped. A target is *warning* once ``warn_at`` of it is used, *breached* once all of it is.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from collector.helpdesk.calendar import BusinessCalendar, Interval

DEFAULT_WARN_AT = 0.75


class SlaState(enum.StrEnum):
    RUNNING = "running"
    WARNING = "warning"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"
    MET_LATE = "met-late"


@dataclass(frozen=True, slots=True)
class SlaClock:
    """One target's standing at ``now``."""

    state: SlaState
    target: timedelta
    used: timedelta  # business time counted so far (until met, when met)
    due: datetime | None  # None while paused (the due time moves) or once met
    warn_at: datetime | None  # when the warning starts, None once past or not applicable

    @property
    def remaining(self) -> timedelta:
        """Business time left; negative once breached."""
        return self.target - self.used

    @property
    def fraction(self) -> float:
        return self.used / self.target if self.target else 1.0


def closed_pauses(pauses: Sequence[tuple[datetime, datetime | None]], now: datetime) -> list[Interval]:
    """Pauses with an open one (still waiting on the customer) closed at ``now``."""
    return [(start, end if end is not None else now) for start, end in pauses if (end or now) > start]


def clock(
    calendar: BusinessCalendar,
    opened: datetime,
    target: timedelta,
    now: datetime,
    *,
    met: datetime | None = None,
    pauses: Sequence[tuple[datetime, datetime | None]] = (),
    warn_at: float = DEFAULT_WARN_AT,
) -> SlaClock:
    """Where one target stands at ``now``: ``met`` is when the target was met, if it was."""
    if target <= timedelta():
        raise ValueError(f"an SLA target must be positive, not {target}")
    until = min(met, now) if met is not None else now
    cut = closed_pauses(pauses, until)
    used = calendar.business_time(opened, until, cut)
    if met is not None and met <= now:
        return SlaClock(SlaState.MET if used <= target else SlaState.MET_LATE, target, used, None, None)
    paused = any(end is None and start <= now for start, end in pauses)
    if used >= target:
        return SlaClock(SlaState.BREACHED, target, used, None, None)
    if paused:
        state = SlaState.PAUSED
        return SlaClock(state, target, used, None, None)
    # Future working time is not paused (no pause is open): due and warning follow from now.
    due = calendar.add_business(now, target - used)
    warn_amount = target * warn_at
    if used >= warn_amount:
        return SlaClock(SlaState.WARNING, target, used, due, None)
    return SlaClock(SlaState.RUNNING, target, used, due, calendar.add_business(now, warn_amount - used))


def due_time(calendar: BusinessCalendar, opened: datetime, target: timedelta) -> datetime:
    """When a target falls due for a ticket that is never paused."""
    return calendar.add_business(opened, target)
