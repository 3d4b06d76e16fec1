"""The helpdesk as the collector's composition root wires it: the alert engine's transition
hook, and the scheduler jobs (SLA watch and on-call pages, the mailbox poll when one is set)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from collector.alerting.directory import HiddenLookup
from collector.config import CollectorConfig
from collector.helpdesk import mail_poller, watch
from collector.helpdesk.alert_tickets import AlertTickets
from collector.helpdesk.inbound import UnknownSenders
from collector.helpdesk.mailbox import MailboxError, MailboxSettings
from collector.store.db import Store

log = logging.getLogger(__name__)

WATCH_EVERY_S = 30.0


class JobScheduler(Protocol):
    def add_job(self, func: Callable[[], object], trigger: str, **kwargs: Any) -> object: ...


def _now() -> datetime:
    return datetime.now(UTC)


class Helpdesk:
    def __init__(self, cfg: CollectorConfig, store: Store) -> None:
        self._store = store
        self._acceptance_days = cfg.helpdesk_acceptance_days
        self.alert_hook = AlertTickets(resolve_with_alert=cfg.helpdesk_resolve_with_alert)
        self._poll_s = cfg.helpdesk_imap_poll_s
        self._mailbox = (
            MailboxSettings(
                host=cfg.helpdesk_imap_host,
                port=cfg.helpdesk_imap_port,
                user=cfg.helpdesk_imap_user,
                password=cfg.helpdesk_imap_password,
                inbox=cfg.helpdesk_imap_folder,
                processed=cfg.helpdesk_imap_processed,
                ca_file=cfg.helpdesk_imap_cafile,
            )
            if cfg.helpdesk_imap_host
            else None
        )
        self._policy = mail_poller.InboundPolicy(unknown=UnknownSenders(cfg.helpdesk_unknown_senders))
        self.hidden_customers: HiddenLookup | None = None

    def hide_customers(self, lookup: HiddenLookup) -> None:
        """SLA warnings, breaches and pages never reach a user ``lookup`` says a ticket's
        customer is hidden from (the composition root gives ``collector.customers.access.hidden_map``)."""
        self.hidden_customers = lookup

    def watch(self) -> None:
        with self._store.session() as s:
            sent = watch.run(s, _now(), acceptance_days=self._acceptance_days, hidden=self.hidden_customers)
        if sent:
            log.info("helpdesk: %d SLA or on-call message(s) queued", sent)

    def poll_mail(self) -> None:
        assert self._mailbox is not None
        try:
            mail_poller.poll(self._store, self._mailbox, self._policy, _now)
        except MailboxError as exc:  # the next poll tries again; nothing was taken
            log.warning("helpdesk mailbox: %s", exc)

    def add_jobs(self, scheduler: JobScheduler) -> None:
        scheduler.add_job(self.watch, "interval", seconds=WATCH_EVERY_S, id="helpdesk_watch")
        if self._mailbox is not None:
            scheduler.add_job(
                self.poll_mail,
                "interval",
                seconds=self._poll_s,
                id="helpdesk_mail",
                next_run_time=_now() + timedelta(seconds=1),
                max_instances=1,
            )
