"""The dashboard and ``eus`` change accounts through one service: the same input is
refused by both with the same message and changes nothing, and what both accept is
audited alike. The CLI runs as the operator runs it, a subprocess on the data directory
whose SQLite file the dashboard under test uses."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from support.procs import eus

from collector.store.db import Store
from collector.store.models import AuditEntry, Customer, Site, User

from .conftest import PASSWORDS, LoginFn, Seed, csrf_token

PW = "long-enough-pw-1"


def audit_count(store: Store) -> int:
    with store.session() as s:
        return len(s.scalars(select(AuditEntry).where(~AuditEntry.action.startswith("log"))).all())


def accounts(store: Store) -> tuple[list[str], list[str], list[str]]:
    with store.session() as s:
        return (
            sorted(s.scalars(select(User.username))),
            sorted(s.scalars(select(Customer.name))),
            sorted(s.scalars(select(Site.name))),
        )


Case = tuple[str, dict[str, str], list[str], str | None, str]

# (dashboard path, form, eus arguments, standard input, the message both show)
CASES: list[Case] = [
    (
        "/admin/users",
        {"username": "Admin", "password": PW, "role": "technician"},
        ["user", "create", "Admin", "--password-stdin"],
        PW,
        "A user named 'admin' already exists.",
    ),
    (
        "/admin/users",
        {"username": "x y", "password": PW, "role": "technician"},
        ["user", "create", "x y", "--password-stdin"],
        PW,
        "Username: 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit.",
    ),
    (
        "/admin/users",
        {"username": "carol", "password": "short", "role": "technician"},
        ["user", "create", "carol", "--password-stdin"],
        "short",
        "Password: at least 10 characters.",
    ),
    (
        "/admin/users",
        {"username": "carol", "password": PW, "role": "emperor"},
        ["user", "create", "carol", "--role", "emperor", "--password-stdin"],
        PW,
        "Role: choose one of technician, supervisor, administrator.",
    ),
    (
        "/admin/customers",
        {"name": " acme   DENTAL "},
        ["customer", "create", " acme   DENTAL "],
        None,
        "A customer named 'Acme Dental' already exists.",
    ),
    (
        "/admin/customers",
        {"name": ""},
        ["customer", "create", ""],
        None,
        "Name: 1 to 200 characters.",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[-1][:30] for c in CASES])
def test_the_same_refusal_with_the_same_message(
    client: FlaskClient, login: LoginFn, store: Store, tmp_path: Path, case: Case
) -> None:
    path, form, argv, stdin, message = case
    before = accounts(store), audit_count(store)
    proc = eus(tmp_path, *argv, stdin=stdin, check=False)
    assert (proc.returncode, proc.stderr, proc.stdout) == (2, f"eus: {message}\n", "")
    login("admin", PASSWORDS["admin"])
    response = client.post(path, data={**form, "csrf_token": csrf_token(client, path)})
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))
    assert (accounts(store), audit_count(store)) == before


def test_a_site_refused_by_both(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed, tmp_path: Path
) -> None:
    message = "Acme Dental already has a site named 'Main office'."
    proc = eus(tmp_path, "site", "create", "--customer", "acme dental", "MAIN office", check=False)
    assert (proc.returncode, proc.stderr) == (2, f"eus: {message}\n")
    login("admin", PASSWORDS["admin"])
    token = csrf_token(client, "/admin/customers")
    response = client.post(
        f"/admin/customers/{seed.customer_a}/sites", data={"name": "MAIN office", "csrf_token": token}
    )
    assert response.status_code == 400 and message in html.unescape(response.get_data(as_text=True))
    assert accounts(store)[2] == ["Main office"]


def test_both_audit_a_new_user_alike(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed, tmp_path: Path
) -> None:
    eus(tmp_path, "user", "create", "bob", "--customer", "ACME DENTAL", "--password-stdin", stdin=PW)
    login("admin", PASSWORDS["admin"])
    token = csrf_token(client, "/admin/users")
    form = {"username": "carol", "password": PW, "role": "technician", "customers": [str(seed.customer_a)]}
    assert client.post("/admin/users", data={**form, "csrf_token": token}).status_code == 302
    with store.session() as s:
        rows = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action.in_(["user.create", "grant.add"]))
            .order_by(AuditEntry.id)
        ).all()
        seen = [
            (r.actor.split(":")[0], r.action, r.target, r.customer_id, json.loads(r.detail or "{}"))
            for r in rows
        ]
    detail = {"role": "technician", "all_customers": False, "customers": [seed.customer_a]}
    assert seen == [
        ("cli", "user.create", "user:bob", None, detail),
        ("cli", "grant.add", "user:bob", seed.customer_a, {}),
        ("user", "user.create", "user:carol", None, detail),
        ("user", "grant.add", "user:carol", seed.customer_a, {}),
    ]
