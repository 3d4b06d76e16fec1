"""Weekly timesheets from ticket work-log entries. Pure.

A week runs Monday to Sunday in the MSP's time zone; an entry counts on the local day it
started. Rows are (customer, technician) with minutes per day; totals are sums of the rows,
so the sheet's grand total is exactly the sum of the week's entries.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Entry:
    ticket_id: int
    customer_id: int
    user_id: int
    started: datetime  # aware
    minutes: int
    billable: bool = True


@dataclass(slots=True)
class Row:
    customer_id: int
    user_id: int
    days: list[int] = field(default_factory=lambda: [0] * 7)  # minutes, Monday first
    billable: int = 0

    @property
    def total(self) -> int:
        return sum(self.days)


@dataclass(frozen=True, slots=True)
class Timesheet:
    week_start: date  # a Monday
    tz: str
    rows: tuple[Row, ...]

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)

    @property
    def billable(self) -> int:
        return sum(r.billable for r in self.rows)

    def day_totals(self) -> list[int]:
        return [sum(r.days[d] for r in self.rows) for d in range(7)]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_bounds(week_start: date, tz: str) -> tuple[datetime, datetime]:
    """The week's start and end as aware UTC datetimes (local midnights)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(monday_of(week_start), time(0), tzinfo=zone)
    end = datetime.combine(monday_of(week_start) + timedelta(days=7), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def weekly(entries: Iterable[Entry], week_start: date, tz: str = "UTC") -> Timesheet:
    monday = monday_of(week_start)
    zone = ZoneInfo(tz)
    rows: dict[tuple[int, int], Row] = {}
    for e in entries:
        local = e.started.astimezone(zone).date()
        offset = (local - monday).days
        if not 0 <= offset < 7:
            continue
        row = rows.setdefault((e.customer_id, e.user_id), Row(e.customer_id, e.user_id))
        row.days[offset] += e.minutes
        if e.billable:
            row.billable += e.minutes
    ordered = tuple(rows[k] for k in sorted(rows))
    return Timesheet(monday, tz, ordered)


def hours(minutes: int) -> str:
    """``90`` → ``1:30``."""
    return f"{minutes // 60}:{minutes % 60:02d}"


def to_csv(sheet: Timesheet, customers: Mapping[int, str], users: Mapping[int, str]) -> str:
    """The sheet as CSV: minutes per day (numbers a spreadsheet can add), totals last."""
    out = io.StringIO()
    w = csv.writer(out)
    days = [(sheet.week_start + timedelta(days=d)).isoformat() for d in range(7)]
    w.writerow(["customer", "technician", *days, "total_minutes", "billable_minutes"])
    for r in sheet.rows:
        name = customers.get(r.customer_id, f"customer {r.customer_id}")
        who = users.get(r.user_id, f"user {r.user_id}")
        w.writerow([name, who, *r.days, r.total, r.billable])
    w.writerow(["total", "", *sheet.day_totals(), sheet.total, sheet.billable])
    return out.getvalue()
