"""The dashboard's settings taken from the collector's configuration."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from collector.config import CollectorConfig


def from_config(cfg: CollectorConfig, ca_fingerprint: str = "") -> dict[str, Any]:
    """Flask settings for :func:`collector.web.create_app` from ``cfg`` (and the CA's
    fingerprint, which the enroll command on the dashboard pins)."""
    max_age_s = cfg.web_session_max_hours * 3600.0
    return {
        "TRUSTED_PROXIES": cfg.web_trusted_proxies,
        "SESSION_IDLE_TIMEOUT_S": cfg.web_session_idle_minutes * 60.0,
        "SESSION_MAX_AGE_S": max_age_s,
        # The cookie lasts as long as a session may; the server-side row ends it earlier.
        "PERMANENT_SESSION_LIFETIME": timedelta(seconds=max_age_s),
        "ENROLL_ADDRESS": cfg.enroll_address,
        "CA_FINGERPRINT": ca_fingerprint,
        "HELPDESK_ACCEPTANCE_DAYS": cfg.helpdesk_acceptance_days,
    }
