"""The feeds with the real event classes: a committed batch carrying samples, function
results and a gap; inventory changes; forecasts over stored DuckDB history; and alert
identity surviving a restart of the engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alerting.conftest import FakeClock
from alerting.smtp_server import SmtpServer
from alerting.timeline import OPS, make
from collector.alerting.engine import AlertEngine, EngineSettings
from collector.bus import BatchCommitted, InventoryChanged
from collector.inventory.changes import Change, ChangeKind
from collector.store.db import Store
from collector.tsdb.ingest.writer import GapInfo
from eus.v1 import eus_pb2


def _batch(device: int, clock: FakeClock, **kw: object) -> BatchCommitted:
    empty_ids = np.array([], dtype=np.uint32)
    return BatchCommitted(
        device,
        1,
        1,
        empty_ids,
        np.array([], dtype=np.int64),
        np.array([], dtype=np.float64),
        committed_at=clock(),
        **kw,  # type: ignore[arg-type]
    )


def test_function_results_and_gaps_from_a_committed_batch(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp, group_wait_s=1)
    (dev,) = tl.add_devices(1)
    tl.add_rule("function_status", {"consecutive": 2, "function": "http:*"}, name="Web check")
    tl.add_rule("data_gap", {"min_samples": 10, "hold_s": 600}, name="Data gap")
    bad = eus_pb2.FunctionResult(
        id="http:intranet", name="Intranet", status=eus_pb2.HEALTH_CRITICAL, message="HTTP 500"
    )
    tl.feeds.on_batch(_batch(dev, clock, functions=[bad]))
    tl.run(10)
    assert smtp.mails == []  # one failed check is not two
    tl.feeds.on_batch(_batch(dev, clock, functions=[bad], gap=GapInfo(1, 500, 0, 1, "spool full")))
    tl.run(10)
    subjects = sorted(m.subject for m in smtp.mails)
    assert (
        len(subjects) == 2
        and any("Web check" in s for s in subjects)
        and any("Data gap" in s for s in subjects)
    )
    ok = eus_pb2.FunctionResult(
        id="http:intranet", name="Intranet", status=eus_pb2.HEALTH_OK, message="HTTP 200"
    )
    tl.feeds.on_batch(_batch(dev, clock, functions=[ok]))
    tl.run(700)  # the web check resolves at once, the gap after its hold time
    resolved = [m.subject for m in smtp.mails if m.subject.startswith("[EUS RESOLVED]")]
    assert len(resolved) == 2


def test_inventory_changes_alert_by_class(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp, group_wait_s=1)
    (dev,) = tl.add_devices(1)
    tl.add_rule("inventory_change", {"watch": ["software", "serial"]}, name="Inventory")
    changes = [
        Change("package", "nginx", ChangeKind.INSTALLED, None, {"version": "1.22"}),
        Change("disk", "sda", ChangeKind.SERIAL_CHANGED, {"serial": "A"}, {"serial": "B"}),
        Change("memory_module", "DIMM0", ChangeKind.ADDED, None, {"size": "8G"}),  # hardware: not watched
    ]
    tl.feeds.on_inventory(InventoryChanged(dev, tl.customer_id, "", changes))
    tl.run(10)
    (mail,) = [m for m in smtp.mails if OPS in m.to]  # one device, one rule family: one message
    assert "2 alerts" in mail.subject
    assert "installed package nginx" in mail.body and "serial_changed disk sda" in mail.body
    assert "DIMM0" not in mail.body


def test_forecast_over_stored_history(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp, group_wait_s=1)
    filling, steady = tl.add_devices(2)
    tl.add_rule(
        "forecast", {"metric": "disk.percent", "limit": 100, "horizon_s": 3 * 86400}, name="Disk full soon"
    )
    cur = tl.tsdb.cursor()
    for dev, per_day in ((filling, 30.0), (steady, 0.5)):
        sid = tl.series(dev, "disk.percent", {"mount": "/"})
        ts = np.arange(clock() - 86400, clock(), 600.0)
        for t in ts:
            cur.execute(
                "INSERT INTO samples VALUES (?, make_timestamp(CAST(? * 1000000 AS BIGINT)), ?)",
                [sid, float(t), 40 + per_day * (t - ts[0]) / 86400],
            )
    assert tl.feeds.run_forecasts() == 2
    tl.run(10)
    (mail,) = smtp.mails
    assert "Disk full soon" in mail.subject and "pc0" in mail.body and "reaches 100" in mail.body


def test_alert_identity_and_state_survive_a_restart(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp, group_wait_s=1)
    (dev,) = tl.add_devices(1)
    tl.add_rule("threshold", {"metric": "temp", "critical": 70})
    sid = tl.series(dev, "temp")
    tl.sample(dev, sid, 80)
    tl.run(10)
    (before,) = tl.engine.alerts()
    assert len(smtp.mails) == 1
    again = AlertEngine(store, clock=clock, settings=EngineSettings(group_wait_s=1, ops_email=OPS))
    assert again.load() == 1
    tl.engine, tl.feeds.engine = again, again
    tl.sample(dev, sid, 85)  # still hot after the restart: no new transition, no new message
    tl.run(10)
    (after,) = again.alerts()
    assert (after.id, after.fingerprint, after.life.state) == (
        before.id,
        before.fingerprint,
        before.life.state,
    )
    assert len(smtp.mails) == 1
    tl.sample(dev, sid, 20)
    tl.run(10)
    assert [m.subject.split("]")[0] for m in smtp.mails] == ["[EUS FIRING", "[EUS RESOLVED"]


def test_a_new_rule_of_a_deleted_rules_family_takes_over_its_alert(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    from collector.alerting.models import Alert, AlertRule

    tl = make(tmp_path, store, clock, smtp, group_wait_s=1)
    (dev,) = tl.add_devices(1)
    old = tl.add_rule("threshold", {"metric": "temp", "critical": 70}, family="temp")
    sid = tl.series(dev, "temp")
    tl.sample(dev, sid, 80)
    tl.sample(dev, sid, 20)
    with store.session() as s:
        s.delete(s.get(AlertRule, old))
    fresh = AlertEngine(store, clock=clock, settings=EngineSettings(group_wait_s=1, ops_email=OPS))
    assert fresh.load() == 0  # resolved alerts of deleted rules stay history
    tl.engine, tl.feeds.engine = fresh, fresh
    new = tl.add_rule("threshold", {"metric": "temp", "critical": 60}, family="temp")
    tl.engine.invalidate()
    tl.sample(dev, sid, 65)
    tl.run(10)
    with store.session() as s:
        (alert,) = s.query(Alert).all()
        assert (alert.rule_id, alert.state) == (new, "firing")


def test_a_generic_interface_rule_never_fires_for_ports_that_are_administratively_down(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    """Issue #10.8: "ifOperStatus is down" on every port fires for ports an operator shut."""
    tl = make(tmp_path, store, clock, smtp, group_wait_s=1)
    (dev,) = tl.add_devices(1)
    tl.feeds.name_of = lambda gateway, target: "Core switch" if (gateway, target) == (dev, "sw1") else ""
    tl.add_rule("threshold", {"metric": "snmp.if.oper_status", "op": ">=", "critical": 2})
    port = {"target": "sw1", "ifIndex": "7", "ifName": "Gi0/7"}
    oper, admin = tl.series(dev, "snmp.if.oper_status", port), tl.series(dev, "snmp.if.admin_status", port)

    def poll(admin_status: float, oper_status: float) -> None:  # one poll: both in one batch
        assert tl.engine.device(dev) is not None
        tl.feeds.samples(
            tl.engine.device(dev),  # type: ignore[arg-type]
            np.array([admin, oper], dtype=np.uint32),
            np.array([int(clock() * 1000)] * 2, dtype=np.int64),
            np.array([admin_status, oper_status], dtype=np.float64),
            clock(),
        )

    poll(2, 2)  # shut on purpose: down is no news
    tl.run(10)
    assert tl.engine.alerts() == []
    poll(1, 2)  # enabled again but the link is down: that is
    tl.run(10)
    (alert,) = tl.engine.alerts()
    assert alert.life.state == "firing"
    # the alert names the SNMP device, not only its gateway and raw ids (#10.8)
    assert alert.summary == "Core switch: snmp.if.oper_status = 2 >= 2"
    poll(2, 2)  # shut while firing: the alert clears
    tl.run(10)
    assert [a for a in tl.engine.alerts() if a.life.state == "firing"] == []
