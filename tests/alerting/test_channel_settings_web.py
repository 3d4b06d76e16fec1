"""The notification channel settings page: administrators only; values validated as the
configuration file's, a refused form keeps what was typed; secrets are write-only (never in
the page, kept when left empty); the saved settings reach the senders (a test email goes
through the real SMTP server with STARTTLS and AUTH); saves and tests are audited by name."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from web.conftest import PASSWORDS, LoginFn, csrf_token

from alerting.smtp_server import SmtpServer
from collector.alerting import channel_settings
from collector.config import CollectorConfig
from collector.store.db import Store
from collector.store.models import AuditEntry
from collector.tsdb.db import TimeSeriesDB
from collector.web import channel_settings_views

URL = "/admin/alert-channels"


def _form(token: str, smtp: SmtpServer, **kw: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "smtp_host": "127.0.0.1",
        "smtp_port": str(smtp.port),
        "smtp_user": smtp.user,
        "smtp_password": smtp.password,
        "smtp_starttls": "1",
        "smtp_from": "noc@msp.example",
        "business_hours": "mon-fri 08:00-18:00",
        "business_timezone": "Europe/Berlin",
        **kw,
    }


def test_channel_settings_are_validated_write_only_and_used(
    app: Flask, client: FlaskClient, login: LoginFn, store: Store, smtp: SmtpServer
) -> None:
    reloads: list[int] = []
    cfg = CollectorConfig(smtp_cafile=str(smtp.cert))  # the file's settings: trust the test CA
    channel_settings_views.init_app(app, cfg, lambda: reloads.append(1))
    assert login("super", PASSWORDS["super"]).status_code == 302
    assert client.get(URL).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/alerts")})
    assert login("admin", PASSWORDS["admin"]).status_code == 302
    page = client.get(URL).get_data(as_text=True)
    assert "not set up" in page
    token = csrf_token(client, URL)
    bad = client.post(URL, data=_form(token, smtp, smtp_port="99999", business_timezone="Mars/Olympus"))
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "smtp_port" in text and "business_timezone" in text
    assert f'value="{smtp.user}"' in text and smtp.password not in text  # typed kept, secret not echoed
    assert channel_settings.stored(store) == {}
    ok = client.post(URL, data=_form(token, smtp), follow_redirects=True)
    text = ok.get_data(as_text=True)
    assert "Channel settings saved" in text and smtp.password not in text and reloads == [1]
    assert channel_settings.stored(store)["smtp_password"] == smtp.password
    client.post(URL, data=_form(token, smtp, smtp_password=""))  # empty: the secret stays
    assert channel_settings.stored(store)["smtp_password"] == smtp.password
    r = client.post(
        f"{URL}/test", data={"csrf_token": token, "channel": "email", "address": "ops@msp.example"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Test delivered (email)" in r.get_data(as_text=True)
    assert [m.to for m in smtp.mails] == [["ops@msp.example"]]
    with store.session() as s:
        audit = [
            (e.action, e.detail)
            for e in s.scalars(select(AuditEntry).where(AuditEntry.target == "alert_channels"))
        ]
    assert [a for a, _ in audit] == ["alert_channels.update", "alert_channels.update", "alert_channels.test"]
    assert all(smtp.password not in str(d) for _, d in audit)


def test_the_contact_pages_warn_when_a_channel_is_not_set_up(
    app: Flask, client: FlaskClient, login: LoginFn, store: Store
) -> None:
    channel_settings_views.init_app(app, CollectorConfig(), lambda: None)
    assert login("super", PASSWORDS["super"]).status_code == 302
    page = client.get("/alerting/contacts").get_data(as_text=True)
    assert 'id="channels-missing"' in page and "Not set up: email, SMS" in page
    channel_settings.save(store, CollectorConfig(), {"smtp_host": "mail.msp.example", "smtp_starttls": "1"})
    page = client.get("/alerting/contacts").get_data(as_text=True)
    assert "Not set up: SMS" in page and "email, SMS" not in page


def test_saved_settings_reach_the_running_engine(app: Flask, store: Store, tsdb: TimeSeriesDB) -> None:
    from collector.alerting.service import Alerting

    alerting = Alerting(CollectorConfig(), store, tsdb)
    assert alerting.engine.settings.webhook_url == "" and alerting.engine.settings.hours.tz == "UTC"
    channel_settings.save(
        store,
        CollectorConfig(),
        {"webhook_url": "https://hooks.msp.example/eus", "business_timezone": "Europe/Berlin"},
    )
    alerting.reload_channels()
    assert alerting.engine.settings.webhook_url == "https://hooks.msp.example/eus"
    assert alerting.engine.settings.hours.tz == "Europe/Berlin"
    assert Alerting(CollectorConfig(), store, tsdb).engine.settings.webhook_url.endswith(
        "/eus"
    )  # at start too
