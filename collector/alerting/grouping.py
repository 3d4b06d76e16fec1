"""Grouping: notifications for the same recipient, channel and group within the group wait
become one message - one site outage is one message per contact, not 500. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from collector.alerting.domain import Announcement, Channel

SMS_LIMIT = 320  # two concatenated SMS segments
MAX_LINES = 50


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


def render(channel: str, announcement: str, lines: Sequence[str], title: str) -> tuple[str, str]:
    """(subject, body) of one grouped message."""
    n = len(lines)
    what = announcement.upper()
    subject = f"[EUS {what}] {title}" if n == 1 else f"[EUS {what}] {n} alerts: {title}"
    if channel in (Channel.SMS_HTTP, Channel.SMS_EMAIL_GATEWAY):
        text = subject if n > 1 else f"{subject}: {lines[0]}"
        return "", text[:SMS_LIMIT]
    shown = list(lines[:MAX_LINES])
    if n > MAX_LINES:
        shown.append(f"... and {n - MAX_LINES} more")
    return subject[:300], "\n".join(shown) + "\n"
