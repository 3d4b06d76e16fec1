"""Alert notifications never reach a user a customer is hidden from ("Restrict access"), by
name or by role, even one who sees all customers; everyone else still gets them. The real
engine, store, worker and SMTP server; only time is simulated."""

from __future__ import annotations

from pathlib import Path

from alerting.conftest import FakeClock
from alerting.smtp_server import SmtpServer
from alerting.timeline import make
from collector.alerting.models import UserChannel
from collector.app import Collector
from collector.config import load
from collector.customers.access import hidden_map
from collector.customers.models import CustomerRestriction
from collector.store.db import Store
from collector.store.models import User

PEOPLE = (  # name, role, sees all customers
    ("tina", "technician", True),
    ("tom", "technician", True),
    ("sam", "supervisor", True),
    ("sue", "supervisor", True),
    ("ada", "administrator", True),
)


def received(smtp: SmtpServer, name: str) -> list[str]:
    return [str(m.message["Subject"]) for m in smtp.mails if f"{name}@msp.example" in m.to]


def test_a_hidden_customers_alerts_reach_neither_the_hidden_user_nor_the_hidden_role(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp)
    tl.engine.hide_customers(hidden_map)  # as the composition root wires it
    (dev,) = tl.add_devices(1)
    ids: dict[str, int] = {}
    with store.session() as s:
        for name, role, every in PEOPLE:
            u = User(username=name, password_hash="x", role=role, all_customers=every)
            s.add(u)
            s.flush()
            s.add(UserChannel(user_id=u.id, email=f"{name}@msp.example"))
            ids[name] = u.id
        s.add(CustomerRestriction(customer_id=tl.customer_id, user_id=ids["tom"], created_by="user:admin"))
    tl.add_rule("threshold", {"metric": "temp", "critical": 70}, escalate_after_s=600)
    sid = tl.series(dev, "temp")
    tl.sample(dev, sid, 80)
    tl.run(60)
    assert len(received(smtp, "tina")) == 1
    assert received(smtp, "tom") == []  # hidden from him by name
    with store.session() as s:  # now hidden from every supervisor too
        s.add(CustomerRestriction(customer_id=tl.customer_id, role="supervisor", created_by="user:admin"))
    tl.engine.invalidate()
    tl.run(1200)  # unacknowledged: escalates to the supervisors' tier, then the administrators'
    assert received(smtp, "sam") == [] and received(smtp, "sue") == []
    assert received(smtp, "tom") == []
    assert [s.startswith("[EUS ESCALATED]") for s in received(smtp, "ada")] == [True]


def test_the_collector_wires_the_restrictions_into_alert_routing(tmp_path: Path) -> None:
    collector = Collector(load(env={}, overrides={"data_dir": tmp_path}))
    try:
        assert collector.alerting.engine.hidden_customers is hidden_map
    finally:
        collector.tsdb.close()
        collector.store.dispose()
