"""SNMP devices in the dashboard: per customer, the list with health and legacy findings,
add / edit / delete (audited, secrets never shown or logged), each device's readings, the
trap listener of each gateway, the traps received and the Network view.

Routes take the SNMP device's own id as ``device_id`` under ``/snmp/`` (agents keep
``/devices/``). Everything is tenant-scoped: another customer's device is a 404. Reading
needs ``view-dashboard``; adding, editing, deleting and trap listeners ``configure-devices``.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.dashboards.model import View
from collector.snmp import service
from collector.snmp.editing import form_values
from collector.snmp.gateways import validate_trap_settings
from collector.snmp.models import NetworkDevice, Origin, SnmpGateway
from collector.snmp.network import agent_node_id, network_view, snmp_node_id
from collector.snmp.pages import device_page
from collector.snmp.secrets import SecretError
from collector.snmp.status import badge, legacy_finding, listener_states, target_statuses
from collector.snmp.targets import SnmpTargets, trap_communities
from collector.snmp.trap_senders import sender_devices
from collector.snmp.validation import (
    AUTH_PROTOCOLS,
    PRIV_PROTOCOLS,
    StoredSecrets,
    ValidationError,
    validate,
)
from collector.store.models import Customer, Device, Site, StreamState
from collector.web.auditing import record
from collector.web.charts import chart_context
from collector.web.device_names import device_name
from collector.web.identity import current_user
from collector.web.permissions import (
    Capability,
    get_customer_or_404,
    require,
    scope_to_customers,
    visible_customers,
)
from collector.web.resources import optional_service, required_service, storage, store
from collector.web.snmp_format import FILTERS

bp = Blueprint("snmp", __name__)
for _name, _filter in FILTERS.items():
    bp.add_app_template_filter(_filter, _name)
EXTENSION_KEY = "eus.snmp"
SECRET_FIELDS = ("community", "auth_key", "priv_key", "trap_communities")


def init_app(app: Flask, targets: SnmpTargets) -> None:
    """Give the views the secret box and the way to push gateways (composition root)."""
    app.extensions[EXTENSION_KEY] = targets


def _targets() -> SnmpTargets:
    return required_service(EXTENSION_KEY, SnmpTargets, "the SNMP gateway is not set up in this process")


def get_network_device_or_404(session: Session, device_id: int) -> NetworkDevice:
    """The SNMP device if it exists and its customer is visible to the user; else 404."""
    stmt = scope_to_customers(
        select(NetworkDevice).where(NetworkDevice.id == device_id), NetworkDevice.customer_id
    )
    device = session.scalars(stmt).one_or_none()
    if device is None:
        abort(404)
    return device


def customer_network(
    session: Session, customer_id: int
) -> tuple[Customer, list[Device], list[NetworkDevice]]:
    """The customer (404 unless the user may see it), its agents and its SNMP devices: what the
    Network page, its map and the trap list are drawn from."""
    cust = get_customer_or_404(session, customer_id)
    agents = list(session.scalars(select(Device).where(Device.customer_id == cust.id)))
    known = list(session.scalars(select(NetworkDevice).where(NetworkDevice.customer_id == cust.id)))
    return cust, agents, known


def _choices(session: Session, customer_id: int) -> tuple[list[Device], list[Site]]:
    agents = session.scalars(
        select(Device)
        .where(Device.customer_id == customer_id, Device.revoked_at.is_(None))
        .order_by(Device.hostname)
    ).all()
    sites = session.scalars(select(Site).where(Site.customer_id == customer_id).order_by(Site.name)).all()
    return list(agents), list(sites)


def _form_values(form: Mapping[str, str]) -> dict[str, str]:
    """What a re-shown form keeps: everything but secrets, which are never sent back."""
    return {k: str(v) for k, v in form.items() if k not in SECRET_FIELDS and k != "csrf_token"}


def _render_form(
    customer: Customer,
    device: NetworkDevice | None,
    values: Mapping[str, str],
    errors: list[str],
    status: int = 200,
) -> ResponseReturnValue:
    with store().session() as s:
        agents, sites = _choices(s, customer.id)
    body = render_template(
        "snmp_form.html",
        customer=customer,
        device=device,
        values=values,
        errors=errors,
        agents=agents,
        sites=sites,
        auth_protocols=AUTH_PROTOCOLS,
        priv_protocols=PRIV_PROTOCOLS,
    )
    return body, status


@bp.get("/snmp")
@require(Capability.VIEW_DASHBOARD)
def overview() -> ResponseReturnValue:
    with store().session() as s:
        customers = visible_customers(s)
        devices = s.scalars(
            scope_to_customers(select(NetworkDevice), NetworkDevice.customer_id).order_by(NetworkDevice.name)
        ).all()
    per_customer: dict[int, list[NetworkDevice]] = {c.id: [] for c in customers}
    for d in devices:
        per_customer.setdefault(d.customer_id, []).append(d)
    return render_template("snmp_overview.html", customers=customers, per_customer=per_customer)


@bp.get("/customers/<int:customer_id>/snmp")
@require(Capability.VIEW_DASHBOARD)
def devices(customer_id: int) -> ResponseReturnValue:
    with store().session() as s:
        cust = get_customer_or_404(s, customer_id)
        rows = s.scalars(
            select(NetworkDevice).where(NetworkDevice.customer_id == cust.id).order_by(NetworkDevice.name)
        ).all()
        agents, sites = _choices(s, cust.id)
        listeners = s.scalars(select(SnmpGateway).where(SnmpGateway.device_id.in_([a.id for a in agents])))
        gateways = {g.device_id: g for g in listeners.all()}
    statuses = target_statuses(storage(), rows)
    findings = {d.id: legacy_finding(d, statuses[d.target_id].reachability) for d in rows if d.target_id}
    return render_template(
        "snmp_devices.html",
        customer=cust,
        devices=rows,
        statuses=statuses,
        findings=findings,
        agents={a.id: a for a in agents},
        site_names={x.id: x.name for x in sites},
        gateways=gateways,
        communities={gid: _community_count(g) for gid, g in gateways.items()},
        listener_states=listener_states(storage(), [a.id for a in agents]),
        badges={
            d.id: badge(
                statuses.get(d.target_id),
                _online(next((a for a in agents if a.id == d.gateway_device_id), None)),
            )
            for d in rows
        },
    )


def _online(gateway: Device | None) -> bool:
    return gateway is not None and gateway.stream_state == StreamState.ONLINE.value


def _community_count(gateway: SnmpGateway) -> str:
    """How many trap communities a gateway accepts (never which)."""
    targets = optional_service(EXTENSION_KEY, SnmpTargets)
    if not gateway.trap_communities_enc:
        return "none"
    if targets is None:
        return "set"
    try:
        return str(len(trap_communities(gateway, targets.box)))
    except (SecretError, ValueError):
        return "unreadable"


@bp.route("/customers/<int:customer_id>/snmp/new", methods=["GET", "POST"])
@require(Capability.CONFIGURE_DEVICES)
def create(customer_id: int) -> ResponseReturnValue:
    with store().session() as s:
        cust = get_customer_or_404(s, customer_id)
        agents, sites = _choices(s, cust.id)
    if request.method == "GET":
        default_gw = str(agents[0].id) if len(agents) == 1 else ""
        return _render_form(cust, None, {"version": "3", "port": "161", "gateway_device_id": default_gw}, [])
    targets = _targets()
    try:
        settings = validate(request.form, gateways={a.id for a in agents}, sites={x.id for x in sites})
    except ValidationError as exc:
        return _render_form(cust, None, _form_values(request.form), exc.errors, 400)
    with store().session() as s:
        device = service.create_device(
            s, targets.box, cust.id, settings, actor=current_user().actor, audit=record
        )
        device_id, name, gateway = device.id, device.name, device.gateway_device_id
    pushed = targets.push(gateway)
    flash(
        f"SNMP device {name} added{'' if pushed else '; the gateway gets it when it next connects'}.", "info"
    )
    return redirect(url_for("snmp.detail", device_id=device_id))


@bp.get("/snmp/<int:device_id>")
@require(Capability.VIEW_DASHBOARD)
def detail(device_id: int) -> ResponseReturnValue:
    with store().session() as s:
        device = get_network_device_or_404(s, device_id)
        cust = s.get_one(Customer, device.customer_id)
        gateway = s.get(Device, device.gateway_device_id)
        site = s.get(Site, device.site_id) if device.site_id is not None else None
    page = device_page(storage(), device)
    status_badge = badge(page.status, _online(gateway))
    return render_template(
        "snmp_device.html",
        customer=cust,
        gateway=gateway,
        site=site,
        page=page,
        badge=status_badge,
        **chart_context(View.SNMP),
    )


@bp.route("/snmp/<int:device_id>/edit", methods=["GET", "POST"])
@require(Capability.CONFIGURE_DEVICES)
def edit(device_id: int) -> ResponseReturnValue:
    with store().session() as s:
        device = get_network_device_or_404(s, device_id)
        cust = s.get_one(Customer, device.customer_id)
        agents, sites = _choices(s, cust.id)
    if device.origin != Origin.CENTRAL.value:
        abort(409, "this device is configured in its gateway's agent.toml; change it there")
    if request.method == "GET":
        return _render_form(cust, device, form_values(device), [])
    targets = _targets()
    stored = StoredSecrets.of(device)
    try:
        settings = validate(
            request.form, gateways={a.id for a in agents}, sites={x.id for x in sites}, stored=stored
        )
    except ValidationError as exc:
        return _render_form(cust, device, _form_values(request.form), exc.errors, 400)
    with store().session() as s:
        row = get_network_device_or_404(s, device_id)
        old_gateway = row.gateway_device_id
        changed = service.update_device(s, targets.box, row, settings, audit=record)
        new_gateway = row.gateway_device_id
    if changed:
        for gateway in {old_gateway, new_gateway}:
            targets.push(gateway)
    flash("Saved." if changed else "Nothing changed.", "info")
    return redirect(url_for("snmp.detail", device_id=device_id))


@bp.post("/snmp/<int:device_id>/delete")
@require(Capability.CONFIGURE_DEVICES)
def delete(device_id: int) -> ResponseReturnValue:
    targets = _targets()
    with store().session() as s:
        device = get_network_device_or_404(s, device_id)
        if device.origin != Origin.CENTRAL.value:
            abort(409, "this device is configured in its gateway's agent.toml; remove it there")
        customer_id, gateway, name = device.customer_id, device.gateway_device_id, device.name
        service.delete_device(s, device, audit=record)
    targets.push(gateway)
    flash(f"SNMP device {name} deleted.", "info")
    return redirect(url_for("snmp.devices", customer_id=customer_id))


@bp.post("/customers/<int:customer_id>/snmp/trap-listener")
@require(Capability.CONFIGURE_DEVICES)
def trap_listener(customer_id: int) -> ResponseReturnValue:
    targets = _targets()
    with store().session() as s:
        cust = get_customer_or_404(s, customer_id)
        agents, _ = _choices(s, cust.id)
    raw_gateway = request.form.get("gateway_device_id", "")
    gateway = next((a for a in agents if str(a.id) == raw_gateway), None)
    if gateway is None:
        flash("Trap listener not saved: choose one of this customer's agents.", "error")
        return redirect(url_for("snmp.devices", customer_id=cust.id))
    try:
        settings = validate_trap_settings(request.form)
    except ValidationError as exc:
        flash("Trap listener not saved: " + " ".join(exc.errors), "error")
        return redirect(url_for("snmp.devices", customer_id=cust.id))
    with store().session() as s:
        service.save_trap_listener(
            s, targets.box, gateway.id, cust.id, settings, actor=current_user().actor, audit=record
        )
    targets.push(gateway.id)
    # Only the agent knows whether the port could be bound: the page shows what it reports.
    wish = f"listen on {settings.host}:{settings.port}" if settings.enabled else "off"
    who = device_name(gateway)
    flash(f"Trap listener of {who} saved ({wish}); sent to the agent.", "info")
    return redirect(url_for("snmp.devices", customer_id=cust.id))


@bp.get("/customers/<int:customer_id>/traps")
@require(Capability.VIEW_DASHBOARD)
def traps(customer_id: int) -> ResponseReturnValue:
    with store().session() as s:
        cust, agents, known = customer_network(s, customer_id)
    events = storage().trap_events([a.id for a in agents], limit=500)
    senders = sender_devices(events, known)
    return render_template(
        "snmp_traps.html", customer=cust, events=events, senders=senders, agents={a.id: a for a in agents}
    )


@bp.get("/customers/<int:customer_id>/network")
@require(Capability.VIEW_DASHBOARD)
def network(customer_id: int) -> ResponseReturnValue:
    with store().session() as s:
        cust, agents, known = customer_network(s, customer_id)
    view = network_view(storage(), agents, known)
    hrefs = {agent_node_id(a): url_for("dashboard.device", device_id=a.id) for a in agents}
    hrefs.update({snmp_node_id(d): url_for("snmp.detail", device_id=d.id) for d in known})
    return render_template("snmp_network.html", customer=cust, view=view, hrefs=hrefs)
