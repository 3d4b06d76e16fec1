"""The Network page's graph (``/customers/<id>/network/map``): the customer's agents, the SNMP
devices each gateway polls and the LLDP links between devices, coloured by status. The data is
the Network page's own (:func:`collector.snmp.network.network_view`); statuses are the agents'
stream state and each SNMP device's worst function (:mod:`collector.snmp.status`)."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask.typing import ResponseReturnValue

from collector.snmp.network import agent_node_id, network_view, snmp_node_id
from collector.snmp.status import target_statuses
from collector.store.models import StreamState
from collector.tsdb.functions.queries import Health
from collector.web.network_map import MapNode, build
from collector.web.permissions import Capability, require
from collector.web.resources import storage, store
from collector.web.snmp_views import customer_network

bp = Blueprint("network_map", __name__)

_HEALTH = {Health.OK: "ok", Health.WARNING: "warning", Health.CRITICAL: "critical"}


@bp.get("/customers/<int:customer_id>/network/map")
@require(Capability.VIEW_DASHBOARD)
def network_map(customer_id: int) -> ResponseReturnValue:
    with store().session() as s:
        customer, agents, known = customer_network(s, customer_id)
    db = storage()
    view = network_view(db, agents, known)
    statuses = target_statuses(db, known)
    online = {a.id for a in agents if a.stream_state == StreamState.ONLINE.value}
    agent_nodes = [
        MapNode(
            agent_node_id(a),
            a.hostname or a.agent_id,
            "gateway" if view.polled_by.get(a.id) else "agent",
            "ok" if a.id in online else "unknown",
            url_for("dashboard.device", device_id=a.id),
        )
        for a in view.agents
    ]
    snmp_nodes = []
    for d in known:
        status = statuses.get(d.target_id)
        worst = status.worst if status is not None else None
        state = (
            "unknown" if worst is None or d.gateway_device_id not in online else _HEALTH.get(worst, "unknown")
        )
        snmp_nodes.append(
            MapNode(snmp_node_id(d), d.name, "snmp", state, url_for("snmp.detail", device_id=d.id))
        )
    polled = {agent_node_id(a): [snmp_node_id(d) for d in view.polled_by.get(a.id, [])] for a in view.agents}
    graph = build(agent_nodes, snmp_nodes, polled, view.links)
    return render_template("network_map.html", customer=customer, graph=graph, view=view)
