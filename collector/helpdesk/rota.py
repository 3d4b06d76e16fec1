"""The on-call rota: who answers outside business hours. Pure.

A rota is an ordered list of people who take turns, one period each (a week by default),
counted from a handover moment; the person after the responsible one is the backup. Overrides
(a swap, a holiday) replace the responsible person, the backup or both for a span of time.

:func:`pages` decides who is paged for a new ticket: inside business hours nobody is (the
queue is staffed); outside them a P1 or P2 goes to the responsible person, and to the backup
as well once it has waited ``ack_timeout`` without being acknowledged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from collector.helpdesk.calendar import BusinessCalendar

DEFAULT_PERIOD = timedelta(weeks=1)
PAGED_PRIORITIES = frozenset({1, 2})


@dataclass(frozen=True, slots=True)
class Override:
    start: datetime
    end: datetime
    responsible: int | None = None  # user id; None keeps the rota's
    backup: int | None = None


@dataclass(frozen=True, slots=True)
class Rota:
    members: Sequence[int]  # user ids, in turn order
    handover: datetime  # when members[0]'s first turn starts
    period: timedelta = DEFAULT_PERIOD
    overrides: Sequence[Override] = ()
    ack_timeout: timedelta = timedelta(minutes=15)  # unacknowledged this long: page the backup too

    def __post_init__(self) -> None:
        if not self.members:
            raise ValueError("a rota needs at least one member")
        if self.period <= timedelta():
            raise ValueError("a rota's period must be positive")
        if self.handover.tzinfo is None:
            raise ValueError("a rota's handover needs a time zone")


@dataclass(frozen=True, slots=True)
class OnCall:
    responsible: int
    backup: int | None  # None when the rota has one member and no override names one


def on_call(rota: Rota, at: datetime) -> OnCall:
    """Who is responsible, and who is backup, at ``at``."""
    turn = (at - rota.handover) // rota.period
    n = len(rota.members)
    responsible = rota.members[turn % n]
    backup = rota.members[(turn + 1) % n] if n > 1 else None
    for override in rota.overrides:  # later overrides win
        if override.start <= at < override.end:
            responsible = override.responsible if override.responsible is not None else responsible
            backup = override.backup if override.backup is not None else backup
    if backup == responsible:
        backup = None
    return OnCall(responsible, backup)


@dataclass(frozen=True, slots=True)
class Page:
    user_id: int
    role: str  # "responsible" or "backup"


def pages(
    rota: Rota | None,
    calendar: BusinessCalendar,
    priority: int,
    opened: datetime,
    now: datetime,
    *,
    acknowledged: bool,
    ack_timeout: timedelta,
) -> list[Page]:
    """Who should have been paged by ``now`` for a ticket opened at ``opened``."""
    if rota is None or priority not in PAGED_PRIORITIES or calendar.is_open(opened):
        return []
    duty = on_call(rota, opened)
    out = [Page(duty.responsible, "responsible")]
    if not acknowledged and now - opened >= ack_timeout and duty.backup is not None:
        out.append(Page(duty.backup, "backup"))
    return out
