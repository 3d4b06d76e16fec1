"""``eus agent list|revoke``: enrolled agents; a revoked agent's stream is closed by the
running collector within seconds and every reconnection is refused."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from collector.cli.commands import add_command, add_group
from collector.cli.common import CliError, add_list_options, auditor, column, print_rows, store_of
from collector.store.models import Device


def find_agent(s: Session, ident: str) -> Device:
    """The agent with this agent id (UUID) or device number."""
    cond = [Device.agent_id == ident]
    if ident.isdigit():
        cond.append(Device.id == int(ident))
    dev = s.scalars(select(Device).where(or_(*cond))).one_or_none()
    if dev is None:
        raise CliError(f"no agent with id {ident!r}")
    return dev


def cmd_agent_revoke(args: argparse.Namespace) -> int:
    with store_of(args).session() as s:
        dev = find_agent(s, args.id)
        if dev.revoked_at is not None:
            print(f"agent {dev.agent_id} was already revoked at {dev.revoked_at:%Y-%m-%d %H:%M} UTC")
            return 0
        dev.revoked_at = datetime.now(UTC)
        auditor()(s, "agent.revoke", f"device:{dev.id}", customer_id=dev.customer_id, agent_id=dev.agent_id)
        name = dev.alias or dev.hostname
        print(f"revoked agent {dev.agent_id} ({name}); its stream is closed within seconds")
    return 0


def cmd_agent_list(args: argparse.Namespace) -> int:
    with store_of(args).session() as s:
        rows = [
            {
                "id": d.id,
                "agent_id": d.agent_id,
                "customer": d.customer.name,
                "hostname": d.hostname,
                "alias": d.alias,
                "state": "revoked" if d.revoked_at else d.stream_state,
                "last_seen": f"{d.last_seen:%Y-%m-%d %H:%M:%S}" if d.last_seen else "-",
            }
            for d in s.scalars(select(Device).order_by(Device.id))
        ]
    columns = [
        column("ID", "id"),
        column("AGENT ID", "agent_id"),
        column("CUSTOMER", "customer"),
        column("HOSTNAME", "hostname"),
        ("ALIAS", lambda r: r["alias"] or "-"),  # the name the dashboard shows instead
        column("STATE", "state"),
        column("LAST SEEN (UTC)", "last_seen"),
    ]
    print_rows(args, columns, rows)
    return 0


def register(sub: Any) -> None:
    """Add ``agent`` (``sub``: argparse's subparsers action)."""
    ag = add_group(sub, "agent", "enrolled agents")
    sp = add_command(
        ag,
        "revoke",
        cmd_agent_revoke,
        "refuse an agent's certificate and close its stream",
        "Revoke an agent: its stream is closed and every reconnection refused.",
    )
    sp.add_argument("id", help="agent id (UUID) or device number")
    sp = add_command(
        ag, "list", cmd_agent_list, "agents, their customers and connection state", "List agents."
    )
    add_list_options(sp)
