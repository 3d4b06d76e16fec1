"""Helpdesk settings on the dashboard: calendars, SLA policies (durations in the one grammar),
the rota and rules on save; refused forms keep what was typed; technicians may not."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy import select

from collector.helpdesk import tickets
from collector.helpdesk.models import Calendar, Rota, RotaOverride, SlaPolicy, SlaTarget, TicketRule
from collector.store.db import Store
from collector.store.models import AuditEntry

from .conftest import PASSWORDS, LoginFn, Seed, csrf_token

POLICY = {
    "name": "standard",
    "customer_id": "",
    "warn_percent": "75",
    **{f"response_{p}": r for p, r in ((1, "30m"), (2, "1h"), (3, "4h"), (4, "1d"))},
    **{f"resolution_{p}": r for p, r in ((1, "4h"), (2, "8h"), (3, "3d"), (4, "10d"))},
}


def test_technicians_may_not_change_helpdesk_settings(client: FlaskClient, login: LoginFn) -> None:
    login("tech", PASSWORDS["tech"])
    assert client.get("/helpdesk/settings").status_code == 403


def test_a_supervisor_sets_up_calendar_policy_rota_and_rule(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    login("super", PASSWORDS["super"])
    token = csrf_token(client, "/helpdesk/settings")
    bad = client.post(
        "/helpdesk/calendars",
        data={"csrf_token": token, "name": "office", "hours": "mon-fri 18:00-09:00", "tz": "Europe/Budapest"},
    )
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "the end must be after the start" in html and 'value="mon-fri 18:00-09:00"' in html
    ok = client.post(
        "/helpdesk/calendars",
        data={
            "csrf_token": token,
            "name": "office",
            "hours": "mon-fri 09:00-18:00",
            "tz": "Europe/Budapest",
            "holidays": "2026-12-24, 2026-12-25",
        },
    )
    assert ok.status_code == 302
    with store.session() as s:
        calendar_id = s.scalars(select(Calendar)).one().id
    refused = client.post(
        "/helpdesk/policies",
        data={**POLICY, "csrf_token": token, "calendar_id": str(calendar_id), "response_2": "soon"},
    )
    assert refused.status_code == 400 and "P2 response: a duration like 30m" in refused.get_data(as_text=True)
    assert 'value="soon"' in refused.get_data(as_text=True)
    saved = client.post(
        "/helpdesk/policies", data={**POLICY, "csrf_token": token, "calendar_id": str(calendar_id)}
    )
    assert saved.status_code == 302
    rota = client.post(
        "/helpdesk/rota",
        data={
            "csrf_token": token,
            "members": [str(seed.tech), str(seed.supervisor)],
            "handover": "2026-12-07T09:00",
            "tz": "Europe/Budapest",
            "period": "7d",
            "ack_timeout": "15m",
        },
    )
    assert rota.status_code == 302
    override = client.post(
        "/helpdesk/rota/overrides",
        data={
            "csrf_token": token,
            "start": "2026-12-24T18:00",
            "end": "2026-12-27T09:00",
            "tz": "Europe/Budapest",
            "responsible_id": str(seed.supervisor),
        },
    )
    assert override.status_code == 302
    backwards = client.post(
        "/helpdesk/rota/overrides",
        data={
            "csrf_token": token,
            "start": "2026-12-27T09:00",
            "end": "2026-12-24T18:00",
            "responsible_id": "1",
        },
    )
    assert backwards.status_code == 400 and "must end after it starts" in backwards.get_data(as_text=True)
    rule = client.post(
        "/helpdesk/rules",
        data={
            "csrf_token": token,
            "name": "P1 to super",
            "events": "created",
            "priorities": "1",
            "assign_to": str(seed.supervisor),
        },
    )
    assert rule.status_code == 302
    with store.session() as s:
        policy = s.scalars(select(SlaPolicy)).one()
        targets = {
            t.priority: (t.response_minutes, t.resolution_minutes) for t in s.scalars(select(SlaTarget))
        }
        assert policy.calendar_id == calendar_id
        assert targets == {1: (30, 240), 2: (60, 480), 3: (240, 4320), 4: (1440, 14400)}
        r = s.scalars(select(Rota)).one()
        assert (r.members, r.period_days, r.ack_timeout_minutes) == (f"{seed.tech},{seed.supervisor}", 7, 15)
        assert s.scalars(select(TicketRule)).one().name == "P1 to super"
        o = s.scalars(select(RotaOverride)).one()
        assert (o.responsible_id, o.start) == (seed.supervisor, datetime(2026, 12, 24, 17, 0, tzinfo=UTC))
        t = tickets.open_ticket(
            s,
            tickets.NewTicket(customer_id=seed.customer_a, title="Down", priority=1),
            "user:super",
            datetime.now(UTC),
        )
        assert t.assignee_id == seed.supervisor  # the rule ran
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("helpdesk.%"))))
    assert actions == {
        "helpdesk.calendar.save",
        "helpdesk.policy.save",
        "helpdesk.rota.save",
        "helpdesk.rota.override",
        "helpdesk.rule.create",
    }
    queue = client.get("/tickets").get_data(as_text=True)
    assert queue.count(" left</span>") == 2  # the P1 ticket now counts down to both targets
