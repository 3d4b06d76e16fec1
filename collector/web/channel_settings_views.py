"""The administrators' page for notification channels: SMTP, SMS, webhook and business hours,
stored as overrides that take precedence over the configuration file while the collector
runs (``collector.alerting.channel_settings``), each with "send a test". Secrets are
write-only. Every save and test is audited with the names of what changed, never values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from collector.alerting import channel_settings
from collector.alerting.service import senders
from collector.config import CollectorConfig
from collector.notify.channel import Outgoing
from collector.web.auditing import record
from collector.web.identity import current_user
from collector.web.permissions import Capability, require
from collector.web.resources import store
from eus.settings import ConfigError

bp = Blueprint("channel_settings", __name__)
EXTENSION_KEY = "eus.channel_settings"
TEST_CHANNELS = {"email": "email", "sms": "sms_http", "webhook": "webhook"}


@dataclass(frozen=True, slots=True)
class Wiring:
    """What the page needs of the running collector (composition root)."""

    config: CollectorConfig  # the file's and environment's settings
    reload: Callable[[], None]  # make the notification worker use the saved settings


def init_app(app: Flask, config: CollectorConfig, reload: Callable[[], None]) -> None:
    app.extensions[EXTENSION_KEY] = Wiring(config, reload)


def _wiring() -> Wiring:
    wiring: Wiring | None = current_app.extensions.get(EXTENSION_KEY)
    if wiring is None:
        abort(503, "alerting is not running in this process")
    return wiring


def unconfigured_channels() -> list[str]:
    """Channels a contact may use that cannot send yet ("email", "SMS"); [] when unknown."""
    wiring: Wiring | None = current_app.extensions.get(EXTENSION_KEY)
    if wiring is None:
        return []
    ready = channel_settings.configured(
        channel_settings.effective(wiring.config, channel_settings.stored(store()))
    )
    return [label for label, key in (("email", "email"), ("SMS", "sms_http")) if not ready[key]]


@bp.app_context_processor
def _channel_warnings() -> dict[str, Any]:
    # A function, so only the pages that show the warning (contacts) read the settings.
    return {"unconfigured_channels": unconfigured_channels}


def _page(typed: dict[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
    wiring = _wiring()
    saved = channel_settings.stored(store())
    cfg = channel_settings.effective(wiring.config, saved)
    values: dict[str, Any] = {
        n: str(getattr(cfg, n)) for n in channel_settings.FIELDS if n not in channel_settings.SECRETS
    }
    values["smtp_starttls"] = cfg.smtp_starttls
    if typed is not None:
        values.update({n: typed.get(n, "") for n in values if n not in channel_settings.BOOLEANS})
        values["smtp_starttls"] = bool(typed.get("smtp_starttls"))
    secrets = {n: bool(getattr(cfg, n)) for n in channel_settings.SECRETS}
    return (
        render_template(
            "alert_settings.html",
            values=values,
            secrets=secrets,
            overridden=set(saved),
            configured=channel_settings.configured(cfg),
        ),
        status,
    )


@bp.get("/admin/alert-channels")
@require(Capability.MANAGE_USERS)
def settings() -> ResponseReturnValue:
    return _page()


@bp.post("/admin/alert-channels")
@require(Capability.MANAGE_USERS)
def save() -> ResponseReturnValue:
    wiring = _wiring()
    form = request.form.to_dict()
    try:
        changed = channel_settings.save(store(), wiring.config, form)
    except ConfigError as exc:
        flash("Not saved: " + "; ".join(exc.lines), "error")
        return _page({k: v for k, v in form.items() if k not in channel_settings.SECRETS}, 400)
    with store().session() as s:
        record(s, "alert_channels.update", "alert_channels", changed=",".join(changed))
    wiring.reload()
    flash(f"Channel settings saved ({', '.join(changed) or 'no change'}).", "info")
    return redirect(url_for("channel_settings.settings"))


@bp.post("/admin/alert-channels/test")
@require(Capability.MANAGE_USERS)
def send_test() -> ResponseReturnValue:
    """Send one message now through the saved settings and say what the provider answered."""
    channel = request.form.get("channel", "")
    address = request.form.get("address", "").strip()[:300]
    if channel not in TEST_CHANNELS or not address:
        flash("Test not sent: choose a channel and an address.", "error")
        return redirect(url_for("channel_settings.settings"))
    cfg = channel_settings.effective(_wiring().config, channel_settings.stored(store()))
    sender = senders(cfg)[TEST_CHANNELS[channel]]
    user = current_user()
    outcome = sender.send(
        Outgoing(
            address=address,
            subject="[EUS] Test message",
            body=f"A test of the {channel} channel, sent by {user.username} from the EUS dashboard.",
            idempotency_key=f"channel-test:{channel}:{address}",
        )
    )
    with store().session() as s:
        record(s, "alert_channels.test", "alert_channels", channel=channel, ok=outcome.ok)
    flash(
        f"Test {'delivered' if outcome.ok else 'failed'} ({channel}): {outcome.response}",
        "info" if outcome.ok else "error",
    )
    return redirect(url_for("channel_settings.settings"))
