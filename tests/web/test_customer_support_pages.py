"""The knowledge base, Resolve, Manage, the Function Log, the network map and the
Trouble-Shooter on the real app: scoped to the customers one may see (404 otherwise),
articles versioned on every save by supervisors only, and forms that refuse a value keep
everything typed and say what is wrong."""

from __future__ import annotations

import csv
import io

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from collector.kb.models import Article, ArticleVersion, ResolveRun
from collector.store.db import Store
from collector.store.models import AuditEntry
from collector.tsdb.db import TimeSeriesDB

from .conftest import PASSWORDS, LoginFn, Seed, csrf_token
from .kb_seed import CRITICAL, FUNCTION_ID, add_result, seed_faulty_function

SHIPPED = {"Service stopped", "Disk full", "Printer supply empty", "Agent offline"}


def test_a_fresh_install_has_the_shipped_articles(client: FlaskClient, login: LoginFn, store: Store) -> None:
    with store.session() as s:
        assert {a.title for a in s.scalars(select(Article))} == SHIPPED
        assert all(v.version == 1 and v.saved_by == "system" for v in s.scalars(select(ArticleVersion)))
    login("tech", PASSWORDS["tech"])
    page = client.get("/kb?fault=snmp:supply").get_data(as_text=True)
    assert "Printer supply empty" in page and "Disk full" not in page


def test_a_supervisor_saves_new_versions_and_the_history_keeps_every_one(
    client: FlaskClient, login: LoginFn, store: Store
) -> None:
    login("super", PASSWORDS["super"])
    with store.session() as s:
        article_id = s.scalars(select(Article.id).where(Article.title == "Disk full")).one()
    form = {
        "title": "Disk full",
        "summary": "A file system is full.",
        "fault_kinds": "rule:threshold:disk.percent, function:file",
        "steps": "1. Find what grew\n2) Remove what is safe to remove\n\n- Check the chart",
        "csrf_token": csrf_token(client, f"/kb/{article_id}/edit"),
    }
    assert client.post(f"/kb/{article_id}", data=form).status_code == 302
    assert client.post(f"/kb/{article_id}", data=form).status_code == 302  # unchanged: no version
    with store.session() as s:
        article = s.get_one(Article, article_id)
        assert (article.version, article.steps) == (
            2,
            ["Find what grew", "Remove what is safe to remove", "Check the chart"],
        )
        assert [
            v.version
            for v in s.scalars(select(ArticleVersion).where(ArticleVersion.article_id == article_id))
        ] == [1, 2]
        assert s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("kb.%"))).all() == [
            "kb.article.update"
        ]
    history = client.get(f"/kb/{article_id}").get_data(as_text=True)
    assert f"/kb/{article_id}/versions/1" in history and f"/kb/{article_id}/versions/2" in history
    old = client.get(f"/kb/{article_id}/versions/1").get_data(as_text=True)
    assert "du -xh" in old and "current: 2" in old

    bad = {**form, "fault_kinds": "disk full", "steps": "only step\n"}
    response = client.post(f"/kb/{article_id}", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Article not saved: fault kinds: &#39;disk&#39; is not a fault kind" in page
    assert "only step" in page and 'value="disk full"' in page  # what was typed stays


def test_a_technician_reads_articles_but_may_not_edit_them(client: FlaskClient, login: LoginFn) -> None:
    login("tech", PASSWORDS["tech"])
    assert client.get("/kb/1").status_code == 200
    assert client.get("/kb/1/edit").status_code == 403
    assert client.get("/kb/new").status_code == 403


def test_resolve_refuses_a_run_with_unmarked_steps_and_keeps_what_was_typed(
    client: FlaskClient, login: LoginFn, store: Store, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    seed_faulty_function(store, tsdb, seed)
    login("tech", PASSWORDS["tech"])
    url = f"/customers/{seed.customer_a}/functions/{FUNCTION_ID}/resolve"
    page = client.get(url).get_data(as_text=True)  # no ?device=: the customer's only one
    assert "Service stopped" in page and 'value="EUS-000001"' in page
    form = {
        "article_version": "1",
        "state_1": "done",
        "note_1": "looked at it",
        "outcome": "resolved",
        "ticket": "EUS-000099",
        "csrf_token": csrf_token(client, url),
    }
    response = client.post(f"{url}?device={seed.device_a}", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "step 2: mark it done, failed or skipped" in page
    assert "ticket: &#39;EUS-000099&#39; is not a ticket of Acme Dental" in page
    assert 'value="looked at it"' in page
    with store.session() as s:
        assert s.scalars(select(ResolveRun)).all() == []

    all_done = {**form, "ticket": "", **{f"state_{n}": "done" for n in range(1, 7)}}
    response = client.post(f"{url}?device={seed.device_a}", data=all_done)
    assert response.status_code == 302 and "/support-log" in response.headers["Location"]
    with store.session() as s:
        run = s.scalars(select(ResolveRun)).one()
        assert (run.outcome, run.ticket_number) == ("resolved", None)  # no ticket named, none opened


def test_the_function_log_lists_changes_filters_and_exports(
    client: FlaskClient, login: LoginFn, store: Store, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    seed_faulty_function(store, tsdb, seed)
    login("tech", PASSWORDS["tech"])
    page = client.get(f"/customers/{seed.customer_a}/function-log").get_data(as_text=True)
    assert page.count("<td>change</td>") == 2  # first result (ok), then ok → critical
    critical = client.get(f"/customers/{seed.customer_a}/function-log?status=critical").get_data(as_text=True)
    assert critical.count("<td>change</td>") == 1
    response = client.get(f"/customers/{seed.customer_a}/function-log.csv?range=7d")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["time_utc", "device", "what"]
    assert [(r[2], r[5], r[6]) for r in rows[1:]] == [
        ("service", "", "down"),  # the roll-up's first status: its only function fails
        ("change", "ok", "critical"),
        ("change", "", "ok"),
    ]
    with store.session() as s:
        assert s.scalars(select(AuditEntry.action).where(AuditEntry.action == "export.function_log")).all()


@pytest.mark.parametrize(
    "path",
    [
        "/customers/{b}/functions/{f}/resolve?device={d}",
        "/customers/{b}/functions/{f}/manage?device={d}",
        "/customers/{b}/functions/{f}/history.csv?device={d}",
        "/customers/{b}/functions/{f}/history.parquet?device={d}",
        "/customers/{b}/function-log",
        "/customers/{b}/function-log.csv",
        "/customers/{b}/network/map",
        "/customers/{b}/troubleshooter",
        "/customers/{a}/functions/{f}/resolve?device={d}",  # customer A, but B's device
    ],
)
def test_another_customers_pages_exports_and_data_are_404(
    client: FlaskClient, login: LoginFn, tsdb: TimeSeriesDB, seed: Seed, path: str
) -> None:
    from datetime import UTC, datetime

    add_result(tsdb, seed.device_b, CRITICAL, datetime.now(UTC), "down")
    login("tech", PASSWORDS["tech"])  # granted customer A only
    url = path.format(a=seed.customer_a, b=seed.customer_b, d=seed.device_b, f=FUNCTION_ID)
    assert client.get(url).status_code == 404
