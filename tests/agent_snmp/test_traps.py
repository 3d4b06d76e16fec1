"""Notifications sent by net-snmp's snmptrap (v1, v2c, v3 traps and informs) and by a
real snmpd become events; unknown communities and users are dropped; communities never
appear in an event."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from support.waits import free_udp_port, wait_for

from agent_snmp.harness import Harness, target
from agent_snmp.peers import Snmpd, snmptrap
from eus.v1 import eus_pb2

ENGINE_ID = "0x80001f8880aabbccdd"
TRAP_USER = {
    "user": "trapuser",
    "auth_protocol": "SHA-256",
    "auth_key": "trapauth123",
    "priv_protocol": "AES",
    "priv_key": "trappriv123",
}
V3_ARGS = [
    "-u",
    "trapuser",
    "-l",
    "authPriv",
    "-a",
    "SHA-256",
    "-A",
    "trapauth123",
    "-x",
    "AES",
    "-X",
    "trappriv123",
]
LINK_DOWN = "1.3.6.1.6.3.1.1.5.3"
IF_INDEX_7 = ["1.3.6.1.2.1.2.2.1.1.7", "i", "7", "1.3.6.1.2.1.2.2.1.2.7", "s", "GigabitEthernet0/7"]


def listener(port: int, **extra: Any) -> dict[str, Any]:
    return {
        "trap_enabled": True,
        "trap_host": "127.0.0.1",
        "trap_port": port,
        "trap_communities": ["public"],
        "trap_v3_users": [{**TRAP_USER, "engine_id": ENGINE_ID}],
        **extra,
    }


def wait_events(h: Harness, n: int) -> list[eus_pb2.Event]:
    found: list[eus_pb2.Event] = []

    def enough() -> bool:
        found[:] = h.events()
        return len(found) >= n

    wait_for(enough, 30, f"{n} trap event(s)", interval=0.2)
    return found


def test_v1_v2c_and_v3_traps_and_informs_become_events(gateway: Callable[..., Harness]) -> None:
    port = free_udp_port()
    h = gateway(listener(port))
    wait_for(lambda: h.functions("snmp:trap-listener"), 30, "the listener to start")
    to = f"127.0.0.1:{port}"
    snmptrap("-v", "2c", "-c", "public", to, "", LINK_DOWN, *IF_INDEX_7)
    snmptrap("-v", "2c", "-c", "not-configured", to, "", LINK_DOWN)  # dropped
    snmptrap("-v", "3", "-e", ENGINE_ID, *V3_ARGS, to, "", "1.3.6.1.6.3.1.1.5.1")
    snmptrap("-v", "3", "-e", ENGINE_ID, *V3_ARGS[:-1], "wrongpriv99", to, "", LINK_DOWN)  # dropped
    snmptrap(
        "-Ci", "-v", "3", *V3_ARGS, to, "", "1.3.6.1.6.3.1.1.5.4", *IF_INDEX_7
    )  # inform: no engine id needed
    snmptrap("-v", "1", "-c", "public", to, "1.3.6.1.4.1.8072.4", "192.0.2.7", "2", "0", "", *IF_INDEX_7[:3])
    wait_events(h, 4)

    def drops() -> dict[str, float]:
        return dict(h.functions("snmp:trap-listener")[-1].metrics)

    # the dropped ones are counted per reason, so "my traps never arrive" can be diagnosed (#10.8)
    wait_for(lambda: drops().get("dropped_wrong_community", 0) >= 1, 30, "the bad community counted")
    wait_for(lambda: drops().get("dropped_wrong_priv_key", 0) >= 1, 30, "the bad priv key counted")
    assert "wrong community" in h.functions("snmp:trap-listener")[-1].message
    h.stop()
    events = h.events()
    assert [(e.message, e.attrs["version"]) for e in events] == [
        ("linkDown", "2c"),
        ("coldStart", "3"),
        ("linkUp", "3"),
        ("linkDown", "1"),
    ]
    down, cold, up, v1 = events
    assert (down.kind, down.source, down.severity) == ("snmp.trap", "127.0.0.1", "warning")
    assert down.attrs["community"] == "***"
    assert down.attrs["trap_oid"] == LINK_DOWN
    assert down.attrs["1.3.6.1.2.1.2.2.1.2.7"] == "GigabitEthernet0/7"
    assert down.attrs["1.3.6.1.2.1.2.2.1.1.7"] == "7"
    assert "public" not in str(down)
    assert (cold.severity, cold.attrs["user"]) == ("info", "trapuser")
    assert "community" not in cold.attrs
    assert up.attrs["1.3.6.1.2.1.2.2.1.2.7"] == "GigabitEthernet0/7"
    assert v1.attrs["1.3.6.1.6.3.18.1.3.0"] == "192.0.2.7"  # snmpTrapAddress: the v1 agent-addr
    assert v1.attrs["1.3.6.1.6.3.18.1.4.0"] == "***"  # snmpTrapCommunity.0 (RFC 3584): masked
    assert all("public" not in str(e) for e in events)
    status = h.functions("snmp:trap-listener")[0]
    assert status.status == eus_pb2.HEALTH_OK
    assert status.message == f"listening on 127.0.0.1:{port} (1 communities, 1 SNMPv3 users)"


def test_v3_traps_of_a_polled_device_are_accepted_with_its_learned_engine_id(
    gateway: Callable[..., Harness],
) -> None:
    """snmpd sends an SNMPv3 coldStart from its own engine: the listener knows that engine's
    id only because the gateway polled the device with the same user. Another target shares
    the address (as behind NAT or a proxy): the trap is attributed by engine id (#10.8)."""
    port = free_udp_port()
    daemon = Snmpd()
    sink = f"trapsess -v 3 -u monuser -l authPriv -a SHA -A {Snmpd.AUTH_KEY} -x AES -X {Snmpd.PRIV_KEY}"
    sink += f" 127.0.0.1:{port}"
    try:
        daemon.start(engine_id="eustrap1")
        user = {"user": "monuser", "auth_protocol": "SHA", "auth_key": Snmpd.AUTH_KEY}
        user |= {"priv_protocol": "AES", "priv_key": Snmpd.PRIV_KEY}
        poll = target("snmp-snmpd", daemon.port, **user, interval_s=600)
        same_address = target(
            "snmp-same-address", free_udp_port(), version="2c", legacy=True, community="x", interval_s=600
        )
        h = gateway(
            {
                "targets": [same_address, poll],
                "trap_enabled": True,
                "trap_host": "127.0.0.1",
                "trap_port": port,
                "trap_v3_users": [user],
            }
        )
        h.wait_polls("snmp-snmpd:reachability", 1, 30)
        daemon.stop()
        daemon.start(engine_id="eustrap1", trap_sink=sink)  # sends coldStart as it starts
        (event,) = wait_events(h, 1)
    finally:
        daemon.cleanup()
    assert (event.message, event.attrs["version"], event.attrs["user"]) == ("coldStart", "3", "monuser")
    assert event.attrs["target"] == "snmp-snmpd"


def test_a_port_that_cannot_be_bound_is_reported_and_retried_until_it_holds(
    gateway: Callable[..., Harness],
) -> None:
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind(("127.0.0.1", 0))
    port = taken.getsockname()[1]
    try:
        h = gateway(listener(port))
        wait_for(lambda: h.functions("snmp:trap-listener"), 30, "the listener's status")
    finally:
        taken.close()
    first = h.functions("snmp:trap-listener")[0]
    assert first.status == eus_pb2.HEALTH_CRITICAL
    assert first.message.startswith("cannot listen on 127.0.0.1:")
    assert "Address already in use" in first.message
    assert "retrying in" in first.message
    wait_for(
        lambda: h.functions("snmp:trap-listener")[-1].status == eus_pb2.HEALTH_OK, 30, "the retried bind"
    )
    snmptrap("-v", "2c", "-c", "public", f"127.0.0.1:{port}", "", LINK_DOWN)
    (event,) = wait_events(h, 1)
    assert event.message == "linkDown"


def pushed(port: int, users: list[dict[str, str]]) -> eus_pb2.AgentConfig:
    listener = eus_pb2.TrapListener(enabled=True, host="127.0.0.1", port=port, communities=["public"])
    for user in users:
        v3 = listener.v3_users.add()
        v3.user, v3.auth_protocol, v3.auth_key = user["user"], user["auth_protocol"], user["auth_key"]
        v3.priv_protocol, v3.priv_key = user["priv_protocol"], user["priv_key"]
        if user.get("engine_id"):
            v3.params["engine_id"] = user["engine_id"]
    return eus_pb2.AgentConfig(trap_listener=listener)


def test_adding_editing_and_deleting_v3_users_keeps_the_listener_bound(
    gateway: Callable[..., Harness],
) -> None:
    """Issue #10.1: every v3 user change used to close the dispatcher and re-bind the same port
    at once, which failed with EADDRINUSE and silently lost every later trap."""
    port = free_udp_port()
    to = f"127.0.0.1:{port}"
    h = gateway({})
    user = {**TRAP_USER, "engine_id": ENGINE_ID}
    second = {**TRAP_USER, "user": "second", "engine_id": ENGINE_ID}
    second_args = ["-u", "second", *V3_ARGS[2:]]
    steps: list[tuple[list[dict[str, str]], list[str]]] = [
        ([user], V3_ARGS),  # first start
        ([user, second], second_args),  # add
        ([{**user, "auth_key": "newauth1234"}, second], [*V3_ARGS[:7], "newauth1234", *V3_ARGS[8:]]),  # edit
        ([second], second_args),  # delete
    ]
    for n, (users, args) in enumerate(steps, start=1):
        h.push(pushed(port, users))
        wait_for(lambda: len(h.functions("snmp:trap-listener")) >= n, 30, f"the listener's status {n}")  # noqa: B023
        status = h.functions("snmp:trap-listener")[-1]
        assert status.status == eus_pb2.HEALTH_OK, status.message
        assert status.message.endswith(f"{len(users)} SNMPv3 users)")
        snmptrap("-v", "3", "-e", ENGINE_ID, *args, to, "", "1.3.6.1.6.3.1.1.5.1")
        snmptrap("-v", "2c", "-c", "public", to, "", LINK_DOWN)
        events = wait_events(h, 2 * n + 1)  # + the agent.toml target list
        assert [e.attrs["version"] for e in events[-2:]] == ["3", "2c"]
    # the deleted user and the old key are refused now
    snmptrap("-v", "3", "-e", ENGINE_ID, *V3_ARGS, to, "", LINK_DOWN)
    snmptrap("-v", "2c", "-c", "public", to, "", "1.3.6.1.6.3.1.1.5.2")
    events = wait_events(h, 2 * len(steps) + 2)
    assert events[-1].message == "warmStart"
    assert [e.kind for e in events].count("snmp.trap") == 2 * len(steps) + 1
