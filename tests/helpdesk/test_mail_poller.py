"""Mail to tickets against a real IMAP server (Dovecot) and a real SQLite store: new threads
open tickets, tagged replies land on theirs, unknown senders follow the policy, broken mail is
kept and flagged, and a mail is applied once however often it is seen."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support.imap_server import ImapServer

from collector.alerting.models import Contact
from collector.helpdesk import mail_poller
from collector.helpdesk.inbound import UnknownSenders
from collector.helpdesk.mailbox import MailboxSettings
from collector.helpdesk.models import InboundMail, Ticket, TicketEntry
from collector.notify.models import Message
from collector.store.db import Store
from collector.store.models import Customer

USER, PASSWORD = "helpdesk@msp.test", "imap-secret"
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'eus.sqlite3'}")
    s.migrate()
    with s.session() as session:
        acme = Customer(name="Acme")
        session.add(acme)
        session.flush()
        session.add(Contact(customer_id=acme.id, name="Ann Lee", email="Ann@Acme.example"))
    yield s
    s.dispose()


@pytest.fixture
def imap() -> Iterator[ImapServer]:
    with ImapServer(USER, PASSWORD) as server:
        yield server


def settings(imap: ImapServer) -> MailboxSettings:
    return MailboxSettings("127.0.0.1", imap.port, USER, PASSWORD, ca_file=imap.ca_file())


def mail(subject: str, body: str, sender: str = "ann@acme.example", message_id: str = "") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = USER
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content(body)
    return msg.as_bytes()


def poll(store: Store, imap: ImapServer, unknown: UnknownSenders = UnknownSenders.TICKET) -> int:
    return mail_poller.poll(store, settings(imap), mail_poller.InboundPolicy(unknown=unknown), lambda: NOW)


def test_a_new_mail_opens_a_ticket_acknowledged_with_its_tag_and_a_reply_lands_on_it(
    store: Store, imap: ImapServer
) -> None:
    imap.deliver(mail("Printer jammed", "Floor 2 printer is jammed.", message_id="<p1@acme.example>"))
    assert poll(store, imap) == 1
    with store.session() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert (ticket.title, ticket.source, ticket.customer_id) == ("Printer jammed", "email", 1)
        ack = s.scalars(select(Message).where(Message.kind == "ticket")).one()
        assert ack.address == "ann@acme.example"
        assert ack.subject == "[EUS-000001] Printer jammed"
    imap.deliver(
        mail(
            "Re: [EUS-000001] Printer jammed",
            "Still jammed.\n\nOn Mon wrote:\n> old",
            message_id="<p2@acme.example>",
        )
    )
    assert poll(store, imap) == 1
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1
        bodies = s.scalars(select(TicketEntry.body).where(TicketEntry.kind == "mail")).all()
        assert "Still jammed." in bodies
    assert imap.folder("INBOX") == []
    assert imap.folder("Processed") == ["<p1@acme.example>", "<p2@acme.example>"]


@pytest.mark.parametrize(("unknown", "tickets"), [(UnknownSenders.TICKET, 1), (UnknownSenders.REFUSE, 0)])
def test_unknown_senders_follow_the_policy_and_are_never_lost(
    store: Store, imap: ImapServer, unknown: UnknownSenders, tickets: int
) -> None:
    imap.deliver(mail("Hello", "who am I", sender="stranger@else.example", message_id="<u1@else.example>"))
    assert poll(store, imap, unknown) == 1
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == tickets
        record = s.scalars(select(InboundMail)).one()
        assert record.reason == "no contact has the address 'stranger@else.example'"
        assert b"who am I" in record.raw
    assert imap.folder("Processed") == ["<u1@else.example>"]


def test_a_malformed_mail_is_kept_and_flagged(store: Store, imap: ImapServer) -> None:
    imap.deliver(
        b"From: ann@acme.example\r\nSubject: cut off\r\n"
        b"Content-Type: multipart/mixed; boundary=Z\r\n\r\n--Z\r\n"
    )
    assert poll(store, imap) == 1
    with store.session() as s:
        ticket = s.scalars(select(Ticket)).one()
        flagged = s.scalars(select(TicketEntry).where(TicketEntry.flagged.is_(True))).one()
        assert flagged.ticket_id == ticket.id and "could not be read completely" in flagged.body
        assert s.scalars(select(InboundMail)).one().raw.startswith(b"From: ann@acme.example")


def test_a_mail_seen_again_after_a_crash_is_moved_not_applied_twice(store: Store, imap: ImapServer) -> None:
    raw = mail("Server down", "nothing answers", message_id="<d1@acme.example>")
    imap.deliver(raw)
    # The collector committed the ticket, then died before moving the mail.
    with store.session() as s:
        mail_poller.apply_mail(s, raw, mail_poller.InboundPolicy(), NOW)
    assert poll(store, imap) == 1
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1
        assert s.scalar(select(func.count()).select_from(InboundMail)) == 1
    assert imap.folder("INBOX") == []
