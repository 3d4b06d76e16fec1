"""``eus customer create|list|rename`` and ``eus site create|list|rename``, through the
accounts service (:mod:`collector.accounts.customers`) the dashboard uses too."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import func, select

from collector.accounts import customers
from collector.cli.commands import add_command, add_group
from collector.cli.common import add_list_options, auditor, column, print_rows, store_of
from collector.store.models import Device, Site


def cmd_customer_create(args: argparse.Namespace) -> int:
    with store_of(args).session() as s:
        c = customers.create(s, auditor(), args.name)
        print(f"customer {c.id}: {c.name}")
    return 0


def cmd_customer_list(args: argparse.Namespace) -> int:
    with store_of(args).session() as s:
        counts = dict(
            s.execute(select(Device.customer_id, func.count(Device.id)).group_by(Device.customer_id)).all()
        )
        rows = [
            {
                "id": c.id,
                "name": c.name,
                "devices": counts.get(c.id, 0),
                "sites": sorted(x.name for x in c.sites),
            }
            for c in customers.listing(s)
        ]
    columns = [
        column("ID", "id"),
        column("NAME", "name"),
        ("AGENTS", lambda r: f"{r['devices']} device(s)"),
        ("SITES", lambda r: ", ".join(r["sites"]) or "-"),
    ]
    print_rows(args, columns, rows)
    return 0


def cmd_customer_rename(args: argparse.Namespace) -> int:
    with store_of(args).session() as s:
        c = customers.find(s, args.customer)
        old = c.name
        changed = customers.rename(s, auditor(), c, args.name)
        print(f"customer {c.id}: {old} -> {c.name}" if changed else f"customer {c.id}: nothing changed")
    return 0


def cmd_site_create(args: argparse.Namespace) -> int:
    with store_of(args).session() as s:
        c = customers.find(s, args.customer)
        site = customers.create_site(s, auditor(), c, args.name)
        print(f"site {site.id}: {site.name} ({c.name})")
    return 0


def cmd_site_list(args: argparse.Namespace) -> int:
    with store_of(args).session() as s:
        stmt = select(Site).order_by(Site.customer_id, Site.name)
        if args.customer:
            stmt = stmt.where(Site.customer_id == customers.find(s, args.customer).id)
        rows = [{"id": x.id, "customer": x.customer.name, "name": x.name} for x in s.scalars(stmt)]
    print_rows(args, [column("ID", "id"), column("CUSTOMER", "customer"), column("NAME", "name")], rows)
    return 0


def cmd_site_rename(args: argparse.Namespace) -> int:
    with store_of(args).session() as s:
        site = customers.find_site(s, customers.find(s, args.customer), args.site)
        old = site.name
        changed = customers.rename_site(s, auditor(), site, args.name)
        print(f"site {site.id}: {old} -> {site.name}" if changed else f"site {site.id}: nothing changed")
    return 0


CUSTOMER_HELP = "customer name (case does not matter) or number"


def register(sub: Any) -> None:
    """Add ``customer`` and ``site`` (``sub``: argparse's subparsers action)."""
    cust = add_group(sub, "customer", "customers (tenants)")
    sp = add_command(cust, "create", cmd_customer_create, "a new customer", "Create a customer.")
    sp.add_argument("name", help="unique, ignoring case")
    sp = add_command(
        cust, "list", cmd_customer_list, "customers with their agents and sites", "List customers."
    )
    add_list_options(sp)
    sp = add_command(cust, "rename", cmd_customer_rename, "give a customer a new name", "Rename a customer.")
    sp.add_argument("customer", help=CUSTOMER_HELP)
    sp.add_argument("name", help="the new name, unique ignoring case")

    site = add_group(sub, "site", "customers' sites")
    sp = add_command(site, "create", cmd_site_create, "a new site of a customer", "Create a site.")
    sp.add_argument("--customer", required=True, help=CUSTOMER_HELP)
    sp.add_argument("name", help="unique within the customer, ignoring case")
    sp = add_command(site, "list", cmd_site_list, "sites, by customer", "List sites.")
    sp.add_argument("--customer", help=f"only this customer's: {CUSTOMER_HELP}")
    add_list_options(sp)
    sp = add_command(site, "rename", cmd_site_rename, "give a site a new name", "Rename a site.")
    sp.add_argument("--customer", required=True, help=CUSTOMER_HELP)
    sp.add_argument("site", help="site name (case does not matter) or number")
    sp.add_argument("name", help="the new name, unique within the customer ignoring case")
