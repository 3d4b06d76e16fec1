"""Console scripts: ``eus-collector`` (the service) and ``eus`` (the operator's admin CLI).

The admin CLI works on the relational store and the PKI files directly (SQLite allows
several processes), never on the DuckDB file, which the running collector holds. Every
change it makes is written to the audit log as ``cli:<unix user>``.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import or_, select

from collector import __version__
from collector.config import CollectorConfig, ConfigError, load
from collector.enrollment import create_token, parse_ttl
from collector.store.db import Store, audit
from collector.store.models import Customer, Device, Role, User, UserCustomer


class CliError(Exception):
    """A problem the operator can fix; printed as one line, exit code 2."""


def _config(args: argparse.Namespace) -> CollectorConfig:
    overrides = {"data_dir": args.data} if getattr(args, "data", None) else {}
    return load(args.config, overrides=overrides)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "cli"


def _store(cfg: CollectorConfig) -> Store:
    cfg.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    store = Store(cfg.store_url_resolved)
    store.migrate()
    return store


def _ca_fingerprint(cfg: CollectorConfig) -> str:
    from collector.pki import CertificateAuthority

    return CertificateAuthority(cfg.pki_dir, cfg.server_names).ca_fingerprint


# -- commands -------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> int:
    cfg = _config(args)
    store = _store(cfg)
    fp = _ca_fingerprint(cfg)
    print(f"data directory: {cfg.data_dir}")
    print(f"CA fingerprint (sha256): {fp}")
    if args.admin:
        with store.session() as s:
            if s.scalars(select(User).where(User.username == args.admin)).one_or_none() is None:
                password = _create_user(
                    s,
                    args.admin,
                    role=Role.ADMINISTRATOR.value,
                    all_customers=True,
                    customers=[],
                    password=None,
                )
                print(f"administrator: {args.admin}  password: {password}  (shown once)")
            else:
                print(f"administrator {args.admin} exists already")
    return 0


def cmd_customer_create(args: argparse.Namespace) -> int:
    store = _store(_config(args))
    name = args.name.strip()
    if not name:
        raise CliError("a customer needs a name")
    with store.session() as s:
        if s.scalars(select(Customer).where(Customer.name == name)).one_or_none() is not None:
            raise CliError(f"customer {name!r} exists already")
        c = Customer(name=name)
        s.add(c)
        s.flush()
        audit(s, _actor(), "customer.create", f"customer:{c.id}", customer_id=c.id, name=name)
        print(f"customer {c.id}: {name}")
    return 0


def cmd_customer_list(args: argparse.Namespace) -> int:
    store = _store(_config(args))
    with store.session() as s:
        for c in s.scalars(select(Customer).order_by(Customer.name)):
            print(f"{c.id}\t{c.name}\t{len(c.devices)} device(s)")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    cfg = _config(args)
    store = _store(cfg)
    try:
        ttl = parse_ttl(args.ttl)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    with store.session() as s:
        try:
            token, row = create_token(s, args.customer, uses=args.uses, ttl=ttl, actor=_actor())
        except (LookupError, ValueError) as exc:
            raise CliError(str(exc).strip("'\"")) from exc
        expires = row.expires_at
    fp = _ca_fingerprint(cfg)
    uses = "unlimited uses" if args.uses is None else f"{args.uses} use(s)"
    print(token)
    print(f"# customer {args.customer!r}, {uses}, expires {expires:%Y-%m-%d %H:%M} UTC", file=sys.stderr)
    print(
        f"# enrol with: eus-agent enroll --collector HOST:{cfg.enroll_port} --token {token} "
        f"--ca-fingerprint {fp}",
        file=sys.stderr,
    )
    return 0


def _find_device(s: object, ident: str) -> Device:
    from sqlalchemy.orm import Session

    assert isinstance(s, Session)
    cond = [Device.agent_id == ident]
    if ident.isdigit():
        cond.append(Device.id == int(ident))
    dev = s.scalars(select(Device).where(or_(*cond))).one_or_none()
    if dev is None:
        raise CliError(f"no agent with id {ident!r}")
    return dev


def cmd_agent_revoke(args: argparse.Namespace) -> int:
    store = _store(_config(args))
    with store.session() as s:
        dev = _find_device(s, args.id)
        if dev.revoked_at is not None:
            print(f"agent {dev.agent_id} was already revoked at {dev.revoked_at:%Y-%m-%d %H:%M} UTC")
            return 0
        dev.revoked_at = datetime.now(UTC)
        audit(
            s,
            _actor(),
            "agent.revoke",
            f"device:{dev.id}",
            customer_id=dev.customer_id,
            agent_id=dev.agent_id,
        )
        print(f"revoked agent {dev.agent_id} ({dev.hostname}); its stream is closed within seconds")
    return 0


def cmd_agent_list(args: argparse.Namespace) -> int:
    store = _store(_config(args))
    with store.session() as s:
        for d in s.scalars(select(Device).order_by(Device.id)):
            state = "revoked" if d.revoked_at else d.stream_state
            seen = f"{d.last_seen:%Y-%m-%d %H:%M:%S}" if d.last_seen else "-"
            print(f"{d.id}\t{d.agent_id}\t{d.customer.name}\t{d.hostname}\t{state}\t{seen}")
    return 0


def _create_user(
    s: object, username: str, *, role: str, all_customers: bool, customers: list[str], password: str | None
) -> str:
    from sqlalchemy.orm import Session

    from collector.passwords import hash_password

    assert isinstance(s, Session)
    if s.scalars(select(User).where(User.username == username)).one_or_none() is not None:
        raise CliError(f"user {username!r} exists already")
    password = password or secrets.token_urlsafe(12)
    user = User(
        username=username, password_hash=hash_password(password), role=role, all_customers=all_customers
    )
    s.add(user)
    s.flush()
    for name in customers:
        c = s.scalars(select(Customer).where(Customer.name == name)).one_or_none()
        if c is None:
            raise CliError(f"no customer named {name!r}")
        s.add(UserCustomer(user_id=user.id, customer_id=c.id))
    audit(
        s,
        _actor(),
        "user.create",
        f"user:{user.id}",
        username=username,
        role=role,
        all_customers=all_customers,
        customers=customers,
    )
    return password


def cmd_user_create(args: argparse.Namespace) -> int:
    store = _store(_config(args))
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    if password is not None and len(password) < 10:
        raise CliError("passwords need at least 10 characters")
    with store.session() as s:
        pw = _create_user(
            s,
            args.username,
            role=args.role,
            all_customers=args.all_customers,
            customers=args.customer or [],
            password=password,
        )
    if password is None:
        print(f"user {args.username}: password {pw}  (shown once)")
    else:
        print(f"user {args.username} created")
    return 0


def cmd_ca_fingerprint(args: argparse.Namespace) -> int:
    print(_ca_fingerprint(_config(args)))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    _store(_config(args))
    print("relational store is at the newest schema")
    return 0


# -- parsers --------------------------------------------------------------------------
def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, default=None, help="collector TOML file (or EUS_CONFIG)")
    p.add_argument("--data", type=Path, default=None, help="data directory (overrides the config)")


def admin_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="eus", description="EUS administration")
    _common(p)
    sub = p.add_subparsers(dest="cmd", required=True)

    sp = sub.add_parser("init", help="create the data directory, CA and (optionally) the first administrator")
    sp.add_argument("--admin", help="username of the first administrator (password printed once)")
    sp.set_defaults(func=cmd_init)

    cust = sub.add_parser("customer", help="customers").add_subparsers(dest="sub", required=True)
    sp = cust.add_parser("create")
    sp.add_argument("name")
    sp.set_defaults(func=cmd_customer_create)
    cust.add_parser("list").set_defaults(func=cmd_customer_list)

    tok = sub.add_parser("token", help="enrolment tokens").add_subparsers(dest="sub", required=True)
    sp = tok.add_parser("create", help="a token that enrols agents into one customer")
    sp.add_argument("--customer", required=True)
    sp.add_argument("--uses", type=int, default=None, help="how many agents may use it (default unlimited)")
    sp.add_argument("--ttl", default="24h", help="lifetime, e.g. 30m, 24h, 7d (default 24h)")
    sp.set_defaults(func=cmd_token_create)

    ag = sub.add_parser("agent", help="enrolled agents").add_subparsers(dest="sub", required=True)
    sp = ag.add_parser("revoke", help="refuse an agent's certificate and close its stream")
    sp.add_argument("id", help="agent id (UUID) or device number")
    sp.set_defaults(func=cmd_agent_revoke)
    ag.add_parser("list").set_defaults(func=cmd_agent_list)

    us = sub.add_parser("user", help="dashboard users").add_subparsers(dest="sub", required=True)
    sp = us.add_parser("create")
    sp.add_argument("username")
    sp.add_argument("--role", choices=[r.value for r in Role], default=Role.TECHNICIAN.value)
    sp.add_argument("--customer", action="append", help="grant a customer (repeatable)")
    sp.add_argument("--all-customers", action="store_true")
    sp.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    sp.set_defaults(func=cmd_user_create)

    ca = sub.add_parser("ca", help="the collector's certificate authority").add_subparsers(
        dest="sub", required=True
    )
    ca.add_parser("fingerprint").set_defaults(func=cmd_ca_fingerprint)
    sub.add_parser("migrate", help="upgrade the relational schema").set_defaults(func=cmd_migrate)
    from collector.snmp.cli import register as register_snmp  # imported here: it imports this module

    register_snmp(sub)  # eus snmp device|gateway ...
    return p


def admin_main(argv: list[str] | None = None) -> int:
    args = admin_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"eus: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        for line in exc.lines:
            print(f"eus: {line}", file=sys.stderr)
        return 2


def collector_main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="eus-collector", description="Run the EUS collector")
    _common(p)
    p.add_argument("--log-level", default="INFO")
    p.add_argument("--version", action="version", version=__version__)
    args = p.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("apscheduler", "alembic", "waitress.queue"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        cfg = _config(args)
    except ConfigError as exc:  # one line per bad setting, no traceback
        for line in exc.lines:
            print(f"eus-collector: {line}", file=sys.stderr)
        return 2
    from collector.app import run

    return run(cfg)
