"""Maintenance windows: one-off or recurring, scoped to a customer, a site, a device or one
function. Alerts inside a window are recorded but not notified. A window with an RFC 5545
``rule`` repeats in its time zone's wall-clock time (:mod:`collector.alerting.recurrence`:
daily, weekly, monthly, n-th weekday); one without (older rows) repeats every fixed period.

Pure: windows are plain values, times are seconds since the epoch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from collector.alerting import recurrence

RECURRENCES = {"none": 0.0, "daily": 86400.0, "weekly": 7 * 86400.0}


@dataclass(frozen=True, slots=True)
class Window:
    customer_id: int
    starts: float
    ends: float
    recurrence: str = "none"
    until: float | None = None
    site_id: int | None = None
    device_id: int | None = None
    function_id: str = ""
    id: int = 0
    rule: str = ""  # RFC 5545 RRULE text; "" for a one-off or a fixed-period window
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class Target:
    """What an alert is about, as far as maintenance scoping goes."""

    customer_id: int | None
    site_id: int | None
    device_id: int | None
    function_id: str = ""


def _repeat(w: Window) -> recurrence.Repeat:
    return recurrence.Repeat(w.rule, w.timezone, w.starts, w.ends, w.until)


def validate(w: Window) -> None:
    """Raise ValueError with a specific message for a window that cannot be accepted."""
    if w.ends <= w.starts:
        raise ValueError("the window must end after it starts")
    if w.until is not None and w.until < w.starts:
        raise ValueError("'until' must not be before the first start")
    if w.function_id and w.device_id is None:
        raise ValueError("a function window needs its device")
    if w.rule:
        _repeat(w).validate()
        return
    period = RECURRENCES.get(w.recurrence)
    if period is None:
        raise ValueError(f"recurrence: one of {', '.join(RECURRENCES)}")
    if period and w.ends - w.starts >= period:
        raise ValueError(f"a {w.recurrence} window must be shorter than its period")


def occurrence(w: Window, now: float) -> tuple[float, float] | None:
    """The occurrence (start, end) of ``w`` that contains ``now``, if any."""
    if w.rule:
        return _repeat(w).span_at(now)
    period = RECURRENCES.get(w.recurrence, 0.0)
    if now < w.starts:
        return None
    if not period:
        return (w.starts, w.ends) if now < w.ends else None
    k = int((now - w.starts) // period)
    start = w.starts + k * period
    if w.until is not None and start > w.until:
        return None
    end = start + (w.ends - w.starts)
    return (start, end) if now < end else None


def next_start(w: Window, now: float) -> float | None:
    """When ``w``'s next occurrence starts after ``now`` (a repeating rule: within a year)."""
    if w.rule:
        return _repeat(w).next_start(now + 1e-6)
    period = RECURRENCES.get(w.recurrence, 0.0)
    if now < w.starts:
        return w.starts
    if not period:
        return None
    start = w.starts + (int((now - w.starts) // period) + 1) * period
    return start if w.until is None or start <= w.until else None


def covers(w: Window, t: Target) -> bool:
    """Whether ``w``'s scope includes ``t`` (regardless of time)."""
    if t.customer_id != w.customer_id:
        return False
    if w.site_id is not None and t.site_id != w.site_id:
        return False
    if w.device_id is not None and t.device_id != w.device_id:
        return False
    return not (w.function_id and t.function_id != w.function_id)


def in_maintenance(windows: Iterable[Window], t: Target, now: float) -> bool:
    return any(covers(w, t) and occurrence(w, now) is not None for w in windows)


def last_end_before(windows: Iterable[Window], now: float, since: float) -> bool:
    """Whether any occurrence ended in (since, now]: time to reconcile suppressed alerts."""
    for w in windows:
        if w.rule:
            if _repeat(w).ended_between(since, now):
                return True
            continue
        period = RECURRENCES.get(w.recurrence, 0.0)
        length = w.ends - w.starts
        if not period:
            if since < w.ends <= now:
                return True
            continue
        k = int((now - w.starts - length) // period)
        end = w.starts + k * period + length
        if k >= 0 and since < end <= now and (w.until is None or end - length <= w.until):
            return True
    return False
