"""Grouping: notifications for the same recipient, channel and group within the group wait
become one message - one site outage is one message per contact, not 500. Pure; the text
of a grouped message is notify's (``collector.notify.render``)."""

from __future__ import annotations

from dataclasses import dataclass

from collector.alerting.domain import Announcement


@dataclass(frozen=True, slots=True)
class GroupTarget:
    customer_id: int | None
    site_id: int | None
    device_id: int | None
    kind: str
    family: str


def group_key(t: GroupTarget, announcement: Announcement) -> str:
    """Site-wide conditions (offline) group by site; the rest by device and rule family."""
    if t.kind == "instance_offline":
        return f"c{t.customer_id}:s{t.site_id}:{t.family}:{announcement}"
    return f"c{t.customer_id}:d{t.device_id}:{t.family}:{announcement}"
