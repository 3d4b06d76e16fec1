"""Repeating maintenance windows (RFC 5545 rules): whether a time is inside an occurrence,
table-tested across DST changes and month ends, and the rule round trip the form relies on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from collector.alerting import maintenance, recurrence

BERLIN = "Europe/Berlin"


def at(iso: str, tz: str = "UTC") -> float:
    """Seconds since the epoch of a wall-clock time in ``tz``."""
    return datetime.fromisoformat(iso).replace(tzinfo=ZoneInfo(tz)).timestamp()


def window(rule: str, tz: str, starts: str, ends: str, until: str | None = None) -> maintenance.Window:
    w = maintenance.Window(
        customer_id=1,
        starts=at(starts, tz),
        ends=at(ends, tz),
        recurrence=recurrence.fields(rule).kind,
        until=at(until, tz) if until else None,
        rule=rule,
        timezone=tz,
    )
    maintenance.validate(w)
    return w


# Patch night: 2nd Tuesday monthly, 22:00-02:00 Berlin time, from January 2026.
PATCH = window("FREQ=MONTHLY;BYDAY=+2TU", BERLIN, "2026-01-13T22:00", "2026-01-14T02:00")
# 01:00-04:00 Berlin every night: 2 h long on 29 March 2026 (spring), 4 h on 25 October (fall).
NIGHTLY = window("FREQ=DAILY", BERLIN, "2026-03-01T01:00", "2026-03-01T04:00")
# 02:30-04:30 Berlin every night: 02:30 does not exist on 29 March and moves to 03:30.
IN_GAP = window("FREQ=DAILY", BERLIN, "2026-03-01T02:30", "2026-03-01T04:30")
# Day 31, 22:00-01:00 UTC: months without a 31st are skipped; occurrences cross month ends.
DAY31 = window("FREQ=MONTHLY", "UTC", "2026-01-31T22:00", "2026-02-01T01:00")
# Last Friday of the month, 20:00-23:00 UTC, until the end of March 2026.
LAST_FRIDAY = window(
    "FREQ=MONTHLY;BYDAY=-1FR", "UTC", "2026-01-30T20:00", "2026-01-30T23:00", "2026-03-31T00:00"
)
WEEKLY = window("FREQ=WEEKLY", BERLIN, "2026-01-06T22:00", "2026-01-07T02:00")


@pytest.mark.parametrize(
    ("w", "now", "inside"),
    [
        (PATCH, at("2026-01-13T21:59", BERLIN), False),  # before the first start
        (PATCH, at("2026-01-13T22:00", BERLIN), True),
        (PATCH, at("2026-02-10T23:00", BERLIN), True),  # 10 Feb is February's 2nd Tuesday
        (PATCH, at("2026-02-11T01:59", BERLIN), True),  # past midnight, still the same night
        (PATCH, at("2026-02-11T02:00", BERLIN), False),  # the end is exclusive
        (PATCH, at("2026-02-03T23:00", BERLIN), False),  # the 1st Tuesday
        (PATCH, at("2026-02-17T23:00", BERLIN), False),  # the 3rd Tuesday
        # Summer time: 22:00 Berlin is 20:00 UTC, not the winter's 21:00 UTC.
        (PATCH, at("2026-04-14T20:00"), True),
        (PATCH, at("2026-04-14T19:59"), False),
        (PATCH, at("2026-04-14T23:59"), True),  # 01:59 CEST
        (PATCH, at("2026-04-15T00:00"), False),  # 02:00 CEST
        # Spring forward (29 March 2026, 02:00 CET -> 03:00 CEST): 01:00-04:00 local is 2 h.
        (NIGHTLY, at("2026-03-29T00:00"), True),  # 01:00 CET
        (NIGHTLY, at("2026-03-29T01:59"), True),  # 03:59 CEST
        (NIGHTLY, at("2026-03-29T02:00"), False),  # 04:00 CEST
        # Fall back (25 October 2026, 03:00 CEST -> 02:00 CET): 01:00-04:00 local is 4 h.
        (NIGHTLY, at("2026-10-24T23:00"), True),  # 01:00 CEST
        (NIGHTLY, at("2026-10-25T02:30"), True),  # 03:30 CET, outside a fixed 3 h window
        (NIGHTLY, at("2026-10-25T03:00"), False),  # 04:00 CET
        (NIGHTLY, at("2026-10-25T22:59"), False),  # 23:59 CET the day after
        # A start inside the spring gap moves forward by the gap: 03:30 CEST.
        (IN_GAP, at("2026-03-29T01:15"), False),  # 03:15 CEST
        (IN_GAP, at("2026-03-29T01:30"), True),  # 03:30 CEST
        (IN_GAP, at("2026-03-30T00:30"), True),  # 02:30 CEST the next night, as usual
        # Month ends: day 31 only in months that have it; the window crosses into the 1st.
        (DAY31, at("2026-02-01T00:30"), True),  # 31 January's window
        (DAY31, at("2026-03-31T23:00"), True),
        (DAY31, at("2026-04-01T00:59"), True),
        (DAY31, at("2026-04-30T23:00"), False),  # April has no 31st: no window
        (DAY31, at("2026-05-01T00:30"), False),
        (DAY31, at("2026-02-28T23:00"), False),  # nor February
        (DAY31, at("2026-12-31T22:00"), True),  # and into the new year
        (DAY31, at("2027-01-01T00:59"), True),
        # Last Friday: 27 February, 27 March; nothing after "until".
        (LAST_FRIDAY, at("2026-02-27T21:00"), True),
        (LAST_FRIDAY, at("2026-02-20T21:00"), False),
        (LAST_FRIDAY, at("2026-03-27T22:59"), True),
        (LAST_FRIDAY, at("2026-04-24T21:00"), False),  # after until
        (WEEKLY, at("2026-07-07T23:00", BERLIN), True),  # Tuesdays, summer or winter
        (WEEKLY, at("2026-07-08T23:00", BERLIN), False),
    ],
)
def test_is_time_in_recurring_window(w: maintenance.Window, now: float, inside: bool) -> None:
    assert (maintenance.occurrence(w, now) is not None) is inside
    target = maintenance.Target(1, None, None)
    assert maintenance.in_maintenance([w], target, now) is inside


def test_occurrence_bounds_are_the_local_wall_clock() -> None:
    span = maintenance.occurrence(PATCH, at("2026-04-14T23:00", BERLIN))
    assert span == (at("2026-04-14T22:00", BERLIN), at("2026-04-15T02:00", BERLIN))
    fall = maintenance.occurrence(NIGHTLY, at("2026-10-25T02:30"))
    assert fall is not None and fall[1] - fall[0] == 4 * 3600


def test_ended_between_sees_each_end() -> None:
    end = at("2026-02-11T02:00", BERLIN)
    assert maintenance.last_end_before([PATCH], end + 1, end - 1)
    assert not maintenance.last_end_before([PATCH], end + 3600, end + 1)
    assert not maintenance.last_end_before([DAY31], at("2026-05-02T00:00"), at("2026-04-29T00:00"))


@pytest.mark.parametrize(
    ("kind", "nth", "weekday", "rule", "described"),
    [
        ("daily", 0, "", "FREQ=DAILY", "daily"),
        ("weekly", 0, "", "FREQ=WEEKLY", "weekly on Tuesday"),
        ("monthly", 0, "", "FREQ=MONTHLY", "monthly on day 13"),
        ("monthly-nth", 2, "TU", "FREQ=MONTHLY;BYDAY=+2TU", "2nd Tuesday monthly"),
        ("monthly-nth", -1, "FR", "FREQ=MONTHLY;BYDAY=-1FR", "last Friday monthly"),
    ],
)
def test_rule_round_trip(kind: str, nth: int, weekday: str, rule: str, described: str) -> None:
    assert recurrence.build(kind, nth, weekday) == rule
    assert recurrence.fields(rule) == recurrence.RuleFields(kind, nth, weekday)
    assert recurrence.describe(rule, datetime(2026, 1, 13, 22, 0, tzinfo=UTC)) == described


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "yearly"}, "repeats: one of"),
        ({"kind": "monthly-nth", "nth": 5, "weekday": "TU"}, "1st, 2nd, 3rd, 4th or last"),
        ({"kind": "monthly-nth", "nth": 2, "weekday": "XX"}, "Monday to Sunday"),
    ],
)
def test_build_refuses_with_a_reason(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        recurrence.build(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rule", "tz", "starts", "ends", "message"),
    [
        ("FREQ=DAILY", "UTC", "2026-01-01T22:00", "2026-01-02T22:00", "shorter than 1 days"),
        ("FREQ=MONTHLY", "UTC", "2026-01-01T00:00", "2026-01-29T00:00", "shorter than 28 days"),
        ("FREQ=DAILY", "Mars/Olympus", "2026-01-01T22:00", "2026-01-01T23:00", "time zone: unknown"),
        ("FREQ=YEARLY;BYMONTH=2", "UTC", "2026-01-01T22:00", "2026-01-01T23:00", "not a rule this form"),
    ],
)
def test_validate_refuses_with_a_reason(rule: str, tz: str, starts: str, ends: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        recurrence.Repeat(rule, tz, at(starts), at(ends)).validate()


ONE_OFF = maintenance.Window(1, at("2026-03-01T10:00"), at("2026-03-01T12:00"))
DAILY_FIXED = maintenance.Window(
    1, at("2026-03-01T22:00"), at("2026-03-01T23:00"), "daily", until=at("2026-03-03T22:00")
)


@pytest.mark.parametrize(
    ("w", "now", "want"),
    [
        (ONE_OFF, at("2026-03-01T09:00"), at("2026-03-01T10:00")),
        (ONE_OFF, at("2026-03-01T11:00"), None),  # running: no further start
        (DAILY_FIXED, at("2026-03-02T12:00"), at("2026-03-02T22:00")),
        (DAILY_FIXED, at("2026-03-02T22:00"), at("2026-03-03T22:00")),  # the next, not this one
        (DAILY_FIXED, at("2026-03-03T22:30"), None),  # past until
        (PATCH, at("2026-02-11T03:00", BERLIN), at("2026-03-10T22:00", BERLIN)),  # 2nd Tuesday of March
        (PATCH, at("2026-03-11T00:00", BERLIN), at("2026-04-14T22:00", BERLIN)),  # in summer time
        (DAY31, at("2026-04-01T02:00"), at("2026-05-31T22:00")),  # April has no 31st
        (LAST_FRIDAY, at("2026-03-28T00:00"), None),  # past until
    ],
)
def test_next_start(w: maintenance.Window, now: float, want: float | None) -> None:
    assert maintenance.next_start(w, now) == want


@pytest.mark.parametrize(
    "rule",
    ["FREQ=DAILY", "FREQ=WEEKLY", "FREQ=MONTHLY", "FREQ=MONTHLY;BYDAY=+2TU", "FREQ=MONTHLY;BYDAY=-1FR"],
)
def test_a_window_set_up_years_ago_repeats_as_dateutil_says(rule: str) -> None:
    """The check starts the rule again near the time asked about (for speed): the answers
    are those of the whole rule walked from its start, across a DST change and month ends."""
    from dateutil.rrule import rrulestr

    start = datetime(2022, 1, 31, 22, 30)  # Berlin wall clock; a 31st
    r = recurrence.Repeat(rule, BERLIN, at(start.isoformat(), BERLIN), at("2022-02-01T01:30", BERLIN))
    z = ZoneInfo(BERLIN)
    whole = [
        (o.replace(tzinfo=z).timestamp(), (o + timedelta(hours=3)).replace(tzinfo=z).timestamp())
        for o in rrulestr(rule, dtstart=start).between(datetime(2026, 2, 20), datetime(2026, 5, 12))
    ]
    for step in range(0, 70 * 24 * 4):  # every 15 minutes from 1 March to 9 May 2026
        now = at("2026-03-01T00:00") + step * 900.0
        want = next(((s, e) for s, e in whole if s <= now < e), None)
        assert r.span_at(now) == want, datetime.fromtimestamp(now, UTC)
