"""Alerting names and retires devices as the dashboard does: a message names a device by its
alias and tells two devices of one name apart; retiring a device resolves its open alerts
(the recipients of the firing are told) and it raises none afterwards. The real engine,
store, worker and SMTP server; only time is simulated."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from alerting.conftest import FakeClock
from alerting.smtp_server import SmtpServer
from alerting.timeline import OPS, make
from collector.alerting.feeds import Connection
from collector.alerting.models import Alert, AlertTransition
from collector.alerting.records import Actor
from collector.store.db import Store
from collector.store.models import AuditEntry, Device


def subjects(smtp: SmtpServer) -> list[str]:
    return [str(m.message["Subject"]) for m in smtp.mails if OPS in m.to]


def test_messages_name_devices_by_alias_and_tell_same_names_apart(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp)
    aliased, twin1, twin2 = tl.add_devices(3)
    with store.session() as s:
        s.get_one(Device, aliased).alias = "Reception PC"
        s.get_one(Device, twin1).hostname = "vm"
        s.get_one(Device, twin2).hostname = "VM"  # the same name, told apart case-insensitively
    tl.add_rule("instance_offline", {}, severity="critical", name="Instance offline")
    for d in (aliased, twin1, twin2):
        tl.feeds.connection(d, Connection.CLOSED_UNEXPECTED, "stream dropped without goodbye", clock())
    tl.run(30)
    (mail,) = [m for m in smtp.mails if OPS in m.to]
    assert "Reception PC" in mail.body and "pc0" not in mail.body
    assert "vm · a1" in mail.body and "VM · a2" in mail.body, mail.body


def test_retiring_resolves_open_alerts_and_raises_no_new_ones(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp)
    dev, other = tl.add_devices(2)
    tl.add_rule("instance_offline", {}, severity="critical", name="Instance offline")
    tl.feeds.connection(dev, Connection.CLOSED_UNEXPECTED, "crash", clock())
    tl.run(30)
    assert [s.split("]")[0] for s in subjects(smtp)] == ["[EUS FIRING"]

    with store.session() as s:
        s.get_one(Device, dev).retired_at = datetime.fromtimestamp(clock(), UTC)
    acted = tl.engine.retire_device(dev, Actor("user:sam"))
    assert len(acted) == 1 and acted[0].changed and acted[0].life.state.value == "resolved"
    tl.run(30)
    assert [s.split("]")[0] for s in subjects(smtp)] == ["[EUS FIRING", "[EUS RESOLVED"]

    # the retired machine drops its stream again: nothing fires; another device still alerts
    tl.feeds.connection(dev, Connection.OPENED, "", clock())
    tl.feeds.connection(dev, Connection.CLOSED_UNEXPECTED, "crash", clock())
    tl.feeds.connection(other, Connection.CLOSED_UNEXPECTED, "crash", clock())
    tl.run(60)
    with store.session() as s:
        states = {a.device_id: a.state for a in s.scalars(select(Alert))}
        reasons = [t.reason for t in s.scalars(select(AlertTransition).order_by(AlertTransition.id))]
        audited = [e.action for e in s.scalars(select(AuditEntry))]
    assert states == {dev: "resolved", other: "firing"}
    assert reasons.count("resolved by hand: device retired") == 1 and len(reasons) == 3
    assert audited == ["alert.resolve"]
    assert len(subjects(smtp)) == 3 and "pc1" in smtp.mails[-1].body
