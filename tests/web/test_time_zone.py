"""Each user's time zone: set on the account's Time zone page (checked, kept when refused,
audited), and used by the charts' section and every table timestamp of that user only."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import select

import collector.web
from collector.store.db import Store
from collector.store.models import AuditEntry, Device, User
from collector.web.time_zone import check, in_zone

from .conftest import PASSWORDS, LoginFn, Seed, csrf_token

URL = "/account/time-zone"


def test_a_zone_is_written_24_hour_with_its_abbreviation_across_dst() -> None:
    winter, summer = datetime(2026, 1, 15, 13, 5, 9, tzinfo=UTC), datetime(2026, 7, 15, 13, 5, 9, tzinfo=UTC)
    assert in_zone(winter, "Europe/Berlin") == "2026-01-15 14:05:09 CET"
    assert in_zone(summer, "Europe/Berlin") == "2026-07-15 15:05:09 CEST"
    assert in_zone(summer, "America/New_York") == "2026-07-15 09:05:09 EDT"
    assert in_zone(summer, "UTC") == "2026-07-15 13:05:09 UTC"


def test_check_refuses_unknown_zones_and_suggests_the_right_spelling() -> None:
    assert check(" Europe/Berlin ") == "Europe/Berlin"
    assert "Did you mean Europe/Berlin?" in _refusal("europe/berlin")
    assert "Use a name like Europe/Berlin" in _refusal("Mars/Olympus")
    assert "Enter a time zone" in _refusal("  ")


def _refusal(name: str) -> str:
    try:
        check(name)
    except ValueError as exc:
        return str(exc)
    raise AssertionError(f"{name!r} was accepted")


def test_a_user_sets_a_zone_and_only_their_pages_follow_it(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    with store.session() as s:
        s.get_one(Device, seed.device_a).enrolled_at = datetime(2026, 1, 15, 13, 5, 9, tzinfo=UTC)
    login("tech", PASSWORDS["tech"])
    device = f"/devices/{seed.device_a}"
    before = client.get(device).get_data(as_text=True)
    assert "2026-01-15 13:05:09 UTC" in before and 'data-time-zone="UTC"' in before

    refused = client.post(URL, data={"time_zone": "Europe/Berlinn", "csrf_token": csrf_token(client, URL)})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Unknown time zone &#39;Europe/Berlinn&#39;" in page
    assert 'value="Europe/Berlinn"' in page  # what was typed stays in the field

    saved = client.post(
        URL, data={"time_zone": "Europe/Berlin", "csrf_token": csrf_token(client, URL)}, follow_redirects=True
    )
    assert "Times now read in Europe/Berlin." in saved.get_data(as_text=True)
    after = client.get(device).get_data(as_text=True)
    assert "2026-01-15 14:05:09 CET" in after and 'data-time-zone="Europe/Berlin"' in after
    assert "Time zone: Europe/Berlin" in client.get("/account/security").get_data(as_text=True)
    with store.session() as s:
        tech = s.scalars(select(User).where(User.username == "tech")).one()
        assert tech.time_zone == "Europe/Berlin"
        audited = s.scalars(select(AuditEntry).where(AuditEntry.action == "account.time-zone")).all()
        assert [(a.actor, a.target) for a in audited] == [("user:tech", "user:tech")]
        assert '"new": "Europe/Berlin"' in audited[0].detail

    client.post("/logout", data={"csrf_token": csrf_token(client, device)})
    login("super", PASSWORDS["super"])
    other = client.get(device).get_data(as_text=True)
    assert "2026-01-15 13:05:09 UTC" in other and 'data-time-zone="UTC"' in other


def test_no_table_says_utc_while_its_times_follow_the_users_zone(
    client: FlaskClient, login: LoginFn, store: Store
) -> None:
    """Every table time goes through the ``utc`` filter (which names the zone after each
    time), so no column header may claim UTC and no cell may format a time by itself."""
    templates = Path(collector.web.__file__).parent / "templates"
    claims = [
        f"{t.name}: {m.group(0)}"
        for t in sorted(templates.glob("*.html"))
        for m in re.finditer(r"<th>[^<]*\(UTC\)[^<]*</th>|<td[^>]*>\{\{[^}]*strftime[^}]*\}\}", t.read_text())
    ]
    assert claims == []

    login("admin", PASSWORDS["admin"])
    client.post(URL, data={"time_zone": "Asia/Tokyo", "csrf_token": csrf_token(client, URL)})
    with store.session() as s:
        (changed,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "account.time-zone"))
        at = in_zone(changed.at.replace(tzinfo=UTC), "Asia/Tokyo")
    page = client.get("/audit").get_data(as_text=True)
    assert at in page and at.endswith("JST") and "(UTC)" not in page
