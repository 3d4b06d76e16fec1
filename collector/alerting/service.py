"""Alerting and notification assembled for the collector process: the engine, its feeds,
the channels and the sending worker, built from the collector's settings. The composition
root (``collector/app.py``) constructs one, subscribes it to the bus, adds its scheduler
jobs, and starts and stops it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Protocol

from collector.alerting import channel_settings
from collector.alerting.cert_check import run_cert_checks
from collector.alerting.defaults import install_defaults
from collector.alerting.engine import AlertEngine, EngineSettings, TransitionHook
from collector.alerting.feeds import Feeds
from collector.alerting.routing import parse_business_hours
from collector.alerting.series import SeriesFacts
from collector.bus import BatchCommitted, Bus, InventoryChanged, StreamClosed, StreamOpened
from collector.config import CollectorConfig
from collector.notify.channel import Sender
from collector.notify.email_smtp import SmtpSender, SmtpSettings
from collector.notify.sms_email_gateway import EmailGatewaySender
from collector.notify.sms_http import TwilioSender, TwilioSettings
from collector.notify.webhook import WebhookSender, WebhookSettings
from collector.notify.worker import NotifyWorker, RetryPolicy
from collector.store.db import Store
from collector.tsdb.storage import Storage
from eus.settings import ConfigError

log = logging.getLogger(__name__)


class JobScheduler(Protocol):
    """What alerting needs of the collector's scheduler (APScheduler's ``add_job``)."""

    def add_job(self, func: Callable[[], object], trigger: str, *, seconds: int, id: str) -> object: ...


def senders(cfg: CollectorConfig) -> dict[str, Sender]:
    """One sender per channel, configured from the collector settings (secrets stay inside)."""
    smtp = SmtpSender(
        SmtpSettings(
            host=cfg.smtp_host,
            port=cfg.smtp_port,
            user=cfg.smtp_user,
            password=cfg.smtp_password,
            starttls=cfg.smtp_starttls,
            from_addr=cfg.smtp_from,
            cafile=cfg.smtp_cafile,
        )
    )
    return {
        "email": smtp,
        "sms_email_gateway": EmailGatewaySender(smtp),
        "sms_http": TwilioSender(
            TwilioSettings(
                base_url=cfg.sms_base_url,
                account_sid=cfg.sms_account_sid,
                auth_token=cfg.sms_auth_token,
                from_number=cfg.sms_from,
            )
        ),
        "webhook": WebhookSender(WebhookSettings(secret=cfg.webhook_secret)),
    }


def engine_settings(cfg: CollectorConfig) -> EngineSettings:
    """The engine's routing settings from the (effective) collector settings."""
    return EngineSettings(
        group_wait_s=cfg.alert_group_wait_s,
        offline_group_wait_s=cfg.alert_offline_group_wait_s,
        ops_email=cfg.alert_ops_email,
        webhook_url=cfg.webhook_url,
        hours=parse_business_hours(cfg.business_hours, cfg.business_timezone),
    )


class Alerting:
    def __init__(
        self,
        cfg: CollectorConfig,
        store: Store,
        tsdb: Storage,
        hooks: Sequence[TransitionHook] = (),
    ) -> None:
        self.store = store
        self.cfg = cfg
        self.install_defaults = cfg.alert_default_rules
        channels = self.channels()
        self.worker = NotifyWorker(
            store,
            senders(channels),
            policy=RetryPolicy(base_s=cfg.notify_retry_base_s, budget_s=cfg.notify_retry_budget_s),
        )
        self.engine = AlertEngine(
            store,
            settings=engine_settings(channels),
            wake=self.worker.wake,
            hooks=hooks,
        )
        self.worker.on_dead = self.engine.channel_failed
        self.worker.on_delivered = self.engine.channel_delivered
        self.feeds = Feeds(self.engine, SeriesFacts(tsdb), offline_after_s=cfg.offline_after_s)

    def channels(self) -> CollectorConfig:
        """The configuration with the dashboard's channel settings applied (the configuration
        alone, logged, when stored settings no longer validate, e.g. after an upgrade)."""
        try:
            return channel_settings.effective(self.cfg, channel_settings.stored(self.store))
        except ConfigError as exc:
            log.error("alerting: dashboard channel settings ignored: %s", exc)
            return self.cfg

    def reload_channels(self) -> None:
        """Send and route with the channel settings just saved on the dashboard (next message on)."""
        channels = self.channels()
        self.worker.set_senders(senders(channels))
        self.engine.use_settings(engine_settings(channels))

    def subscribe(self, bus: Bus) -> None:
        bus.subscribe(BatchCommitted, self.feeds.on_batch)
        bus.subscribe(StreamOpened, self.feeds.on_stream_opened)
        bus.subscribe(StreamClosed, self.feeds.on_stream_closed)
        bus.subscribe(InventoryChanged, self.feeds.on_inventory)

    def add_jobs(self, scheduler: JobScheduler) -> None:
        scheduler.add_job(self.engine.tick, "interval", seconds=1, id="alerting_tick")
        scheduler.add_job(self.feeds.check_silent, "interval", seconds=5, id="alerting_silent")
        scheduler.add_job(self.feeds.run_forecasts, "interval", seconds=300, id="alerting_forecast")
        scheduler.add_job(
            partial(run_cert_checks, self.engine), "interval", seconds=3600, id="alerting_certs"
        )

    def start(self) -> None:
        if self.install_defaults:
            added = install_defaults(self.store)
            if added:
                log.info("alerting: default rules installed: %s", ", ".join(added))
        n = self.engine.load()
        log.info("alerting: %d open alert(s) loaded", n)
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()
