"""The technicians' dashboard: a Flask app built by :func:`create_app`.

The collector's composition root builds it with the process's stores and serves it with
waitress in-process (DuckDB allows one process per file). Nothing here reads configuration
at import time, and there is no default secret key.

Areas are blueprints listed in :data:`BLUEPRINTS`; a new area is one module plus one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask
from flask_wtf.csrf import CSRFProtect

from collector.dashboards.loader import load as load_dashboards
from collector.dashboards.model import Dashboards
from collector.signin.client_address import parse_networks
from collector.store.db import Store
from collector.tsdb.storage import Storage
from collector.web import (
    acceptance_views,
    account_security,
    admin,
    admin_security,
    alert_resolve_views,
    alerting_views,
    api,
    audit_view,
    auth,
    channel_settings_views,
    charts,
    contacts_views,
    customer_views,
    dashboard,
    device_identity,
    device_names,
    device_revoke,
    enrollment,
    errors,
    exports_views,
    filters,
    fleet_functions,
    fleet_views,
    function_log_views,
    functions_views,
    health,
    helpdesk_settings_views,
    helpdesk_views,
    inventory_views,
    kb_views,
    list_render,
    maintenance_now,
    maintenance_views,
    manage_views,
    network_views,
    resolve_views,
    resources,
    restrict_access_views,
    rules_views,
    search,
    security,
    snmp_views,
    storage_views,
    support_log_views,
    time_zone,
    timesheet_views,
    troubleshooter_views,
    two_factor,
)
from collector.web.auditing import TRUSTED_PROXIES_KEY
from collector.web.identity import optional_user
from collector.web.permissions import Capability, can

BLUEPRINTS: tuple[Blueprint, ...] = (
    auth.bp,
    health.bp,
    dashboard.bp,
    enrollment.bp,
    api.bp,
    admin.bp,
    audit_view.bp,
    exports_views.bp,
    maintenance_now.bp,
    device_identity.bp,
    maintenance_views.bp,
    device_revoke.bp,
    time_zone.bp,
    inventory_views.bp,
    functions_views.bp,
    snmp_views.bp,
    alerting_views.bp,
    channel_settings_views.bp,
    contacts_views.bp,
    rules_views.bp,
    helpdesk_views.bp,
    acceptance_views.bp,
    timesheet_views.bp,
    helpdesk_settings_views.bp,
    support_log_views.bp,
    two_factor.bp,
    account_security.bp,
    admin_security.bp,
    storage_views.bp,
    kb_views.bp,
    resolve_views.bp,
    manage_views.bp,
    function_log_views.bp,
    network_views.bp,
    troubleshooter_views.bp,
    fleet_views.bp,
    customer_views.bp,
    search.bp,
    restrict_access_views.bp,
    fleet_functions.bp,
    alert_resolve_views.bp,
)

DEFAULTS: Mapping[str, Any] = {
    "SESSION_COOKIE_NAME": "eus_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Off by default because waitress serves plain HTTP in-process; set it when the
    # dashboard is reached over HTTPS (directly or through a TLS-terminating proxy).
    "SESSION_COOKIE_SECURE": False,
    # The cookie may outlive the session: the server-side row decides (idle and absolute limits).
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    # The cookie is sent only when the session changes. Refreshed on every response, a slow
    # background fetch (a rule form's preview, a live list) that answers after a form's POST
    # would put back the cookie from before it, and the POST's flash message would be lost.
    "SESSION_REFRESH_EACH_REQUEST": False,
    "SESSION_IDLE_TIMEOUT_S": 1800.0,
    "SESSION_MAX_AGE_S": 12 * 3600.0,
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session does
    # Addresses (or networks) of reverse proxies whose X-Forwarded-For is believed.
    "TRUSTED_PROXIES": (),
    # What the dashboard's enroll command names: the collector's enrollment address and its
    # CA's fingerprint (the composition root passes both from the configuration and the CA).
    "ENROLL_ADDRESS": "",
    "CA_FINGERPRINT": "",
    # How long a resolved ticket's accept/reject link works (helpdesk_acceptance_days).
    "HELPDESK_ACCEPTANCE_DAYS": 7,
}

MIN_SECRET_KEY_LENGTH = 16


def create_app(
    store: Store,
    tsdb: Storage,
    *,
    secret_key: str,
    settings: Mapping[str, Any] | None = None,
    test_config: Mapping[str, Any] | None = None,
    dashboards: Dashboards | None = None,
) -> Flask:
    """Build the dashboard app over the collector's relational store and time-series DB.

    ``secret_key`` signs session cookies and CSRF tokens; it must be random and at least
    16 characters. ``settings`` (from the collector's configuration, see
    :func:`collector.web.settings.from_config`) and then ``test_config`` override any
    setting in :data:`DEFAULTS` (and Flask's).
    """
    if len(secret_key) < MIN_SECRET_KEY_LENGTH:
        raise ValueError(f"secret_key must be at least {MIN_SECRET_KEY_LENGTH} characters")
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config["SECRET_KEY"] = secret_key
    if settings is not None:
        app.config.from_mapping(settings)
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.extensions[TRUSTED_PROXIES_KEY] = parse_networks(app.config["TRUSTED_PROXIES"])

    resources.init_app(app, store, tsdb)
    charts.init_app(app, dashboards if dashboards is not None else load_dashboards())  # shipped ones
    # The login guard runs before the CSRF check, so a request without a session is sent
    # to the login page whatever its method; with a session, a POST without token is 400.
    security.init_app(app)
    two_factor.init_app(app)
    CSRFProtect(app)
    errors.init_app(app)
    filters.init_app(app)
    time_zone.init_app(app)
    device_names.init_app(app)
    list_render.init_app(app)  # memo() and id_url() for long lists
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

    @app.context_processor
    def _navigation() -> dict[str, Any]:
        user = optional_user()
        return {
            "user": user,
            "can_view_audit": can(user, Capability.VIEW_AUDIT),
            "can_enroll": can(user, Capability.ENROLL_DEVICES),
            "can_manage_users": can(user, Capability.MANAGE_USERS),
            "can_manage_customers": can(user, Capability.MANAGE_CUSTOMERS),
            "can_manage_helpdesk": can(user, Capability.MANAGE_HELPDESK),
            "can_configure_devices": can(user, Capability.CONFIGURE_DEVICES),
        }

    return app


__all__ = ["BLUEPRINTS", "DEFAULTS", "create_app"]
