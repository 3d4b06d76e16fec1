"""On-call rota, ticket lifecycle and ticket numbers, table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collector.helpdesk.calendar import parse_calendar
from collector.helpdesk.lifecycle import Action, Status, TransitionRefused, apply, available, pauses_clock
from collector.helpdesk.numbers import format_number, number_in_subject, parse_number, tagged
from collector.helpdesk.rota import OnCall, Override, Page, Rota, on_call, pages

MON = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
ROTA = Rota(members=(10, 20, 30), handover=MON)
OFFICE = parse_calendar("mon-fri 09:00-18:00")


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (MON, OnCall(10, 20)),
        (MON + timedelta(days=6, hours=23), OnCall(10, 20)),
        (MON + timedelta(weeks=1), OnCall(20, 30)),
        (MON + timedelta(weeks=2), OnCall(30, 10)),
        (MON + timedelta(weeks=3), OnCall(10, 20)),
        (MON - timedelta(days=1), OnCall(30, 10)),  # the week before the handover
    ],
)
def test_weekly_rotation(at: datetime, expected: OnCall) -> None:
    assert on_call(ROTA, at) == expected


def test_overrides_replace_responsible_or_backup_for_their_span() -> None:
    swap = Override(MON + timedelta(days=2), MON + timedelta(days=3), responsible=30)
    rota = Rota((10, 20, 30), MON, overrides=(swap,))
    assert on_call(rota, MON + timedelta(days=2, hours=1)) == OnCall(30, 20)
    assert on_call(rota, MON + timedelta(days=3)) == OnCall(10, 20)
    # An override making the backup the responsible person leaves no separate backup.
    same = Rota((10, 20), MON, overrides=(Override(MON, MON + timedelta(days=1), responsible=20),))
    assert on_call(same, MON) == OnCall(20, None)


@pytest.mark.parametrize(
    ("priority", "opened", "minutes_later", "acknowledged", "expected"),
    [
        # 02:00 on a Tuesday: a P1 goes to the responsible person at once...
        (1, datetime(2026, 12, 8, 2, 0, tzinfo=UTC), 0, False, [Page(10, "responsible")]),
        # ...and to the backup once it has waited 15 minutes unacknowledged.
        (
            1,
            datetime(2026, 12, 8, 2, 0, tzinfo=UTC),
            15,
            False,
            [Page(10, "responsible"), Page(20, "backup")],
        ),
        (1, datetime(2026, 12, 8, 2, 0, tzinfo=UTC), 15, True, [Page(10, "responsible")]),
        (2, datetime(2026, 12, 8, 2, 0, tzinfo=UTC), 14, False, [Page(10, "responsible")]),
        (3, datetime(2026, 12, 8, 2, 0, tzinfo=UTC), 60, False, []),  # P3 waits for the morning
        (1, datetime(2026, 12, 8, 10, 0, tzinfo=UTC), 60, False, []),  # business hours: the queue
    ],
)
def test_who_is_paged(
    priority: int, opened: datetime, minutes_later: int, acknowledged: bool, expected: list[Page]
) -> None:
    now = opened + timedelta(minutes=minutes_later)
    got = pages(
        ROTA, OFFICE, priority, opened, now, acknowledged=acknowledged, ack_timeout=timedelta(minutes=15)
    )
    assert got == expected


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        (Status.NEW, Action.ACKNOWLEDGE, Status.ACKNOWLEDGED),
        (Status.ACKNOWLEDGED, Action.START, Status.IN_PROGRESS),
        (Status.IN_PROGRESS, Action.WAIT, Status.WAITING),
        (Status.WAITING, Action.RESUME, Status.IN_PROGRESS),
        (Status.WAITING, Action.RESOLVE, Status.RESOLVED),
        (Status.RESOLVED, Action.ACCEPT, Status.CLOSED),
        (Status.RESOLVED, Action.REJECT, Status.REOPENED),
        (Status.RESOLVED, Action.EXPIRE, Status.CLOSED),
        (Status.REOPENED, Action.START, Status.IN_PROGRESS),
    ],
)
def test_transitions(status: Status, action: Action, expected: Status) -> None:
    assert apply(status, action) is expected


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        (Status.CLOSED, Action.RESOLVE, "a closed ticket cannot be resolved"),
        (Status.IN_PROGRESS, Action.ACCEPT, "cannot be accepted"),
        (Status.NEW, Action.REJECT, "cannot be rejected"),
        (Status.IN_PROGRESS, Action.ACKNOWLEDGE, "cannot be acknowledged"),
    ],
)
def test_refused_transitions_say_why(status: Status, action: Action, message: str) -> None:
    with pytest.raises(TransitionRefused, match=message):
        apply(status, action)


def test_a_closed_ticket_offers_nothing_and_the_clock_pauses_while_waiting_or_resolved() -> None:
    assert available(Status.CLOSED) == []
    assert Action.ACCEPT in available(Status.RESOLVED)
    assert [s for s in Status if pauses_clock(s)] == [Status.WAITING, Status.RESOLVED]


def test_ticket_numbers_and_subject_tags() -> None:
    assert format_number(123) == "EUS-000123"
    assert format_number(1_234_567) == "EUS-1234567"
    assert parse_number("see eus-000042 please") == 42
    assert number_in_subject("Re: [EUS-000123] Printer out of toner") == 123
    assert number_in_subject("Re: EUS-000123 without brackets") is None
    assert tagged("Printer out of toner", 123) == "[EUS-000123] Printer out of toner"
    assert tagged("Re: [EUS-000123] Printer", 123) == "Re: [EUS-000123] Printer"
    with pytest.raises(ValueError, match="start at 1"):
        format_number(0)
