"""Enrollment tokens from the customer page: supervisors and up, tenant-scoped, audited."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from collector.enrollment import hash_token
from collector.store.db import Store
from collector.store.models import AuditEntry, EnrollmentToken, UserCustomer

from .conftest import PASSWORDS, LoginFn, Seed, csrf_token


def test_supervisor_creates_a_token_shown_once(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    login("super", PASSWORDS["super"])
    page = f"/customers/{seed.customer_a}"
    response = client.post(
        f"{page}/tokens", data={"uses": "3", "ttl": "2h", "csrf_token": csrf_token(client, page)}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    match = re.search(r'<code class="token" id="token">(eus_[^<]+)</code>', response.get_data(as_text=True))
    assert match is not None
    token = match.group(1)
    with store.session() as s:
        row = s.scalars(select(EnrollmentToken).where(EnrollmentToken.token_hash == hash_token(token))).one()
        assert (row.customer_id, row.max_uses, row.created_by) == (seed.customer_a, 3, "user:super")
        entry = s.scalars(select(AuditEntry).where(AuditEntry.actor == "user:super")).all()
    assert [(e.action, e.customer_id) for e in entry if e.action.startswith("token.")] == [
        ("token.create", seed.customer_a)
    ]
    assert token not in client.get(page).get_data(as_text=True)  # listed by prefix only


def test_bad_token_parameters_create_nothing(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    login("super", PASSWORDS["super"])
    page = f"/customers/{seed.customer_a}"
    for data in ({"uses": "0", "ttl": "1h"}, {"uses": "x", "ttl": "1h"}, {"uses": "1", "ttl": "forever"}):
        response = client.post(f"{page}/tokens", data={**data, "csrf_token": csrf_token(client, page)})
        assert response.status_code == 302
        assert "Token not created" in client.get(page).get_data(as_text=True)
    with store.session() as s:
        assert len(s.scalars(select(EnrollmentToken)).all()) == 2  # the seed's


def test_technician_cannot_make_tokens(client: FlaskClient, login: LoginFn, seed: Seed) -> None:
    login("tech", PASSWORDS["tech"])
    page = f"/customers/{seed.customer_a}"
    token = csrf_token(client, page)
    assert "Enrollment tokens" not in client.get(page).get_data(as_text=True)
    assert client.post(f"{page}/tokens", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/tokens/{seed.token_a}/revoke", data={"csrf_token": token}).status_code == 403


def test_tokens_are_tenant_scoped_and_revocation_is_audited(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    with store.session() as s:
        s.add(UserCustomer(user_id=seed.supervisor, customer_id=seed.customer_a))
        from collector.store.models import User

        s.get_one(User, seed.supervisor).all_customers = False
    login("super", PASSWORDS["super"])
    token = csrf_token(client, f"/customers/{seed.customer_a}")
    assert client.post(f"/customers/{seed.customer_b}/tokens", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/tokens/{seed.token_b}/revoke", data={"csrf_token": token}).status_code == 404
    assert client.post("/tokens/99999/revoke", data={"csrf_token": token}).status_code == 404

    assert client.post(f"/tokens/{seed.token_a}/revoke", data={"csrf_token": token}).status_code == 302
    assert (
        client.post(f"/tokens/{seed.token_a}/revoke", data={"csrf_token": token}).status_code == 302
    )  # idempotent
    with store.session() as s:
        assert s.get_one(EnrollmentToken, seed.token_a).revoked_at is not None
        assert s.get_one(EnrollmentToken, seed.token_b).revoked_at is None
        revokes = s.scalars(select(AuditEntry).where(AuditEntry.action == "token.revoke")).all()
    assert [(r.actor, r.customer_id) for r in revokes] == [("user:super", seed.customer_a)]
    assert "revoked" in client.get(f"/customers/{seed.customer_a}").get_data(as_text=True)
