"""Why the notifications of an alert are held back now, if they are: info severity, a snooze,
a maintenance window, or inhibition by its instance being offline. Pure."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from collector.alerting import inhibit, maintenance
from collector.alerting.domain import Severity
from collector.alerting.records import AlertRec


def held_back(
    rec: AlertRec,
    now: float,
    windows: Sequence[maintenance.Window],
    offline_devices: Callable[[], Collection[int]],
) -> str:
    """The reason, or "" when nothing holds them back. ``offline_devices`` is called only
    when needed (it looks at every alert)."""
    if rec.life.severity is Severity.INFO:
        return "not paged (info)"
    if rec.life.snoozed_until is not None and rec.life.snoozed_until > now:
        return "snoozed"
    if rec.device is not None:
        function = rec.subject if rec.rule.kind == "function_status" else ""
        target = maintenance.Target(rec.customer_id, rec.device.site_id, rec.device.id, function)
        if maintenance.in_maintenance(windows, target, now):
            return "maintenance"
        if inhibit.inhibited(rec.rule.kind, rec.device.id, offline_devices()):
            return "inhibited: instance offline"
    return ""
