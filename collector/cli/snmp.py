"""``eus snmp``: the SNMP subcommands of the admin CLI, registered by :mod:`collector.cli`.

``eus snmp device add|list|show|remove|assign`` (:mod:`collector.cli.snmp_devices`) and
``eus snmp gateway list`` (here): every agent acting as an SNMP gateway, with its devices
from the dashboard and from its own agent.toml, those removed from the file, its trap
listener and whether a push the CLI asked for is still waiting for the collector.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.accounts.customers import find as find_customer
from collector.cli.commands import add_command, add_group
from collector.cli.common import add_list_options, column, print_rows, store_of
from collector.cli.snmp_devices import (
    cmd_device_add,
    cmd_device_assign,
    cmd_device_list,
    cmd_device_remove,
    cmd_device_show,
)
from collector.cli.snmp_input import add_secret_options
from collector.snmp.models import INCLUDE_RETIRED, NetworkDevice, Origin, SnmpGateway, SnmpPushRequest
from collector.store.models import Customer, Device


def gateway_rows(s: Session, customer_id: int | None = None) -> list[dict[str, Any]]:
    devices = s.scalars(select(NetworkDevice).execution_options(**{INCLUDE_RETIRED: True})).all()
    listeners = {g.device_id: g for g in s.scalars(select(SnmpGateway))}
    pending = {p.gateway_device_id: p for p in s.scalars(select(SnmpPushRequest))}
    ids = {d.gateway_device_id for d in devices} | set(listeners)
    rows = []
    for agent in s.scalars(select(Device).where(Device.id.in_(ids)).order_by(Device.id)):
        if customer_id is not None and agent.customer_id != customer_id:
            continue
        own = [d for d in devices if d.gateway_device_id == agent.id]
        listener = listeners.get(agent.id)
        push = pending.get(agent.id)
        customer = s.get(Customer, agent.customer_id)
        rows.append(
            {
                "id": agent.id,
                "agent_id": agent.agent_id,
                "hostname": agent.hostname,
                "alias": agent.alias,
                "customer": customer.name if customer else "",
                "central": sum(d.origin == Origin.CENTRAL.value for d in own),
                "agent_toml": sum(d.origin == Origin.AGENT_FILE.value and d.retired_at is None for d in own),
                "removed_from_agent_toml": sorted(d.agent_target_id for d in own if d.retired_at is not None),
                "traps": f"listening on {listener.trap_host}:{listener.trap_port}"
                if listener is not None and listener.trap_enabled
                else "off",
                "push_pending_since": f"{push.requested_at:%Y-%m-%d %H:%M:%S}" if push else "",
                "state": "revoked" if agent.revoked_at else agent.stream_state,
            }
        )
    return rows


def cmd_gateway_list(args: argparse.Namespace) -> int:
    store = store_of(args)
    with store.session() as s:
        customer_id = find_customer(s, args.customer).id if args.customer else None
        rows = gateway_rows(s, customer_id)
    print_rows(args, GATEWAY_COLUMNS, rows)
    return 0


def _agent_toml(r: Mapping[str, Any]) -> str:
    removed = r["removed_from_agent_toml"]
    return f"{r['agent_toml']} from agent.toml" + (
        f" ({len(removed)} removed: {', '.join(removed)})" if removed else ""
    )


GATEWAY_COLUMNS = [
    column("ID", "id"),
    column("AGENT ID", "agent_id"),
    ("HOSTNAME", lambda r: r["hostname"] or "-"),
    ("ALIAS", lambda r: r["alias"] or "-"),
    column("CUSTOMER", "customer"),
    ("CENTRAL", lambda r: f"{r['central']} central"),
    ("AGENT.TOML", _agent_toml),
    ("TRAPS", lambda r: f"traps {r['traps']}"),
    column("STATE", "state"),
    ("PUSH", lambda r: f"push pending since {r['push_pending_since']}" if r["push_pending_since"] else ""),
]


def _device_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--customer", required=True, help="customer name or number")
    p.add_argument("--gateway", required=True, help="the agent that polls it: agent id, number or host name")
    p.add_argument("--site", help="site name or number")
    p.add_argument("--name", required=True, help="the device's name on the dashboard")
    p.add_argument("--host", required=True, help="IPv4/IPv6 address or DNS name")
    p.add_argument("--port", help="UDP port (161)")
    p.add_argument("--snmp-version", default="3", help="3 (default), 2c or 1 (v1/v2c need --legacy)")
    p.add_argument(
        "--legacy", action="store_true", help="allow v1/v2c, MD5, DES or v3 below authPriv (insecure)"
    )
    p.add_argument("--user", help="SNMPv3 user")
    p.add_argument("--auth-protocol", help="SHA-256 (recommended), SHA-384, SHA-512, SHA-224, SHA, MD5")
    p.add_argument("--priv-protocol", help="AES (recommended), AES-192, AES-256, DES ...")
    p.add_argument("--context", help="SNMPv3 context name")
    p.add_argument("--engine-id", help="the device's SNMPv3 engine id in hex (to accept its v3 traps)")
    p.add_argument("--interval", help="seconds between polls (60)")
    p.add_argument("--timeout", help="seconds per request (2)")
    p.add_argument("--retries", help="retries per request (1)")
    p.add_argument("--profiles", help="comma-separated profile names (default: discovered)")
    p.add_argument("--supply-warn", help="printer supply warning level in %% (15)")
    p.add_argument("--supply-crit", help="printer supply critical level in %% (5)")
    add_secret_options(p)


def register(sub: Any) -> None:
    """Add ``snmp`` to the admin CLI's subcommands (``sub``: argparse's subparsers action)."""
    snmp = add_group(sub, "snmp", "SNMP devices and gateways")
    dev = add_group(snmp, "device", "SNMP devices", dest="action")
    sp = add_command(dev, "add", cmd_device_add, "add a device polled by a gateway agent", allow_abbrev=False)
    _device_options(sp)
    sp = add_command(dev, "list", cmd_device_list, "devices, one line each (or --json)", allow_abbrev=False)
    sp.add_argument("--customer", help="only this customer's (name or number)")
    sp.add_argument("--gateway", help="only those polled by this agent")
    sp.add_argument("--all", action="store_true", help="also devices removed from their gateway's agent.toml")
    add_list_options(sp)
    sp = add_command(
        dev, "show", cmd_device_show, "every setting of one device (never a secret)", allow_abbrev=False
    )
    sp.add_argument("id", help="the SNMP device's number")
    sp.add_argument("--json", action="store_true", help="print a JSON object instead of 'key: value' lines")
    sp = add_command(dev, "remove", cmd_device_remove, "delete a device added centrally", allow_abbrev=False)
    sp.add_argument("id", help="the SNMP device's number")
    sp = add_command(
        dev, "assign", cmd_device_assign, "move a device to another gateway or site", allow_abbrev=False
    )
    sp.add_argument("id", help="the SNMP device's number")
    sp.add_argument("--gateway", help="the agent that polls it from now on")
    where = sp.add_mutually_exclusive_group()
    where.add_argument("--site", help="site name or number")
    where.add_argument("--no-site", action="store_true", help="no site")
    gw = add_group(snmp, "gateway", "agents acting as SNMP gateways", dest="action")
    sp = add_command(
        gw, "list", cmd_gateway_list, "gateways, their devices and trap listeners", allow_abbrev=False
    )
    sp.add_argument("--customer", help="only this customer's (name or number)")
    add_list_options(sp)
