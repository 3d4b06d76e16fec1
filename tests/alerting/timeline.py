"""A harness for timeline tests: the real engine, feeds and worker over a real SQLite store
and DuckDB file, a controllable clock, and real receivers (aiosmtpd, the SMS emulator)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from support.sms_emulator import SmsEmulator

from alerting.conftest import FakeClock, sms_sender, smtp_sender
from alerting.smtp_server import SmtpServer
from collector.alerting.engine import AlertEngine, EngineSettings
from collector.alerting.feeds import Feeds
from collector.alerting.models import AlertRule, Contact, MaintenanceWindow
from collector.alerting.series import SeriesFacts
from collector.notify.models import Message
from collector.notify.sms_email_gateway import EmailGatewaySender
from collector.notify.worker import NotifyWorker, RetryPolicy
from collector.store.db import Store
from collector.store.models import Customer, Device, Site
from collector.tsdb.db import TimeSeriesDB

OPS = "noc@msp.example"


@dataclass
class Timeline:
    store: Store
    tsdb: TimeSeriesDB
    clock: FakeClock
    smtp: SmtpServer
    sms: SmsEmulator | None = None
    group_wait_s: float = 10.0
    offline_group_wait_s: float = 10.0
    customer_id: int = 0
    site_id: int = 0
    devices: list[int] = field(default_factory=list)
    engine: AlertEngine = field(init=False)
    feeds: Feeds = field(init=False)
    worker: NotifyWorker = field(init=False)
    _next_series: int = 1

    def __post_init__(self) -> None:
        with self.store.session() as s:
            c = Customer(name="Acme")
            s.add(c)
            s.flush()
            site = Site(customer_id=c.id, name="HQ")
            s.add(site)
            s.flush()
            self.customer_id, self.site_id = c.id, site.id
        self.engine = AlertEngine(
            self.store,
            clock=self.clock,
            settings=EngineSettings(
                group_wait_s=self.group_wait_s, offline_group_wait_s=self.offline_group_wait_s, ops_email=OPS
            ),
        )
        self.feeds = Feeds(self.engine, SeriesFacts(self.tsdb))
        senders: dict[str, Any] = {"email": smtp_sender(self.smtp)}
        senders["sms_email_gateway"] = EmailGatewaySender(senders["email"])
        if self.sms is not None:
            senders["sms_http"] = sms_sender(self.sms)
        self.worker = NotifyWorker(
            self.store,
            senders,
            clock=self.clock,
            policy=RetryPolicy(base_s=5, factor=2, cap_s=120, budget_s=3600),
            on_dead=self.engine.channel_failed,
            on_delivered=self.engine.channel_delivered,
        )

    # -- world building ------------------------------------------------------------------
    def add_devices(self, n: int) -> list[int]:
        with self.store.session() as s:
            rows = [
                Device(
                    customer_id=self.customer_id,
                    site_id=self.site_id,
                    agent_id=f"a{len(self.devices) + i}",
                    hostname=f"pc{len(self.devices) + i}",
                )
                for i in range(n)
            ]
            s.add_all(rows)
            s.flush()
            ids = [d.id for d in rows]
        self.devices.extend(ids)
        return ids

    def add_rule(self, kind: str, params: dict[str, Any], **kw: Any) -> int:
        with self.store.session() as s:
            r = AlertRule(
                name=kw.pop("name", kind),
                family=kw.pop("family", kind),
                kind=kind,
                params=json.dumps(params),
                **kw,
            )
            s.add(r)
            s.flush()
            rid = r.id
        self.engine.invalidate()
        return rid

    def add_contact(self, **kw: Any) -> int:
        with self.store.session() as s:
            c = Contact(customer_id=self.customer_id, **kw)
            s.add(c)
            s.flush()
            cid = c.id
        self.engine.invalidate()
        return cid

    def add_window(self, starts: float, ends: float, **kw: Any) -> None:
        from datetime import UTC, datetime

        with self.store.session() as s:
            s.add(
                MaintenanceWindow(
                    customer_id=self.customer_id,
                    starts_at=datetime.fromtimestamp(starts, UTC),
                    ends_at=datetime.fromtimestamp(ends, UTC),
                    **kw,
                )
            )
        self.engine.invalidate()

    def series(self, device_id: int, name: str, labels: dict[str, str] | None = None) -> int:
        sid = self._next_series
        self._next_series += 1
        self.tsdb.cursor().execute(
            "INSERT INTO series (id, device_id, name, labels, unit, monotonic) "
            "VALUES (?, ?, ?, ?, '', false)",
            [sid, device_id, name, json.dumps(labels or {}, sort_keys=True)],
        )
        return sid

    # -- driving ---------------------------------------------------------------------------
    def sample(self, device_id: int, series_id: int, value: float) -> None:
        dev = self.engine.device(device_id)
        assert dev is not None
        self.feeds.samples(
            dev,
            np.array([series_id], dtype=np.uint32),
            np.array([int(self.clock() * 1000)], dtype=np.int64),
            np.array([value], dtype=np.float64),
            self.clock(),
        )

    def run(self, seconds: float, step: float = 5.0) -> None:
        """Let time pass: scheduler ticks and worker passes every ``step`` seconds."""
        end = self.clock() + seconds
        while self.clock() < end:
            self.clock.advance(min(step, end - self.clock()))
            self.engine.tick()
            while self.worker.run_once():
                pass

    def messages(self, **where: Any) -> list[Message]:
        from sqlalchemy import select

        with self.store.session() as s:
            stmt = select(Message).order_by(Message.id)
            for k, v in where.items():
                stmt = stmt.where(getattr(Message, k) == v)
            return list(s.scalars(stmt))


def make(tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer, **kw: Any) -> Timeline:
    return Timeline(store, TimeSeriesDB(tmp_path / "metrics.duckdb"), clock, smtp, **kw)
