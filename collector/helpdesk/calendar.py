"""Business calendars: when the helpdesk works. Pure: no clock, no database.

A calendar is a time zone, opening hours per weekday (one or more spans a day, in local wall
time) and holidays (local dates). SLA clocks (:mod:`collector.helpdesk.sla`) count only the
time inside its working intervals, and the on-call rota (:mod:`collector.helpdesk.rota`) takes
over outside them.

Every computation goes through :meth:`BusinessCalendar.working_intervals`, which turns local
opening hours into UTC intervals day by day with :mod:`zoneinfo`, so a day on which the clocks
change is as long as it really is (09:00-18:00 is nine hours on any day; a 24-hour calendar
has a 23-hour day in spring and a 25-hour one in autumn) and a local time that does not exist
(02:30 on the night the clocks go forward) is never produced.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
# How far add_business looks ahead before deciding a calendar can never reach a target.
SEARCH_HORIZON = timedelta(days=3 * 366)

Span = tuple[int, int]  # minutes after local midnight: [open, close), close may be 1440
Interval = tuple[datetime, datetime]  # aware UTC, start < end


class CalendarError(ValueError):
    """A calendar definition that cannot be used, with what is wrong in words."""


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no time zone: calendars work on aware datetimes")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours per weekday (Monday = 0) in ``tz``, minus ``holidays`` (local dates)."""

    tz: str = "UTC"
    hours: Mapping[int, tuple[Span, ...]] = field(
        default_factory=lambda: dict.fromkeys(range(5), ((9 * 60, 18 * 60),))
    )
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(f"unknown time zone {self.tz!r}") from None
        for day, spans in self.hours.items():
            if day not in range(7):
                raise CalendarError(f"weekday {day} is not 0 (Monday) to 6 (Sunday)")
            previous_close = -1
            for start, end in sorted(spans):
                if not 0 <= start < end <= MINUTES_PER_DAY:
                    raise CalendarError(
                        f"{DAYS[day]} {_hhmm(start)}-{_hhmm(end)}: the end must be after the start"
                    )
                if start < previous_close:
                    raise CalendarError(f"{DAYS[day]}: opening hours overlap at {_hhmm(start)}")
                previous_close = end
        if not any(self.hours.values()):
            raise CalendarError("a calendar needs opening hours on at least one day")

    @classmethod
    def always(cls, tz: str = "UTC") -> BusinessCalendar:
        """24 x 7: every moment is working time."""
        return cls(tz, dict.fromkeys(range(7), ((0, MINUTES_PER_DAY),)))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def _day_intervals(self, day: date) -> Iterator[Interval]:
        if day in self.holidays:
            return
        for start, end in sorted(self.hours.get(day.weekday(), ())):
            yield self._local(day, start), self._local(day, end)

    def _local(self, day: date, minutes: int) -> datetime:
        if minutes == MINUTES_PER_DAY:
            day, minutes = day + timedelta(days=1), 0
        wall = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.zone)
        # A wall time inside a spring-forward gap maps past the gap, never to a time that
        # does not exist: round-trip through UTC normalises it.
        return wall.astimezone(UTC)

    def working_intervals(self, start: datetime, end: datetime) -> Iterator[Interval]:
        """The working time between ``start`` and ``end`` as UTC intervals, in order."""
        lo, hi = _utc(start), _utc(end)
        if hi <= lo:
            return
        day = lo.astimezone(self.zone).date() - timedelta(days=1)
        last = hi.astimezone(self.zone).date() + timedelta(days=1)
        while day <= last:
            for opens, closes in self._day_intervals(day):
                a, b = max(opens, lo), min(closes, hi)
                if a < b:
                    yield a, b
            day += timedelta(days=1)

    def is_open(self, moment: datetime) -> bool:
        at = _utc(moment)
        return any(True for _ in self.working_intervals(at, at + timedelta(microseconds=1)))

    def business_time(self, start: datetime, end: datetime, pauses: Iterable[Interval] = ()) -> timedelta:
        """Working time between ``start`` and ``end``, less the ``pauses``."""
        total = timedelta()
        for a, b in subtract(self.working_intervals(start, end), pauses):
            total += b - a
        return total

    def add_business(self, start: datetime, amount: timedelta, pauses: Iterable[Interval] = ()) -> datetime:
        """The moment at which ``amount`` of working time (less ``pauses``) has passed since
        ``start``. Zero is ``start`` itself, even outside working hours."""
        if amount < timedelta():
            raise ValueError(f"a business duration cannot be negative ({amount})")
        at = _utc(start)
        if amount == timedelta():
            return at
        pause_list = sorted((_utc(a), _utc(b)) for a, b in pauses)
        left = amount
        window = timedelta(days=14)
        horizon = at + SEARCH_HORIZON
        while at < horizon:
            for a, b in subtract(self.working_intervals(at, at + window), pause_list):
                if b - a >= left:
                    return a + left
                left -= b - a
            at += window
        raise CalendarError(f"{amount} of working time is not reached within {SEARCH_HORIZON.days} days")

    def next_open(self, moment: datetime) -> datetime:
        """``moment`` if the calendar is open then, else when it next opens."""
        at = _utc(moment)
        for a, _ in self.working_intervals(at, at + SEARCH_HORIZON):
            return a
        raise CalendarError("the calendar never opens")  # pragma: no cover - __post_init__ forbids


