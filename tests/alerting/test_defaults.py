"""Default rules: each parses, a fresh store gets them once, a deleted or switched-off default
stays so across restarts, and the CPU default raises an alert by email for a busy machine
(the total, not each core) through the real SMTP server."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from alerting.conftest import FakeClock
from alerting.smtp_server import SmtpServer
from alerting.timeline import OPS, make
from collector.alerting.defaults import DEFAULT_RULES, install_defaults
from collector.alerting.models import Alert, AlertRule
from collector.alerting.rules import parse_params
from collector.store.db import Store


def test_default_keys_are_unique() -> None:
    keys = [d.key for d in DEFAULT_RULES]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("rule", DEFAULT_RULES, ids=lambda d: d.key)
def test_each_default_parses(rule: object) -> None:
    parse_params(rule.kind, rule.params)  # type: ignore[attr-defined]


def _names(store: Store) -> dict[str, bool]:
    with store.session() as s:
        return {r.name: r.enabled for r in s.scalars(select(AlertRule))}


def test_installed_once_and_a_deleted_or_disabled_default_stays_so(store: Store) -> None:
    assert install_defaults(store) == [d.key for d in DEFAULT_RULES]
    assert install_defaults(store) == []
    assert set(_names(store)) == {d.name for d in DEFAULT_RULES}
    with store.session() as s:
        s.execute(delete(AlertRule).where(AlertRule.name == "CPU busy"))
        s.execute(update(AlertRule).where(AlertRule.name == "Agent offline").values(enabled=False))
    assert install_defaults(store) == []
    names = _names(store)
    assert "CPU busy" not in names and names["Agent offline"] is False


def test_cpu_default_fires_for_the_total_not_per_core(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp, group_wait_s=1)
    install_defaults(store)
    tl.engine.invalidate()
    (dev,) = tl.add_devices(1)
    total = tl.series(dev, "cpu.percent", {"cpu": "total"})
    core = tl.series(dev, "cpu.percent", {"cpu": "0"})
    for _ in range(80):  # 400 s of a CPU hog, past the default's 5 minutes
        tl.sample(dev, total, 99.5)
        tl.sample(dev, core, 100.0)
        tl.run(5)
    fired = [m for m in smtp.mails if OPS in m.to and "CPU busy" in m.subject]
    assert len(fired) == 1
    with store.session() as s:
        alerts = list(s.scalars(select(Alert).where(Alert.state == "firing")))
    assert len(alerts) == 1 and alerts[0].severity == "critical"
    assert alerts[0].value == pytest.approx(99.5)
