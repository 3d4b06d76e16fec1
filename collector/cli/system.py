"""``eus init``, ``eus migrate`` and ``eus ca fingerprint``: the data directory, its schema
and the certificate authority agents pin at enrollment."""

from __future__ import annotations

import argparse
from typing import Any

from collector.accounts import users
from collector.accounts.errors import NotFound
from collector.cli.commands import add_command, add_group
from collector.cli.common import auditor, ca_fingerprint, config, open_store, store_of
from collector.store.models import Role


def cmd_init(args: argparse.Namespace) -> int:
    cfg = config(args)
    store = open_store(cfg)
    print(f"data directory: {cfg.data_dir}")
    print(f"CA fingerprint (sha256): {ca_fingerprint(cfg)}")
    if not args.admin:
        return 0
    with store.session() as s:
        try:
            existing = users.find(s, args.admin)
        except NotFound:
            password = users.generate_password()
            users.create(
                s,
                auditor(),
                username=args.admin,
                password=password,
                role=Role.ADMINISTRATOR.value,
                all_customers=True,
            )
            print(f"administrator: {args.admin.strip()}  password: {password}  (shown once)")
        else:
            print(f"administrator {existing.username} exists already")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    store_of(args)
    print("relational store is at the newest schema")
    return 0


def cmd_ca_fingerprint(args: argparse.Namespace) -> int:
    print(ca_fingerprint(config(args)))
    return 0


def register(sub: Any) -> None:
    """Add ``init``, ``migrate`` and ``ca`` (``sub``: argparse's subparsers action)."""
    sp = add_command(
        sub,
        "init",
        cmd_init,
        "create the data directory, CA and (optionally) the first administrator",
        "Create the data directory, the relational store and the CA; idempotent.",
    )
    sp.add_argument("--admin", metavar="USERNAME", help="first administrator (password printed once)")
    add_command(sub, "migrate", cmd_migrate, "upgrade the relational schema")
    ca = add_group(sub, "ca", "the collector's certificate authority")
    add_command(
        ca,
        "fingerprint",
        cmd_ca_fingerprint,
        "the CA's SHA-256 fingerprint, for eus-agent enroll --ca-fingerprint",
        "Print the CA's SHA-256 fingerprint (agents pin it at enrollment).",
    )
