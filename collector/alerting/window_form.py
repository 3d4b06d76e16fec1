"""The maintenance window form, read into plain values with one specific message per problem
(pure: no Flask, no database), and a stored window turned back into the form's fields for
editing.

Times are typed in the window's time zone (UTC unless chosen). Repeats are chosen, never
typed as rule text: no, daily, weekly, monthly on the same day, or monthly on the n-th
weekday (which and what day from two pickers); the RFC 5545 rule is built here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from collector.alerting import maintenance, recurrence
from collector.alerting.forms import FormError, _opt_int, _text
from collector.alerting.models import MaintenanceWindow

REPEATS = {"none": "no", **recurrence.KINDS}
FIELD_TIME = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows


@dataclass(frozen=True, slots=True)
class WindowInput:
    customer_id: int
    site_id: int | None
    device_id: int | None
    function_id: str
    starts_at: datetime
    ends_at: datetime
    recurrence: str
    until: datetime | None
    reason: str
    rule: str
    timezone: str


def _when(form: Mapping[str, str], key: str, tz: str) -> datetime:
    raw = str(form.get(key, "")).strip()
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise FormError(f"{key}: a date and time like 2026-12-01T22:00 ({tz})") from None
    if value.tzinfo is not None:
        return value
    return value.replace(tzinfo=recurrence.zone(tz))


def _rule(form: Mapping[str, str], repeats: str) -> str:
    if repeats == "none":
        return ""
    nth_raw = str(form.get("nth", "")).strip()
    try:
        nth = int(nth_raw) if repeats == "monthly-nth" else 0
    except ValueError:
        raise FormError("which weekday of the month: choose 1st, 2nd, 3rd, 4th or last") from None
    try:
        return recurrence.build(repeats, nth, str(form.get("weekday", "")).strip())
    except ValueError as exc:
        raise FormError(str(exc)) from None


def window(form: Mapping[str, str]) -> WindowInput:
    customer_id = _opt_int(form, "customer_id")
    if customer_id is None:
        raise FormError("customer_id: required")
    tz = str(form.get("timezone", "") or "UTC").strip()
    try:
        recurrence.zone(tz)
    except ValueError as exc:
        raise FormError(str(exc)) from None
    starts, ends = _when(form, "starts_at", tz), _when(form, "ends_at", tz)
    until = _when(form, "until", tz) if str(form.get("until", "")).strip() else None
    repeats = str(form.get("recurrence", "none"))
    if repeats not in REPEATS:
        raise FormError(f"repeats: one of {', '.join(REPEATS)}")
    w = WindowInput(
        customer_id,
        _opt_int(form, "site_id"),
        _opt_int(form, "device_id"),
        _text(form, "function_id"),
        starts,
        ends,
        repeats,
        until,
        _text(form, "reason", 300),
        _rule(form, repeats),
        tz,
    )
    try:
        maintenance.validate(
            maintenance.Window(
                w.customer_id,
                starts.timestamp(),
                ends.timestamp(),
                w.recurrence,
                until.timestamp() if until else None,
                w.site_id,
                w.device_id,
                w.function_id,
                rule=w.rule,
                timezone=tz,
            )
        )
    except ValueError as exc:
        raise FormError(str(exc)) from None
    return w


def values_of(row: MaintenanceWindow) -> dict[str, str]:
    """A stored window as the form's fields (times in the window's own time zone)."""
    z = recurrence.zone(row.timezone)
    out = {
        "customer_id": str(row.customer_id),
        "site_id": "" if row.site_id is None else str(row.site_id),
        "device_id": "" if row.device_id is None else str(row.device_id),
        "function_id": row.function_id,
        "starts_at": row.starts_at.astimezone(z).strftime(FIELD_TIME),
        "ends_at": row.ends_at.astimezone(z).strftime(FIELD_TIME),
        "until": row.until.astimezone(z).strftime(FIELD_TIME) if row.until else "",
        "recurrence": row.recurrence,
        "reason": row.reason,
        "timezone": row.timezone,
        "nth": "",
        "weekday": "",
    }
    if row.rule:
        f = recurrence.fields(row.rule)
        out.update(recurrence=f.kind, nth=str(f.nth) if f.nth else "", weekday=f.weekday)
    return out


def describe(row: MaintenanceWindow) -> str:
    """How the window repeats, in words: ``no``, ``2nd Tuesday monthly (Europe/Berlin)``."""
    if not row.rule:
        return REPEATS.get(row.recurrence, row.recurrence) if row.recurrence != "none" else "no"
    words = recurrence.describe(row.rule, row.starts_at.astimezone(recurrence.zone(row.timezone)))
    return words if row.timezone == "UTC" else f"{words} ({row.timezone})"
