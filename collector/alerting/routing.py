"""Who receives what. Pure: people and the alert are plain values, the clock is a parameter.

- Customer contacts (tier 0 only) when the rule says "notify the customer's contacts": the
  contact is active, the alert's severity reaches their minimum, the time suits their hours
  (24x7 or business hours), and they opted in to the rule (or to every rule).
- Staff by role and customer grants, in escalation tiers: tier 0 technicians, tier 1
  supervisors, tier 2 administrators. A user receives only for customers they may see, and
  never for a customer hidden from them or their role (``collector.customers.access``).
- The operator's address and the webhook receive tier 0 of everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from collector.alerting.domain import Hours, Severity
from collector.notify.domain import Channel, Recipient

TIER_ROLES = ("technician", "supervisor", "administrator")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class ContactInfo:
    id: int
    customer_id: int
    email: str = ""
    mobile: str = ""
    sms_gateway_domain: str = ""
    min_severity: Severity = Severity.WARNING
    hours: Hours = Hours.ALWAYS
    all_rules: bool = True
    opt_in_rules: frozenset[int] = frozenset()
    active: bool = True


@dataclass(frozen=True, slots=True)
class StaffInfo:
    id: int
    role: str
    all_customers: bool
    customer_ids: frozenset[int]
    email: str = ""
    mobile: str = ""
    hidden_customer_ids: frozenset[int] = frozenset()  # "Restrict access": hidden from them or their role


@dataclass(frozen=True, slots=True)
class BusinessHours:
    days: frozenset[int] = frozenset(range(5))  # Monday = 0
    start: time = time(8, 0)
    end: time = time(18, 0)
    tz: str = "UTC"

    def contains(self, now: float) -> bool:
        local = datetime.fromtimestamp(now, UTC).astimezone(ZoneInfo(self.tz))
        return local.weekday() in self.days and self.start <= local.time().replace(tzinfo=None) < self.end


def parse_business_hours(spec: str, tz: str = "UTC") -> BusinessHours:
    """``"mon-fri 08:00-18:00"`` (days as a range or a comma list) in time zone ``tz``."""
    try:
        days_part, hours_part = spec.strip().lower().split()
        if "-" in days_part and "," not in days_part:
            a, b = days_part.split("-")
            days = frozenset(range(DAYS.index(a), DAYS.index(b) + 1))
        else:
            days = frozenset(DAYS.index(d) for d in days_part.split(","))
        s, e = hours_part.split("-")
        start, end = time.fromisoformat(s), time.fromisoformat(e)
        ZoneInfo(tz)
    except (ValueError, KeyError) as exc:
        raise ValueError(
            f"business hours {spec!r} in {tz!r}: expected e.g. 'mon-fri 08:00-18:00' ({exc})"
        ) from None
    if end <= start or not days:
        raise ValueError(f"business hours {spec!r}: the end must be after the start")
    return BusinessHours(days, start, end, tz)


@dataclass(frozen=True, slots=True)
class AlertFacts:
    customer_id: int | None
    severity: Severity
    rule_id: int | None
    notify_contacts: bool
    tier: int = 0


@dataclass(frozen=True, slots=True)
class Directory:
    """Everyone who could receive, plus the always-on destinations."""

    contacts: Sequence[ContactInfo] = ()
    staff: Sequence[StaffInfo] = ()
    ops_email: str = ""
    webhook_url: str = ""
    hours: BusinessHours = field(default_factory=BusinessHours)


def contact_channels(c: ContactInfo) -> list[Recipient]:
    out: list[Recipient] = []
    if c.email:
        out.append(Recipient(f"contact:{c.id}", Channel.EMAIL, c.email, c.id))
    if c.mobile:
        if c.sms_gateway_domain:
            digits = "".join(ch for ch in c.mobile if ch.isdigit())
            address = f"{digits}@{c.sms_gateway_domain}"
            out.append(Recipient(f"contact:{c.id}", Channel.SMS_EMAIL_GATEWAY, address, c.id))
        else:
            out.append(Recipient(f"contact:{c.id}", Channel.SMS_HTTP, c.mobile, c.id))
    return out


def contact_wants(c: ContactInfo, a: AlertFacts, now: float, hours: BusinessHours) -> bool:
    if not c.active or c.customer_id != a.customer_id:
        return False
    if a.severity.rank < c.min_severity.rank:
        return False
    if c.hours is Hours.BUSINESS and not hours.contains(now):
        return False
    return c.all_rules or (a.rule_id is not None and a.rule_id in c.opt_in_rules)


def staff_sees(u: StaffInfo, customer_id: int | None) -> bool:
    """Whether ``u`` may see the customer: granted (or all customers) and not hidden from them."""
    if customer_id is not None and customer_id in u.hidden_customer_ids:
        return False
    return u.all_customers or (customer_id is not None and customer_id in u.customer_ids)


def recipients(a: AlertFacts, d: Directory, now: float) -> list[Recipient]:
    """Everyone who gets this alert's notification at its tier, one entry per channel."""
    if a.severity is Severity.INFO:
        return []
    out: list[Recipient] = []
    if a.tier == 0:
        if a.notify_contacts:
            for c in d.contacts:
                if contact_wants(c, a, now, d.hours):
                    out.extend(contact_channels(c))
        if d.ops_email:
            out.append(Recipient("ops", Channel.EMAIL, d.ops_email))
        if d.webhook_url:
            out.append(Recipient("webhook", Channel.WEBHOOK, d.webhook_url))
    role = TIER_ROLES[min(a.tier, len(TIER_ROLES) - 1)]
    for u in d.staff:
        if u.role == role and staff_sees(u, a.customer_id):
            if u.email:
                out.append(Recipient(f"user:{u.id}", Channel.EMAIL, u.email))
            if u.mobile:
                out.append(Recipient(f"user:{u.id}", Channel.SMS_HTTP, u.mobile))
    return out


def failover(recipients_: Iterable[Recipient], failing: str) -> list[Recipient]:
    """The recipients of a "channel failing" alert: anything but the failing channel."""
    return [r for r in recipients_ if r.channel != failing]
