"""Email over SMTP with STARTTLS and AUTH (smtplib).

SMTP says what is permanent: a 5xx reply will be the same next time, a 4xx or a broken
connection may not. The Message-ID is derived from the idempotency key, so a resend after
a crash carries the same id and a mail system that dedupes by it can.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from collector.notify.channel import Outcome, Outgoing


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = 587
    user: str = ""
    password: str = ""  # never logged, never recorded
    starttls: bool = True
    from_addr: str = "eus@localhost"
    timeout_s: float = 10.0
    cafile: str = ""  # "" = the system's trust store

    def __repr__(self) -> str:  # keep the password out of logs and tracebacks
        return f"SmtpSettings(host={self.host!r}, port={self.port}, user={self.user!r})"


def message_id(key: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in ".-_" else "-" for ch in key)
    return f"<{safe}@eus>"


def build(settings: SmtpSettings, msg: Outgoing) -> EmailMessage:
    m = EmailMessage()
    m["From"] = settings.from_addr
    m["To"] = msg.address
    m["Subject"] = msg.subject
    m["Date"] = formatdate(localtime=False)
    m["Message-ID"] = message_id(msg.idempotency_key)
    m["X-EUS-Idempotency-Key"] = msg.idempotency_key
    m.set_content(msg.body)
    return m


class SmtpSender:
    """One SMTP session per message: simple, and a broken session never poisons the next."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, msg: Outgoing) -> Outcome:
        s = self.settings
        if not s.host:
            return Outcome.refused("no SMTP host configured (smtp_host)")
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout_s) as smtp:
                smtp.ehlo()
                if s.starttls:
                    ctx = ssl.create_default_context(cafile=s.cafile or None)
                    smtp.starttls(context=ctx)
                    smtp.ehlo()
                if s.user:
                    smtp.login(s.user, s.password)
                refused = smtp.send_message(build(s, msg))
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            text = "; ".join(
                f"{code} {reply.decode(errors='replace')}" for code, reply in exc.recipients.values()
            )
            return Outcome.refused(text) if all(c >= 500 for c in codes) else Outcome.transient(text)
        except smtplib.SMTPResponseException as exc:
            text = f"{exc.smtp_code} {_text(exc.smtp_error)}"
            return Outcome.refused(text) if exc.smtp_code >= 500 else Outcome.transient(text)
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            return Outcome.transient(f"{type(exc).__name__}: {exc}")
        if refused:
            return Outcome.refused(f"refused: {sorted(refused)}")
        return Outcome.delivered(f"250 accepted by {s.host}:{s.port}")


def _text(raw: bytes | str) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