def subtract(intervals: Iterable[Interval], pauses: Iterable[Interval]) -> Iterator[Interval]:
    """``intervals`` (sorted, disjoint) with every pause cut out."""
    cuts = sorted(pauses)
    for start, end in intervals:
        pieces = [(start, end)]
        for p_start, p_end in cuts:
            if p_end <= start or p_start >= end:
                continue
            pieces = [
                piece
                for a, b in pieces
                for piece in ((a, min(b, p_start)), (max(a, p_end), b))
                if piece[0] < piece[1]
            ]
        yield from pieces


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(text: str) -> int:
    hh, sep, mm = text.partition(":")
    if not sep or not hh.isdigit() or not mm.isdigit() or len(mm) != 2:
        raise CalendarError(f"{text!r} is not a time like 09:00")
    value = int(hh) * 60 + int(mm)
    if int(mm) > 59 or value > MINUTES_PER_DAY:
        raise CalendarError(f"{text!r} is not a time of day (00:00 to 24:00)")
    return value


def _days(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        first, sep, last = part.partition("-")
        try:
            a = DAYS.index(first)
            b = DAYS.index(last) if sep else a
        except ValueError:
            raise CalendarError(f"{part!r}: days are mon, tue, wed, thu, fri, sat, sun") from None
        if b < a:
            raise CalendarError(f"{part!r}: a day range runs forwards (e.g. mon-fri)")
        out.extend(range(a, b + 1))
    return out


def parse_hours(spec: str) -> dict[int, tuple[Span, ...]]:
    """``"mon-fri 09:00-18:00"``; several rules with ``;`` (``"mon-fri 09:00-12:00,13:00-18:00;
    sat 09:00-13:00"``); ``"24x7"`` for always."""
    text = spec.strip().lower()
    if text in {"24x7", "24/7", "always"}:
        return dict.fromkeys(range(7), ((0, MINUTES_PER_DAY),))
    hours: dict[int, list[Span]] = {}
    for rule in filter(None, (r.strip() for r in text.split(";"))):
        days_part, _, spans_part = rule.partition(" ")
        if not spans_part.strip():
            raise CalendarError(f"{rule!r}: expected days and hours, e.g. 'mon-fri 09:00-18:00'")
        for span in spans_part.replace(" ", "").split(","):
            open_text, sep, close_text = span.partition("-")
            if not sep:
                raise CalendarError(f"{span!r}: expected hours like 09:00-18:00")
            for day in _days(days_part):
                hours.setdefault(day, []).append((_minutes(open_text), _minutes(close_text)))
    if not hours:
        raise CalendarError("no opening hours given (e.g. 'mon-fri 09:00-18:00')")
    return {day: tuple(sorted(spans)) for day, spans in hours.items()}


def parse_calendar(hours: str, tz: str = "UTC", holidays: Iterable[str | date] = ()) -> BusinessCalendar:
    """A calendar from its text form; every problem is a :class:`CalendarError` in words."""
    days: set[date] = set()
    for item in holidays:
        try:
            days.add(item if isinstance(item, date) else date.fromisoformat(item.strip()))
        except ValueError:
            raise CalendarError(f"holiday {item!r} is not a date like 2026-12-25") from None
    return BusinessCalendar(tz, parse_hours(hours), frozenset(days))


def format_hours(hours: Mapping[int, tuple[Span, ...]]) -> str:
    """The text form :func:`parse_hours` reads, one rule per weekday."""
    rules = []
    for day in range(7):
        spans = hours.get(day, ())
        if spans:
            rules.append(f"{DAYS[day]} " + ",".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in spans))
    return "; ".join(rules)
