"""Rules on save, weekly timesheets (property: totals equal the sum of the entries, also in
the CSV), and acceptance links."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.helpdesk.acceptance import AcceptanceLinkError, Claim, make_token, read_token
from collector.helpdesk.rules import Actions, Conditions, Event, Facts, Rule, evaluate
from collector.helpdesk.timesheet import Entry, to_csv, week_bounds, weekly

P1_TO_BOB = Rule(
    1, "P1 to Bob", Conditions(priorities=frozenset({1})), Actions(assign_to=7, notify=("boss@msp",))
)
EMAIL_IS_P3 = Rule(2, "mail starts at P3", Conditions(sources=frozenset({"email"})), Actions(set_priority=3))
NOTE_ACME = Rule(
    3,
    "Acme note",
    Conditions(events=frozenset({Event.CREATED, Event.UPDATED}), customer_ids=frozenset({5})),
    Actions(add_note="Acme: call the site manager first"),
    stop=True,
)
NEVER = Rule(4, "after stop", Conditions(), Actions(set_category="x"))


def test_rules_run_in_order_see_earlier_changes_and_record_every_outcome() -> None:
    facts = Facts(priority=1, customer_id=5, source="email")
    result = evaluate([EMAIL_IS_P3, P1_TO_BOB, NOTE_ACME, NEVER], facts, Event.CREATED)
    assert result.facts.priority == 3
    assert result.facts.assignee_id is None  # P1 rule saw P3 after the first rule
    assert result.facts.category == ""  # stopped before NEVER
    assert [(o.rule_id, o.matched) for o in result.outcomes] == [(2, True), (1, False), (3, True)]
    assert result.outcomes[1].detail == "priority 3 is not one of 1"
    assert result.notes == ("Acme: call the site manager first",)


def test_rules_filter_by_event_and_skip_disabled_rules() -> None:
    facts = Facts(priority=1, customer_id=9)
    updated = evaluate([P1_TO_BOB], facts, Event.UPDATED)
    assert updated.outcomes[0].matched is False and "event" in updated.outcomes[0].detail
    disabled = Rule(1, "off", Conditions(), Actions(assign_to=1), enabled=False)
    assert evaluate([disabled], facts, Event.CREATED).outcomes == ()
    created = evaluate([P1_TO_BOB], facts, Event.CREATED)
    assert created.facts.assignee_id == 7 and created.notify == ("boss@msp",)


WEEK = date(2026, 12, 7)  # a Monday

entries = st.lists(
    st.builds(
        Entry,
        ticket_id=st.integers(1, 50),
        customer_id=st.integers(1, 4),
        user_id=st.integers(1, 4),
        started=st.datetimes(
            min_value=datetime(2026, 12, 5), max_value=datetime(2026, 12, 16), timezones=st.just(UTC)
        ),
        minutes=st.integers(1, 600),
        billable=st.booleans(),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(entries, st.sampled_from(["UTC", "Europe/Budapest", "America/New_York"]))
def test_timesheet_totals_equal_the_sum_of_the_weeks_entries(items: list[Entry], tz: str) -> None:
    sheet = weekly(items, WEEK, tz)
    start, end = week_bounds(WEEK, tz)
    in_week = [e for e in items if start <= e.started < end]
    assert sheet.total == sum(e.minutes for e in in_week)
    assert sheet.billable == sum(e.minutes for e in in_week if e.billable)
    assert sum(sheet.day_totals()) == sheet.total
    for row in sheet.rows:
        mine = [e for e in in_week if (e.customer_id, e.user_id) == (row.customer_id, row.user_id)]
        assert row.total == sum(e.minutes for e in mine)
    rows = list(csv.reader(io.StringIO(to_csv(sheet, {}, {}))))
    body, total = rows[1:-1], rows[-1]
    assert sum(int(r[9]) for r in body) == int(total[9]) == sheet.total
    assert [sum(int(r[2 + d]) for r in body) for d in range(7)] == [int(x) for x in total[2:9]]


def test_acceptance_links_are_signed_and_expire() -> None:
    secret = b"s" * 32
    claim = Claim(ticket_id=12, contact_id=3, resolution=1)
    token = make_token(secret, claim)
    assert read_token(secret, token, max_age_s=3600) == claim
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(AcceptanceLinkError) as bad:
        read_token(secret, tampered, max_age_s=3600)
    assert bad.value.reason == "invalid"
    with pytest.raises(AcceptanceLinkError) as other_key:
        read_token(b"t" * 32, token, max_age_s=3600)
    assert other_key.value.reason == "invalid"
    with pytest.raises(AcceptanceLinkError) as expired:
        read_token(secret, token, max_age_s=-1)
    assert expired.value.reason == "expired"
