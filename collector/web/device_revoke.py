"""Revoke an agent from its device page (supervisors and administrators, who may enroll):
its certificate is refused from then on and the running collector closes its stream within
seconds, as with ``eus agent revoke``. Audited as ``agent.revoke``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from collector.web.auditing import record
from collector.web.permissions import Capability, get_device_or_404, require
from collector.web.resources import store

bp = Blueprint("device_revoke", __name__)


@bp.post("/devices/<int:device_id>/revoke")
@require(Capability.ENROLL_DEVICES)
def revoke(device_id: int) -> ResponseReturnValue:
    """Revoke once the user has typed the device's host name (or agent id) to confirm."""
    with store().session() as s:
        dev = get_device_or_404(s, device_id)
        typed = request.form.get("confirm", "").strip()
        if dev.revoked_at is not None:
            flash("This agent was already revoked.", "info")
        elif typed not in {dev.hostname, dev.agent_id} or not typed:
            flash("Not revoked: type the device's host name to confirm.", "error")
        else:
            dev.revoked_at = datetime.now(UTC)
            record(s, "agent.revoke", f"device:{dev.id}", customer_id=dev.customer_id, agent_id=dev.agent_id)
            flash("Agent revoked: its stream is closed within seconds and it cannot reconnect.", "info")
    return redirect(url_for("dashboard.device", device_id=device_id))
