"""Notification channel settings an administrator sets on the dashboard: stored overrides of
the collector's SMTP, SMS, webhook and business-hours settings that take precedence over
``collector/config.py``'s values while the collector runs. Every value is validated exactly
as the configuration file's (``eus.settings.build``). Secrets are write-only: an empty secret
field keeps the stored one, and no page ever shows one back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import select

from collector.alerting.models import ChannelSetting
from collector.config import CollectorConfig
from collector.store.db import Store
from eus.settings import Layer, build

FIELDS: tuple[str, ...] = (
    "smtp_host",
    "smtp_port",
    "smtp_user",
    "smtp_password",
    "smtp_starttls",
    "smtp_from",
    "sms_base_url",
    "sms_account_sid",
    "sms_auth_token",
    "sms_from",
    "webhook_url",
    "webhook_secret",
    "business_hours",
    "business_timezone",
)
SECRETS = frozenset({"smtp_password", "sms_auth_token", "webhook_secret"})
BOOLEANS = frozenset({"smtp_starttls"})


def stored(store: Store) -> dict[str, str]:
    with store.session() as s:
        return {r.name: r.value for r in s.scalars(select(ChannelSetting)) if r.name in FIELDS}


def effective(cfg: CollectorConfig, overrides: Mapping[str, str]) -> CollectorConfig:
    """``cfg`` with the overrides applied; ConfigError names every bad value (never a secret)."""
    return build(CollectorConfig, [Layer(dict(overrides), "dashboard", from_file=False)], base=cfg)


def save(store: Store, cfg: CollectorConfig, form: Mapping[str, str]) -> list[str]:
    """Validate and store the submitted fields; returns the names that changed (never values).

    A field left empty is no override (the configuration's value applies), except a secret,
    which keeps its stored value; ``clear_<secret>`` removes a stored secret."""
    current = stored(store)
    wanted: dict[str, str] = {}
    for name in FIELDS:
        if name in BOOLEANS:
            wanted[name] = "true" if form.get(name) else "false"
            continue
        value = str(form.get(name, "")).strip()
        if name in SECRETS and not value:
            if current.get(name) and not form.get(f"clear_{name}"):
                wanted[name] = current[name]
            continue
        if value:
            wanted[name] = value
    effective(cfg, wanted)  # raises ConfigError before anything is stored
    changed = sorted(n for n in set(wanted) | set(current) if wanted.get(n) != current.get(n))
    now = datetime.now(UTC)
    with store.session() as s:
        for row in s.scalars(select(ChannelSetting)):
            if row.name not in wanted:
                s.delete(row)
        for name, value in wanted.items():
            found = s.get(ChannelSetting, name)
            if found is None:
                s.add(ChannelSetting(name=name, value=value, updated_at=now))
            elif found.value != value:
                found.value, found.updated_at = value, now
    return changed


def configured(cfg: CollectorConfig) -> dict[str, bool]:
    """Which channels can send: email (SMTP host), SMS (provider account), webhook (URL)."""
    return {
        "email": bool(cfg.smtp_host),
        "sms_http": bool(cfg.sms_account_sid and cfg.sms_auth_token and cfg.sms_from),
        "sms_email_gateway": bool(cfg.smtp_host),
        "webhook": bool(cfg.webhook_url),
    }
