"""Default rules: each parses, a fresh store gets them once, a deleted or switched-off default
stays so across restarts, and the CPU default raises an alert by email for a busy machine
(the total, not each core) through the real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from alerting.conftest import FakeClock
from alerting.smtp_server import SmtpServer
from alerting.timeline import OPS, Timeline, make
from collector.alerting.cert_check import run_cert_checks
from collector.alerting.defaults import DEFAULT_RULES, install_defaults
from collector.alerting.models import Alert, AlertRule
from collector.alerting.rules import parse_params
from collector.store.db import Store
from collector.store.models import Device
from eus.catalogue import spec


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
    tl, (dev,) = _timeline(tmp_path, store, clock, smtp, 1)
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


@pytest.mark.parametrize("rule", [d for d in DEFAULT_RULES if "metric" in d.params], ids=lambda d: d.key)
def test_each_default_watches_a_metric_the_agent_emits(rule: object) -> None:
    metric = rule.params["metric"]  # type: ignore[attr-defined]
    found = spec(metric)
    assert found is not None, f"{metric} is not in eus/catalogue.py"
    for label in rule.params.get("labels", {}):  # type: ignore[attr-defined]
        assert label in found.labels | found.optional_labels


def _timeline(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer, devices: int
) -> tuple[Timeline, list[int]]:
    """A timeline on a fresh install: the defaults in place, ``devices`` devices of Acme."""
    tl = make(tmp_path, store, clock, smtp, group_wait_s=1)
    install_defaults(store)
    tl.engine.invalidate()
    return tl, tl.add_devices(devices)


def _fire(tl: Timeline, dev: int, name: str, labels: dict[str, str], *, value: float, seconds: int) -> None:
    sid = tl.series(dev, name, labels)
    for _ in range(seconds // 5):
        tl.sample(dev, sid, value)
        tl.run(5)


def _firing(store: Store) -> list[tuple[str, str]]:
    with store.session() as s:
        rows = s.execute(
            select(AlertRule.name, Alert.severity)
            .join(AlertRule, AlertRule.id == Alert.rule_id)
            .where(Alert.state == "firing")
        ).all()
    return sorted((str(n), str(sev)) for n, sev in rows)


def test_default_cpu_alert_reaches_the_customer_contacts_by_their_minimum_severity(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl, (dev,) = _timeline(tmp_path, store, clock, smtp, 1)
    tl.add_contact(name="Office manager", email="boss@acme.example", min_severity="warning")
    tl.add_contact(name="Owner", email="owner@acme.example", min_severity="critical")
    _fire(tl, dev, "cpu.percent", {"cpu": "total"}, value=95.0, seconds=400)  # warning: above 90, below 98
    to = [addr for m in smtp.mails if "CPU busy" in m.subject for addr in m.to]
    assert "boss@acme.example" in to and "owner@acme.example" not in to


def test_new_defaults_fire_on_what_the_snmp_gateway_reports(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl, (gw,) = _timeline(tmp_path, store, clock, smtp, 1)
    port = {"target": "sw1", "ifIndex": "3", "ifName": "ge-3"}
    shut = {"target": "sw1", "ifIndex": "4", "ifName": "ge-4"}
    waste = {"target": "prn", "index": "6", "descr": "Toner Collection Unit", "color": ""}
    tl.sample(gw, tl.series(gw, "snmp.if.admin_status", shut), 2.0)  # ge-4 switched off on purpose
    admin_up = tl.series(gw, "snmp.if.admin_status", port)
    tl.sample(gw, admin_up, 1.0)
    down, off = tl.series(gw, "snmp.if.oper_status", port), tl.series(gw, "snmp.if.oper_status", shut)
    full, battery = (
        tl.series(gw, "snmp.printer.receptacle_percent", waste),
        tl.series(gw, "snmp.ups.on_battery", {"target": "ups"}),
    )
    for _ in range(130):  # 650 s: past every for-duration
        tl.sample(gw, down, 2.0)
        tl.sample(gw, off, 2.0)
        tl.sample(gw, full, 85.0)
        tl.sample(gw, battery, 1.0)
        tl.run(5)
    info = tl.engine.device(gw)
    assert info is not None
    for _ in range(2):
        tl.feeds.function_result(
            info, "sw1:reachability", "sw1", "critical", message="timeout", source=clock()
        )
        tl.run(5)
    assert _firing(store) == [
        ("Interface down (administratively up)", "warning"),  # ge-3 only: ge-4 is shut
        ("Printer waste container nearly full", "warning"),
        ("SNMP device unreachable", "critical"),
        ("UPS on battery", "critical"),
    ]


def test_default_certificate_rule_warns_a_month_ahead_and_is_critical_a_week_ahead(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl, (soon, later, fine) = _timeline(tmp_path, store, clock, smtp, 3)
    now = datetime.fromtimestamp(clock(), UTC)
    with store.session() as s:
        for dev, days in ((soon, 3), (later, 20), (fine, 200)):
            row = s.get(Device, dev)
            assert row is not None
            row.cert_not_after = now + timedelta(days=days)
    assert run_cert_checks(tl.engine) == 3
    tl.run(5)
    with store.session() as s:
        firing = sorted(
            (int(a.device_id or 0), a.severity)
            for a in s.scalars(select(Alert).where(Alert.state == "firing"))
        )
    assert firing == [(soon, "critical"), (later, "warning")]


def test_certificate_verdicts_and_function_patterns() -> None:
    from collector.alerting.rules import cert_expiry, function_status

    p = cert_expiry.parse({})
    assert (p.warning_s, p.critical_s) == (30 * 86400, 7 * 86400)
    expired = cert_expiry.evaluate(p, 1000.0, 2000.0)
    assert expired.active and expired.severity == "critical" and "expired on" in expired.summary
    assert not cert_expiry.evaluate(p, 2000.0 + 31 * 86400, 2000.0).active
    with pytest.raises(ValueError, match="critical_s"):
        cert_expiry.parse({"warning_s": 86400, "critical_s": 2 * 86400})
    reach = function_status.parse({"function": "*:reachability"})
    assert function_status.matches(reach, "snmp-sw1:reachability")
    assert not function_status.matches(reach, "snmp-sw1:supply:1")
    prefix = function_status.parse({"function": "web-*"})
    assert function_status.matches(prefix, "web-shop") and not function_status.matches(prefix, "db-web-1")


def test_the_readme_lists_every_default_rule_and_no_other() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("**Default alert rules.**", 1)[1].split("\n\n", 2)[1]
    rows = [line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| ")]
    assert rows[0] == "rule"
    assert sorted(rows[1:]) == sorted(r.name for r in DEFAULT_RULES)
