"""Tenant scope: a technician granted customer A cannot see customer B at all (404)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from collector.store.models import Role
from collector.web.identity import CurrentUser
from collector.web.permissions import may_edit_alerting, may_see, visible_customer_ids

from .conftest import PASSWORDS, LoginFn, Seed


def test_visible_customer_ids() -> None:
    limited = CurrentUser(1, "t", Role.TECHNICIAN, all_customers=False, customer_ids=frozenset({3, 5}))
    everyone = CurrentUser(2, "s", Role.SUPERVISOR, all_customers=True, customer_ids=frozenset({3}))
    nobody = CurrentUser(3, "n", Role.ADMINISTRATOR, all_customers=False, customer_ids=frozenset())
    assert visible_customer_ids(limited) == {3, 5}
    assert visible_customer_ids(everyone) is None
    assert visible_customer_ids(nobody) == set()


LIMITED_TECH = CurrentUser(1, "t", Role.TECHNICIAN, all_customers=False, customer_ids=frozenset({3}))
LIMITED_SUPER = CurrentUser(2, "s", Role.SUPERVISOR, all_customers=False, customer_ids=frozenset({3}))
ALL_SUPER = CurrentUser(3, "S", Role.SUPERVISOR, all_customers=True, customer_ids=frozenset())
LIMITED_ADMIN = CurrentUser(4, "a", Role.ADMINISTRATOR, all_customers=False, customer_ids=frozenset({3}))


@pytest.mark.parametrize(
    ("user", "customer_id", "sees", "edits_alerting"),
    [
        (LIMITED_TECH, 3, True, False),  # technicians look, supervisors edit
        (LIMITED_TECH, 4, False, False),
        (LIMITED_SUPER, 3, True, True),
        (LIMITED_SUPER, 4, False, False),  # another tenant: neither
        (LIMITED_SUPER, None, False, False),  # no customer: for those who see every customer
        (ALL_SUPER, 4, True, True),
        (ALL_SUPER, None, True, False),  # global rules need edit-global-rules
        (LIMITED_ADMIN, 4, False, False),
        (LIMITED_ADMIN, None, False, True),  # the capability, as before: administrators edit them
    ],
)
def test_may_see_and_may_edit_alerting(
    user: CurrentUser, customer_id: int | None, sees: bool, edits_alerting: bool
) -> None:
    assert may_see(user, customer_id) is sees
    assert may_edit_alerting(user, customer_id) is edits_alerting


def test_technician_sees_only_granted_customer(client: FlaskClient, login: LoginFn, seed: Seed) -> None:
    login("tech", PASSWORDS["tech"])

    index = client.get("/").get_data(as_text=True)
    assert "Acme Dental" in index
    assert "acme-fs01" in index
    assert "Bravo Logistics" not in index
    assert "bravo-dc01" not in index

    series = "/api/devices/{}/series?metric=cpu&range=1h"
    for path in [f"/customers/{seed.customer_a}", f"/devices/{seed.device_a}", series.format(seed.device_a)]:
        assert client.get(path).status_code == 200, path
    for path in [f"/customers/{seed.customer_b}", f"/devices/{seed.device_b}", series.format(seed.device_b)]:
        assert client.get(path).status_code == 404, path
    # Another tenant's device is 404 even with bad parameters: nothing is revealed.
    assert client.get(f"/api/devices/{seed.device_b}/series?metric=bogus").status_code == 404


def test_all_customers_user_sees_everything(client: FlaskClient, login: LoginFn, seed: Seed) -> None:
    login("super", PASSWORDS["super"])
    index = client.get("/").get_data(as_text=True)
    assert "Acme Dental" in index
    assert "Bravo Logistics" in index
    assert client.get(f"/devices/{seed.device_b}").status_code == 200


def test_missing_objects_are_404(client: FlaskClient, login: LoginFn) -> None:
    login("admin", PASSWORDS["admin"])
    assert client.get("/customers/424242").status_code == 404
    assert client.get("/devices/424242").status_code == 404
    api = client.get("/api/devices/424242/series?metric=cpu&range=1h")
    assert api.status_code == 404
    assert api.is_json


def test_customer_page_lists_sites_and_devices(client: FlaskClient, login: LoginFn, seed: Seed) -> None:
    login("tech", PASSWORDS["tech"])
    page = client.get(f"/customers/{seed.customer_a}").get_data(as_text=True)
    assert "Main office" in page
    assert "acme-fs01" in page
    assert "Debian 12" in page


def test_device_page_shows_facts_and_chart_slots(client: FlaskClient, login: LoginFn, seed: Seed) -> None:
    login("tech", PASSWORDS["tech"])
    page = client.get(f"/devices/{seed.device_a}").get_data(as_text=True)
    for fact in ["acme-fs01", "Debian 12", "6.1.0-27-amd64", "0.1.0", "10.0.0.17", "online", "UTC"]:
        assert fact in page, fact
    for metric in ["cpu", "memory", "disk", "net", "diskio"]:
        assert f'id="chart-{metric}"' in page
    assert 'data-range="1h"' in page
    assert 'data-range="24h"' in client.get(f"/devices/{seed.device_a}?range=24h").get_data(as_text=True)
    assert 'data-range="1h"' in client.get(f"/devices/{seed.device_a}?range=bogus").get_data(as_text=True)
