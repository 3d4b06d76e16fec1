"""SMS through a carrier's email-to-SMS gateway: a short plain mail to <digits>@<gateway>.

The address is built by routing (``collector.alerting.routing.contact_channels``); this
channel keeps the text within two SMS segments and sends it through the SMTP channel.
"""

from __future__ import annotations

from collector.notify.channel import Outcome, Outgoing
from collector.notify.email_smtp import SmtpSender

SMS_CHARS = 320


class EmailGatewaySender:
    def __init__(self, smtp: SmtpSender) -> None:
        self._smtp = smtp

    def send(self, msg: Outgoing) -> Outcome:
        if "@" not in msg.address:
            return Outcome.refused(f"not a gateway address: {msg.address[:60]!r}")
        text = msg.body if not msg.subject else f"{msg.subject}: {msg.body}"
        return self._smtp.send(Outgoing(msg.address, "", text[:SMS_CHARS], msg.idempotency_key))
