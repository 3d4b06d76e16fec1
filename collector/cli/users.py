"""``eus user create|list|disable|enable|reset-password``, through the accounts service
(:mod:`collector.accounts.users`) the dashboard's administration pages use too: the same
rules, the same refusals, the same audit rows.

Passwords never come from argv (``ps`` and shell history show it): ``--password-stdin``
reads one line, otherwise one is generated and printed once.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from collector.accounts import customers, users
from collector.cli.commands import add_command, add_group
from collector.cli.common import CliError, add_list_options, auditor, column, print_rows, store_of
from collector.store.models import Role


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """The password to set and whether it was generated (and so must be shown)."""
    if not args.password_stdin:
        return users.generate_password(), True
    line = sys.stdin.readline()
    if not line:
        raise CliError("--password-stdin: standard input ended before a password")
    return line.removesuffix("\n").removesuffix("\r"), False


def cmd_user_create(args: argparse.Namespace) -> int:
    password, generated = _password(args)
    with store_of(args).session() as s:
        granted = [customers.find(s, name).id for name in args.customer or []]
        user = users.create(
            s,
            auditor(),
            username=args.username,
            password=password,
            role=args.role,
            all_customers=args.all_customers,
            customer_ids=granted,
        )
        name = user.username
    print(f"user {name}: password {password}  (shown once)" if generated else f"user {name} created")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    with store_of(args).session() as s:
        names = {c.id: c.name for c in customers.listing(s)}
        rows = [
            {
                "id": u.id,
                "username": u.username,
                "role": u.role,
                "active": u.active,
                "customers": "all" if u.all_customers else sorted(names[g.customer_id] for g in u.grants),
                "created_at": f"{u.created_at:%Y-%m-%d %H:%M:%S}",
            }
            for u in users.listing(s)
        ]
    columns = [
        column("ID", "id"),
        column("USERNAME", "username"),
        column("ROLE", "role"),
        ("STATE", lambda r: "active" if r["active"] else "disabled"),
        (
            "CUSTOMERS",
            lambda r: r["customers"] if r["customers"] == "all" else ", ".join(r["customers"]) or "-",
        ),
        column("CREATED (UTC)", "created_at"),
    ]
    print_rows(args, columns, rows)
    return 0


def _set_active(args: argparse.Namespace, active: bool) -> int:
    with store_of(args).session() as s:
        user = users.find(s, args.username)
        changed = users.update(s, auditor(), user, active=active)
        state = "enabled" if active else "disabled"
        print(f"user {user.username} {state}" if changed else f"user {user.username} was already {state}")
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    return _set_active(args, False)


def cmd_user_enable(args: argparse.Namespace) -> int:
    return _set_active(args, True)


def cmd_user_reset_password(args: argparse.Namespace) -> int:
    password, generated = _password(args)
    with store_of(args).session() as s:
        user = users.find(s, args.username)
        users.update(s, auditor(), user, password=password)
        name = user.username
    # The dashboard reads the user row on every request: the old password's sessions end now.
    print(
        f"user {name}: password {password}  (shown once)" if generated else f"user {name}: password changed"
    )
    return 0


STDIN_HELP = "read the password from the first line of standard input (else one is generated)"


def register(sub: Any) -> None:
    """Add ``user`` (``sub``: argparse's subparsers action)."""
    us = add_group(sub, "user", "dashboard users")
    sp = add_command(us, "create", cmd_user_create, "a new dashboard user", "Create a dashboard user.")
    sp.add_argument("username", help="1 to 64 letters, digits, '.', '_', '@' or '-'; unique ignoring case")
    sp.add_argument(
        "--role",
        default=Role.TECHNICIAN.value,
        help=f"one of {', '.join(r.value for r in Role)} (default {Role.TECHNICIAN.value})",
    )
    sp.add_argument("--customer", action="append", metavar="CUSTOMER", help="grant a customer (repeatable)")
    sp.add_argument("--all-customers", action="store_true", help="see every customer, present and future")
    sp.add_argument("--password-stdin", action="store_true", help=STDIN_HELP)
    sp = add_command(us, "list", cmd_user_list, "users, their roles and customers", "List dashboard users.")
    add_list_options(sp)
    for name, func, what in (
        ("disable", cmd_user_disable, "refuse a user's logins and end their sessions"),
        ("enable", cmd_user_enable, "let a disabled user log in again"),
    ):
        sp = add_command(us, name, func, what, what.capitalize() + ".")
        sp.add_argument("username", help="the user name (case does not matter)")
    sp = add_command(
        us,
        "reset-password",
        cmd_user_reset_password,
        "give a user a new password (their sessions end)",
        "Set a new password; the user's dashboard sessions end.",
    )
    sp.add_argument("username", help="the user name (case does not matter)")
    sp.add_argument("--password-stdin", action="store_true", help=STDIN_HELP)
