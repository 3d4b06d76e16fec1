"""A fresh install with the default setting: the collector process installs the default
alert rules at its first start, and a default deleted afterwards stays deleted across a
restart (real collector process, real SQLite store)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select
from support.procs import CollectorProc

from collector.alerting.defaults import DEFAULT_RULES
from collector.alerting.models import AlertRule
from collector.store.db import Store


def _names(store: Store) -> set[str]:
    with store.session() as s:
        return {r.name for r in s.scalars(select(AlertRule))}


def test_a_fresh_collector_installs_the_default_rules_once(tmp_path: Path) -> None:
    data = tmp_path / "collector"
    collector = CollectorProc(data, {"EUS_ALERT_DEFAULT_RULES": "true"})
    collector.start()
    store = Store(f"sqlite:///{data / 'eus.sqlite3'}")
    try:
        assert _names(store) == {d.name for d in DEFAULT_RULES}
        with store.session() as s:
            s.execute(delete(AlertRule).where(AlertRule.name == "CPU busy"))
        collector.stop()
        collector.start()
        assert _names(store) == {d.name for d in DEFAULT_RULES} - {"CPU busy"}
    finally:
        collector.stop()
        store.dispose()
