"""Mail that arrives at the helpdesk mailbox: what it says, and which ticket it belongs to.

Pure: raw RFC 5322 bytes in, a :class:`Mail` out; a :class:`Mail` plus what the helpdesk knows
(which tickets exist, which contact has that address) in, a :class:`Route` out. Parsing is the
standard library's (:mod:`email` with the modern policy), which never raises on bad input but
records *defects*: a message with defects is still routed (nothing is dropped) and flagged so
a technician looks at the original, which is kept with the ticket.

Routing: a subject carrying a ticket's tag (``[EUS-000123]``) appends to that ticket if it
exists; anything else opens a new ticket for the contact the sender's address belongs to. A
sender no contact has is handled as configured: a ticket under the "unknown contact" customer,
or refused (the mail is still moved to the processed folder and recorded, never lost).
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from collector.helpdesk.numbers import number_in_subject

MAX_BODY_CHARS = 100_000
_QUOTE_HEADER = re.compile(r"^On .{3,200} wrote:\s*$")
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Mail:
    key: str  # the Message-ID, or a digest of the raw bytes when there is none: dedupe key
    sender: str  # lower-case address, "" when unreadable
    sender_name: str
    subject: str
    text: str  # the new part of the body (quoted reply trimmed)
    attachments: tuple[Attachment, ...]
    problems: tuple[str, ...]  # parser defects and what could not be read: flag for a human
    cc: tuple[str, ...] = ()

    @property
    def malformed(self) -> bool:
        return bool(self.problems)


def _text_of(part: MIMEPart) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError) as exc:  # unknown charset, bad encoding
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        return raw.decode("utf-8", errors="replace") or f"(unreadable body: {exc})"
    return content if isinstance(content, str) else ""


def trim_quoted(text: str) -> str:
    """The reply without the quoted message below it (``On … wrote:`` and ``>`` lines)."""
    lines = text.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        if _QUOTE_HEADER.match(line.strip()):
            rest = [ln for ln in lines[i + 1 :] if ln.strip()]
            if all(ln.lstrip().startswith(">") for ln in rest):
                lines = lines[:i]
                break
    while lines and lines[-1].lstrip().startswith(">"):
        lines.pop()
    return "\n".join(lines).strip()


def parse(raw: bytes) -> Mail:
    """Read a mail; never raises: what cannot be read becomes a problem on the result."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    problems = [type(d).__name__ for d in msg.defects]
    message_id = str(msg.get("Message-ID", "") or "").strip()
    key = message_id or "sha256:" + hashlib.sha256(raw).hexdigest()
    try:
        name, address = parseaddr(str(msg.get("From", "") or ""))
    except (ValueError, IndexError):  # a header the address parser chokes on
        name, address = "", ""
    if "@" not in address:
        problems.append("no readable sender address")
        address = ""
    try:
        subject = str(msg.get("Subject", "") or "").strip()
    except (ValueError, IndexError):
        subject = ""
        problems.append("unreadable subject")
    text, attachments = "", []
    try:
        body = msg.get_body(preferencelist=("plain", "html"))
        if body is not None:
            text = _text_of(body)
            if body.get_content_type() == "text/html":
                text = _TAGS.sub("", text)
        for part in msg.iter_attachments():
            data = part.get_payload(decode=True)
            attachments.append(
                Attachment(
                    part.get_filename() or "attachment",
                    part.get_content_type(),
                    data if isinstance(data, bytes) else b"",
                )
            )
    except (LookupError, ValueError, AssertionError, AttributeError, TypeError) as exc:
        problems.append(f"body could not be read: {exc}")
    if not text and not attachments and not problems:
        problems.append("empty body")
    cc = tuple(a.lower() for _, a in getaddresses([str(msg.get("Cc", "") or "")]) if "@" in a)
    return Mail(
        key=key[:500],
        sender=address.lower(),
        sender_name=name,
        subject=subject[:500],
        text=trim_quoted(text)[:MAX_BODY_CHARS],
        attachments=tuple(attachments),
        problems=tuple(problems),
        cc=cc,
    )


class RouteKind(enum.StrEnum):
    APPEND = "append"  # to an existing ticket named by the subject tag
    NEW = "new"  # a new ticket for a known contact
    NEW_UNKNOWN = "new-unknown"  # a new ticket for the "unknown contact" customer
    REFUSED = "refused"  # recorded and moved, no ticket


class UnknownSenders(enum.StrEnum):
    TICKET = "ticket"
    REFUSE = "refuse"


@dataclass(frozen=True, slots=True)
class Route:
    kind: RouteKind
    ticket_number: int | None = None
    contact_id: int | None = None
    reason: str = ""


def route(
    mail: Mail,
    *,
    ticket_exists: Callable[[int], bool],
    contact_for: Callable[[str], int | None],
    unknown: UnknownSenders,
) -> Route:
    contact_id = contact_for(mail.sender) if mail.sender else None
    number = number_in_subject(mail.subject)
    if number is not None and ticket_exists(number):
        return Route(RouteKind.APPEND, number, contact_id)
    if contact_id is not None:
        return Route(RouteKind.NEW, None, contact_id)
    why = f"no contact has the address {mail.sender!r}" if mail.sender else "the sender cannot be read"
    if unknown is UnknownSenders.TICKET:
        return Route(RouteKind.NEW_UNKNOWN, None, None, why)
    return Route(RouteKind.REFUSED, None, None, why)
