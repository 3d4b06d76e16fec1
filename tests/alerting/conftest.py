"""Fixtures for alerting tests: a migrated store, a controllable clock, a real SMTP server
(aiosmtpd with STARTTLS and AUTH) and the SMS provider emulator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from support.sms_emulator import SmsEmulator
from web.conftest import SECRET_KEY, Seed, client, login, password_hashes, seed  # noqa: F401 - fixtures

from alerting.smtp_server import SmtpServer
from collector.alerting.engine import AlertEngine
from collector.notify.email_smtp import SmtpSender, SmtpSettings
from collector.notify.sms_http import TwilioSender, TwilioSettings
from collector.store.db import Store
from collector.tsdb.db import TimeSeriesDB
from collector.web import alerting_views, create_app

START = 1_795_000_000.0  # a Monday, 2026-11-16 ... (any fixed instant will do)


@dataclass
class FakeClock:
    t: float = START

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'eus.sqlite3'}")
    s.migrate()
    yield s
    s.dispose()


@pytest.fixture
def engine(store: Store) -> AlertEngine:
    """The alert engine the dashboard's actions go through (as the collector wires it)."""
    return AlertEngine(store)


@pytest.fixture
def app(store: Store, tsdb: TimeSeriesDB, seed: Seed, engine: AlertEngine) -> Flask:  # noqa: F811 - ours
    app = create_app(store, tsdb, secret_key=SECRET_KEY, test_config={"TESTING": True})
    alerting_views.init_app(app, engine)
    return app


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def sms() -> Iterator[SmsEmulator]:
    emulator = SmsEmulator().start()
    yield emulator
    emulator.stop()


def smtp_sender(server: SmtpServer) -> SmtpSender:
    return SmtpSender(
        SmtpSettings(
            host="127.0.0.1",
            port=server.port,
            user=server.user,
            password=server.password,
            starttls=True,
            from_addr="eus@msp.example",
            timeout_s=10,
            cafile=str(server.cert),
        )
    )


def sms_sender(emulator: SmsEmulator) -> TwilioSender:
    return TwilioSender(
        TwilioSettings(
            base_url=emulator.base_url,
            account_sid=emulator.account_sid,
            auth_token=emulator.auth_token,
            from_number="+15005550006",
        )
    )
