"""The users service on a real store: what it writes, what it audits, and that a refusal
writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from collector.accounts import users
from collector.accounts.errors import AccountError, AlreadyExists, InvalidValue, NotAllowed, NotFound
from collector.passwords import verify_password
from collector.store.models import User

from .conftest import AUDIT, World

PW = "long-enough-pw"


def make(world: World, username: str = "alice", **kw: object) -> int:
    args: dict[str, object] = {"password": PW, "role": "technician", "all_customers": False} | kw
    with world.store.session() as s:
        return users.create(s, AUDIT, username=username, **args).id  # type: ignore[arg-type]


def test_create_hashes_grants_and_audits_without_the_password(world: World) -> None:
    uid = make(world, " alice ", customer_ids=[world.bravo, world.acme])
    with world.store.session() as s:
        alice = s.get_one(User, uid)
        assert (alice.username, alice.role, alice.active, alice.all_customers) == (
            "alice",
            "technician",
            True,
            False,
        )
        assert verify_password(alice.password_hash, PW)
        assert sorted(g.customer_id for g in alice.grants) == sorted([world.acme, world.bravo])
    first = sorted([world.acme, world.bravo])
    assert world.audit_rows() == [
        (
            "user.create",
            "user:alice",
            None,
            {"role": "technician", "all_customers": False, "customers": first},
        ),
        ("grant.add", "user:alice", first[0], {}),
        ("grant.add", "user:alice", first[1], {}),
    ]
    assert PW not in repr(world.audit_rows())


@pytest.mark.parametrize(
    ("kw", "error", "message"),
    [
        ({"username": "Alice"}, AlreadyExists, "A user named 'alice' already exists."),
        ({"username": "ALICE "}, AlreadyExists, "A user named 'alice' already exists."),
        ({"username": "x y"}, InvalidValue, "Username: 1 to 64 letters"),
        ({"username": "carol", "password": "short"}, InvalidValue, "Password: at least 10 characters."),
        ({"username": "carol", "role": "emperor"}, InvalidValue, "Role: choose one of"),
        ({"username": "carol", "customer_ids": [999]}, NotFound, "No customer number 999."),
    ],
)
def test_create_refusals_write_nothing(
    world: World, kw: dict[str, object], error: type[AccountError], message: str
) -> None:
    make(world)
    before = world.audit_rows()
    with pytest.raises(error) as caught:
        make(world, **kw)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)
    assert world.audit_rows() == before
    with world.store.session() as s:
        assert s.scalars(select(User.username)).all() == ["alice"]


def test_update_audits_changes_and_only_that_the_password_changed(world: World) -> None:
    uid = make(world)
    with world.store.session() as s:
        user = s.get_one(User, uid)
        assert users.update(s, AUDIT, user, role="technician", active=True) == {}  # no change, no row
        changes = users.update(s, AUDIT, user, role="supervisor", active=False, password="another-long-one")
    assert changes == {"role": ["technician", "supervisor"], "active": [True, False]}
    action, target, _, detail = world.audit_rows()[-1]
    assert (action, target, detail) == (
        "user.update",
        "user:alice",
        {
            "changes": {"role": ["technician", "supervisor"], "active": [True, False]},
            "password_changed": True,
        },
    )
    with world.store.session() as s:
        assert verify_password(s.get_one(User, uid).password_hash, "another-long-one")
    assert sum(row[0] == "user.update" for row in world.audit_rows()) == 1


@pytest.mark.parametrize(
    ("kw", "refused"), [({"role": "technician"}, True), ({"active": False}, True), ({}, False)]
)
def test_nobody_locks_themselves_out(world: World, kw: dict[str, object], refused: bool) -> None:
    uid = make(world, role="administrator")
    with world.store.session() as s:
        user = s.get_one(User, uid)
        if refused:
            with pytest.raises(NotAllowed, match=r"your own administrator role or deactivate yourself"):
                users.update(s, AUDIT, user, acting_user_id=uid, **kw)  # type: ignore[arg-type]
        else:
            users.update(s, AUDIT, user, acting_user_id=uid, all_customers=True)
        users.update(s, AUDIT, user, **kw)  # type: ignore[arg-type]  # another administrator may


def test_grant_sets_exactly_the_given_customers(world: World) -> None:
    uid = make(world, customer_ids=[world.acme])
    with world.store.session() as s:
        assert users.grant(s, AUDIT, s.get_one(User, uid), [world.bravo]) == ([world.bravo], [world.acme])
    with world.store.session() as s:
        assert [g.customer_id for g in s.get_one(User, uid).grants] == [world.bravo]
    assert [r[:3] for r in world.audit_rows()[-2:]] == [
        ("grant.add", "user:alice", world.bravo),
        ("grant.remove", "user:alice", world.acme),
    ]


def test_find_ignores_case(world: World) -> None:
    uid = make(world, "Alice")
    with world.store.session() as s:
        assert users.find(s, "alice").id == uid
        with pytest.raises(NotFound, match=r"No user named 'bob'."):
            users.find(s, "bob")
