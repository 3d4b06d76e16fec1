"""Maintenance, inhibition, grouping and routing: pure decisions, table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from collector.alerting import grouping, inhibit, maintenance, routing
from collector.alerting.domain import Announcement, Hours, Severity
from collector.notify import render
from collector.notify.domain import Channel

H = 3600.0
ONE_OFF = maintenance.Window(customer_id=1, starts=10 * H, ends=12 * H)
NIGHTLY = maintenance.Window(
    customer_id=1, starts=2 * H, ends=3 * H, recurrence="daily", until=2 * H + 3 * 86400
)
DEVICE = maintenance.Window(customer_id=1, device_id=5, starts=0, ends=100 * H)
FUNCTION = maintenance.Window(customer_id=1, device_id=5, function_id="http:web", starts=0, ends=100 * H)
SITE = maintenance.Window(customer_id=1, site_id=9, starts=0, ends=100 * H)

T_DEV5 = maintenance.Target(1, 9, 5, "")
T_DEV6 = maintenance.Target(1, 8, 6, "")
T_FN = maintenance.Target(1, 9, 5, "http:web")
T_OTHER_CUSTOMER = maintenance.Target(2, None, 50, "")

WINDOWS = [
    (ONE_OFF, T_DEV5, 9.9 * H, False),
    (ONE_OFF, T_DEV5, 10 * H, True),
    (ONE_OFF, T_DEV5, 12 * H, False),
    (ONE_OFF, T_OTHER_CUSTOMER, 11 * H, False),
    (NIGHTLY, T_DEV5, 86400 + 2.5 * H, True),
    (NIGHTLY, T_DEV5, 86400 + 4 * H, False),
    (NIGHTLY, T_DEV5, 5 * 86400 + 2.5 * H, False),  # after 'until'
    (DEVICE, T_DEV5, H, True),
    (DEVICE, T_DEV6, H, False),
    (FUNCTION, T_FN, H, True),
    (FUNCTION, T_DEV5, H, False),  # the device's other alerts are not covered
    (SITE, T_DEV5, H, True),
    (SITE, T_DEV6, H, False),
]


@pytest.mark.parametrize(("window", "target", "now", "expected"), WINDOWS)
def test_in_maintenance(
    window: maintenance.Window, target: maintenance.Target, now: float, expected: bool
) -> None:
    assert maintenance.in_maintenance([window], target, now) is expected


def test_window_ends_are_noticed_once() -> None:
    assert maintenance.last_end_before([ONE_OFF], 12 * H + 5, 12 * H - 5)
    assert not maintenance.last_end_before([ONE_OFF], 12 * H + 10, 12 * H + 5)
    assert maintenance.last_end_before([NIGHTLY], 86400 + 3 * H + 1, 86400 + 3 * H - 1)


INVALID = [
    (maintenance.Window(1, 10, 5), "end after"),
    (maintenance.Window(1, 0, 2 * 86400, recurrence="daily"), "shorter than its period"),
    (maintenance.Window(1, 0, 5, recurrence="hourly"), "recurrence"),
    (maintenance.Window(1, 0, 5, function_id="x"), "needs its device"),
]


@pytest.mark.parametrize(("window", "message"), INVALID)
def test_invalid_windows(window: maintenance.Window, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        maintenance.validate(window)


INHIBIT = [
    ("threshold", 5, {5}, True),
    ("function_status", 5, {5}, True),  # includes SNMP devices behind gateway 5
    ("instance_offline", 5, {5}, False),  # the offline alert itself stays
    ("threshold", 6, {5}, False),
    ("threshold", None, {5}, False),
]


@pytest.mark.parametrize(("kind", "device", "offline", "expected"), INHIBIT)
def test_inhibition(kind: str, device: int | None, offline: set[int], expected: bool) -> None:
    assert inhibit.inhibited(kind, device, offline) is expected


def test_offline_groups_by_site_others_by_device() -> None:
    a = grouping.GroupTarget(1, 9, 100, "instance_offline", "offline")
    b = grouping.GroupTarget(1, 9, 101, "instance_offline", "offline")
    c = grouping.GroupTarget(1, 9, 100, "threshold", "cpu")
    d = grouping.GroupTarget(1, 9, 101, "threshold", "cpu")
    f = Announcement.FIRING
    assert grouping.group_key(a, f) == grouping.group_key(b, f)
    assert grouping.group_key(a, f) != grouping.group_key(a, Announcement.RESOLVED)
    assert grouping.group_key(c, f) != grouping.group_key(d, f)


def test_render_grouped_and_sms_lengths() -> None:
    lines = [f"host{i}: offline" for i in range(200)]
    subject, body = render.render(Channel.EMAIL, "firing", lines, "Acme / HQ")
    assert "200 alerts" in subject and body.count("\n") == render.MAX_LINES + 1
    _, sms = render.render(Channel.SMS_HTTP, "firing", lines, "Acme / HQ")
    assert len(sms) <= render.SMS_LIMIT and "200 alerts" in sms
    _, one = render.render(Channel.SMS_HTTP, "firing", ["cpu = 99"], "host1")
    assert one == "[EUS FIRING] host1: cpu = 99"


MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC).timestamp()
MONDAY_20 = datetime(2026, 11, 23, 20, 0, tzinfo=UTC).timestamp()
SATURDAY_10 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC).timestamp()


def test_business_hours() -> None:
    bh = routing.parse_business_hours("mon-fri 08:00-18:00", "UTC")
    assert bh.contains(MONDAY_10) and not bh.contains(MONDAY_20) and not bh.contains(SATURDAY_10)
    berlin = routing.parse_business_hours("mon,tue 08:00-10:30", "Europe/Berlin")
    assert berlin.start == time(8) and berlin.contains(MONDAY_10 - 1.5 * H)  # 09:30 in Berlin
    with pytest.raises(ValueError, match=r"expected e\.g\."):
        routing.parse_business_hours("weekdays", "UTC")


CONTACT = routing.ContactInfo(1, customer_id=7, email="a@x", mobile="+4915100000001")
CRIT_ONLY = routing.ContactInfo(2, customer_id=7, email="b@x", min_severity=Severity.CRITICAL)
OFFICE = routing.ContactInfo(3, customer_id=7, email="c@x", hours=Hours.BUSINESS)
OPTIN = routing.ContactInfo(4, customer_id=7, email="d@x", all_rules=False, opt_in_rules=frozenset({42}))
GATEWAY = routing.ContactInfo(5, customer_id=7, mobile="+49 151 2", sms_gateway_domain="sms.example.net")
OTHER = routing.ContactInfo(6, customer_id=8, email="e@x")
INACTIVE = routing.ContactInfo(7, customer_id=7, email="f@x", active=False)
TECH = routing.StaffInfo(10, "technician", False, frozenset({7}), email="t@x", mobile="+1")
TECH_OTHER = routing.StaffInfo(11, "technician", False, frozenset({8}), email="t2@x")
SUPER = routing.StaffInfo(12, "supervisor", True, frozenset(), email="s@x")
DIRECTORY = routing.Directory(
    contacts=[CONTACT, CRIT_ONLY, OFFICE, OPTIN, GATEWAY, OTHER, INACTIVE],
    staff=[TECH, TECH_OTHER, SUPER],
    webhook_url="http://hook",
)

ROUTES = [
    # severity, rule, notify contacts, tier, now, expected recipient keys with channel
    (
        Severity.WARNING,
        1,
        True,
        0,
        MONDAY_10,
        {
            "contact:1/email",
            "contact:1/sms_http",
            "contact:3/email",
            "contact:5/sms_email_gateway",
            "webhook/webhook",
            "user:10/email",
            "user:10/sms_http",
        },
    ),
    (
        Severity.CRITICAL,
        42,
        True,
        0,
        MONDAY_20,
        {
            "contact:1/email",
            "contact:1/sms_http",
            "contact:2/email",
            "contact:4/email",
            "contact:5/sms_email_gateway",
            "webhook/webhook",
            "user:10/email",
            "user:10/sms_http",
        },
    ),
    (Severity.CRITICAL, 1, False, 0, MONDAY_10, {"webhook/webhook", "user:10/email", "user:10/sms_http"}),
    (Severity.CRITICAL, 1, True, 1, MONDAY_10, {"user:12/email"}),
    (Severity.INFO, 1, True, 0, MONDAY_10, set()),
]


@pytest.mark.parametrize(("severity", "rule", "contacts", "tier", "now", "expected"), ROUTES)
def test_routing(  # noqa: PLR0917 - one parameter per table column
    severity: Severity, rule: int, contacts: bool, tier: int, now: float, expected: set[str]
) -> None:
    facts = routing.AlertFacts(7, severity, rule, contacts, tier)
    got = {f"{r.key}/{r.channel}" for r in routing.recipients(facts, DIRECTORY, now)}
    assert got == expected


def test_gateway_address_and_failover() -> None:
    (r,) = routing.contact_channels(GATEWAY)
    assert r.address == "491512@sms.example.net"
    rs = routing.recipients(routing.AlertFacts(7, Severity.CRITICAL, 1, True, 0), DIRECTORY, MONDAY_10)
    assert all(x.channel != Channel.SMS_HTTP for x in routing.failover(rs, Channel.SMS_HTTP))
