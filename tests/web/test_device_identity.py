"""A device's alias (shown instead of the host name in every list, told apart when shared)
and retiring it (gone from the lists and pickers, page and history kept), from its page:
scoped, audited, refused input kept."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from collector.store.db import Store
from collector.store.device_label import label
from collector.store.models import AuditEntry, Device
from collector.tsdb.db import TimeSeriesDB

from .conftest import PASSWORDS, LoginFn, Seed, csrf_token
from .test_device_names import A1, A2, add_device
from .test_inventory_views import seed_inventory


@pytest.mark.parametrize(
    ("hostname", "alias", "shared", "want"),
    [
        ("desktop-7h2k", "Reception PC", frozenset(), "Reception PC"),
        ("desktop-7h2k", "", frozenset(), "desktop-7h2k"),
        ("vm", "Reception PC", frozenset({"vm"}), "Reception PC"),  # its shown name is not shared
        ("vm", "Reception PC", frozenset({"reception pc"}), "Reception PC · 3f2a9c1e"),
        ("", "", frozenset(), A1),
    ],
)
def test_label_with_alias(hostname: str, alias: str, shared: frozenset[str], want: str) -> None:
    assert label(hostname, A1, shared, alias) == want


def _page(client: FlaskClient, path: str) -> str:
    return client.get(path).get_data(as_text=True)


def test_rename_is_shown_everywhere_scoped_and_audited(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    vm1 = add_device(store, seed.customer_a, "vm", A1)
    vm2 = add_device(store, seed.customer_a, "vm", A2)
    login("tech", PASSWORDS["tech"])
    token = csrf_token(client, f"/devices/{vm1}")
    assert 'id="rename"' in _page(client, f"/devices/{vm1}")

    too_long = "x" * 101
    refused = client.post(f"/devices/{vm1}/alias", data={"csrf_token": token, "alias": too_long})
    page = _page(client, refused.headers["Location"])
    assert "Name not changed: at most 100 characters (this one has 101)" in page
    assert f'value="{too_long}"' in page  # what was typed is still in the field

    client.post(f"/devices/{vm1}/alias", data={"csrf_token": token, "alias": "  Reception   PC "})
    index = _page(client, "/")
    assert ">Reception PC<" in index and ">vm<" in index  # the other vm is no longer ambiguous
    assert "vm · " not in index
    assert "Reception PC" in _page(client, "/alerting/maintenance")  # the device picker
    assert "<h1>Reception PC" in _page(client, f"/devices/{vm1}")
    # Naming a second device the same tells the two apart again.
    client.post(f"/devices/{vm2}/alias", data={"csrf_token": token, "alias": "reception pc"})
    index = _page(client, "/")
    assert "Reception PC · 3f2a9c1e" in index and "reception pc · b7d01c55" in index

    assert (
        client.post(f"/devices/{seed.device_b}/alias", data={"csrf_token": token, "alias": "x"}).status_code
        == 404
    )
    with store.session() as s:
        assert s.get_one(Device, vm1).alias == "Reception PC"
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "device.rename")).all()
        assert [(e.target, json.loads(e.detail)) for e in entries] == [
            (f"device:{vm1}", {"old": "", "new": "Reception PC"}),
            (f"device:{vm2}", {"old": "", "new": "reception pc"}),
        ]


def test_retire_hides_from_lists_and_keeps_the_page(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed, tsdb: TimeSeriesDB
) -> None:
    seed_inventory(tsdb, seed)
    login("tech", PASSWORDS["tech"])
    assert "acme-fs01" in _page(client, "/software?name=openssl")
    token = csrf_token(client, f"/devices/{seed.device_a}")
    assert 'id="retire"' not in _page(client, f"/devices/{seed.device_a}")
    assert (
        client.post(f"/devices/{seed.device_a}/retire", data={"csrf_token": token, "retire": "1"}).status_code
        == 403
    )
    client.post("/logout", data={"csrf_token": token})

    login("super", PASSWORDS["super"])
    token = csrf_token(client, f"/devices/{seed.device_a}")
    client.post(f"/devices/{seed.device_a}/retire", data={"csrf_token": token, "retire": "1"})
    index = _page(client, "/")
    assert "acme-fs01" not in index and "1 retired device hidden" in index
    assert "acme-fs01" not in _page(client, f"/customers/{seed.customer_a}")
    assert "acme-fs01" not in _page(client, "/alerting/maintenance")  # nor offered in pickers
    assert "acme-fs01" not in _page(client, "/software?name=openssl")  # nor found by the fleet search
    shown = _page(client, "/?retired=1")
    assert "acme-fs01" in shown and 'class="badge retired"' in shown
    device = _page(client, f"/devices/{seed.device_a}")
    assert 'id="retired"' in device and "Bring back into the lists" in device

    client.post(f"/devices/{seed.device_a}/retire", data={"csrf_token": token, "retire": "0"})
    assert "acme-fs01" in _page(client, "/")
    with store.session() as s:
        assert s.get_one(Device, seed.device_a).retired_at is None
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("device.%retire"))).all()
        assert actions == ["device.retire", "device.unretire"]
