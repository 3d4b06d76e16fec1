"""What every ``eus`` command module shares: the operator's errors, the configuration and
store, who the actor is, and list output.

The admin CLI works on the relational store and the PKI files directly (SQLite allows
several processes), never on the DuckDB file, which the running collector holds. Every
change it makes is written to the audit log as ``cli:<unix user>``.
"""

from __future__ import annotations

import argparse
import getpass
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from collector.config import CollectorConfig, load
from collector.store.db import Auditor, Store, actor_auditor


class CliError(Exception):
    """A problem the operator can fix; printed as one line, exit code 2."""


def add_common_options(p: argparse.ArgumentParser) -> None:
    """``--config`` and ``--data``, which every ``eus`` and ``eus-collector`` command reads."""
    p.add_argument(
        "--config", type=Path, default=None, help="collector TOML file (default: $EUS_CONFIG, else built-in)"
    )
    p.add_argument("--data", type=Path, default=None, help="data directory (overrides the configuration)")


def config(args: argparse.Namespace) -> CollectorConfig:
    overrides = {"data_dir": args.data} if getattr(args, "data", None) else {}
    return load(args.config, overrides=overrides)


def actor() -> str:
    """How the audit log names the operator: ``cli:<unix user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "cli"


def auditor() -> Auditor:
    """Records changes as made by :func:`actor`."""
    return actor_auditor(actor())


def open_store(cfg: CollectorConfig) -> Store:
    """The relational store at the newest schema, its directory made if need be."""
    cfg.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    store = Store(cfg.store_url_resolved)
    store.migrate()
    return store


def store_of(args: argparse.Namespace) -> Store:
    return open_store(config(args))


def ca_fingerprint(cfg: CollectorConfig) -> str:
    from collector.pki import CertificateAuthority  # cryptography: only for commands that need it

    return CertificateAuthority(cfg.pki_dir, cfg.server_names).ca_fingerprint


def add_list_options(p: argparse.ArgumentParser) -> None:
    """``--json`` and ``--no-headers`` for a command that prints a table."""
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    p.add_argument("--no-headers", action="store_true", help="leave out the header line (for scripts)")


Column = tuple[str, Callable[[Mapping[str, Any]], object]]


def column(header: str, key: str) -> Column:
    """A table column that shows ``row[key]`` under ``header``."""
    return header, lambda row: row[key]


def print_rows(
    args: argparse.Namespace, columns: Sequence[Column], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Rows as JSON (``--json``) or as tab-separated lines under a header line."""
    if getattr(args, "json", False):
        print(json.dumps(list(rows), indent=1, default=str))
        return
    if not getattr(args, "no_headers", False):
        print("\t".join(header for header, _ in columns))
    for row in rows:
        print("\t".join(str(cell(row)) for _, cell in columns).rstrip("\t"))
