"""Collector configuration, layered: defaults -> TOML file -> ``EUS_*`` environment.

Nothing reads configuration at import time; :func:`load` is called by the composition
root (``collector.app``) and by the admin CLI.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_CONFIG_PATH = Path("/etc/eus/collector.toml")


@dataclass(frozen=True)
class CollectorConfig:
    """Every collector setting with its default. Env var: ``EUS_`` + upper-case name."""

    data_dir: Path = Path("/var/lib/eus-collector")
    listen_host: str = "0.0.0.0"  # noqa: S104 - a collector serves agents on the network
    stream_port: int = 7443  # mutual TLS: agent streams
    enroll_port: int = 7444  # server TLS only: enrolment with a token
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    web_threads: int = 8
    # Names and addresses written into the collector's server certificate.
    server_names: tuple[str, ...] = ("localhost", "127.0.0.1")
    # Address agents are told to stream to after enrolment ("" = the host they enrolled at).
    advertised_stream_address: str = ""
    store_url: str = ""  # SQLAlchemy URL; "" = SQLite under data_dir
    max_message_bytes: int = 16 * 1024 * 1024
    ack_window: int = 64  # batches an agent may have in flight (sent to it in config)
    agent_cert_days: int = 365
    offline_after_s: float = 30.0
    revocation_poll_s: float = 2.0
    # Raw samples are kept this many days longer before compaction (1: yesterday stays raw).
    compact_after_days: int = 0  # 0: compacted within minutes (compact_every_s below)
    # Alert delivery (collector.alerting.service). Secrets are kept out of repr and logs.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = True
    smtp_from: str = "eus@localhost"
    smtp_cafile: str = ""  # "" = the system trust store
    sms_base_url: str = "https://api.twilio.com"  # any service speaking Twilio's Messages API
    sms_account_sid: str = ""
    sms_auth_token: str = field(default="", repr=False)
    sms_from: str = ""
    webhook_url: str = ""  # receives every alert notification as signed JSON
    webhook_secret: str = field(default="", repr=False)
    alert_ops_email: str = ""  # the operator's address: every alert, and failing channels
    business_hours: str = "mon-fri 08:00-18:00"
    business_timezone: str = "UTC"
    alert_group_wait_s: float = 0.2
    alert_offline_group_wait_s: float = 5.0
    notify_retry_base_s: float = 5.0
    notify_retry_budget_s: float = 3600.0
    # Time-series storage (collector.tsdb; ARCHITECTURE.md "Storage"). Compaction runs every
    # compact_every_s on whole compact_window_s windows (a divisor of an hour) ended
    # compact_lag_s ago, compact_slice_series series per transaction: the raw tier holds minutes.
    compact_every_s: int = 300
    compact_window_s: int = 900
    compact_lag_s: int = 60  # a window is compacted this long after it ends (late arrivals)
    compact_slice_series: int = 4096
    # Retention in days per tier (0 = forever), applied hourly.
    retention_samples_days: int = 30  # raw samples and compacted blocks
    retention_rollup_5m_days: int = 180
    retention_rollup_1h_days: int = 730
    retention_collector_runs_days: int = 30
    # DuckDB's memory limit and threads (0 = DuckDB's default: 80 % of RAM, one per core).
    duckdb_memory_limit_mb: int = 512
    duckdb_threads: int = 2
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tsdb_path(self) -> Path:
        return self.data_dir / "metrics.duckdb"

    @property
    def pki_dir(self) -> Path:
        return self.data_dir / "pki"

    @property
    def store_url_resolved(self) -> str:
        return self.store_url or f"sqlite:///{self.data_dir / 'eus.sqlite3'}"


def _coerce(value: Any, like: Any) -> Any:
    if isinstance(like, bool):
        return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "yes", "on"}
    if isinstance(like, int):
        return int(value)
    if isinstance(like, float):
        return float(value)
    if isinstance(like, Path):
        return Path(value)
    if isinstance(like, tuple):
        return (
            tuple(value)
            if isinstance(value, list | tuple)
            else tuple(v.strip() for v in str(value).split(",") if v.strip())
        )
    return value


def load(
    path: Path | None = None,
    env: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> CollectorConfig:
    """Build the configuration from defaults, an optional TOML file, env and overrides."""
    env = dict(os.environ) if env is None else env
    cfg = CollectorConfig()
    known = {f.name: getattr(cfg, f.name) for f in fields(cfg) if f.name != "extra"}
    layer: dict[str, Any] = {}
    if path is None and "EUS_CONFIG" in env:
        path = Path(env["EUS_CONFIG"])
    if path is not None:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        section = data.get("collector", data)
        unknown = sorted(set(section) - set(known))
        if unknown:
            raise ValueError(f"{path}: unknown collector setting(s): {', '.join(unknown)}")
        layer.update(section)
    for name in known:
        key = f"EUS_{name.upper()}"
        if key in env:
            layer[name] = env[key]
    layer.update(overrides or {})
    return replace(cfg, **{k: _coerce(v, known[k]) for k, v in layer.items()})
