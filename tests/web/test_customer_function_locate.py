"""Resolve without ``?device=``: the customer's only device that reported the function, found
in the roll-up state (``customer_function_latest``); another customer's device never counts,
two of the customer's devices ask which one; the function's state comes from there too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient

from collector.customers.rollup import record_results
from collector.store.db import Store
from collector.store.models import Device
from collector.tsdb.db import TimeSeriesDB
from eus.v1 import eus_pb2

from .conftest import PASSWORDS, LoginFn, Seed
from .kb_seed import CRITICAL, FUNCTION_ID, seed_faulty_function


def _reported(store: Store, customer_id: int, device_id: int, age: timedelta) -> None:
    result = eus_pb2.FunctionResult(
        id=FUNCTION_ID,
        kind="systemd",
        name="nginx",
        status=eus_pb2.Health.ValueType(CRITICAL),
        ts_ms=int((datetime.now(UTC) - age).timestamp() * 1000),
    )
    with store.session() as s:
        record_results(s, customer_id, device_id, [result])


def test_resolve_finds_the_device_in_the_roll_up_state(
    client: FlaskClient, login: LoginFn, store: Store, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    seed_faulty_function(store, tsdb, seed)
    _reported(store, seed.customer_b, seed.device_b, timedelta(minutes=1))  # another customer's
    login("tech", PASSWORDS["tech"])
    url = f"/customers/{seed.customer_a}/functions/{FUNCTION_ID}/resolve"
    assert client.get(url).status_code == 200

    with store.session() as s:
        second = Device(customer_id=seed.customer_a, agent_id="agent-a-0002", hostname="acme-fs02")
        s.add(second)
        s.flush()
        second_id = second.id
    _reported(store, seed.customer_a, second_id, timedelta(days=8))  # past the window: not counted
    assert client.get(url).status_code == 200
    _reported(store, seed.customer_a, second_id, timedelta(minutes=1))
    response = client.get(url)
    assert response.status_code == 404 and "which device?" in response.get_data(as_text=True)
    assert client.get(f"{url}?device={seed.device_a}").status_code == 200  # naming it answers
    # the second device has no result in function_results, only its roll-up row: its state shows
    page = client.get(f"{url}?device={second_id}").get_data(as_text=True)
    assert 'id="function-status">critical</span>' in page
