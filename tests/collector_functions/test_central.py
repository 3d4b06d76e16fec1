"""Central specs in the relational store: audited changes, and the config pushed to agents."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from collector.functions.central import add_spec, config_source, remove_spec, specs_of
from collector.functions.specs import SpecError, validate
from collector.rpc.agent_config import AgentConfigs
from collector.rpc.live import LiveStreams
from collector.store.db import Store
from collector.store.models import AuditEntry, Customer, Device

from .live import RecordingStream


def make_devices(store: Store) -> tuple[int, int]:
    with store.session() as s:
        c = Customer(name="Acme")
        s.add(c)
        s.flush()
        a = Device(customer_id=c.id, agent_id="a1", hostname="a1")
        b = Device(customer_id=c.id, agent_id="b1", hostname="b1")
        s.add_all([a, b])
        s.flush()
        return a.id, b.id


def test_add_push_remove_with_audit(store: Store) -> None:
    dev_a, dev_b = make_devices(store)
    live = LiveStreams()
    stream = RecordingStream(dev_a)
    live.register(stream)
    configs = AgentConfigs(live)
    configs.add_source("functions", config_source(store))

    # No central functions ever: nothing to say (the agent keeps its own config file's).
    assert configs.build(dev_a) is None

    spec = validate("tcp", "Postgres", interval="30", params_text="host=db1\nport=5432")
    with store.session() as s:
        dev = s.get_one(Device, dev_a)
        row = add_spec(s, dev, spec, actor="user:tech", address="10.0.0.5")
        row_id = row.id
    assert configs.push(dev_a)
    [msg] = stream.sent
    [pushed] = msg.config.functions
    assert (pushed.id, pushed.kind, pushed.name, pushed.interval_s, dict(pushed.params)) == (
        "tcp:postgres",
        "tcp",
        "Postgres",
        30.0,
        {"host": "db1", "port": "5432"},
    )
    assert configs.build(dev_b) is None

    with (
        store.session() as s,
        pytest.raises(SpecError, match="already has a function with id 'tcp:postgres'"),
    ):
        add_spec(s, s.get_one(Device, dev_a), spec, actor="user:tech")
    with store.session() as s:  # the same id on another device is fine
        add_spec(s, s.get_one(Device, dev_b), spec, actor="user:tech")

    with store.session() as s:
        assert remove_spec(s, s.get_one(Device, dev_b), row_id, actor="user:tech") is None  # not b's
        removed = remove_spec(s, s.get_one(Device, dev_a), row_id, actor="user:tech", address="10.0.0.5")
        assert removed is not None
    # Once one was removed, an explicit empty list: the agent drops what it kept.
    after = configs.build(dev_a)
    assert after is not None
    assert list(after.functions) == []
    assert configs.push(dev_a)
    assert list(stream.sent[-1].config.functions) == []
    with store.session() as s:
        assert specs_of(s, dev_a) == []
        assert [r.device_id for r in specs_of(s, dev_b)] == [dev_b]
        audit = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(a.action, a.target, a.actor) for a in audit] == [
        ("function.add", f"device:{dev_a}", "user:tech"),
        ("function.add", f"device:{dev_b}", "user:tech"),
        ("function.remove", f"device:{dev_a}", "user:tech"),
    ]
    detail = json.loads(audit[0].detail)
    assert detail["params"] == ["host", "port"]  # names, never values
    assert "db1" not in audit[0].detail
    assert audit[0].address == "10.0.0.5"
