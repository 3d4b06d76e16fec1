"""The gateway's pure decisions: which profiles, what inventory changed, how a trap reads,
how a failure is named, and how a walk copes with what devices send back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import pytest

from agent.snmp import discovery, inventory, trap_drops
from agent.snmp.oids import IpAddress, Oid, VarBind, oid
from agent.snmp.status import ResponseError, SnmpError, Status, classify
from agent.snmp.traps import build_event
from agent.snmp.walk import Walker
from agent_snmp.fake_device import Device
from eus.v1 import eus_pb2

IF_DESCR = oid("1.3.6.1.2.1.2.2.1.2")
HR_STORAGE = oid("1.3.6.1.2.1.25.2.3.1.3")
PRT_SUPPLY = oid("1.3.6.1.2.1.43.11.1.1.6")
UPS_BATTERY = oid("1.3.6.1.2.1.33.1.2.1")
ENT_DESCR = oid("1.3.6.1.2.1.47.1.1.1.1.2")
LLDP_REM = oid("1.0.8802.1.1.2.1.4.1.1.5")
CISCO = oid("1.3.6.1.4.1.9.1.617")
APC_UPS = oid("1.3.6.1.4.1.318.1.3.2.12")


def inside(root: Oid) -> Oid:
    return (*root, 1)


@pytest.mark.parametrize(
    ("sys_object_id", "answers", "requested", "profiles"),
    [
        (
            CISCO,
            {IF_DESCR: inside(IF_DESCR), ENT_DESCR: inside(ENT_DESCR)},
            (),
            ("system", "interfaces", "entity"),
        ),
        (
            CISCO,
            {IF_DESCR: inside(IF_DESCR), LLDP_REM: inside(LLDP_REM)},
            (),
            ("system", "interfaces", "lldp"),
        ),
        # A GETNEXT that runs past the probed column is no evidence.
        (CISCO, {IF_DESCR: oid("1.3.6.1.2.1.2.2.1.3.1"), HR_STORAGE: None}, (), ("system",)),
        (
            (1, 3, 6, 1, 4, 1, 8072, 3, 2, 10),
            {IF_DESCR: inside(IF_DESCR), HR_STORAGE: inside(HR_STORAGE)},
            (),
            ("system", "interfaces", "host_resources"),
        ),
        (
            (1, 3, 6, 1, 4, 1, 11, 2, 3, 9, 1),
            {PRT_SUPPLY: inside(PRT_SUPPLY), IF_DESCR: inside(IF_DESCR)},
            (),
            ("system", "interfaces", "printer"),
        ),
        ((1, 3, 6, 1, 4, 1, 705, 1), {UPS_BATTERY: (*UPS_BATTERY, 0)}, (), ("system", "ups")),
        (APC_UPS, {}, (), ("system", "ups")),  # by sysObjectID alone
        (
            CISCO,
            {IF_DESCR: inside(IF_DESCR)},
            ("printer", "interfaces", "fax"),
            ("system", "interfaces", "printer"),
        ),
    ],
)
def test_profile_choice(
    sys_object_id: Oid, answers: dict[Oid, Oid | None], requested: tuple[str, ...], profiles: tuple[str, ...]
) -> None:
    assert discovery.choose(sys_object_id, answers, requested).profiles == profiles


def test_unknown_requested_profiles_are_reported_and_probes_skip_what_the_oid_decided() -> None:
    assert discovery.choose(CISCO, {}, ("fax",)).unknown == ("fax",)
    assert UPS_BATTERY not in discovery.probes_needed(APC_UPS)
    assert UPS_BATTERY in discovery.probes_needed(CISCO)  # scalars are probed by their object OID
    assert discovery.probe_root(oid("1.3.6.1.2.1.33.1.2.1.0")) == UPS_BATTERY


def _item(kind: str, key: str, **attrs: str) -> eus_pb2.InventoryItem:
    return eus_pb2.InventoryItem(kind=kind, key=key, attrs=attrs)


def test_inventory_full_first_then_only_differences_then_nothing() -> None:
    first = inventory.index_items([_item("interface", "1", name="Gi1"), _item("interface", "2", name="Gi2")])
    full = inventory.report("snmp-1", 1000, first, None)
    assert full is not None and full.full and [i.key for i in full.upserts] == ["1", "2"]
    second = inventory.index_items(
        [_item("interface", "1", name="Gi1 uplink"), _item("entity", "1", serial="X")]
    )
    diff = inventory.report("snmp-1", 2000, second, first)
    assert diff is not None and not diff.full
    assert [(i.kind, i.key, dict(i.attrs)) for i in diff.upserts] == [
        ("entity", "1", {"serial": "X"}),
        ("interface", "1", {"name": "Gi1 uplink"}),
    ]
    assert [(k.kind, k.key) for k in diff.removals] == [("interface", "2")]
    assert inventory.report("snmp-1", 3000, second, second) is None


TRAP_OID = oid("1.3.6.1.6.3.1.1.4.1.0")
UPTIME = oid("1.3.6.1.2.1.1.3.0")


@pytest.mark.parametrize(
    ("version", "user", "trap", "severity", "message", "who"),
    [
        ("2c", "", oid("1.3.6.1.6.3.1.1.5.3"), "warning", "linkDown", ("community", "***")),
        ("1", "", oid("1.3.6.1.6.3.1.1.5.1"), "info", "coldStart", ("community", "***")),
        (
            "3",
            "trapuser",
            oid("1.3.6.1.6.3.1.1.5.5"),
            "warning",
            "authenticationFailure",
            ("user", "trapuser"),
        ),
        (
            "3",
            "trapuser",
            oid("1.3.6.1.4.1.9.9.41.2.0.1"),
            "info",
            "1.3.6.1.4.1.9.9.41.2.0.1",
            ("user", "trapuser"),
        ),
    ],
)
def test_trap_events(  # noqa: PLR0917 -- one parameter per table column
    version: str, user: str, trap: Oid, severity: str, message: str, who: tuple[str, str]
) -> None:
    varbinds: list[VarBind] = [
        (UPTIME, 12345),
        (TRAP_OID, trap),
        (oid("1.3.6.1.2.1.2.2.1.1.7"), 7),
        (oid("1.3.6.1.2.1.2.2.1.2.7"), b"GigabitEthernet0/7"),
        (oid("1.3.6.1.6.3.18.1.3.0"), IpAddress("192.0.2.7")),
    ]
    event = build_event(
        ts_ms=1, source="192.0.2.7", version=version, user=user, varbinds=varbinds, target_id="snmp-3"
    )
    assert (event.kind, event.source, event.severity, event.message) == (
        "snmp.trap",
        "192.0.2.7",
        severity,
        message,
    )
    attrs = dict(event.attrs)
    assert attrs[who[0]] == who[1]
    assert attrs["trap_oid"] == ".".join(map(str, trap))
    assert attrs["version"] == version
    assert attrs["target"] == "snmp-3"
    assert attrs["1.3.6.1.2.1.2.2.1.2.7"] == "GigabitEthernet0/7"
    assert attrs["1.3.6.1.6.3.18.1.3.0"] == "192.0.2.7"
    assert "public" not in str(event)


@pytest.mark.parametrize(
    ("indication", "status", "text"),
    [
        ("WrongDigest", Status.AUTH, "auth failure (wrong key or unknown user): wrong digest"),
        ("UnknownUserName", Status.AUTH, "the device does not know user 'mon'"),
        ("DecryptionError", Status.AUTH, "decryption failed"),
        ("UnsupportedSecurityLevel", Status.AUTH, "not allowed this security level"),
        ("RequestTimedOut", Status.TIMEOUT, "timeout: no response from 192.0.2.1:161 after 2 tries"),
        ("NotInTimeWindow", Status.ERROR, "could not be synchronised"),
        ("SomethingNew", Status.ERROR, "error: SomethingNew"),
    ],
)
def test_failures_are_named_for_the_technician(indication: str, status: Status, text: str) -> None:
    error = classify(indication, user="mon", address="192.0.2.1:161", tries=2)
    assert error.status is status
    assert text in str(error)


COL_A, COL_B = oid("1.3.6.1.2.1.2.2.1.10"), oid("1.3.6.1.2.1.2.2.1.16")
SCALAR = oid("1.3.6.1.2.1.1.3.0")


def _records(rows: int) -> dict[Oid, int]:
    out = {SCALAR: 99}
    for i in range(1, rows + 1):
        out[(*COL_A, i)] = i
        out[(*COL_B, i)] = 1000 + i
    out[oid("1.3.6.1.2.1.2.2.1.20.1")] = 5
    return out


@pytest.mark.parametrize(
    ("device", "max_reps"),
    [
        (Device(_records(50)), 25),
        (Device(_records(50), cap=7), 25),  # the device truncates every answer
        (Device(_records(50), too_big_above=20), 25),  # tooBig until the repetitions fit
        (Device(_records(3)), 1),
        (Device(_records(0)), 25),
    ],
)
def test_walks_return_every_row_whatever_the_device_sends(device: Device, max_reps: int) -> None:
    rows = sum(1 for k in device.records if k[:-1] == COL_A)
    walker = Walker(device, max_reps)
    data = asyncio.run(walker.fetch([SCALAR], [COL_A, COL_B]))
    assert data.scalars == {SCALAR: 99}
    assert data.column(COL_A) == {(i,): i for i in range(1, rows + 1)}
    assert data.column(COL_B) == {(i,): 1000 + i for i in range(1, rows + 1)}
    assert device.requests[0][0] == 1  # the scalar rode along as a non-repeater


def test_the_next_poll_asks_for_one_row_past_the_rows_the_last_one_found() -> None:
    records = _records(57)
    device = Device(records)
    walker = Walker(device, 25)
    asyncio.run(walker.fetch([SCALAR], [COL_A, COL_B]))
    assert [r[2] for r in device.requests] == [25, 25, 25]  # the first poll does not know the length
    device.requests.clear()
    data = asyncio.run(walker.fetch([SCALAR], [COL_A, COL_B]))
    assert [r[2] for r in device.requests] == [25, 25, 8]  # 57 rows + 1 to see the end
    assert len(data.column(COL_A)) == len(data.column(COL_B)) == 57
    # The table grew: the walk goes on past the hint with the full repetitions.
    for i in range(58, 71):
        records[(*COL_A, i)] = i
        records[(*COL_B, i)] = 1000 + i
    device.records = dict(sorted(records.items()))
    device.requests.clear()
    data = asyncio.run(walker.fetch([SCALAR], [COL_A, COL_B]))
    assert data.column(COL_A) == {(i,): i for i in range(1, 71)}
    assert [r[2] for r in device.requests] == [25, 25, 8, 25]
    # And shrank: nothing is invented, the walk stops where the table ends.
    for i in range(11, 71):
        del records[(*COL_A, i)], records[(*COL_B, i)]
    device.records = dict(sorted(records.items()))
    data = asyncio.run(walker.fetch([SCALAR], [COL_A, COL_B]))
    assert data.column(COL_B) == {(i,): 1000 + i for i in range(1, 11)}


def test_a_device_looping_on_one_oid_cannot_keep_the_walk_going() -> None:
    device = Device(_records(5), loop_at=(*COL_A, 3))
    data = asyncio.run(Walker(device, 25).fetch([], [COL_A]))
    assert data.column(COL_A) == {(1,): 1, (2,): 2, (3,): 3}  # then it stopped


def test_a_refused_request_is_an_error_with_the_status_name() -> None:
    class Refusing(Device):
        async def get_bulk(
            self, non_repeaters: Sequence[Oid], repeaters: Sequence[Oid], max_repetitions: int
        ) -> list[VarBind]:
            raise ResponseError(5, 1)

    with pytest.raises(SnmpError, match="answered genErr for GETBULK"):
        asyncio.run(Walker(Refusing({}), 25).fetch([], [COL_A]))


@pytest.mark.parametrize(
    ("text", "octets"),
    [
        ("80001f8880aabbccdd", bytes.fromhex("80001f8880aabbccdd")),
        ("0x8000000001020304", bytes.fromhex("8000000001020304")),
        ("80:00:00:00:01", bytes.fromhex("8000000001")),
        ("8000", None),  # too short
        ("xyz", None),
        ("", None),
    ],
)
def test_engine_ids_from_configuration(text: str, octets: bytes | None) -> None:
    from agent.snmp.traps import parse_engine_id

    assert parse_engine_id(text) == octets


def test_trap_drops_are_summed_per_reason_and_logged_at_most_once_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = {"wrong community": 1, "wrong priv key": 0}
    now = {"wrong community": 3, "wrong priv key": 1, "unknown user": 0}
    assert trap_drops.summary(before, now) == "2 wrong community, 1 wrong priv key"
    assert trap_drops.metrics({"wrong auth key": 2})["dropped_wrong_auth_key"] == 2.0
    drop_log = trap_drops.DropLog("0.0.0.0:162", every_s=60)
    with caplog.at_level(logging.WARNING, logger="agent.snmp.trap_drops"):
        drop_log.update({"wrong community": 1}, now=0.0)
        drop_log.update({"wrong community": 5}, now=30.0)  # held back
        drop_log.update({"wrong community": 7}, now=61.0)  # the 6 since the last line
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert "dropped notification(s): 1 wrong community" in lines[0]
    assert "dropped notification(s): 6 wrong community" in lines[1]
