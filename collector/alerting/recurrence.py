"""Repeating maintenance windows as RFC 5545 recurrence rules (python-dateutil's ``rrule``):
daily, weekly, monthly on the start's day of the month, and monthly on the n-th weekday,
the patch night ("2nd Tuesday monthly, 22:00-02:00").

A rule is built from form fields (:func:`build`), stored as RFC 5545 ``RRULE`` text, and read
back for editing (:func:`fields`). Occurrences repeat in the wall-clock time of the window's
time zone: a 22:00-02:00 window is 22:00-02:00 local on either side of a DST change (so it
lasts 3 or 5 hours on the night of the change). A local time that does not exist (in the
spring gap) is read with the offset before the gap, i.e. it moves forward by the gap. A
monthly rule on day 29-31 skips the months without that day, as RFC 5545 says.

Pure: times are seconds since the epoch; the rule, zone and first occurrence are values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

KINDS = {
    "daily": "daily",
    "weekly": "weekly",
    "monthly": "monthly on the same day",
    "monthly-nth": "monthly on the n-th weekday",
}
NTH = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", -1: "last"}
WEEKDAYS = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
# The longest an occurrence may last: shorter than the shortest gap between two starts.
MAX_LENGTH = {
    "daily": timedelta(days=1),
    "weekly": timedelta(days=7),
    "monthly": timedelta(days=28),
    "monthly-nth": timedelta(days=28),
}
# A local time and the same instant in UTC differ by less than this (DST shifts included).
_SLACK = timedelta(hours=27)
_NTH_RE = re.compile(r"^FREQ=MONTHLY;BYDAY=([+-]?\d)(MO|TU|WE|TH|FR|SA|SU)$")
_PLAIN = {"FREQ=DAILY": "daily", "FREQ=WEEKLY": "weekly", "FREQ=MONTHLY": "monthly"}


@dataclass(frozen=True, slots=True)
class RuleFields:
    """What the form holds for a rule: its kind and, for ``monthly-nth``, which weekday."""

    kind: str
    nth: int = 0
    weekday: str = ""


def build(kind: str, nth: int = 0, weekday: str = "") -> str:
    """RFC 5545 ``RRULE`` text for a form's choice; ValueError with a specific message."""
    if kind not in KINDS:
        raise ValueError(f"repeats: one of {', '.join(KINDS)}")
    if kind != "monthly-nth":
        return f"FREQ={kind.upper()}"
    if nth not in NTH:
        raise ValueError("which weekday of the month: choose 1st, 2nd, 3rd, 4th or last")
    if weekday not in WEEKDAYS:
        raise ValueError("weekday: choose Monday to Sunday")
    return f"FREQ=MONTHLY;BYDAY={nth:+d}{weekday}"


def fields(rule: str) -> RuleFields:
    """The form fields of a rule :func:`build` made (for editing); ValueError otherwise."""
    if rule in _PLAIN:
        return RuleFields(_PLAIN[rule])
    m = _NTH_RE.match(rule)
    if m is None or int(m.group(1)) not in NTH:
        raise ValueError(f"not a rule this form makes: {rule[:80]!r}")
    return RuleFields("monthly-nth", int(m.group(1)), m.group(2))


def describe(rule: str, first_start: datetime) -> str:
    """``2nd Tuesday monthly``, ``monthly on day 31``, ``weekly on Tuesday``, ``daily``."""
    f = fields(rule)
    if f.kind == "monthly-nth":
        return f"{NTH[f.nth]} {WEEKDAYS[f.weekday]} monthly"
    if f.kind == "monthly":
        return f"monthly on day {first_start.day}"
    if f.kind == "weekly":
        return f"weekly on {first_start.strftime('%A')}"
    return "daily"


