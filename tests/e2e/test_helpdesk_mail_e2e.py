"""Mail to tickets end to end: a real collector process reads a real IMAP mailbox (Dovecot,
TLS) and answers through a real SMTP server (aiosmtpd, STARTTLS + AUTH); killed with SIGKILL
while it polls, it loses and duplicates nothing."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from alerting.smtp_server import SmtpServer
from sqlalchemy import func, select
from support.imap_server import ImapServer
from support.procs import CollectorProc, eus
from support.waits import wait_for

from collector.alerting.models import Contact
from collector.helpdesk.models import InboundMail, Ticket, TicketEntry
from collector.store.db import Store
from collector.store.models import Customer

pytestmark = pytest.mark.slow
USER, PASSWORD = "helpdesk@msp.test", "imap-secret-1"


@dataclass
class World:
    collector: CollectorProc
    imap: ImapServer
    smtp: SmtpServer
    store: Store

    def count(self, model: type[object]) -> int:
        with self.store.session() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    smtp = SmtpServer(tmp_path).start()
    data = tmp_path / "collector"
    eus(data, "init", "--admin", "admin")
    eus(data, "customer", "create", "Acme")
    store = Store(f"sqlite:///{data / 'eus.sqlite3'}")
    store.migrate()
    with store.session() as s:
        acme = s.scalars(select(Customer).where(Customer.name == "Acme")).one()
        s.add(Contact(customer_id=acme.id, name="Ann Lee", email="ann@acme.example"))
    with ImapServer(USER, PASSWORD) as imap:
        env = {
            "EUS_HELPDESK_IMAP_HOST": "127.0.0.1",
            "EUS_HELPDESK_IMAP_PORT": str(imap.port),
            "EUS_HELPDESK_IMAP_USER": USER,
            "EUS_HELPDESK_IMAP_PASSWORD": PASSWORD,
            "EUS_HELPDESK_IMAP_CAFILE": imap.ca_file(),
            "EUS_HELPDESK_IMAP_POLL_S": "1",
            "EUS_SMTP_HOST": "127.0.0.1",
            "EUS_SMTP_PORT": str(smtp.port),
            "EUS_SMTP_USER": smtp.user,
            "EUS_SMTP_PASSWORD": smtp.password,
            "EUS_SMTP_CAFILE": str(smtp.cert),
            "EUS_SMTP_FROM": USER,
            "EUS_NOTIFY_RETRY_BASE_S": "1",
        }
        collector = CollectorProc(data, env)
        try:
            yield World(collector, imap, smtp, store)
        finally:
            if collector.alive:
                collector.stop()
            store.dispose()
            smtp.stop()


CUT_OFF = (
    b"From: ann@acme.example\r\nSubject: cut off\r\nContent-Type: multipart/mixed; boundary=Z\r\n\r\n--Z\r\n"
)


IDS = itertools.count(1)


def mail(subject: str, body: str, sender: str = "ann@acme.example") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = USER
    msg["Subject"] = subject
    msg["Message-ID"] = f"<m{next(IDS)}@acme.example>"  # every mail its own
    msg.set_content(body)
    return msg.as_bytes()


def test_a_new_mail_opens_a_ticket_acknowledged_with_its_tag_and_replies_land_on_it(world: World) -> None:
    world.imap.deliver(mail("Printer jammed", "Floor 2 printer is jammed."))
    world.collector.start()
    wait_for(lambda: any("ann@acme.example" in m.to for m in world.smtp.mails), 60, "the acknowledgement")
    ack = next(m for m in world.smtp.mails if "ann@acme.example" in m.to)
    assert ack.message["Subject"] == "[EUS-000001] Printer jammed"
    assert "EUS-000001" in ack.body
    world.imap.deliver(mail(f"Re: {ack.message['Subject']}", "Still jammed.\n\nOn Mon wrote:\n> old"))
    world.imap.deliver(mail("Hello", "who reads this?", sender="stranger@else.example"))
    world.imap.deliver(CUT_OFF)
    wait_for(lambda: world.count(InboundMail) == 4, 60, "every mail taken")
    wait_for(lambda: world.imap.folder("INBOX") == [], 30, "the inbox emptied")
    with world.store.session() as s:
        tickets = {t.title: t for t in s.scalars(select(Ticket))}
        assert set(tickets) == {"Printer jammed", "Hello", "cut off"}
        jammed = tickets["Printer jammed"]
        bodies = [e.body for e in s.scalars(select(TicketEntry).where(TicketEntry.ticket_id == jammed.id))]
        assert "Still jammed." in bodies
        unknown = s.get(Customer, tickets["Hello"].customer_id)
        assert unknown is not None and unknown.name == "Unknown contacts"
        flagged = s.scalars(select(TicketEntry).where(TicketEntry.flagged.is_(True))).all()
        assert [e.ticket_id for e in flagged] == [tickets["cut off"].id]
    assert len(world.imap.folder("Processed")) == 4


def test_a_collector_killed_while_polling_puts_every_mail_on_exactly_one_ticket(world: World) -> None:
    total = 60
    for n in range(total):
        world.imap.deliver(mail(f"Problem {n}", f"body {n}"))
    world.collector.start()
    wait_for(lambda: world.count(InboundMail) >= 5, 120, "the poll under way")
    world.collector.kill()  # SIGKILL, mid-poll
    taken_at_kill = world.count(InboundMail)
    assert taken_at_kill < total, "the poll had finished: the kill must land mid-poll"
    world.collector.start()
    wait_for(lambda: world.imap.folder("INBOX") == [], 120, "the inbox emptied after the restart")
    with world.store.session() as s:
        titles = [t.title for t in s.scalars(select(Ticket))]
        keys = [m.key for m in s.scalars(select(InboundMail))]
    assert sorted(titles) == sorted(f"Problem {n}" for n in range(total))  # each once, none lost
    assert len(keys) == len(set(keys)) == total
    assert len(world.imap.folder("Processed")) == total
