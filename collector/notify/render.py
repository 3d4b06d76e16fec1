"""The text of one grouped message per channel: a subject and a body for email, one short
text for SMS. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from collector.notify.domain import Channel

SMS_LIMIT = 320  # two concatenated SMS segments
MAX_LINES = 50


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
