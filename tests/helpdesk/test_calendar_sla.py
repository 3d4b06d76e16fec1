"""The SLA clock and business calendars, table-driven: weekends, holidays, time zones, DST,
pauses while waiting on the customer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from collector.helpdesk.calendar import (
    BusinessCalendar,
    CalendarError,
    format_hours,
    parse_calendar,
    parse_hours,
)
from collector.helpdesk.sla import SlaState, clock, due_time

OFFICE = parse_calendar("mon-fri 09:00-18:00", "UTC")
BUDAPEST = parse_calendar("mon-fri 09:00-18:00", "Europe/Budapest", ["2026-12-25", "2026-12-24"])
NEW_YORK = parse_calendar("mon-fri 09:00-17:00", "America/New_York")
ALWAYS_BUDAPEST = BusinessCalendar.always("Europe/Budapest")


def local(tz: str, wall: str) -> datetime:
    """``wall`` (``2026-12-23 17:00``) in time zone ``tz``."""
    return datetime.fromisoformat(wall).replace(tzinfo=ZoneInfo(tz))


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("calendar", "opened", "target", "due"),
    [
        # The example: P1 opened Friday 17:55, 1 business hour -> Monday 09:55.
        (OFFICE, utc(2026, 12, 4, 17, 55), timedelta(hours=1), utc(2026, 12, 7, 9, 55)),
        # Opened on a Saturday: the clock starts Monday at opening.
        (OFFICE, utc(2026, 12, 5, 11, 0), timedelta(hours=2), utc(2026, 12, 7, 11, 0)),
        # Opened before opening on a weekday.
        (OFFICE, utc(2026, 12, 7, 6, 0), timedelta(minutes=30), utc(2026, 12, 7, 9, 30)),
        # Exactly a day's worth of business time from the opening bell ends at closing time.
        (OFFICE, utc(2026, 12, 7, 9, 0), timedelta(hours=9), utc(2026, 12, 7, 18, 0)),
        # 8 business hours from Wednesday 14:00: 4 h Wed + 4 h Thu.
        (OFFICE, utc(2026, 12, 9, 14, 0), timedelta(hours=8), utc(2026, 12, 10, 13, 0)),
        # Holidays: Thursday 24 and Friday 25 December are closed in Budapest.
        (
            BUDAPEST,
            local("Europe/Budapest", "2026-12-23 17:00"),
            timedelta(hours=2),
            local("Europe/Budapest", "2026-12-28 10:00"),
        ),
        # A calendar in New York: Friday 16:30 local + 1 h -> Monday 09:30 local.
        (
            NEW_YORK,
            local("America/New_York", "2026-12-04 16:30"),
            timedelta(hours=1),
            local("America/New_York", "2026-12-07 09:30"),
        ),
        # DST, spring: 24x7 in Budapest, 01:30 + 1 h is 03:30 local (02:00-03:00 does not exist).
        (
            ALWAYS_BUDAPEST,
            local("Europe/Budapest", "2026-03-29 01:30"),
            timedelta(hours=1),
            local("Europe/Budapest", "2026-03-29 03:30"),
        ),
        # DST, autumn: 01:30 CEST + 2 h of real time is 02:30 CET, the second 02:30 (given in
        # UTC: PEP 495 makes a repeated local time unequal to every time in another zone).
        (
            ALWAYS_BUDAPEST,
            local("Europe/Budapest", "2026-10-25 01:30"),
            timedelta(hours=2),
            utc(2026, 10, 25, 1, 30),
        ),
        # A 09:00-18:00 day across the spring change is still nine hours long.
        (
            parse_calendar("mon-sun 09:00-18:00", "Europe/Budapest"),
            local("Europe/Budapest", "2026-03-28 17:00"),
            timedelta(hours=2),
            local("Europe/Budapest", "2026-03-29 10:00"),
        ),
        # Split days: lunch break not counted.
        (
            parse_calendar("mon-fri 09:00-12:00,13:00-17:00"),
            utc(2026, 12, 7, 11, 0),
            timedelta(hours=2),
            utc(2026, 12, 7, 14, 0),
        ),
    ],
)
def test_due_time(calendar: BusinessCalendar, opened: datetime, target: timedelta, due: datetime) -> None:
    assert due_time(calendar, opened, target) == due


def test_business_time_counts_only_opening_hours_less_pauses() -> None:
    fri, mon = utc(2026, 12, 4, 17, 0), utc(2026, 12, 7, 10, 0)
    assert OFFICE.business_time(fri, mon) == timedelta(hours=2)
    pause = (utc(2026, 12, 7, 9, 0), utc(2026, 12, 7, 9, 45))
    assert OFFICE.business_time(fri, mon, [pause]) == timedelta(hours=1, minutes=15)


@pytest.mark.parametrize(
    ("now", "met", "pauses", "state", "used_min"),
    [
        (utc(2026, 12, 7, 9, 30), None, [], SlaState.RUNNING, 35),
        (utc(2026, 12, 7, 9, 42), None, [], SlaState.WARNING, 47),  # 75 % of 60 min passed
        (utc(2026, 12, 7, 10, 0), None, [], SlaState.BREACHED, 65),
        (utc(2026, 12, 7, 10, 0), utc(2026, 12, 7, 9, 30), [], SlaState.MET, 35),
        (utc(2026, 12, 7, 11, 0), utc(2026, 12, 7, 10, 0), [], SlaState.MET_LATE, 65),
        # Waiting on the customer since Monday 09:10: clock stopped at 15 minutes.
        (utc(2026, 12, 7, 12, 0), None, [(utc(2026, 12, 7, 9, 10), None)], SlaState.PAUSED, 15),
        # The customer answered at 11:00: 15 + 20 minutes used by 11:20.
        (
            utc(2026, 12, 7, 11, 20),
            None,
            [(utc(2026, 12, 7, 9, 10), utc(2026, 12, 7, 11, 0))],
            SlaState.RUNNING,
            35,
        ),
    ],
)
def test_clock_states(
    now: datetime,
    met: datetime | None,
    pauses: list[tuple[datetime, datetime | None]],
    state: SlaState,
    used_min: int,
) -> None:
    opened = utc(2026, 12, 4, 17, 55)  # Friday, 5 minutes before closing
    c = clock(OFFICE, opened, timedelta(hours=1), now, met=met, pauses=pauses)
    assert c.state is state
    assert c.used == timedelta(minutes=used_min)


def test_a_running_clock_says_when_it_falls_due_and_when_it_warns() -> None:
    c = clock(OFFICE, utc(2026, 12, 4, 17, 55), timedelta(hours=1), utc(2026, 12, 4, 17, 58))
    assert c.due == utc(2026, 12, 7, 9, 55)
    assert c.warn_at == utc(2026, 12, 7, 9, 40)
    assert c.remaining == timedelta(minutes=57)


def test_a_resumed_clock_moves_its_due_time_by_the_pause() -> None:
    opened = utc(2026, 12, 7, 9, 0)
    paused = [(utc(2026, 12, 7, 9, 30), utc(2026, 12, 7, 10, 30))]
    c = clock(OFFICE, opened, timedelta(hours=2), utc(2026, 12, 7, 10, 30), pauses=paused)
    assert c.due == utc(2026, 12, 7, 12, 0)


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("mon-fri", "expected days and hours"),
        ("mon-fri 18:00-09:00", "end must be after the start"),
        ("fri-mon 09:00-18:00", "runs forwards"),
        ("mon-fri 9-18", "not a time like 09:00"),
        ("mon-fri 09:00-25:00", "not a time of day"),
        ("funday 09:00-18:00", "days are mon"),
        ("mon-fri 09:00-12:00,11:00-18:00", "overlap"),
    ],
)
def test_bad_calendars_are_refused_in_words(spec: str, error: str) -> None:
    with pytest.raises(CalendarError, match=error):
        parse_calendar(spec)


def test_bad_zone_and_holiday_are_refused() -> None:
    with pytest.raises(CalendarError, match="unknown time zone"):
        parse_calendar("mon-fri 09:00-18:00", "Mars/Olympus")
    with pytest.raises(CalendarError, match="not a date"):
        parse_calendar("mon-fri 09:00-18:00", "UTC", ["25/12/2026"])


def test_hours_round_trip_through_their_text_form() -> None:
    spec = "mon 09:00-12:00,13:00-17:00; tue 09:00-17:00; sat 00:00-24:00"
    assert format_hours(parse_hours(spec)) == spec
    assert parse_hours("24x7") == parse_hours("mon-sun 00:00-24:00")


def test_is_open_follows_local_time_and_holidays() -> None:
    assert BUDAPEST.is_open(local("Europe/Budapest", "2026-12-07 09:00"))
    assert not BUDAPEST.is_open(local("Europe/Budapest", "2026-12-07 18:00"))
    assert not BUDAPEST.is_open(local("Europe/Budapest", "2026-12-24 10:00"))  # holiday
    assert BUDAPEST.next_open(local("Europe/Budapest", "2026-12-23 19:00")) == local(
        "Europe/Budapest", "2026-12-28 09:00"
    )
    assert date(2026, 12, 25) in BUDAPEST.holidays
