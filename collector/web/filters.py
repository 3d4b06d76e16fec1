"""Jinja filters for timestamps: relative ("3 min ago") and absolute, in the user's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask

from collector.helpdesk.numbers import format_number
from collector.store.models import StreamState
from collector.store.utc import as_utc
from collector.web.time_zone import in_zone, user_zone

STATE_LABELS = {
    StreamState.ONLINE.value: "online",
    StreamState.OFFLINE_CLEAN.value: "offline",
    StreamState.OFFLINE_UNEXPECTED.value: "offline (unexpected)",
    StreamState.NEVER.value: "never connected",
}


def utc(value: datetime | None) -> str:
    """An absolute time in the signed-in user's time zone (UTC by default), 24-hour, zone named."""
    if value is None:
        return "—"
    return in_zone(as_utc(value), user_zone())


def iso(value: datetime | None) -> str:
    return "" if value is None else as_utc(value).isoformat(timespec="seconds")


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """A short relative time: "just now", "5 min ago", "3 h ago", "12 days ago", "in 2 days"."""
    if value is None:
        return "never"
    seconds = int(((now or datetime.now(UTC)) - as_utc(value)).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 10:
        return "just now"
    if seconds < 60:
        text = f"{seconds} s"
    elif seconds < 3600:
        text = f"{seconds // 60} min"
    elif seconds < 86400:
        text = f"{seconds // 3600} h"
    else:
        days = seconds // 86400
        text = f"{days} day" if days == 1 else f"{days} days"
    return f"in {text}" if future else f"{text} ago"


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


def duration(value: timedelta | None) -> str:
    """A short duration: "45 min", "3 h 20 min", "2 d 4 h"; negative as "-…"."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{sign}{days} d {hours} h"
    if hours:
        return f"{sign}{hours} h {minutes} min"
    return f"{sign}{minutes} min"


def ticket_number(value: int) -> str:
    return format_number(value)


_BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def human_bytes(value: float) -> str:
    """A byte count for people: "512 B", "1.5 KiB", "32 GiB" (binary units)."""
    n = float(value)
    unit = _BINARY_UNITS[0]
    for unit in _BINARY_UNITS:  # the last unit tried is the one used
        if abs(n) < 1024 or unit == _BINARY_UNITS[-1]:
            break
        n /= 1024
    if unit == "B":
        return f"{int(n)} B"
    return f"{n:.1f} {unit}" if abs(n) < 10 else f"{n:.0f} {unit}"


def inventory_value(key: str, value: str) -> str:
    """An inventory attribute as shown: counts of bytes (keys ending in ``bytes``) made readable."""
    if key.endswith("bytes") and value.isdigit():
        return human_bytes(int(value))
    return value


def init_app(app: Flask) -> None:
    app.add_template_filter(utc)
    app.add_template_filter(iso)
    app.add_template_filter(ago)
    app.add_template_filter(state_label)
    app.add_template_filter(duration)
    app.add_template_filter(ticket_number)
    app.add_template_filter(human_bytes)
    app.add_template_filter(inventory_value)
