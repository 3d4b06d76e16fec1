"""A ticket's lifecycle. Pure: a status and an action in, the next status (or a refusal) out.

    new ──acknowledge──► acknowledged ──start──► in progress ◄──resume── waiting on customer
      └──────────────── resolve (from any open status) ──────► resolved ──accept / expire──► closed
                                                                  └──reject──► reopened

A resolved ticket is not closed until the customer accepts it, or does not answer within the
acceptance period; a rejection reopens it and its resolution clock runs again. The time a
ticket spends waiting on the customer, or resolved awaiting acceptance, does not count
against its SLA (:func:`pauses_clock`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class Status(enum.StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in-progress"
    WAITING = "waiting-on-customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


class Action(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"
    START = "start"
    WAIT = "wait"  # waiting on the customer
    RESUME = "resume"  # the customer answered
    RESOLVE = "resolve"
    ACCEPT = "accept"  # the customer accepts the resolution
    REJECT = "reject"  # the customer rejects it, with a reason
    EXPIRE = "expire"  # no answer within the acceptance period: closed and noted


OPEN = frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING, Status.REOPENED})

TRANSITIONS: Mapping[Action, tuple[frozenset[Status], Status]] = {
    Action.ACKNOWLEDGE: (frozenset({Status.NEW, Status.REOPENED}), Status.ACKNOWLEDGED),
    Action.START: (
        frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.REOPENED, Status.WAITING}),
        Status.IN_PROGRESS,
    ),
    Action.WAIT: (
        frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REOPENED}),
        Status.WAITING,
    ),
    Action.RESUME: (frozenset({Status.WAITING}), Status.IN_PROGRESS),
    Action.RESOLVE: (OPEN, Status.RESOLVED),
    Action.ACCEPT: (frozenset({Status.RESOLVED}), Status.CLOSED),
    Action.REJECT: (frozenset({Status.RESOLVED}), Status.REOPENED),
    Action.EXPIRE: (frozenset({Status.RESOLVED}), Status.CLOSED),
}


class TransitionRefused(ValueError):
    """An action that does not apply to a ticket in its status, said in words."""


def apply(status: Status, action: Action) -> Status:
    allowed, target = TRANSITIONS[action]
    if status not in allowed:
        raise TransitionRefused(f"a {status.value} ticket cannot be {_past(action)}")
    return target


def available(status: Status) -> list[Action]:
    """The actions a ticket in ``status`` offers, in the order of :class:`Action`."""
    return [action for action, (allowed, _) in TRANSITIONS.items() if status in allowed]


def pauses_clock(status: Status) -> bool:
    """Whether the SLA clock stands still in ``status``."""
    return status in {Status.WAITING, Status.RESOLVED}


def responds(action: Action) -> bool:
    """Whether ``action`` by a technician counts as the response to the ticket."""
    return action in {Action.ACKNOWLEDGE, Action.START, Action.WAIT, Action.RESOLVE}


_PAST = {
    Action.ACKNOWLEDGE: "acknowledged",
    Action.START: "started",
    Action.WAIT: "set to wait on the customer",
    Action.RESUME: "resumed",
    Action.RESOLVE: "resolved",
    Action.ACCEPT: "accepted",
    Action.REJECT: "rejected",
    Action.EXPIRE: "closed for lack of an answer",
}


def _past(action: Action) -> str:
    return _PAST[action]
