"""Traps raise alerts: the pure mapping (standard traps by default, a rule's own mapping
otherwise), and through the feeds a linkDown forwarded in a committed batch raises one alert
per sender that mails the operator and resolves itself after the hold time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from alerting.conftest import FakeClock
from alerting.smtp_server import SmtpServer
from alerting.timeline import OPS, make
from collector.alerting.domain import Severity
from collector.alerting.rules import RuleError, snmp_trap
from collector.bus import BatchCommitted
from collector.store.db import Store
from eus.v1 import eus_pb2

LINK_DOWN = "1.3.6.1.6.3.1.1.5.3"
LINK_UP = "1.3.6.1.6.3.1.1.5.4"
ON_BATTERY = "1.3.6.1.2.1.33.2.1"


@pytest.mark.parametrize(
    ("raw", "oid", "severity"),
    [
        ({}, LINK_DOWN, Severity.WARNING),
        ({}, ON_BATTERY, Severity.CRITICAL),
        ({}, LINK_UP, None),
        ({}, "." + LINK_DOWN, Severity.WARNING),
        ({"traps": {LINK_UP: "info"}}, LINK_UP, Severity.INFO),
        ({"traps": {LINK_UP: "info"}}, LINK_DOWN, None),  # an own mapping replaces the standard one
    ],
)
def test_mapping(raw: dict[str, object], oid: str, severity: Severity | None) -> None:
    v = snmp_trap.evaluate(snmp_trap.parse(raw), oid, "linkX", "switch-1")
    assert (v.severity if v else None) == severity
    if v is not None:
        assert v.active and "switch-1" in v.summary


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"traps": ["x"]}, "traps: an object"),
        ({"traps": {"1.3.x": "warning"}}, "not a numeric OID"),
        ({"traps": {LINK_DOWN: "loud"}}, "one of info, warning, critical"),
    ],
)
def test_bad_params(raw: dict[str, object], message: str) -> None:
    with pytest.raises(RuleError, match=message):
        snmp_trap.parse(raw)


def _trap(oid: str, message: str, target: str) -> eus_pb2.Event:
    return eus_pb2.Event(
        ts_ms=1,
        kind="snmp.trap",
        source="10.0.0.9",
        severity="warning",
        message=message,
        attrs={"trap_oid": oid, "version": "2c", "target": target},
    )


def test_a_forwarded_link_down_raises_an_alert_that_resolves_itself(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp, group_wait_s=1)
    (gateway,) = tl.add_devices(1)
    tl.add_rule("snmp_trap", {"hold_s": 600}, name="SNMP trap received")
    empty = np.array([], dtype=np.uint32)
    events = [
        _trap(LINK_DOWN, "linkDown", "sw1"),
        _trap(LINK_UP, "linkUp", "sw1"),
        _trap(LINK_DOWN, "linkDown", "sw2"),
    ]
    tl.feeds.on_batch(
        BatchCommitted(
            gateway,
            1,
            1,
            empty,
            np.array([], dtype=np.int64),
            np.array([], dtype=np.float64),
            events=events,
            committed_at=clock(),
        )
    )
    tl.run(10)
    fired = [m for m in smtp.mails if OPS in m.to and m.subject.startswith("[EUS FIRING]")]
    assert len(fired) == 1 and "2 alerts" in fired[0].subject  # sw1 and sw2, grouped; linkUp maps to nothing
    tl.run(700)
    assert any(m.subject.startswith("[EUS RESOLVED]") for m in smtp.mails)