def zone(name: str) -> ZoneInfo:
    """The time zone called ``name`` (IANA, e.g. ``Europe/Berlin``); ValueError if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"time zone: unknown {name[:60]!r}; an IANA name like Europe/Berlin") from None


@dataclass(frozen=True, slots=True)
class Repeat:
    """A repeating window: its rule and time zone, its first occurrence (seconds since the
    epoch; its local start fixes the time of day, its local length every occurrence's), and
    the last start allowed (``until``)."""

    rule: str
    tz: str
    starts: float
    ends: float
    until: float | None = None

    def _local(self) -> tuple[datetime, timedelta]:
        z = zone(self.tz)
        start = datetime.fromtimestamp(self.starts, z).replace(tzinfo=None)
        return start, datetime.fromtimestamp(self.ends, z).replace(tzinfo=None) - start

    def _epoch(self, local: datetime) -> float:
        return local.replace(tzinfo=zone(self.tz)).timestamp()

    def _wall(self, at: float) -> datetime:
        return datetime.fromtimestamp(at, zone(self.tz)).replace(tzinfo=None)

    def spans(self, lo: float, hi: float) -> list[tuple[float, float]]:
        """Occurrences (start, end) starting within about a length of [lo, hi], none before
        the first start nor after ``until``."""
        start_local, length = self._local()
        lo_local = self._wall(max(lo, self.starts)) - length - _SLACK
        out: list[tuple[float, float]] = []
        for occ in self._rrule_near(start_local, lo_local).between(
            lo_local, self._wall(hi) + _SLACK, inc=True
        ):
            s = self._epoch(occ)
            if s >= self.starts and (self.until is None or s <= self.until):
                out.append((s, self._epoch(occ + length)))
        return out

    def _rrule_near(self, start_local: datetime, lo_local: datetime) -> rrule:
        """The rule, started again shortly before ``lo_local`` with the same occurrences
        from there on: dateutil walks every occurrence from the start, which for a daily
        window set up years ago would cost milliseconds on every check."""
        kind = fields(self.rule).kind
        if lo_local <= start_local:
            return _rrule(self.rule, start_local)
        if kind in {"daily", "weekly"}:
            step = 1 if kind == "daily" else 7
            return _rrule(
                self.rule, start_local + timedelta(days=(lo_local - start_local).days // step * step)
            )
        # Monthly: from the first of the month before lo_local's, at the start's time of day,
        # with the start's day of the month written out (the new start's day is the 1st).
        first = (lo_local.replace(day=1) - timedelta(days=1)).replace(day=1)
        first = datetime.combine(first.date(), start_local.time())
        if first <= start_local:
            return _rrule(self.rule, start_local)
        rule = self.rule if kind == "monthly-nth" else f"{self.rule};BYMONTHDAY={start_local.day}"
        return _rrule(rule, first)

    def span_at(self, now: float) -> tuple[float, float] | None:
        """The occurrence (start, end) containing ``now``, if any."""
        if now < self.starts:
            return None
        return next(((s, e) for s, e in self.spans(now, now) if s <= now < e), None)

    def next_start(self, after: float) -> float | None:
        """The first occurrence start at or after ``after`` (looking 100 days ahead: a monthly
        rule on the 31st repeats within 62)."""
        after = max(after, self.starts)
        return next((s for s, _ in self.spans(after, after + 100 * 86400.0) if s >= after), None)

    def ended_between(self, since: float, now: float) -> bool:
        """Whether an occurrence ended in (since, now]."""
        return any(since < e <= now for _, e in self.spans(since, now))

    def validate(self) -> None:
        """Raise ValueError when a window with this rule cannot be accepted."""
        kind = fields(self.rule).kind
        _, length = self._local()
        if length <= timedelta(0):
            raise ValueError("the window must end after it starts")
        if length >= MAX_LENGTH[kind]:
            raise ValueError(f"a {KINDS[kind]} window must be shorter than {MAX_LENGTH[kind].days} days")
        if self.next_start(self.starts) is None:
            raise ValueError("this rule never repeats from the given start")


@lru_cache(maxsize=512)
def _rrule(rule: str, dtstart: datetime) -> rrule:
    parsed = rrulestr(rule, dtstart=dtstart)
    assert isinstance(parsed, rrule)  # one RRULE line, never a set
    return parsed
