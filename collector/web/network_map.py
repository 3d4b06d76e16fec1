"""The Network page's graph: a customer's agents, the SNMP devices each gateway polls and the
LLDP links between them, laid out in rows and drawn as inline SVG on the server. Pure.

Row 1 holds the agents (gateways first), row 2 the SNMP devices under the gateway polling
them, row 3 the LLDP neighbours nobody monitors. A node's fill is its status: ok (green),
warning (amber), critical (red), unknown or offline (grey). Polling is a dashed line, an LLDP
link a solid one labelled with both ports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from collector.snmp.links import Link

NODE_W, NODE_H = 150, 44
GAP_X = 30
MARGIN = 20
ROW_Y = (30, 170, 310)
COLOURS = {
    "ok": ("#e8f5e9", "#2e7d32"),
    "warning": ("#fff8e1", "#f9a825"),
    "critical": ("#ffebee", "#c62828"),
    "unknown": ("#eceff1", "#78909c"),
}


@dataclass(frozen=True, slots=True)
class MapNode:
    id: str
    label: str
    role: str  # "gateway", "agent", "snmp", "neighbour"
    status: str  # a key of COLOURS
    href: str = ""


@dataclass(frozen=True, slots=True)
class PlacedNode:
    node: MapNode
    x: float
    y: float
    fill: str
    stroke: str

    @property
    def cx(self) -> float:
        return self.x + NODE_W / 2


@dataclass(frozen=True, slots=True)
class Edge:
    kind: str  # "polls" or "lldp"
    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    ends: tuple[str, str] = ("", "")  # the node ids it joins
    monitored: bool = True  # both ends are the customer's devices


@dataclass(frozen=True, slots=True)
class NetworkMap:
    width: int
    height: int
    nodes: list[PlacedNode]
    edges: list[Edge]


def _place(rows: Sequence[Sequence[MapNode]]) -> dict[str, PlacedNode]:
    placed: dict[str, PlacedNode] = {}
    for row, y in zip(rows, ROW_Y, strict=False):
        for i, node in enumerate(row):
            fill, stroke = COLOURS.get(node.status, COLOURS["unknown"])
            placed[node.id] = PlacedNode(node, MARGIN + i * (NODE_W + GAP_X), y, fill, stroke)
    return placed


def build(
    agents: Sequence[MapNode],
    snmp: Sequence[MapNode],
    polled_by: Mapping[str, Sequence[str]],
    links: Sequence[Link],
) -> NetworkMap:
    """Lay out ``agents`` (gateways are those in ``polled_by``), the ``snmp`` devices ordered under
    their gateway, and the LLDP ``links`` (an unmonitored far end becomes a neighbour node)."""
    gateways = [a for a in agents if polled_by.get(a.id)]
    row1 = gateways + [a for a in agents if not polled_by.get(a.id)]
    order = {sid: n for n, sid in enumerate(s for g in gateways for s in polled_by[g.id])}
    row2 = sorted(snmp, key=lambda d: (order.get(d.id, len(order)), d.label.lower()))
    neighbours: dict[str, MapNode] = {}
    for link in links:
        if not link.b and link.b_label not in neighbours:
            neighbours[link.b_label] = MapNode(f"lldp:{link.b_label}", link.b_label, "neighbour", "unknown")
    placed = _place([row1, row2, list(neighbours.values())])
    edges: list[Edge] = []
    for gateway in gateways:
        g = placed[gateway.id]
        for sid in polled_by[gateway.id]:
            if sid in placed:
                d = placed[sid]
                edges.append(Edge("polls", g.cx, g.y + NODE_H, d.cx, d.y, "polls", (gateway.id, sid)))
    for link in links:
        a = placed.get(link.a)
        b = placed.get(link.b) if link.b else placed.get(f"lldp:{link.b_label}")
        if a is None or b is None:
            continue
        top, bottom = (a, b) if a.y <= b.y else (b, a)
        same_row = a.y == b.y
        y1 = top.y + (NODE_H / 2 if same_row else NODE_H)
        y2 = bottom.y + (NODE_H / 2 if same_row else 0)
        label = f"{link.a_port} ↔ {link.b_port}".strip(" ↔")
        edges.append(Edge("lldp", top.cx, y1, bottom.cx, y2, label, (a.node.id, b.node.id), bool(link.b)))
    columns = max(len(row1), len(row2), len(neighbours), 1)
    rows_used = 3 if neighbours else 2
    return NetworkMap(
        width=2 * MARGIN + columns * (NODE_W + GAP_X) - GAP_X,
        height=ROW_Y[rows_used - 1] + NODE_H + MARGIN,
        nodes=list(placed.values()),
        edges=edges,
    )
