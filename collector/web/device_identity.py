"""A device's name and place in the lists, from its page: the alias technicians give it
(shown instead of the host name in every list, ``name-devices``), and retiring it
(``enroll-devices``, as revoking): a retired device leaves the lists and pickers but keeps
its page, history and alerts; its open alerts resolve and it raises no new ones (the alert
engine's ``retire_device``); it can be brought back. Each change is audited
(``device.rename``, ``device.retire``, ``device.unretire``; each resolved alert as
``alert.resolve``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from collector.alerting.engine import AlertEngine
from collector.web import alerting_views
from collector.web.auditing import record
from collector.web.permissions import Capability, get_device_or_404, require
from collector.web.resources import optional_service, store

bp = Blueprint("device_identity", __name__)

MAX_ALIAS = 100


def alias_error(alias: str) -> str:
    """Why ``alias`` (already trimmed) cannot be a device's name, or ``""``."""
    if len(alias) > MAX_ALIAS:
        return f"at most {MAX_ALIAS} characters (this one has {len(alias)})"
    if any(not ch.isprintable() for ch in alias):
        return "letters, digits, spaces and punctuation only"
    return ""


@bp.post("/devices/<int:device_id>/alias")
@require(Capability.NAME_DEVICES)
def rename(device_id: int) -> ResponseReturnValue:
    """Set the alias (empty: back to the host name)."""
    alias = " ".join(request.form.get("alias", "").split())
    with store().session() as s:
        dev = get_device_or_404(s, device_id)
        if error := alias_error(alias):
            flash(f"Name not changed: {error}.", "error")
            return redirect(url_for("dashboard.device", device_id=device_id, alias=alias[:200]))
        if alias != dev.alias:
            target = f"device:{dev.id}"
            record(s, "device.rename", target, customer_id=dev.customer_id, old=dev.alias, new=alias)
            dev.alias = alias
            shown = alias or dev.hostname or dev.agent_id
            flash(f"Shown as “{shown}” in every list from now on.", "info")
    return redirect(url_for("dashboard.device", device_id=device_id))


@bp.post("/devices/<int:device_id>/retire")
@require(Capability.ENROLL_DEVICES)
def retire(device_id: int) -> ResponseReturnValue:
    """Retire (``retire=1``) or bring back (``retire=0``) the device."""
    back = request.form.get("retire") == "0"
    retired = False
    with store().session() as s:
        dev = get_device_or_404(s, device_id)
        if back and dev.retired_at is not None:
            dev.retired_at = None
            record(s, "device.unretire", f"device:{dev.id}", customer_id=dev.customer_id)
            flash("Back in the lists.", "info")
        elif not back and dev.retired_at is None:
            dev.retired_at = datetime.now(UTC)
            record(s, "device.retire", f"device:{dev.id}", customer_id=dev.customer_id)
            note = "" if dev.revoked_at else " Its agent may still connect: revoke it too if it is gone."
            flash(f"Retired: hidden from the lists, raises no alerts; its history stays here.{note}", "info")
            retired = True
    engine = optional_service(alerting_views.EXTENSION_KEY, AlertEngine) if retired else None
    if engine is not None and (resolved := engine.retire_device(device_id, alerting_views.engine_actor())):
        # after the commit: the engine reads the retirement
        flash(f"{len(resolved)} open alert(s) of the device resolved.", "info")
    return redirect(url_for("dashboard.device", device_id=device_id))
