"""Timeline tests with a controllable clock, in the style of Alertmanager's acceptance
tests: the real engine, store, worker and SMTP server; only time is simulated."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.sms_emulator import SmsEmulator

from alerting.conftest import FakeClock
from alerting.smtp_server import SmtpServer
from alerting.timeline import OPS, make
from collector.alerting.feeds import Connection
from collector.store.db import Store

CPU = {"metric": "cpu.percent", "op": ">", "warning": 90, "warning_clear": 80, "for_s": 300}


def subjects(smtp: SmtpServer, to: str = OPS) -> list[str]:
    return [str(m.message["Subject"]) for m in smtp.mails if to in m.to]


def test_flapping_with_hysteresis_gives_one_firing_and_one_resolved(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp)
    (dev,) = tl.add_devices(1)
    tl.add_rule("threshold", CPU, name="CPU busy")
    sid = tl.series(dev, "cpu.percent", {"cpu": "total"})
    for i in range(120):  # an hour, crossing the threshold every 30 s: 95, 85, 95 ...
        tl.sample(dev, sid, 95.0 if i % 2 == 0 else 85.0)
        tl.run(30)
    tl.sample(dev, sid, 50.0)  # back to normal for good
    tl.run(60)
    got = subjects(smtp)
    assert len(got) == 2, got
    assert got[0].startswith("[EUS FIRING]") and got[1].startswith("[EUS RESOLVED]")


def test_flapping_below_the_for_duration_never_fires(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp)
    (dev,) = tl.add_devices(1)
    tl.add_rule("threshold", CPU)
    sid = tl.series(dev, "cpu.percent", {"cpu": "total"})
    for i in range(120):  # crossing both the threshold and the clear level every 30 s
        tl.sample(dev, sid, 95.0 if i % 2 == 0 else 70.0)
        tl.run(30)
    assert subjects(smtp) == []
    from collector.alerting.models import Alert, AlertTransition

    with store.session() as s:
        (alert,) = s.query(Alert).all()
        steps = s.query(AlertTransition).count()
    assert alert.state == "inactive" and steps == 120  # 60 x pending -> inactive, all recorded


def test_maintenance_covering_an_alerts_whole_life_sends_nothing(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp)
    (dev,) = tl.add_devices(1)
    tl.add_rule("threshold", {**CPU, "for_s": 0})
    sid = tl.series(dev, "cpu.percent")
    t0 = clock()
    tl.add_window(t0, t0 + 3600, device_id=dev)
    tl.run(60)
    tl.sample(dev, sid, 99)
    tl.run(600)
    tl.sample(dev, sid, 10)
    tl.run(3600)  # the window ends long after the alert resolved
    assert subjects(smtp) == []
    assert [m.state for m in tl.messages()] == []
    from sqlalchemy import select

    from collector.alerting.models import AlertTransition

    with store.session() as s:
        reasons = [t.suppressed for t in s.scalars(select(AlertTransition))]
    assert reasons == ["maintenance", "maintenance"]  # recorded, not notified


def test_maintenance_ending_while_firing_sends_exactly_one(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp)
    (dev,) = tl.add_devices(1)
    tl.add_rule("threshold", {**CPU, "for_s": 0})
    sid = tl.series(dev, "cpu.percent")
    t0 = clock()
    tl.add_window(t0, t0 + 1800)
    tl.sample(dev, sid, 99)
    tl.run(1200)
    assert subjects(smtp) == []
    for _ in range(20):  # still firing at the window's end, and after it
        tl.sample(dev, sid, 99)
        tl.run(60)
    got = subjects(smtp)
    assert len(got) == 1 and got[0].startswith("[EUS FIRING]"), got


def test_200_devices_of_one_site_offline_is_one_message_per_contact(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer, sms: SmsEmulator
) -> None:
    tl = make(tmp_path, store, clock, smtp, sms=sms)
    devices = tl.add_devices(200)
    tl.add_rule("instance_offline", {}, severity="critical", notify_contacts=True, name="Instance offline")
    tl.add_contact(name="Ann", email="ann@acme.example", mobile="+4915100000001")
    tl.add_contact(name="Bob", email="bob@acme.example")
    for d in devices:
        tl.feeds.connection(d, Connection.CLOSED_UNEXPECTED, "stream dropped without goodbye", clock())
    tl.run(30)
    for who in ("ann@acme.example", "bob@acme.example", OPS):
        got = subjects(smtp, who)
        assert len(got) == 1, (who, got)
        assert "200 alerts" in got[0]
    assert len(sms.messages) == 1 and "200 alerts" in sms.messages[0].body
    body = next(m for m in smtp.mails if "bob@acme.example" in m.to).body
    assert "pc0" in body and "more" in body


def test_offline_inhibits_the_devices_own_alerts(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp)
    (dev,) = tl.add_devices(1)
    tl.add_rule("instance_offline", {}, severity="critical")
    tl.add_rule("function_status", {"consecutive": 1})
    tl.feeds.connection(dev, Connection.CLOSED_UNEXPECTED, "crash", clock())
    tl.run(30)
    dinfo = tl.engine.device(dev)
    assert dinfo is not None
    tl.feeds.function_result(
        dinfo, "snmp:switch1", "switch1 ping", "critical", message="timeout", source=clock()
    )
    tl.run(30)
    got = subjects(smtp)
    assert len(got) == 1 and "offline" in got[0].lower(), got
    tl.feeds.connection(dev, Connection.OPENED, "", clock())  # back: the held-back alert goes out
    tl.run(30)
    got = subjects(smtp)
    assert any("switch1" in m.body for m in smtp.mails[1:]), got


def test_a_tick_works_out_the_offline_devices_once_not_once_an_alert(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every firing alert asks whether its device is offline; with A alerts, asking the whole
    memory each time made a tick cost A x A (1,000 devices' alerts: a million steps a second)."""
    tl = make(tmp_path, store, clock, smtp)
    devices = tl.add_devices(60)
    tl.add_rule("instance_offline", {}, severity="critical")
    tl.add_rule("threshold", {**CPU, "for_s": 0})
    for d in devices[:10]:
        tl.feeds.connection(d, Connection.CLOSED_UNEXPECTED, "crash", clock())
    for d in devices:
        tl.sample(d, tl.series(d, "cpu.percent"), 99)
    tl.run(30)
    assert len([r for r in tl.engine.alerts() if r.life.state.value == "firing"]) == 70
    calls: list[int] = []
    real = tl.engine.offline_devices

    def counted() -> set[int]:
        calls.append(1)
        return real()

    monkeypatch.setattr(tl.engine, "offline_devices", counted)
    tl.engine.tick()
    assert len(calls) == 1
    # one message for the 10 offline (grouped), one for each online device's CPU; none for the
    # offline devices' own CPU alerts, still held back
    assert len(subjects(smtp)) == 1 + 50


