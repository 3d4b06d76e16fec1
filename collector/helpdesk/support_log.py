"""A customer's Support Log: every activity of its support, grouped into sessions. Pure.

An activity is a ticket entry (opened, reply, note, status change, time logged, mail) or an
audited action on the customer. A *session* is one person's run of activities on the customer
with no pause longer than ``gap`` between two of them — what a technician did in one sitting,
across tickets and actions. Sessions are listed newest first; their activities oldest first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

DEFAULT_GAP = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Activity:
    at: datetime
    actor: str  # user:alice, contact:3, system, alert, mail:…
    what: str  # e.g. "reply", "status", "alert_rule.update"
    text: str
    ticket_number: int | None = None


@dataclass(slots=True)
class Session:
    actor: str
    activities: list[Activity] = field(default_factory=list)

    @property
    def start(self) -> datetime:
        return self.activities[0].at

    @property
    def end(self) -> datetime:
        return self.activities[-1].at

    @property
    def tickets(self) -> list[int]:
        seen: list[int] = []
        for a in self.activities:
            if a.ticket_number is not None and a.ticket_number not in seen:
                seen.append(a.ticket_number)
        return seen


def sessions(activities: Iterable[Activity], gap: timedelta = DEFAULT_GAP) -> list[Session]:
    """Group by actor, split where one actor paused longer than ``gap``; newest session first."""
    by_actor: dict[str, list[Activity]] = {}
    for a in sorted(activities, key=lambda a: a.at):
        by_actor.setdefault(a.actor, []).append(a)
    out: list[Session] = []
    for actor, items in by_actor.items():
        current = Session(actor)
        for a in items:
            if current.activities and a.at - current.end > gap:
                out.append(current)
                current = Session(actor)
            current.activities.append(a)
        out.append(current)
    return sorted(out, key=lambda s: s.end, reverse=True)
