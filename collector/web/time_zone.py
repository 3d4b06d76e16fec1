"""Each user's time zone: the account setting, and the zone every timestamp is shown in.

Stored per user (``users.time_zone``, an IANA name such as ``Europe/Berlin``, default UTC).
Charts read it from their section's ``data-time-zone`` (``_charts.html``) and tables through
the ``utc`` filter (``collector.web.filters``), which writes the zone's abbreviation after
every time, so no timestamp is ambiguous. Changing it is audited as ``account.time-zone``.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import Blueprint, Flask, flash, g, has_request_context, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from collector.store.models import User
from collector.web.auditing import record
from collector.web.identity import current_user, optional_user
from collector.web.permissions import Capability, require
from collector.web.resources import store

bp = Blueprint("time_zone", __name__, url_prefix="/account")
DEFAULT = "UTC"
_G_KEY = "user_time_zone"


@cache
def zones() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted (the form's suggestions)."""
    return tuple(sorted(available_timezones() | {DEFAULT}))


def check(name: str) -> str:
    """``name`` as a known zone, or ValueError with what to type instead."""
    name = name.strip()
    if not name:
        raise ValueError("Enter a time zone, e.g. Europe/Berlin or UTC.")
    if name not in zones():
        close = [z for z in zones() if z.lower() == name.lower()]
        hint = (
            f" Did you mean {close[0]}?"
            if close
            else " Use a name like Europe/Berlin, America/New_York or UTC."
        )
        raise ValueError(f"Unknown time zone {name[:64]!r}.{hint}")
    return name


def user_zone() -> str:
    """The signed-in user's zone (read once per request); UTC outside a request or signed out."""
    if not has_request_context():
        return DEFAULT
    cached: str | None = g.get(_G_KEY)
    if cached is not None:
        return cached
    user = optional_user()
    zone = DEFAULT
    if user is not None:
        with store().session() as s:
            row = s.get(User, user.id)
            zone = row.time_zone if row is not None and row.time_zone else DEFAULT
    setattr(g, _G_KEY, zone)
    return zone


def in_zone(value: datetime, zone: str) -> str:
    """An aware time as 24-hour ``YYYY-MM-DD HH:MM:SS`` in ``zone`` with its abbreviation."""
    try:
        local = value.astimezone(ZoneInfo(zone))
    except ZoneInfoNotFoundError:
        local = value.astimezone(ZoneInfo(DEFAULT))
    return local.strftime("%Y-%m-%d %H:%M:%S %Z")


@bp.route("/time-zone", methods=["GET", "POST"])
@require(Capability.MANAGE_OWN_ACCOUNT)
def edit() -> ResponseReturnValue:
    me = current_user()
    typed = user_zone()
    error = ""
    if request.method == "POST":
        typed = request.form.get("time_zone", "")
        try:
            zone = check(typed)
        except ValueError as exc:
            error = str(exc)
        else:
            with store().session() as s:
                row = s.get_one(User, me.id)
                old, row.time_zone = row.time_zone, zone
                record(s, "account.time-zone", me.actor, old=old, new=zone)
            flash(f"Times now read in {zone}.", "info")
            return redirect(url_for("time_zone.edit"))
    return render_template(
        "account_time_zone.html", typed=typed, error=error, zones=zones(), now=datetime.now().astimezone()
    ), (400 if error else 200)


def init_app(app: Flask) -> None:
    app.add_template_global(user_zone, "time_zone")
