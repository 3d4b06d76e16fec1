"""The technician's pages: the fleet overview, one customer, one device. All tenant-scoped.
Retired devices leave the lists (``?retired=1`` shows them) but keep their pages."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from collector.customers.access import Category
from collector.dashboards.model import View
from collector.ingest.refusals import recent_refusals
from collector.store.models import Customer, Site
from collector.web import customer_views, fleet_views
from collector.web.charts import chart_context
from collector.web.device_identity import MAX_ALIAS
from collector.web.device_status import active_maintenance, open_alerts, upcoming_maintenance
from collector.web.identity import current_user
from collector.web.maintenance_now import HOURS as MAINTENANCE_HOURS
from collector.web.permissions import (
    Capability,
    can,
    get_device_or_404,
    may_see_category,
    require,
)
from collector.web.resources import storage, store

bp = Blueprint("dashboard", __name__)

CERT_WARN_DAYS = 30


@bp.get("/")
@require(Capability.VIEW_DASHBOARD)
def index() -> ResponseReturnValue:
    """The fleet overview (``collector.web.fleet_views``)."""
    return fleet_views.render_fleet()


@bp.get("/customers/<int:customer_id>")
@require(Capability.VIEW_DASHBOARD)
def customer(customer_id: int) -> ResponseReturnValue:
    """The customer screen (``collector.web.customer_views``)."""
    return customer_views.render_screen(customer_id)


@bp.get("/devices/<int:device_id>")
@require(Capability.VIEW_DASHBOARD)
def device(device_id: int) -> ResponseReturnValue:
    with store().session() as s:
        dev = get_device_or_404(s, device_id)
        cust = s.get_one(Customer, dev.customer_id)
        site = s.get(Site, dev.site_id) if dev.site_id is not None else None
        refusals = recent_refusals(s, dev.id)
        alerts = open_alerts(s, dev.id)
        windows = active_maintenance(s, dev)
        upcoming = upcoming_maintenance(s, dev)
    gaps = storage().recent_gaps(dev.id)
    processes = storage().top_processes(dev.id)
    cert_days = None
    if dev.cert_not_after is not None:
        cert_days = (dev.cert_not_after - datetime.now(UTC)).days
    return render_template(
        "device.html",
        device=dev,
        customer=cust,
        site=site,
        cert_days=cert_days,
        cert_warn_days=CERT_WARN_DAYS,
        refusals=refusals,
        alerts=alerts,
        windows=windows,
        upcoming=upcoming,
        can_handle_alerts=can(current_user(), Capability.HANDLE_ALERTS),
        shows_remote_access=may_see_category(current_user(), dev.customer_id, Category.REMOTE_ACCESS),
        can_revoke=can(current_user(), Capability.ENROLL_DEVICES) and dev.revoked_at is None,
        can_retire=can(current_user(), Capability.ENROLL_DEVICES),
        can_rename=can(current_user(), Capability.NAME_DEVICES),
        alias_typed=request.args.get("alias", dev.alias)[:200],
        max_alias=MAX_ALIAS,
        maintenance_hours=MAINTENANCE_HOURS,
        gaps=gaps,
        processes=processes,
        **chart_context(View.DEVICE),
    )
