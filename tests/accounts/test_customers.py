"""The customers service on a real store: names unique ignoring case, renames that keep
the audit target, sites unique within their customer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from collector.accounts import customers
from collector.accounts.errors import AlreadyExists, InvalidValue, NotFound
from collector.store.models import Customer, Site

from .conftest import AUDIT, World


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("acme", "A customer named 'Acme' already exists."),
        ("  ACME ", "A customer named 'Acme' already exists."),
        ("", "Name: 1 to 200 characters."),
    ],
)
def test_create_refusals(world: World, name: str, message: str) -> None:
    with pytest.raises((AlreadyExists, InvalidValue)) as caught, world.store.session() as s:
        customers.create(s, AUDIT, name)
    assert str(caught.value) == message
    assert world.audit_rows() == []


def test_create_and_rename_are_audited_under_the_number(world: World) -> None:
    with world.store.session() as s:
        cid = customers.create(s, AUDIT, "  Charlie   Cafe ").id
        charlie = s.get_one(Customer, cid)
        assert charlie.name == "Charlie Cafe"
        assert customers.rename(s, AUDIT, charlie, "charlie café") is True
        assert customers.rename(s, AUDIT, charlie, "charlie café") is False
        with pytest.raises(AlreadyExists, match=r"A customer named 'Bravo' already exists."):
            customers.rename(s, AUDIT, charlie, "BRAVO")
    assert world.audit_rows() == [
        ("customer.create", f"customer:{cid}", cid, {"name": "Charlie Cafe"}),
        ("customer.rename", f"customer:{cid}", cid, {"name": ["Charlie Cafe", "charlie café"]}),
    ]


def test_a_customer_may_change_the_case_of_its_own_name(world: World) -> None:
    with world.store.session() as s:
        assert customers.rename(s, AUDIT, s.get_one(Customer, world.acme), "ACME") is True


def test_sites_are_unique_within_their_customer(world: World) -> None:
    with world.store.session() as s:
        acme, bravo = s.get_one(Customer, world.acme), s.get_one(Customer, world.bravo)
        hq = customers.create_site(s, AUDIT, acme, "HQ")
        customers.create_site(s, AUDIT, bravo, "hq")  # another customer's: allowed
        with pytest.raises(AlreadyExists, match=r"Acme already has a site named 'HQ'."):
            customers.create_site(s, AUDIT, acme, "hq")
        depot = customers.create_site(s, AUDIT, acme, "Depot")
        with pytest.raises(AlreadyExists, match=r"Acme already has a site named 'HQ'."):
            customers.rename_site(s, AUDIT, depot, "Hq")
        assert customers.rename_site(s, AUDIT, hq, "Head office") is True
        assert customers.find_site(s, acme, "head OFFICE") is hq
        assert customers.find_site(s, acme, str(depot.id)) is depot
        with pytest.raises(NotFound, match=r"Acme has no site 'Kitchen'."):
            customers.find_site(s, acme, "Kitchen")
        ids = hq.id, depot.id
    with world.store.session() as s:
        names = s.scalars(select(Site.name).where(Site.customer_id == world.acme).order_by(Site.id)).all()
    assert names == ["Head office", "Depot"]
    assert [r[:3] for r in world.audit_rows() if r[2] == world.acme] == [
        ("site.create", f"site:{ids[0]}", world.acme),
        ("site.create", f"site:{ids[1]}", world.acme),
        ("site.rename", f"site:{ids[0]}", world.acme),
    ]


def test_find_by_name_ignoring_case_or_by_number(world: World) -> None:
    with world.store.session() as s:
        assert customers.find(s, "ACME").id == world.acme
        assert customers.find(s, str(world.bravo)).id == world.bravo
        with pytest.raises(NotFound, match=r"No customer 'Nobody'."):
            customers.find(s, "Nobody")
