"""The helpdesk mailbox against a real IMAP server (Dovecot on loopback, TLS)."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from support.imap_server import ImapServer

from collector.helpdesk.inbound import parse
from collector.helpdesk.mailbox import MailboxError, MailboxSettings, open_mailbox

USER, PASSWORD = "helpdesk@msp.test", "imap-secret"


@pytest.fixture
def imap() -> Iterator[ImapServer]:
    with ImapServer(USER, PASSWORD) as server:
        yield server


def settings(imap: ImapServer, **overrides: object) -> MailboxSettings:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": imap.port,
        "user": USER,
        "password": PASSWORD,
        "ca_file": imap.ca_file(),
    }
    values.update(overrides)
    return MailboxSettings(**values)  # type: ignore[arg-type]


def mail(n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = "ann@acme.example"
    msg["Subject"] = f"Problem {n}"
    msg["Message-ID"] = f"<m{n}@acme.example>"
    msg.set_content(f"body {n}")
    return msg.as_bytes()


def test_waiting_mail_is_fetched_in_order_and_moved_never_deleted(imap: ImapServer) -> None:
    for n in (1, 2, 3):
        imap.deliver(mail(n))
    imap.deliver(b"Subject: broken\r\nContent-Type: multipart/mixed; boundary=Q\r\n\r\n--Q\r\n")
    with open_mailbox(settings(imap)) as box:
        uids = box.waiting()
        assert len(uids) == 4
        read = [parse(box.fetch(uid)) for uid in uids]
        assert [m.subject for m in read] == ["Problem 1", "Problem 2", "Problem 3", "broken"]
        assert read[3].malformed
        for uid in uids[:2]:
            box.move_to_processed(uid)
        assert box.waiting() == uids[2:]
    assert imap.folder("Processed") == ["<m1@acme.example>", "<m2@acme.example>"]
    assert len(imap.folder("INBOX")) == 2


def test_a_wrong_password_and_an_unreachable_server_are_errors_in_words(
    imap: ImapServer, tmp_path: Path
) -> None:
    with (
        pytest.raises(MailboxError, match=r"login as 'helpdesk@msp\.test' refused"),
        open_mailbox(settings(imap, password="wrong")),
    ):
        pass
    closed = imap.port + 1 if imap.port < 65535 else imap.port - 1
    with pytest.raises(MailboxError, match="cannot reach"), open_mailbox(settings(imap, port=closed)):
        pass


def test_a_server_certificate_from_another_ca_is_refused(imap: ImapServer, tmp_path: Path) -> None:
    from alerting.smtp_server import server_cert

    other, _ = server_cert(tmp_path)
    with (
        pytest.raises(MailboxError, match="CERTIFICATE_VERIFY_FAILED"),
        open_mailbox(settings(imap, ca_file=str(other))),
    ):
        pass