def test_clean_shutdown_is_shown_not_paged(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp)
    (dev,) = tl.add_devices(1)
    tl.add_rule("instance_offline", {}, severity="critical")
    tl.feeds.connection(dev, Connection.CLOSED_CLEAN, "agent stopping", clock())
    tl.run(30)
    (rec,) = tl.engine.alerts()
    assert rec.life.state.value == "firing" and rec.life.severity.value == "info"
    assert "clean shutdown" in rec.summary
    assert subjects(smtp) == []


def test_min_priority_critical_gets_no_warning_copies(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp)
    (dev,) = tl.add_devices(1)
    tl.add_rule("threshold", {"metric": "disk.percent", "warning": 80, "critical": 95}, notify_contacts=True)
    tl.add_contact(name="Boss", email="boss@acme.example", min_severity="critical")
    tl.add_contact(name="Admin", email="it@acme.example", min_severity="warning")
    sid = tl.series(dev, "disk.percent")
    tl.sample(dev, sid, 85)
    tl.run(30)
    assert len(subjects(smtp, "it@acme.example")) == 1
    assert subjects(smtp, "boss@acme.example") == []
    tl.sample(dev, sid, 97)  # now critical: both get it
    tl.run(30)
    assert len(subjects(smtp, "boss@acme.example")) == 1
    assert len(subjects(smtp, "it@acme.example")) == 2


def test_escalation_until_acknowledged(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    from collector.alerting.models import Alert, UserChannel
    from collector.alerting.records import Actor
    from collector.store.models import User

    tl = make(tmp_path, store, clock, smtp)
    (dev,) = tl.add_devices(1)
    with store.session() as s:
        for name, role in (("tina", "technician"), ("sam", "supervisor"), ("ada", "administrator")):
            u = User(username=name, password_hash="x", role=role, all_customers=True)
            s.add(u)
            s.flush()
            s.add(UserChannel(user_id=u.id, email=f"{name}@msp.example"))
    tl.add_rule("threshold", {"metric": "temp", "critical": 70}, escalate_after_s=600)
    sid = tl.series(dev, "temp")
    tl.sample(dev, sid, 80)
    tl.run(60)
    assert len(subjects(smtp, "tina@msp.example")) == 1 and subjects(smtp, "sam@msp.example") == []
    tl.run(600)
    assert len(subjects(smtp, "sam@msp.example")) == 1
    assert subjects(smtp, "sam@msp.example")[0].startswith("[EUS ESCALATED]")
    with store.session() as s:
        alert_id = s.query(Alert).one().id
    tl.engine.acknowledge(alert_id, Actor("user:sam"))  # what the dashboard's form calls
    tl.run(1800)
    assert subjects(smtp, "ada@msp.example") == []


def test_missing_close_events_are_recovered_from_the_device_state(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from collector.store.models import Device

    tl = make(tmp_path, store, clock, smtp, group_wait_s=1, offline_group_wait_s=1)
    stale, crashed, revoked, clean = tl.add_devices(4)
    tl.add_rule("instance_offline", {}, severity="critical", name="Instance offline")
    start = datetime.fromtimestamp(clock(), UTC)
    with store.session() as s:
        for dev, state, seen, gone in (
            (stale, "offline-unexpected", start - timedelta(hours=1), None),  # offline across a restart
            (crashed, "offline-unexpected", start + timedelta(seconds=5), None),  # close event lost
            (revoked, "offline-unexpected", start + timedelta(seconds=5), start),
            (clean, "offline-clean", start - timedelta(hours=1), None),  # stopped before: not news
        ):
            s.execute(
                update(Device)
                .where(Device.id == dev)
                .values(stream_state=state, last_seen=seen, revoked_at=gone)
            )
    clock.advance(10)
    tl.feeds.check_silent()
    assert {r.device.id for r in tl.engine.alerts() if r.device} == {crashed}
    clock.advance(30)  # offline_after_s since the start, and the stale one has not come back
    tl.feeds.check_silent()
    tl.run(10)
    assert {r.device.id for r in tl.engine.alerts() if r.device} == {crashed, stale}
    assert all(r.life.severity.value == "critical" for r in tl.engine.alerts())
