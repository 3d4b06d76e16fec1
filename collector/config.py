"""Collector configuration, layered: defaults -> TOML file -> ``EUS_*`` environment -> overrides.

Nothing reads configuration at import time; :func:`load` is called by the composition
root's CLI (``collector.cli``) and by the admin CLI. The file is the one named by ``--config``
or ``EUS_CONFIG`` (the systemd unit passes ``/etc/eus/collector.toml``); without one, defaults
and the environment are the whole configuration.

Every setting is one line in :class:`CollectorConfig`, declared with its default and its
range (``eus.settings.setting``); the environment variable is ``EUS_`` + the upper-case
name. Unknown keys in the file, unknown ``EUS_*`` variables and values of the wrong type or
out of range are all errors, reported together, one line each::

    stream_port = 70000 in /etc/eus/collector.toml: must be 1..65535
    EUS_WEB_THREADS=0 (environment): must be at least 1

``EUS_AGENT_*`` variables belong to an agent that may share the environment (the demo) and
are left alone; ``EUS_CONFIG`` names the file.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from collector.tsdb.db import CHECKPOINT_MB
from eus.settings import ConfigError, Layer, build, setting, to_names, to_seconds, to_str

ENV_PREFIX = "EUS_"
ENV_CONFIG = "EUS_CONFIG"
_NOT_OURS = ("EUS_AGENT_",)  # the agent's variables, when both run from one environment

__all__ = ["CollectorConfig", "ConfigError", "load"]


def _host(value: Any) -> str:
    text = to_str(value).strip()
    if not text or any(c.isspace() for c in text):
        raise ValueError("must be a host name or address")
    return text


def _address(value: Any) -> str:
    """``""`` or ``host:port``."""
    text = to_str(value).strip()
    m = re.fullmatch(r"(\S+):(\d{1,5})", text)
    if text and (m is None or not 1 <= int(m.group(2)) <= 65535):
        raise ValueError('must be "host:port" (port 1..65535), or "" for the host agents enrolled at')
    return text


def _url(value: Any) -> str:
    """``""`` or an http(s) URL."""
    text = to_str(value).strip()
    if text and not re.fullmatch(r"https?://\S+", text):
        raise ValueError("must be an http:// or https:// URL")
    return text


def _names(value: Any) -> tuple[str, ...]:
    names = to_names(value)
    if not names:
        raise ValueError("must name at least one host name or address")
    return names


def _timezone(value: Any) -> str:
    text = to_str(value).strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be a time zone name such as UTC or Europe/Berlin") from None
    return text


def _business_hours(value: Any) -> str:
    from collector.alerting.routing import parse_business_hours  # pure; imported when validating

    text = to_str(value)
    try:
        parse_business_hours(text)
    except ValueError:
        raise ValueError("must be days and hours such as mon-fri 08:00-18:00") from None
    return text


@dataclass(frozen=True)
class CollectorConfig:
    """Every collector setting with its default and range. Env var: ``EUS_`` + upper-case name."""

    data_dir: Path = setting(Path("/var/lib/eus-collector"))
    listen_host: str = setting("0.0.0.0", coerce=_host)  # noqa: S104 - a collector serves agents on the network
    stream_port: int = setting(7443, low=1, high=65535)  # mutual TLS: agent streams
    enroll_port: int = setting(7444, low=1, high=65535)  # server TLS only: enrollment with a token
    web_host: str = setting("127.0.0.1", coerce=_host)
    web_port: int = setting(8080, low=1, high=65535)
    web_threads: int = setting(8, low=1)
    # Names and addresses written into the collector's server certificate.
    server_names: tuple[str, ...] = setting(("localhost", "127.0.0.1"), coerce=_names)
    # Address agents are told to stream to after enrollment ("" = the host they enrolled at).
    advertised_stream_address: str = setting("", coerce=_address)
    store_url: str = setting("", secret=True)  # SQLAlchemy URL (may hold a password); "" = SQLite
    # gRPC's limit per message both ways; below 1 MiB a full batch or a CSR no longer fits.
    max_message_bytes: int = setting(16 * 1024 * 1024, low=1 << 20, high=(1 << 31) - 1)
    # A batch creating more series than this for its device is refused (one batch could
    # otherwise create 100,000 series).
    max_new_series_per_batch: int = setting(10_000, low=1, high=10_000_000)
    agent_cert_days: int = setting(365, low=1, high=3650)  # the CA itself lives 3650 days
    offline_after_s: float = setting(30.0, low=1, coerce=to_seconds)
    revocation_poll_s: float = setting(2.0, low=0.1, high=3600, coerce=to_seconds)
    # Raw samples are kept this many days longer before compaction (1: yesterday stays raw;
    # 0: compacted within minutes, compact_every_s below).
    compact_after_days: int = setting(0, low=0, high=3650)
    # Alert delivery (collector.alerting.service). Secrets are kept out of repr and errors.
    smtp_host: str = setting("")
    smtp_port: int = setting(587, low=1, high=65535)
    smtp_user: str = setting("")
    smtp_password: str = setting("", secret=True)
    smtp_starttls: bool = setting(True)
    smtp_from: str = setting("eus@localhost")
    smtp_cafile: str = setting("")  # "" = the system trust store
    sms_base_url: str = setting("https://api.twilio.com", coerce=_url)  # any Twilio-compatible API
    sms_account_sid: str = setting("")
    sms_auth_token: str = setting("", secret=True)
    sms_from: str = setting("")
    webhook_url: str = setting("", coerce=_url)  # receives every alert notification as signed JSON
    webhook_secret: str = setting("", secret=True)
    # Install the default alert rules (collector.alerting.defaults) once at start.
    alert_default_rules: bool = setting(True)
    alert_ops_email: str = setting("")  # the operator's address: every alert, and failing channels
    business_hours: str = setting("mon-fri 08:00-18:00", coerce=_business_hours)
    business_timezone: str = setting("UTC", coerce=_timezone)
    alert_group_wait_s: float = setting(0.2, low=0, high=3600, coerce=to_seconds)
    alert_offline_group_wait_s: float = setting(5.0, low=0, high=3600, coerce=to_seconds)
    notify_retry_base_s: float = setting(5.0, low=0.1, high=86400, coerce=to_seconds)
    notify_retry_budget_s: float = setting(3600.0, low=1, coerce=to_seconds)
    # Time-series storage (collector.tsdb; ARCHITECTURE.md "Storage"). Compaction runs every
    # compact_every_s on whole compact_window_s windows (a divisor of an hour) ended
    # compact_lag_s ago, compact_slice_series series per transaction: the raw tier holds at
    # most window + lag + interval (7 min), which every chart line scans (BENCHMARKS.md).
    compact_every_s: int = setting(60, low=1, high=86400)
    compact_window_s: int = setting(300, low=1, high=3600)
    compact_lag_s: int = setting(60, low=0, high=3600)  # late arrivals: a window waits this long
    compact_slice_series: int = setting(4096, low=64, high=1_000_000)
    # Retention in days per tier (0 = forever), applied hourly.
    retention_samples_days: int = setting(30, low=0, high=36500)  # raw samples and compacted blocks
    retention_rollup_5m_days: int = setting(180, low=0, high=36500)
    retention_rollup_1h_days: int = setting(730, low=0, high=36500)
    retention_collector_runs_days: int = setting(30, low=0, high=36500)
    # Per-record tables, deleted in bounded time steps: raw check results (availability reads
    # the hourly summaries, the Function Log the state changes), the state changes, agent
    # events and SNMP traps, command results, inventory changes (the snapshot is kept).
    retention_function_results_days: int = setting(30, low=0, high=36500)
    retention_function_changes_days: int = setting(365, low=0, high=36500)
    retention_events_days: int = setting(180, low=0, high=36500)
    retention_command_results_days: int = setting(90, low=0, high=36500)
    retention_inventory_changes_days: int = setting(730, low=0, high=36500)
    # The relational logs (collector.log_retention): audit entries, and messages whose delivery is over.
    retention_audit_days: int = setting(365, low=0, high=36500)
    retention_messages_days: int = setting(180, low=0, high=36500)
    retention_outbox_days: int = setting(30, low=0, high=36500)  # notification outbox rows, once sent
    # DuckDB's memory limit and threads (0 = DuckDB's default: 80 % of RAM, one per core).
    duckdb_memory_limit_mb: int = setting(512, low=0, high=1_048_576)
    duckdb_threads: int = setting(2, low=0, high=256)
    # The WAL size at which a commit checkpoints (0 = DuckDB's 16 MB; collector.tsdb.db says why).
    duckdb_checkpoint_mb: int = setting(CHECKPOINT_MB, low=0, high=65_536)
    # Helpdesk (collector.helpdesk.service). Mail to tickets: an IMAP mailbox over TLS, polled;
    # "" host = no mail polling. Unknown senders: "ticket" (under "Unknown contacts") or "refuse".
    helpdesk_imap_host: str = setting("")
    helpdesk_imap_port: int = setting(993, low=1, high=65535)
    helpdesk_imap_user: str = setting("")
    helpdesk_imap_password: str = setting("", secret=True)
    helpdesk_imap_folder: str = setting("INBOX")
    helpdesk_imap_processed: str = setting("Processed")
    helpdesk_imap_cafile: str = setting("")  # "" = the system trust store
    helpdesk_imap_poll_s: float = setting(60.0, low=1, high=86400, coerce=to_seconds)
    helpdesk_unknown_senders: str = setting("ticket", choices=("ticket", "refuse"))
    helpdesk_acceptance_days: int = setting(7, low=1, high=90)
    helpdesk_resolve_with_alert: bool = setting(False)
    # Dashboard sign-in (collector.web.settings). X-Forwarded-For is believed only from these
    # proxy addresses or networks; sessions end after this long idle or this long at all.
    web_trusted_proxies: tuple[str, ...] = setting(())
    web_session_idle_minutes: float = setting(30.0, low=1, high=7 * 24 * 60)
    web_session_max_hours: float = setting(12.0, low=0.1, high=24 * 90)
    # Enrollment attempts allowed per minute from one address and for one token, and how many
    # attempt records are kept (the oldest go first).
    enroll_limit_per_address: int = setting(10, low=1, high=100_000)
    enroll_limit_per_token: int = setting(20, low=1, high=100_000)
    enroll_attempts_kept: int = setting(10_000, low=1, high=10_000_000)
    # An administrator's own dashboard files (*.toml, README.md "Dashboards"), added to the
    # shipped ones; "" = the shipped ones only.
    dashboards_dir: str = setting("")

    @property
    def dashboards_path(self) -> Path | None:
        return Path(self.dashboards_dir) if self.dashboards_dir else None

    @property
    def tsdb_path(self) -> Path:
        return self.data_dir / "metrics.duckdb"

    @property
    def pki_dir(self) -> Path:
        return self.data_dir / "pki"

    @property
    def enroll_address(self) -> str:
        """``host:port`` agents enroll at: the advertised host, else the address the collector
        listens on, else the first name in its server certificate (a name agents can verify)."""
        host = self.advertised_stream_address.rpartition(":")[0].strip("[]")
        if not host and self.listen_host not in {"0.0.0.0", "::", ""}:  # noqa: S104 - a comparison
            host = self.listen_host
        host = host or self.server_names[0]
        return f"[{host}]:{self.enroll_port}" if ":" in host else f"{host}:{self.enroll_port}"

    @property
    def store_url_resolved(self) -> str:
        return self.store_url or f"sqlite:///{self.data_dir / 'eus.sqlite3'}"


def _file_layer(path: Path) -> Layer:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError([f"cannot read {path}: {exc.strerror or exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: invalid TOML: {exc}"]) from None
    section = data.pop("collector", {})
    if not isinstance(section, dict):
        raise ConfigError([f"{path}: [collector] must be a table"])
    # Settings may sit under [collector] or at the top; anything else at the top is unknown.
    return Layer({**data, **section}, str(path))


def _env_layer(env: Mapping[str, str]) -> Layer:
    values = {
        var[len(ENV_PREFIX) :].lower(): value
        for var, value in env.items()
        if var.startswith(ENV_PREFIX) and var != ENV_CONFIG and not var.startswith(_NOT_OURS)
    }
    return Layer(values, "environment", env_prefix=ENV_PREFIX)


def load(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> CollectorConfig:
    """Build the configuration from defaults, an optional TOML file, env and overrides.

    Raises :class:`eus.settings.ConfigError` listing every bad setting, one line each.
    """
    env = os.environ if env is None else env
    if path is None and env.get(ENV_CONFIG):
        path = Path(env[ENV_CONFIG])
    layers = [] if path is None else [_file_layer(path)]
    layers += [_env_layer(env), Layer(dict(overrides or {}), "override", from_file=False)]
    cfg = build(CollectorConfig, layers)
    if cfg.enroll_port == cfg.stream_port:
        raise ConfigError([f"enroll_port = {cfg.enroll_port}: must differ from stream_port"])
    return cfg
