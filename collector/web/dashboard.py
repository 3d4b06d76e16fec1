"""The technician's pages: customers, one customer, one device. All tenant-scoped."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from collector.ingest.refusals import recent_refusals
from collector.store.models import Customer, Device, Site
from collector.web.charts import CHARTS, DEFAULT_RANGE, RANGES
from collector.web.device_status import active_maintenance, open_alerts
from collector.web.enrollment import tokens_of
from collector.web.identity import current_user
from collector.web.maintenance_now import HOURS as MAINTENANCE_HOURS
from collector.web.permissions import (
    Capability,
    can,
    get_customer_or_404,
    get_device_or_404,
    require,
    scope_to_customers,
)
from collector.web.resources import storage, store

bp = Blueprint("dashboard", __name__)

CERT_WARN_DAYS = 30


@bp.get("/")
@require(Capability.VIEW_DASHBOARD)
def index() -> ResponseReturnValue:
    stmt = scope_to_customers(
        select(Customer).options(selectinload(Customer.devices)).order_by(Customer.name), Customer.id
    )
    with store().session() as s:
        customers = s.scalars(stmt).all()
        rows = [(c, sorted(c.devices, key=lambda d: d.hostname.lower())) for c in customers]
    return render_template("index.html", rows=rows)


@bp.get("/customers/<int:customer_id>")
@require(Capability.VIEW_DASHBOARD)
def customer(customer_id: int) -> ResponseReturnValue:
    with store().session() as s:
        cust = get_customer_or_404(s, customer_id)
        sites = s.scalars(select(Site).where(Site.customer_id == cust.id).order_by(Site.name)).all()
        devices = s.scalars(
            select(Device).where(Device.customer_id == cust.id).order_by(Device.hostname)
        ).all()
        tokens = tokens_of(s, cust.id) if can(current_user(), Capability.ENROLL_DEVICES) else []
    site_names = {site.id: site.name for site in sites}
    return render_template(
        "customer.html",
        customer=cust,
        sites=sites,
        devices=devices,
        site_names=site_names,
        tokens=tokens,
    )


@bp.get("/devices/<int:device_id>")
@require(Capability.VIEW_DASHBOARD)
def device(device_id: int) -> ResponseReturnValue:
    range_key = request.args.get("range", DEFAULT_RANGE)
    if range_key not in RANGES:
        range_key = DEFAULT_RANGE
    with store().session() as s:
        dev = get_device_or_404(s, device_id)
        cust = s.get_one(Customer, dev.customer_id)
        site = s.get(Site, dev.site_id) if dev.site_id is not None else None
        refusals = recent_refusals(s, dev.id)
        alerts = open_alerts(s, dev.id)
        windows = active_maintenance(s, dev)
    gaps = storage().recent_gaps(dev.id)
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
        can_handle_alerts=can(current_user(), Capability.HANDLE_ALERTS),
        can_revoke=can(current_user(), Capability.ENROLL_DEVICES) and dev.revoked_at is None,
        maintenance_hours=MAINTENANCE_HOURS,
        gaps=gaps,
        charts=CHARTS.values(),
        ranges=RANGES.values(),
        range_key=range_key,
    )
