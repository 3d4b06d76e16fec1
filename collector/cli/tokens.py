"""``eus token create|list|revoke``: enrollment tokens, made and revoked by
:mod:`collector.enrollment` as the dashboard's customer page does. Only a token's prefix
is ever listed; the token itself is printed once, when it is made."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from collector.accounts import customers
from collector.cli.commands import add_command, add_group
from collector.cli.common import (
    CliError,
    actor,
    add_list_options,
    auditor,
    ca_fingerprint,
    column,
    config,
    open_store,
    print_rows,
    store_of,
)
from collector.enrollment import (
    create_token,
    enroll_command,
    find_token,
    parse_ttl,
    revoke_token,
    token_status,
)
from collector.store.models import EnrollmentToken


def cmd_token_create(args: argparse.Namespace) -> int:
    cfg = config(args)
    store = open_store(cfg)
    try:
        ttl = parse_ttl(args.ttl)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    with store.session() as s:
        customer = customers.find(s, args.customer)
        try:
            token, row = create_token(s, customer.name, uses=args.uses, ttl=ttl, actor=actor())
        except (LookupError, ValueError) as exc:
            raise CliError(str(exc).strip("'\"")) from exc
        expires = row.expires_at
    uses = "unlimited uses" if args.uses is None else f"{args.uses} use(s)"
    print(token)
    print(f"# customer {customer.name!r}, {uses}, expires {expires:%Y-%m-%d %H:%M} UTC", file=sys.stderr)
    print(
        f"# on the machine to enroll: {enroll_command(token, cfg.enroll_address, ca_fingerprint(cfg))}",
        file=sys.stderr,
    )
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    with store_of(args).session() as s:
        stmt = select(EnrollmentToken).order_by(EnrollmentToken.id)
        if args.customer:
            stmt = stmt.where(EnrollmentToken.customer_id == customers.find(s, args.customer).id)
        names = {c.id: c.name for c in customers.listing(s)}
        rows = [
            {
                "id": t.id,
                "prefix": t.prefix,
                "customer": names.get(t.customer_id, ""),
                "uses": t.uses,
                "max_uses": t.max_uses,
                "expires_at": f"{t.expires_at:%Y-%m-%d %H:%M}",
                "status": status,
                "created_by": t.created_by,
            }
            for t in s.scalars(stmt)
            if (status := token_status(t, now)) == "active" or args.all
        ]
    columns = [
        column("ID", "id"),
        ("PREFIX", lambda r: f"{r['prefix']}…"),
        column("CUSTOMER", "customer"),
        ("USES", lambda r: f"{r['uses']}/{'∞' if r['max_uses'] is None else r['max_uses']}"),
        column("EXPIRES (UTC)", "expires_at"),
        column("STATUS", "status"),
        column("CREATED BY", "created_by"),
    ]
    print_rows(args, columns, rows)
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    with store_of(args).session() as s:
        try:
            row = find_token(s, args.token)
        except LookupError as exc:
            raise CliError(str(exc).strip("'\"")) from None
        changed = revoke_token(s, row, auditor())
        prefix = row.prefix
    print(f"token {prefix}… revoked" if changed else f"token {prefix}… was already revoked")
    return 0


def register(sub: Any) -> None:
    """Add ``token`` (``sub``: argparse's subparsers action)."""
    tok = add_group(sub, "token", "enrollment tokens")
    sp = add_command(
        tok,
        "create",
        cmd_token_create,
        "a token that enrolls agents into one customer",
        "Make a token (printed once, on standard output) and the enroll command line.",
    )
    sp.add_argument("--customer", required=True, help="customer name (case does not matter) or number")
    sp.add_argument("--uses", type=int, default=None, help="how many agents may use it (default unlimited)")
    sp.add_argument("--ttl", default="24h", help="lifetime, e.g. 30m, 24h, 7d (default 24h)")
    sp = add_command(
        tok, "list", cmd_token_list, "tokens that can still enroll (--all: every one)", "List tokens."
    )
    sp.add_argument("--customer", help="only this customer's (name or number)")
    sp.add_argument("--all", action="store_true", help="also revoked, expired and used-up tokens")
    add_list_options(sp)
    sp = add_command(
        tok,
        "revoke",
        cmd_token_revoke,
        "refuse every later use of a token",
        "Revoke a token; agents it enrolled stay.",
    )
    sp.add_argument("token", help="the token's number or prefix from 'eus token list', or the token itself")
