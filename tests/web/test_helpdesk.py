"""The helpdesk pages through the Flask test client: queue, new ticket (a refused form keeps
what was typed), scoping (another customer's ticket is a 404), and the acceptance link."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from collector.alerting.models import Contact, UserChannel
from collector.helpdesk import tickets
from collector.helpdesk.acceptance import Claim, make_token
from collector.helpdesk.lifecycle import Action
from collector.helpdesk.models import Ticket, TicketAttachment, TicketEntry
from collector.notify.models import Message
from collector.store.db import Store

from .conftest import PASSWORDS, SECRET_KEY, LoginFn, Seed, csrf_token


def open_ticket(
    store: Store, customer_id: int, title: str = "Printer jammed", contact: int | None = None
) -> int:
    with store.session() as s:
        new = tickets.NewTicket(customer_id=customer_id, title=title, requester_contact_id=contact)
        return tickets.open_ticket(s, new, "user:admin", datetime.now(UTC)).number


def test_a_refused_new_ticket_keeps_everything_typed(client: FlaskClient, login: LoginFn, seed: Seed) -> None:
    login("tech", PASSWORDS["tech"])
    token = csrf_token(client, "/tickets/new")
    form = {
        "csrf_token": token,
        "customer_id": str(seed.customer_a),
        "title": "",
        "priority": "2",
        "body": "long text",
    }
    resp = client.post("/tickets", data=form)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "a ticket needs a title" in html
    assert "long text</textarea>" in html
    assert re.search(r'<option value="2" selected>', html)
    form["title"] = "Scanner offline"
    resp = client.post("/tickets", data=form)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/tickets/1")
    assert "Scanner offline" in client.get("/tickets").get_data(as_text=True)


def test_a_ticket_of_a_customer_the_user_may_not_see_is_a_404(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    other = open_ticket(store, seed.customer_b, "Bravo secret")
    login("tech", PASSWORDS["tech"])
    assert client.get(f"/tickets/{other}").status_code == 404
    assert "Bravo secret" not in client.get("/tickets?status=all").get_data(as_text=True)
    token = csrf_token(client, "/tickets/new")
    assert client.post(f"/tickets/{other}/reply", data={"csrf_token": token, "body": "x"}).status_code == 404
    assert (
        client.post(
            "/tickets",
            data={"csrf_token": token, "customer_id": str(seed.customer_b), "title": "x", "priority": "3"},
        ).status_code
        == 404
    )


def test_resolving_mails_a_link_that_accepts_once(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    with store.session() as s:
        contact = Contact(customer_id=seed.customer_a, name="Ann", email="ann@acme.example")
        s.add(contact)
        s.flush()
        contact_id = contact.id
    number = open_ticket(store, seed.customer_a, contact=contact_id)
    login("tech", PASSWORDS["tech"])
    token = csrf_token(client, f"/tickets/{number}")
    client.post(f"/tickets/{number}/action", data={"csrf_token": token, "action": "resolve"})
    with store.session() as s:
        mail = s.scalars(select(Message).where(Message.kind == "ticket")).one()
    assert mail.address == "ann@acme.example" and mail.subject == "[EUS-000001] Printer jammed"
    link = re.search(r"http://localhost(/accept/\S+)", mail.body)
    assert link, mail.body
    client.post("/logout", data={"csrf_token": token})
    anonymous = client.application.test_client()
    page = anonymous.get(link.group(1))
    assert page.status_code == 200 and "Is EUS-000001 solved?" in page.get_data(as_text=True)
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert form_token
    done = anonymous.post(link.group(1), data={"csrf_token": form_token.group(1), "decision": "accept"})
    assert "EUS-000001 is closed" in done.get_data(as_text=True)
    again = anonymous.get(link.group(1))
    assert again.status_code == 409 and "answered already" in again.get_data(as_text=True)
    with store.session() as s:
        assert s.scalars(select(Ticket)).one().status == "closed"


def test_tampered_and_expired_links_get_a_clear_page(app: Flask, store: Store, seed: Seed) -> None:
    number = open_ticket(store, seed.customer_a)
    with store.session() as s:
        t = tickets.by_number(s, number)
        assert t is not None
        good = make_token(SECRET_KEY.encode(), Claim(t.id, 0, 1))
    anonymous = app.test_client()
    bad = anonymous.get(f"/accept/{good[:-3]}xyz")
    assert bad.status_code == 400 and "not valid" in bad.get_data(as_text=True)
    forged = make_token(b"another-secret-key-entirely", Claim(t.id, 0, 1))
    assert anonymous.get(f"/accept/{forged}").status_code == 400
    # A link for a ticket that is not resolved (yet) answers that it cannot be used now.
    assert anonymous.get(f"/accept/{good}").status_code == 409
    app.config["HELPDESK_ACCEPTANCE_DAYS"] = -1  # every link is past its age
    expired = anonymous.get(f"/accept/{good}")
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)


def test_the_weekly_timesheet_page_and_its_csv_show_the_same_scoped_totals(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    monday = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    a, b = open_ticket(store, seed.customer_a), open_ticket(store, seed.customer_b, "Bravo")
    with store.session() as s:
        for number, minutes, day in ((a, 30, 0), (a, 45, 2), (b, 60, 1)):
            t = tickets.by_number(s, number)
            assert t is not None
            started = monday.replace(day=7 + day)
            tickets.log_time(s, t, user_id=seed.tech, actor="user:tech", minutes=minutes, started_at=started)
    login("tech", PASSWORDS["tech"])
    page = client.get("/timesheets?week=2026-12-09").get_data(as_text=True)
    assert 'id="sheet-total">1:15<' in page  # 30 + 45 for Acme; Bravo is not the tech's customer
    assert "Bravo" not in page
    csv_text = client.get("/timesheets?week=2026-12-09&format=csv").get_data(as_text=True)
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("customer,technician,2026-12-07,")
    assert lines[1] == "Acme Dental,tech,30,0,45,0,0,0,0,75,75"
    assert lines[-1] == "total,,30,0,45,0,0,0,0,75,75"


def test_the_support_log_groups_a_customers_activity_by_session_and_is_scoped(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    number = open_ticket(store, seed.customer_a)
    other = open_ticket(store, seed.customer_b, "Bravo only")
    with store.session() as s:
        t = tickets.by_number(s, number)
        assert t is not None
        tickets.add_message(s, t, "user:tech", "Checked the cable", datetime.now(UTC), public=False)
    login("tech", PASSWORDS["tech"])
    page = client.get(f"/customers/{seed.customer_a}/support-log").get_data(as_text=True)
    assert "Checked the cable" in page and "EUS-000001" in page
    assert "Bravo only" not in page and f"EUS-{other:06d}" not in page
    assert client.get(f"/customers/{seed.customer_b}/support-log").status_code == 404


def test_attachments_people_and_who_gets_which_mail(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    with store.session() as s:
        contact = Contact(customer_id=seed.customer_a, name="Ann", email="ann@acme.example")
        s.add(contact)
        s.add(UserChannel(user_id=seed.supervisor, email="super@msp.test"))
        s.flush()
        contact_id = contact.id
    number = open_ticket(store, seed.customer_a, contact=contact_id)
    login("tech", PASSWORDS["tech"])
    token = csrf_token(client, f"/tickets/{number}")
    refused = client.post(
        f"/tickets/{number}/people", data={"csrf_token": token, "notify_also": "boss"}, follow_redirects=True
    )
    assert "Not an email address: &#39;boss&#39;" in refused.get_data(as_text=True)
    client.post(
        f"/tickets/{number}/people",
        data={"csrf_token": token, "notify_also": "boss@acme.example", "watchers": [str(seed.supervisor)]},
    )
    client.post(
        f"/tickets/{number}/reply",
        data={
            "csrf_token": token,
            "body": "Photo of the jam attached",
            "visibility": "public",
            "attachments": (io.BytesIO(b"\x89PNG-bytes"), "jam.png"),
        },
        content_type="multipart/form-data",
    )
    client.post(
        f"/tickets/{number}/reply", data={"csrf_token": token, "body": "internal only", "visibility": "note"}
    )
    with store.session() as s:
        sent = sorted(
            (m.address, m.body.split("\n")[0])
            for m in s.scalars(select(Message).where(Message.kind == "ticket"))
        )
        attachment_id = s.scalars(select(TicketAttachment.id)).one()
    assert sent == [
        ("ann@acme.example", "Photo of the jam attached"),
        ("boss@acme.example", "Photo of the jam attached"),
        ("super@msp.test", "Photo of the jam attached"),
        ("super@msp.test", "internal only"),
    ]
    download = client.get(f"/tickets/{number}/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == b"\x89PNG-bytes"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    other = open_ticket(store, seed.customer_b, "Bravo")
    assert client.get(f"/tickets/{other}/attachments/{attachment_id}").status_code == 404


def test_rejecting_from_the_link_reopens_with_the_reason(app: Flask, store: Store, seed: Seed) -> None:
    number = open_ticket(store, seed.customer_a)
    with store.session() as s:
        t = tickets.by_number(s, number)
        assert t is not None
        tickets.transition(s, t, Action.RESOLVE, "user:tech", datetime.now(UTC))
        link = f"/accept/{make_token(SECRET_KEY.encode(), Claim(t.id, 0, t.resolutions))}"
    anonymous = app.test_client()
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', anonymous.get(link).get_data(as_text=True))
    assert form_token
    empty = anonymous.post(link, data={"csrf_token": form_token.group(1), "decision": "reject", "reason": ""})
    assert empty.status_code == 400 and "tell us what is still wrong" in empty.get_data(as_text=True)
    done = anonymous.post(
        link, data={"csrf_token": form_token.group(1), "decision": "reject", "reason": "still jams"}
    )
    assert "is open again" in done.get_data(as_text=True)
    with store.session() as s:
        t = tickets.by_number(s, number)
        assert t is not None and t.status == "reopened"
        history = [e.body for e in s.scalars(select(TicketEntry).where(TicketEntry.ticket_id == t.id))]
    assert "resolved → reopened: still jams" in history
