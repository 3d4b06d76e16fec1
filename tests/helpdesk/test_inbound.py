"""Reading and routing helpdesk mail: real messages as mail clients write them, and broken
ones, which are kept and flagged rather than dropped."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from collector.helpdesk.inbound import Route, RouteKind, UnknownSenders, parse, route, trim_quoted


def message(subject: str, body: str, sender: str = "Ann Lee <ann@acme.example>", **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "helpdesk@msp.test"
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def test_a_plain_mail_is_read() -> None:
    mail = parse(
        message("Printer jammed", "The printer on floor 2 is jammed.", Message_ID="<a1@acme.example>")
    )
    assert (mail.key, mail.sender, mail.sender_name) == ("<a1@acme.example>", "ann@acme.example", "Ann Lee")
    assert mail.subject == "Printer jammed"
    assert mail.text == "The printer on floor 2 is jammed."
    assert not mail.malformed


def test_a_reply_keeps_only_its_new_text_and_attachments_come_along() -> None:
    msg = EmailMessage()
    msg["From"] = "ann@acme.example"
    msg["Subject"] = "Re: [EUS-000007] Printer jammed"
    msg.set_content(
        "Still jammed after the restart.\n\nOn Mon, 7 Dec 2026 at 10:00, EUS wrote:\n> Please restart it.\n"
    )
    msg.add_attachment(b"\x89PNG...", maintype="image", subtype="png", filename="jam.png")
    mail = parse(msg.as_bytes())
    assert mail.text == "Still jammed after the restart."
    assert [(a.filename, a.content_type, a.data) for a in mail.attachments] == [
        ("jam.png", "image/png", b"\x89PNG...")
    ]
    assert mail.key.startswith("sha256:")  # no Message-ID: the content is the dedupe key


def test_html_only_mail_becomes_text() -> None:
    msg = EmailMessage()
    msg["From"] = "ann@acme.example"
    msg["Subject"] = "html"
    msg.set_content("<p>Server <b>down</b></p>", subtype="html")
    assert parse(msg.as_bytes()).text == "Server down"


CUT_MULTIPART = (
    b"From: ann@acme.example\r\nSubject: cut\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
)
UNKNOWN_CHARSET = (
    b"From: ann@acme.example\r\nSubject: bad charset\r\n"
    b"Content-Type: text/plain; charset=x-unknown-42\r\n\r\nhi\r\n"
)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (CUT_MULTIPART, "CloseBoundaryNotFound"),
        (b"Subject: no sender\r\n\r\nhello\r\n", "no readable sender"),
        (b"\x00\xff\xfe garbage that is not a mail at all", "no readable sender"),
        (UNKNOWN_CHARSET, ""),
    ],
)
def test_broken_mail_is_read_as_far_as_it_goes_and_flagged(raw: bytes, problem: str) -> None:
    mail = parse(raw)  # never raises
    assert mail.key.startswith("sha256:")
    if problem:
        assert mail.malformed and any(problem in p for p in mail.problems), mail.problems
    else:
        assert mail.text == "hi"  # an unknown charset is read as UTF-8 with replacements


def test_trim_keeps_text_that_merely_mentions_wrote() -> None:
    text = "On Monday the server wrote: nothing to disk.\nIt is still broken."
    assert trim_quoted(text) == text


KNOWN = {"ann@acme.example": 3}


@pytest.mark.parametrize(
    ("subject", "sender", "unknown", "expected"),
    [
        (
            "Re: [EUS-000007] Printer",
            "ann@acme.example",
            UnknownSenders.TICKET,
            Route(RouteKind.APPEND, 7, 3),
        ),
        (
            "Re: [EUS-000007] Printer",
            "bob@else.example",
            UnknownSenders.REFUSE,
            Route(RouteKind.APPEND, 7, None),
        ),
        ("Re: [EUS-000099] gone", "ann@acme.example", UnknownSenders.TICKET, Route(RouteKind.NEW, None, 3)),
        ("New problem", "ann@acme.example", UnknownSenders.REFUSE, Route(RouteKind.NEW, None, 3)),
        (
            "New problem",
            "bob@else.example",
            UnknownSenders.TICKET,
            Route(RouteKind.NEW_UNKNOWN, None, None, "no contact has the address 'bob@else.example'"),
        ),
        (
            "New problem",
            "bob@else.example",
            UnknownSenders.REFUSE,
            Route(RouteKind.REFUSED, None, None, "no contact has the address 'bob@else.example'"),
        ),
    ],
)
def test_routing(subject: str, sender: str, unknown: UnknownSenders, expected: Route) -> None:
    mail = parse(message(subject, "text", sender))
    got = route(mail, ticket_exists=lambda n: n == 7, contact_for=KNOWN.get, unknown=unknown)
    assert got == expected
