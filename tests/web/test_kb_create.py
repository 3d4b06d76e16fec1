"""A supervisor writes a new knowledge-base article from the dashboard: saved as version 1 and
audited, or refused with the field named and everything typed kept."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from collector.kb.models import Article
from collector.store.db import Store
from collector.store.models import AuditEntry

from .conftest import PASSWORDS, LoginFn, csrf_token


def test_a_new_article_is_saved_as_version_1_or_refused_keeping_what_was_typed(
    client: FlaskClient, login: LoginFn, store: Store
) -> None:
    login("super", PASSWORDS["super"])
    form = {
        "title": "Printer offline",
        "summary": "The printer answers no SNMP.",
        "fault_kinds": "function:snmp",
        "steps": "1. Check the cable\n2. Power-cycle the printer",
        "csrf_token": csrf_token(client, "/kb/new"),
    }
    refused = client.post("/kb", data={**form, "title": "  "})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Article not saved: title: an article needs a title" in page
    assert "Power-cycle the printer" in page and 'value="function:snmp"' in page

    resp = client.post("/kb", data=form)
    assert resp.status_code == 302
    with store.session() as s:
        article = s.scalars(select(Article).where(Article.title == "Printer offline")).one()
        assert (article.version, article.steps) == (1, ["Check the cable", "Power-cycle the printer"])
        assert resp.headers["Location"].endswith(f"/kb/{article.id}")
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("kb.%"))).all()
        assert actions == ["kb.article.create"]
