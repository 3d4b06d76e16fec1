"""A trap listener that cannot listen raises the default "Function not OK" alert.

The gateway reports its listener as the function ``snmp:trap-listener`` and reports it critical
on every failed bind while it retries with backoff (``tests/agent_snmp/test_traps.py``); no rule
written by hand is needed for the technician to hear of it.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from alerting.conftest import FakeClock
from alerting.smtp_server import SmtpServer
from alerting.timeline import OPS, Timeline, make
from collector.alerting.defaults import install_defaults
from collector.alerting.models import Alert, AlertRule
from collector.store.db import Store

LISTENER = "snmp:trap-listener"


def _listener(tl: Timeline, dev_id: int, health: str, message: str, at: float) -> None:
    info = tl.engine.device(dev_id)
    assert info is not None
    tl.feeds.function_result(info, LISTENER, "SNMP trap listener", health, message=message, source=at)


def test_a_listener_that_cannot_bind_raises_the_default_alert_and_clears_when_it_listens(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp, group_wait_s=1)
    install_defaults(store)
    tl.engine.invalidate()
    (gw,) = tl.add_devices(1)
    down = "cannot listen on 0.0.0.0:162: Address already in use (retrying in {} s)"
    for delay in (1, 2, 4):  # the listener's retries, each reported critical
        _listener(tl, gw, "critical", down.format(delay), clock())
        tl.run(5)
    tl.run(10)
    with store.session() as s:
        rule_id = s.scalar(select(AlertRule.id).where(AlertRule.name == "Function not OK"))
        firing = list(s.scalars(select(Alert).where(Alert.state == "firing")))
    assert [(a.rule_id, a.subject, a.severity) for a in firing] == [(rule_id, LISTENER, "critical")]
    mails = [m for m in smtp.mails if OPS in m.to and "Function not OK" in m.subject]
    assert len(mails) == 1 and "Address already in use" in mails[0].body

    _listener(tl, gw, "ok", "listening on 0.0.0.0:162 (1 communities, 0 SNMPv3 users)", clock())
    tl.run(30)
    with store.session() as s:
        assert list(s.scalars(select(Alert).where(Alert.state == "firing"))) == []
