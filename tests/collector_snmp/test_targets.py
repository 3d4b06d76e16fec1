"""Devices stored with encrypted secrets, audited without them, and what a gateway receives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from collector.rpc.agent_config import AgentConfigs
from collector.rpc.live import LiveStreams
from collector.snmp.editing import form_values
from collector.snmp.gateways import validate_trap_settings
from collector.snmp.models import NetworkDevice, Origin, parse_target_id
from collector.snmp.secrets import SecretBox
from collector.snmp.service import create_device, delete_device, save_trap_listener, update_device
from collector.snmp.targets import SnmpTargets
from collector.snmp.validation import StoredSecrets, validate
from collector.store.db import Store
from collector.store.models import AuditEntry
from eus.v1 import eus_pb2

from .conftest import World, auditor

SECRETS = ("authpass-9f3a1", "privpass-77c0e", "community-5be2")


class RecordingStream:
    """A live stream as the registry sees one: it records what the collector queues."""

    def __init__(self, device_id: int) -> None:
        self.device_id = device_id
        self.sent: list[eus_pb2.CollectorMessage] = []

    def kick(self, code_name: str, message: str) -> None:
        raise AssertionError("not expected")

    def send(self, message: eus_pb2.CollectorMessage) -> None:
        self.sent.append(message)


def v3_form(world: World, **extra: str) -> dict[str, str]:
    return {
        "name": "Core switch",
        "host": "10.0.0.2",
        "port": "1161",
        "gateway_device_id": str(world.gateway_a),
        "site_id": str(world.site_a),
        "user": "monuser",
        "auth_protocol": "SHA-256",
        "auth_key": SECRETS[0],
        "priv_protocol": "AES-256",
        "priv_key": SECRETS[1],
        "context": "ctx1",
        "profiles": "if-mib",
        "interval_s": "30",
        **extra,
    }


def add(store: Store, box: SecretBox, world: World, form: dict[str, str]) -> int:
    settings = validate(form, gateways={world.gateway_a}, sites={world.site_a})
    with store.session() as s:
        return create_device(s, box, world.customer_a, settings, actor="user:tech", audit=auditor()).id


def test_secrets_are_encrypted_at_rest_and_never_audited(
    tmp_path: Path, store: Store, box: SecretBox, world: World
) -> None:
    add(store, box, world, v3_form(world))
    add(store, box, world, {**v3_form(world), "version": "2c", "legacy": "on", "community": SECRETS[2]})
    with store.session() as s:
        rows = s.scalars(select(NetworkDevice).order_by(NetworkDevice.id)).all()
        assert rows[0].auth_key_enc and rows[0].priv_key_enc and not rows[0].community_enc
        assert rows[1].community_enc and not rows[1].auth_key_enc
        assert box.decrypt(rows[0].auth_key_enc).reveal() == SECRETS[0]
        audit_rows = s.scalars(select(AuditEntry)).all()
        assert [a.action for a in audit_rows] == ["snmp.device.create"] * 2
        assert json.loads(audit_rows[0].detail)["auth_protocol"] == "SHA-256"
        assert all(secret not in a.detail for a in audit_rows for secret in SECRETS)
    store.dispose()  # checkpoint the WAL so every byte is in the files we read
    on_disk = b"".join(p.read_bytes() for p in tmp_path.glob("eus.sqlite3*"))
    assert b"monuser" in on_disk  # the reading works ...
    for secret in SECRETS:  # ... and no secret is there in plaintext
        assert secret.encode() not in on_disk


def test_a_gateway_receives_its_targets_with_secrets_and_the_trap_listener(
    store: Store, box: SecretBox, world: World
) -> None:
    v3_id = add(store, box, world, v3_form(world))
    v2_id = add(store, box, world, {**v3_form(world), "name": "Printer", "version": "2c", "legacy": "on",
                                     "community": SECRETS[2], "supply_warn_percent": "20"})  # fmt: skip
    with store.session() as s:  # a target from the gateway's own agent.toml is not pushed back
        s.add(
            NetworkDevice(
                customer_id=world.customer_a,
                gateway_device_id=world.gateway_a,
                name="file",
                host="10.9.9.9",
                origin=Origin.AGENT_FILE.value,
                agent_target_id="lab-sw",
            )
        )
    targets = SnmpTargets(store, box)
    config = targets.config_for(world.gateway_a)
    assert config is not None
    assert [t.id for t in config.snmp_targets] == [f"snmp-{v3_id}", f"snmp-{v2_id}"]
    v3, v2 = config.snmp_targets
    assert (v3.name, v3.host, v3.port, v3.version, v3.legacy) == ("Core switch", "10.0.0.2", 1161, "3", False)
    assert (v3.user, v3.auth_protocol, v3.auth_key) == ("monuser", "SHA-256", SECRETS[0])
    assert (v3.priv_protocol, v3.priv_key, v3.context) == ("AES-256", SECRETS[1], "ctx1")
    assert (v3.interval_s, v3.timeout_s, v3.retries, list(v3.profiles)) == (30.0, 2.0, 1, ["if-mib"])
    assert v3.community == ""
    assert dict(v3.params) == {"supply_warn_percent": "15", "supply_crit_percent": "5"}
    assert (v2.version, v2.legacy, v2.community, v2.auth_key) == ("2c", True, SECRETS[2], "")
    assert v2.params["supply_warn_percent"] == "20"
    assert not config.HasField("trap_listener")  # none configured: the agent's file decides
    assert targets.config_for(world.gateway_b) is None  # not a gateway

    with store.session() as s:
        save_trap_listener(s, box, world.gateway_a, world.customer_a,
                           validate_trap_settings({"trap_enabled": "on", "trap_port": "16162",
                                                   "trap_communities": "public,traps"}),
                           actor="user:tech", audit=auditor())  # fmt: skip
    config = targets.config_for(world.gateway_a)
    assert config is not None
    listener = config.trap_listener
    assert (listener.enabled, listener.host, listener.port) == (True, "0.0.0.0", 16162)
    assert list(listener.communities) == ["public", "traps"]
    assert [(u.user, u.auth_key, u.priv_key) for u in listener.v3_users] == [("monuser", *SECRETS[:2])]
    assert "engine_id" not in listener.v3_users[0].params

    add(store, box, world, v3_form(world, name="Same user, known engine", engine_id="0x8000000001020304"))
    config = targets.config_for(world.gateway_a)
    assert config is not None
    users = [(u.user, dict(u.params)) for u in config.trap_listener.v3_users]
    assert users == [("monuser", {}), ("monuser", {"engine_id": "8000000001020304"})]
    with store.session() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "snmp.gateway.update")).one()
        assert "public" not in row.detail and "traps" not in row.detail


def test_changes_are_pushed_to_a_connected_gateway_and_deletion_empties_its_list(
    store: Store, box: SecretBox, world: World
) -> None:
    live = LiveStreams()
    stream = RecordingStream(world.gateway_a)
    live.register(stream)
    configs = AgentConfigs(live)
    targets = SnmpTargets(store, box)
    targets.attach(configs)
    dev_id = add(store, box, world, v3_form(world))
    assert targets.push(world.gateway_a) is True
    assert targets.push(world.gateway_b) is False  # not connected
    assert [t.id for t in stream.sent[-1].config.snmp_targets] == [f"snmp-{dev_id}"]

    with store.session() as s:
        device = s.get_one(NetworkDevice, dev_id)
        settings = validate(
            v3_form(world, auth_key="", priv_key="", host="10.0.0.3"),
            gateways={world.gateway_a},
            sites={world.site_a},
            stored=StoredSecrets(auth_key=True, priv_key=True),
        )
        assert update_device(s, box, device, settings, audit=auditor()) == ["host"]
        assert update_device(s, box, device, settings, audit=auditor()) == []  # nothing changed
        changed = update_device(
            s, box, device,
            validate(v3_form(world, host="10.0.0.3", priv_key="new-privpass-1"), gateways={world.gateway_a},
                     sites={world.site_a}),
            audit=auditor(),
        )  # fmt: skip
        assert changed == ["priv_key"]
    targets.push(world.gateway_a)
    target = stream.sent[-1].config.snmp_targets[0]
    assert (target.host, target.auth_key, target.priv_key) == ("10.0.0.3", SECRETS[0], "new-privpass-1")
    with store.session() as s:
        updates = s.scalars(select(AuditEntry).where(AuditEntry.action == "snmp.device.update")).all()
        assert [json.loads(u.detail)["changed"] for u in updates] == [["host"], []]
        assert json.loads(updates[1].detail)["secrets_changed"] == ["priv_key"]
        assert all("new-privpass-1" not in u.detail for u in updates)
        delete_device(s, s.get_one(NetworkDevice, dev_id), audit=auditor())
    targets.push(world.gateway_a)
    assert list(stream.sent[-1].config.snmp_targets) == []


def test_an_unreadable_secret_leaves_only_that_target_out(
    tmp_path: Path, store: Store, box: SecretBox, world: World
) -> None:
    good = add(store, box, world, v3_form(world))
    other_box = SecretBox.open(tmp_path / "other")
    bad = add(store, other_box, world, v3_form(world, name="Encrypted elsewhere"))
    config = SnmpTargets(store, box).config_for(world.gateway_a)
    assert config is not None
    assert [t.id for t in config.snmp_targets] == [f"snmp-{good}"]
    assert bad != good


@pytest.mark.parametrize(
    ("target", "expected"), [("snmp-12", 12), ("snmp-", None), ("snmp-x1", None), ("lab-sw", None)]
)
def test_parse_target_id(target: str, expected: int | None) -> None:
    assert parse_target_id(target) == expected


def test_the_edit_form_round_trips_without_changing_anything(
    store: Store, box: SecretBox, world: World
) -> None:
    device_id = add(
        store, box, world, v3_form(world, engine_id="0x8000000001020304", supply_warn_percent="20")
    )
    with store.session() as s:
        device = s.get_one(NetworkDevice, device_id)
        values = form_values(device)
        assert not any(secret in values.values() for secret in SECRETS)
        assert (values["engine_id"], values["supply_warn_percent"], values["port"]) == (
            "8000000001020304",
            "20",
            "1161",
        )
        again = validate(
            values, gateways={world.gateway_a}, sites={world.site_a}, stored=StoredSecrets.of(device)
        )
        assert update_device(s, box, device, again, audit=auditor()) == []
