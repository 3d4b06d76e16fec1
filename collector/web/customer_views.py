"""The customer screen (``/customers/<id>``): the seed's four levels on one page — Service,
Instance, Function, Contacts — read from the roll-up state (``collector.customers``), and
the same functions as JSON. Every view of the screen is audited (``customer.view``); a
customer the user may not see (not granted, or hidden by an administrator) is a 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from collector.customers.rollup import WARNING
from collector.dashboards.model import View
from collector.store.models import Site
from collector.web import customer_levels as levels
from collector.web.auditing import record
from collector.web.charts import chart_context
from collector.web.enrollment import tokens_of
from collector.web.identity import current_user
from collector.web.permissions import Capability, can, get_customer_or_404, require
from collector.web.resources import storage, store

bp = Blueprint("customer_screen", __name__)

CERT_WARN_DAYS = 30


def resolve_path(customer_id: int, fn: levels.FunctionRow) -> str:
    """Where the Resolve flow for a faulty function lives (``resolve_views``, its own blueprint):
    the function's id on its device, and its subject when it has one."""
    return url_for(
        "resolve.resolve",
        customer_id=customer_id,
        function_id=fn.fn.function_id,
        device=fn.device.id,
        subject=fn.fn.subject or None,
    )


def render_screen(customer_id: int) -> ResponseReturnValue:
    """The screen itself (served at ``dashboard.customer``, the endpoint every page links to)."""
    user = current_user()
    now = levels.now_utc()
    db = storage()
    with store().session() as s:
        cust = get_customer_or_404(s, customer_id)
        devices = levels.devices_of(s, cust.id)
        sites = s.scalars(select(Site).where(Site.customer_id == cust.id).order_by(Site.name)).all()
        service = levels.service(s, db, cust.id, [d.id for d in devices], now)
        instances = levels.instances(s, user, cust.id, devices, now)
        functions = levels.functions(s, db, user, cust.id, devices, now)
        contacts = levels.contacts(s, cust.id)
        tokens = tokens_of(s, cust.id) if can(user, Capability.ENROLL_DEVICES) else []
        record(s, "customer.view", f"customer:{cust.id}", customer_id=cust.id)
        return render_template(
            "customer_screen.html",
            customer=cust,
            sites=sites,
            site_names={site.id: site.name for site in sites},
            service=service,
            instances=instances,
            functions=functions,
            resolve_paths={f.fn.id: resolve_path(cust.id, f) for f in functions if f.fn.status >= WARNING},
            contacts=contacts,
            tokens=tokens,
            cert_warn_days=CERT_WARN_DAYS,
            **chart_context(View.FLEET),
            can_handle_alerts=can(user, Capability.HANDLE_ALERTS),
        )


def _function_json(f: levels.FunctionRow) -> dict[str, Any]:
    return {
        "id": f.fn.id,
        "device_id": f.device.id,
        "host": f.device.hostname,
        "subject": f.fn.subject,
        "function_id": f.fn.function_id,
        "kind": f.fn.kind,
        "name": f.fn.name,
        "status": f.fn.status,
        "message": f.fn.message,
        "checked_at": f.fn.checked_at.isoformat(),
        "changed_at": f.fn.changed_at.isoformat(),
        "sparkline": f.spark,
    }


@bp.get("/api/customers/<int:customer_id>/functions")
@require(Capability.VIEW_DASHBOARD)
def functions_json(customer_id: int) -> ResponseReturnValue:
    """The Function level as JSON (sparklines included); audited like the screen."""
    user = current_user()
    now = levels.now_utc()
    with store().session() as s:
        cust = get_customer_or_404(s, customer_id)
        devices = levels.devices_of(s, cust.id)
        rows = levels.functions(s, storage(), user, cust.id, devices, now)
        record(s, "customer.view", f"customer:{cust.id}", customer_id=cust.id, part="functions.json")
        return jsonify({"customer_id": cust.id, "functions": [_function_json(f) for f in rows]})
