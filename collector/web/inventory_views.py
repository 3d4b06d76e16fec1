"""Inventory in the dashboard: a device's hardware, software (searchable) and change
history, "Collect inventory now", JSON for integrations, and the fleet-wide software
search ("which devices have package X below version Y"). Everything is scoped to the
customers the user may see; another customer's device is 404.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from datetime import datetime

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from collector.customers.access import Category
from collector.inventory.versions import VersionError
from collector.store.models import Customer, Device
from collector.store.utc import as_utc
from collector.tsdb.inventory.queries import ChangeRow, SoftwareHit
from collector.web import sensitive
from collector.web.auditing import record
from collector.web.device_names import device_name
from collector.web.functions_views import agent_configs
from collector.web.permissions import Capability, get_device_or_404, require, scope_to_customers
from collector.web.resources import storage, store
from eus.names import CommandKind
from eus.v1 import eus_pb2

bp = Blueprint("inventory", __name__)

COMMAND_TTL_S = 600
PAGE_CHANGES = 200
MAX_QUERY = 200
PAGE_PACKAGES = 100  # a long package list (700+ on a desktop) is paged, not one endless table
SOFTWARE_ROWS_SHOWN = 500  # a fleet search lists this many devices; the CSV has every one


def _arg(name: str) -> str:
    return request.args.get(name, "").strip()[:MAX_QUERY]


def _page_arg() -> int:
    """``?page=`` as a page number from 1; anything else is page 1."""
    raw = request.args.get("page", "1")
    return max(1, int(raw)) if raw.isdigit() else 1


@bp.get("/devices/<int:device_id>/inventory")
@require(Capability.VIEW_DASHBOARD)
def device_inventory(device_id: int) -> ResponseReturnValue:
    with store().session() as s:
        dev = get_device_or_404(s, device_id)
    db = storage()
    subject = _arg("subject")
    query = _arg("q")
    known = db.inventory_subjects(dev.id)
    items = sensitive.without_packages(db.current_inventory(dev.id, subject), dev.customer_id)
    shows_software = sensitive.shows(dev.customer_id, Category.SOFTWARE_INVENTORY)
    packages = db.software(dev.id, query, subject=subject) if shows_software else []
    pages = max(1, -(-len(packages) // PAGE_PACKAGES))
    page = min(_page_arg(), pages)
    return render_template(
        "inventory_device.html",
        device=dev,
        subject=subject,
        subjects=known,
        info=next((k for k in known if k.subject == subject), None),
        hardware=[i for i in items if i.kind != "package"],
        packages=packages[(page - 1) * PAGE_PACKAGES : page * PAGE_PACKAGES],
        package_total=len(packages),
        page=page,
        pages=pages,
        package_count=sum(1 for i in items if i.kind == "package"),
        query=query,
        history=sensitive.without_packages(
            db.inventory_changes(dev.id, subject=subject, limit=PAGE_CHANGES), dev.customer_id
        ),
        page_changes=PAGE_CHANGES,
    )


@bp.post("/devices/<int:device_id>/inventory/collect")
@require(Capability.COMMAND_AGENTS)
def collect_now(device_id: int) -> ResponseReturnValue:
    """Ask the agent for its inventory now (it answers with the differences)."""
    command = eus_pb2.Command(
        id=uuid.uuid4().hex,
        kind=CommandKind.INVENTORY_COLLECT,
        expires_ms=int((time.time() + COMMAND_TTL_S) * 1000),
    )
    configs = agent_configs()
    with store().session() as s:
        dev = get_device_or_404(s, device_id)
        sent = configs is not None and configs.send_command(dev.id, command)
        record(
            s,
            "inventory.collect",
            f"device:{dev.id}",
            customer_id=dev.customer_id,
            command_id=command.id,
            delivered=sent,
        )
    if sent:
        flash("Inventory requested: changes appear here as soon as the agent has sent them.", "info")
    else:
        flash(
            "The agent is not connected, so nothing was sent; it reports its inventory on its own schedule.",
            "error",
        )
    return redirect(url_for("inventory.device_inventory", device_id=device_id))


def _change_json(c: ChangeRow) -> dict[str, object]:
    return {
        "subject": c.subject,
        "ts": c.ts.isoformat() + "Z",
        "kind": c.kind,
        "key": c.key,
        "change": c.change,
        "old_version": c.old_version,
        "new_version": c.new_version,
        "old": c.old_attrs,
        "new": c.new_attrs,
    }


@bp.get("/api/devices/<int:device_id>/inventory")
@require(Capability.VIEW_DASHBOARD)
def api_inventory(device_id: int) -> ResponseReturnValue:
    """``?subject=`` ('' = the host): the current items and what is known of each subject."""
    with store().session() as s:
        dev = get_device_or_404(s, device_id)
    db = storage()
    subject = _arg("subject")
    return jsonify(
        {
            "device_id": dev.id,
            "subject": subject,
            "subjects": [
                {
                    "subject": k.subject,
                    "items": k.items,
                    "last_full": k.last_full.isoformat() + "Z" if k.last_full else None,
                    "last_report": k.last_report.isoformat() + "Z",
                }
                for k in db.inventory_subjects(dev.id)
            ],
            "items": [
                {"kind": i.kind, "key": i.key, "attrs": i.attrs}
                for i in sensitive.without_packages(db.current_inventory(dev.id, subject), dev.customer_id)
            ],
        }
    )


@bp.get("/api/devices/<int:device_id>/inventory/changes")
@require(Capability.VIEW_DASHBOARD)
def api_changes(device_id: int) -> ResponseReturnValue:
    """``?since=<ISO 8601>`` (inclusive) and ``?subject=``: changes, newest first."""
    with store().session() as s:
        dev = get_device_or_404(s, device_id)
    since = None
    if raw := _arg("since"):
        try:
            since = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            abort(400, description=f"since: not an ISO 8601 time: {raw[:40]!r}")
        since = as_utc(since)
    subject = request.args.get("subject")
    rows = storage().inventory_changes(
        dev.id, since, subject=subject[:MAX_QUERY] if subject is not None else None
    )
    rows = sensitive.without_packages(rows, dev.customer_id)
    return jsonify({"device_id": dev.id, "changes": [_change_json(c) for c in rows]})


@bp.get("/software")
@require(Capability.VIEW_DASHBOARD)
def fleet_software() -> ResponseReturnValue:
    """Which devices (of the customers the user may see) have package X (below version Y)."""
    if sensitive.blocked(Category.SOFTWARE_INVENTORY):
        abort(404)
    name, below = _arg("name"), _arg("below")
    rows: list[tuple[Device, Customer, SoftwareHit]] = []
    error = ""
    if name:
        with store().session() as s:
            in_use = select(Device).where(Device.retired_at.is_(None))  # retired: out of the lists
            found = s.scalars(scope_to_customers(in_use, Device.customer_id)).all()
            customers = {c.id: c for c in s.scalars(select(Customer)).all()}
        devices = {d.id: (d, customers[d.customer_id]) for d in found}
        try:
            hits = storage().software_search(devices.keys(), name, below or None)
        except (VersionError, ValueError) as exc:
            error = str(exc)
            hits = []
        rows = [(*devices[h.device_id], h) for h in hits]
        rows.sort(key=lambda r: (r[1].name.lower(), device_name(r[0]).lower()))
    status = 400 if error else 200
    return render_template(
        "inventory_software.html",
        name=name,
        below=below,
        rows=rows[:SOFTWARE_ROWS_SHOWN],
        found=len(rows),
        versions=version_counts(h for _, _, h in rows),
        error=error,
    ), status


def version_counts(hits: Iterable[SoftwareHit]) -> list[tuple[str, str, str, int]]:
    """(package, version, source, devices) of every version found: what a fleet has of a
    package at a glance, most common version of each package first."""
    devices: dict[tuple[str, str, str], set[int]] = {}
    for h in hits:
        devices.setdefault((h.name, h.version, h.source), set()).add(h.device_id)
    counted = [(*k, len(ids)) for k, ids in devices.items()]
    return sorted(counted, key=lambda c: (c[0].lower(), -c[3], c[1]))
