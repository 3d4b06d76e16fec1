"""A device retired by its gateway's agent.toml resolves its open alerts, as one retired in the
dashboard does; and what devices retired before either fix left open resolves at the
collector's start. The real engine, registry, store, worker and SMTP server; only time is
simulated."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from alerting.conftest import FakeClock
from alerting.smtp_server import SmtpServer
from alerting.timeline import OPS, Timeline, make
from collector import retired_alerts
from collector.alerting.feeds import Connection
from collector.alerting.models import Alert
from collector.app import Collector
from collector.config import load
from collector.snmp.models import INCLUDE_RETIRED, NetworkDevice
from collector.snmp.registry import AgentFileTargets, about_targets
from collector.store.db import Store
from collector.store.models import AuditEntry, Device


def subjects(smtp: SmtpServer) -> list[str]:
    return [str(m.message["Subject"]).split("]")[0] for m in smtp.mails if OPS in m.to]


def open_alerts(store: Store) -> list[tuple[int | None, str]]:
    with store.session() as s:
        rows = s.scalars(select(Alert).where(Alert.state == "firing").order_by(Alert.id))
        return [(a.device_id, a.subject) for a in rows]


def failing(tl: Timeline, gateway: int, *targets: str) -> None:
    """Each target's reachability function of ``gateway`` reports CRITICAL."""
    dev = tl.engine.device(gateway)
    assert dev is not None
    for t in targets:
        fid = f"{t}:reachability"
        tl.feeds.function_result(dev, fid, fid, "critical", message="timeout", source=tl.clock(), target=t)


def test_an_alert_subject_is_about_a_target_by_function_trap_inventory_or_series_label() -> None:
    about = about_targets(("lab-sw", "fe80::1"))
    assert about("lab-sw:reachability") and about("lab-sw:supply:1")  # functions
    assert about("lab-sw 1.3.6.1.6.3.1.1.5.3") and about("lab-sw")  # a trap it sent; itself
    assert about("if_index=3,target=lab-sw") and about("fe80::1:ups")
    assert not about("lab-sw2:reachability") and not about("target=lab-sw2")
    assert not about("snmp:trap-listener") and not about("") and not about_targets(())("lab-sw")


def test_a_target_dropped_from_agent_toml_resolves_its_open_alerts_and_only_its(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp)
    (gateway,) = tl.add_devices(1)
    tl.add_rule("function_status", {"consecutive": 1}, severity="critical", name="SNMP down")
    files = AgentFileTargets(store, on_retired=retired_alerts.snmp_retired(tl.engine))
    files.reconcile(gateway, {"lab-sw": "Lab switch", "lab-ap": "Lab AP"})
    failing(tl, gateway, "lab-sw", "lab-ap")
    tl.run(30)
    assert open_alerts(store) == [(gateway, "lab-sw:reachability"), (gateway, "lab-ap:reachability")]
    assert subjects(smtp) == ["[EUS FIRING"]  # grouped: one message

    files.reconcile(gateway, {"lab-ap": "Lab AP"})  # lab-sw deleted from the gateway's agent.toml
    tl.run(30)
    assert open_alerts(store) == [(gateway, "lab-ap:reachability")]
    assert subjects(smtp) == ["[EUS FIRING", "[EUS RESOLVED"]
    assert "lab-sw" in smtp.mails[-1].body
    with store.session() as s:
        audited = [(e.actor, e.action) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert audited[-2:] == [("system", "snmp.device.retire"), ("system", "alert.resolve")]


def test_alerts_left_open_by_devices_retired_earlier_resolve_at_start_once(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp)
    gateway, pc, other = tl.add_devices(3)
    tl.add_rule("function_status", {"consecutive": 1}, severity="critical", name="SNMP down")
    tl.add_rule("instance_offline", {}, severity="critical", name="Instance offline")
    AgentFileTargets(store).reconcile(gateway, {"lab-sw": "Lab switch", "lab-ap": "Lab AP"})
    failing(tl, gateway, "lab-sw", "lab-ap")
    for d in (pc, other):
        tl.feeds.connection(d, Connection.CLOSED_UNEXPECTED, "crash", clock())
    tl.run(30)
    assert len(open_alerts(store)) == 4
    # retired before retiring resolved anything: the alerts stayed firing
    AgentFileTargets(store).reconcile(gateway, {"lab-ap": "Lab AP"})
    with store.session() as s:
        s.get_one(Device, pc).retired_at = datetime.fromtimestamp(clock(), UTC)
    assert len(open_alerts(store)) == 4

    assert retired_alerts.resolve_already_retired(store, tl.engine) == 2
    tl.run(30)
    assert open_alerts(store) == [(gateway, "lab-ap:reachability"), (other, "")]
    assert retired_alerts.resolve_already_retired(store, tl.engine) == 0  # the next start: nothing left
    with store.session() as s:
        resolved_by = [
            e.actor for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "alert.resolve"))
        ]
        (sw,) = s.scalars(
            select(NetworkDevice)
            .where(NetworkDevice.retired_at.is_not(None))
            .execution_options(**{INCLUDE_RETIRED: True})
        )
    assert resolved_by == ["system", "system"] and sw.target_id == "lab-sw"


def test_the_collector_wires_retirement_by_agent_toml_into_the_alert_engine(tmp_path: Path) -> None:
    collector = Collector(load(env={}, overrides={"data_dir": tmp_path}))
    try:
        assert collector.snmp_files.on_retired is not None
    finally:
        collector.tsdb.close()
        collector.store.dispose()
