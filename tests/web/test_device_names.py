"""Two devices with one host name are told apart in every list, and only where the user
can see both (a same-named device of another customer changes nothing)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from collector.store.db import Store
from collector.store.device_label import label
from collector.store.models import Device

from .conftest import PASSWORDS, LoginFn, Seed

A1 = "3f2a9c1e-0000-4000-8000-000000000001"
A2 = "b7d01c55-0000-4000-8000-000000000002"


@pytest.mark.parametrize(
    ("hostname", "agent_id", "shared", "want"),
    [
        ("vm", A1, frozenset(), "vm"),
        ("vm", A1, frozenset({"vm"}), "vm · 3f2a9c1e"),
        ("VM", A2, frozenset({"vm"}), "VM · b7d01c55"),  # names compare case-insensitively
        ("web", A1, frozenset({"vm"}), "web"),
        ("", A1, frozenset({""}), A1),  # no host name: the agent id is unique already
    ],
)
def test_label(hostname: str, agent_id: str, shared: frozenset[str], want: str) -> None:
    assert label(hostname, agent_id, shared) == want


def add_device(store: Store, customer_id: int, hostname: str, agent_id: str) -> int:
    with store.session() as s:
        d = Device(customer_id=customer_id, agent_id=agent_id, hostname=hostname)
        s.add(d)
        s.flush()
        return d.id


def test_duplicate_names_told_apart_in_lists_and_pages(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    first = add_device(store, seed.customer_a, "vm", A1)
    add_device(store, seed.customer_a, "vm", A2)
    add_device(store, seed.customer_b, "acme-fs01", "c0ffee00-0000-4000-8000-000000000003")
    login("tech", PASSWORDS["tech"])

    index = client.get("/").get_data(as_text=True)
    assert "vm · 3f2a9c1e" in index and "vm · b7d01c55" in index
    assert ">acme-fs01<" in index  # customer B's acme-fs01 is not the technician's to see
    device = client.get(f"/devices/{first}").get_data(as_text=True)
    assert "<h1>vm · 3f2a9c1e" in device
    assert "vm · 3f2a9c1e" in client.get(f"/devices/{first}/inventory").get_data(as_text=True)
