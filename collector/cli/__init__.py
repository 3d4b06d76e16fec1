"""Console scripts: ``eus-collector`` (the service) and ``eus`` (the operator's admin CLI).

One module per ``eus`` command group, each with a ``register(sub)`` that adds its
subcommands, listed in :data:`COMMAND_GROUPS`; what they share is
:mod:`collector.cli.common`. Changes go through the same services as the dashboard
(:mod:`collector.accounts`, :mod:`collector.snmp.service`, :mod:`collector.enrollment`), so
a value either front end refuses, the other refuses with the same message.
"""

from __future__ import annotations

import argparse
import logging
import sys
from types import ModuleType

from collector import __version__
from collector.accounts.errors import AccountError
from collector.cli import agents, customers, snmp, system, tokens, users
from collector.cli.common import CliError, add_common_options, config
from collector.config import ConfigError

# `eus --help` lists the groups in this order
COMMAND_GROUPS: tuple[ModuleType, ...] = (system, customers, users, tokens, agents, snmp)


def admin_parser() -> argparse.ArgumentParser:
    """The ``eus`` parser with every command group's subcommands."""
    p = argparse.ArgumentParser(
        prog="eus",
        description="EUS administration: customers, users, enrollment tokens, agents, SNMP devices.",
        epilog="'eus COMMAND --help' describes each command.",
    )
    add_common_options(p)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(sub)
    return p


def admin_main(argv: list[str] | None = None) -> int:
    """``eus``: 0 when done, 2 (one line on standard error) when the operator must fix something."""
    args = admin_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (CliError, AccountError) as exc:
        print(f"eus: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:  # one line per bad setting, no traceback
        for line in exc.lines:
            print(f"eus: {line}", file=sys.stderr)
        return 2


def collector_main(argv: list[str] | None = None) -> int:
    """``eus-collector``: run the collector until SIGTERM."""
    p = argparse.ArgumentParser(prog="eus-collector", description="Run the EUS collector")
    add_common_options(p)
    p.add_argument("--log-level", default="INFO", help="DEBUG, INFO (default), WARNING or ERROR")
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
        cfg = config(args)
    except ConfigError as exc:  # one line per bad setting, no traceback
        for line in exc.lines:
            print(f"eus-collector: {line}", file=sys.stderr)
        return 2
    from collector.app import run  # the whole collector: only when it is to run

    return run(cfg)
