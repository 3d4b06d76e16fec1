"""What the ``eus snmp`` commands read besides their arguments: secrets, and names of
sites and agents turned into ids.

Secrets never come from argv (it leaks into ``ps`` and shell history): each one is read
from a file given by ``--community-file`` / ``--auth-key-file`` / ``--priv-key-file`` (its
first line; ``-`` is standard input, one line per secret in that order), else from a
prompt without echo when standard input is a terminal. ``--community``, ``--auth-key`` and
``--priv-key`` exist only to refuse a secret typed on the command line, without repeating it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.cli.common import CliError
from collector.snmp.secrets import Secret
from collector.store.models import Device, Site

# form field -> (label, file option, refused argv option); reading order for standard input
SECRETS: dict[str, tuple[str, str, str]] = {
    "community": ("community", "--community-file", "--community"),
    "auth_key": ("authentication key", "--auth-key-file", "--auth-key"),
    "priv_key": ("privacy key", "--priv-key-file", "--priv-key"),
}
HINT = "(a file's first line, '-' for standard input, or a prompt; never on the command line)"


class _RefuseSecret(argparse.Action):
    """``--auth-key VALUE``: refused, and the value is not repeated in the message."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: Any, values: Any, option: str | None = None
    ) -> None:
        raise argparse.ArgumentError(
            self,
            "secrets are never taken from the command line (ps and shell history show it): "
            f"use {self.dest.replace('refused_', '--').replace('_', '-')}-file FILE, "
            "'-' for standard input, or leave it out to be prompted",
        )


def add_secret_options(p: argparse.ArgumentParser) -> None:
    for field, (label, file_option, refused) in SECRETS.items():
        p.add_argument(file_option, dest=f"{field}_file", metavar="FILE", help=f"read the {label} {HINT}")
        p.add_argument(refused, dest=f"refused_{field}", action=_RefuseSecret, help=argparse.SUPPRESS)


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0].removesuffix("\r")


def read_secrets(
    args: argparse.Namespace,
    needed: Sequence[str],
    *,
    stdin: TextIO | None = None,
    prompt: Callable[[str], str] | None = None,
) -> dict[str, Secret]:
    """The secrets ``needed`` (form field names) that the operator supplied, by field."""
    stdin = stdin or sys.stdin
    out: dict[str, Secret] = {}
    for field, (label, file_option, _) in SECRETS.items():  # standard input: line by line in this order
        source: str | None = getattr(args, f"{field}_file", None)
        if source == "-":
            line = stdin.readline()
            if not line:
                raise CliError(f"{file_option} -: standard input ended before the {label}")
            out[field] = Secret(_first_line(line))
        elif source:
            try:
                out[field] = Secret(_first_line(Path(source).read_text()))
            except (OSError, UnicodeError) as exc:
                reason = getattr(exc, "strerror", None) or type(exc).__name__
                raise CliError(f"{file_option}: cannot read {source}: {reason}") from None
        elif field in needed and (prompt is not None or stdin.isatty()):
            ask = prompt or getpass.getpass
            out[field] = Secret(ask(f"{label.capitalize()}: "))
    return out


def agent_choice(s: Session, customer_id: int, ident: str) -> str:
    """The device number of the customer's agent named by ``ident`` (agent id, number or host
    name), as the form field holds it; ``ident`` itself when none matches, so that the
    validation explains which agents may be chosen."""
    agents = s.scalars(
        select(Device).where(Device.customer_id == customer_id, Device.revoked_at.is_(None))
    ).all()
    by_id = [a for a in agents if ident in (a.agent_id, str(a.id))]
    for hits in (by_id, [a for a in agents if a.hostname == ident]):
        if len(hits) > 1:
            raise CliError(f"{len(hits)} agents are called {ident!r}: give the agent id or number")
        if hits:
            return str(hits[0].id)
    return ident


def site_choice(s: Session, customer_id: int, ident: str) -> str:
    """The number of the customer's site named ``ident`` (name or number), else ``ident``."""
    sites = s.scalars(select(Site).where(Site.customer_id == customer_id)).all()
    hits = [x for x in sites if str(x.id) == ident] or [x for x in sites if x.name == ident]
    return str(hits[0].id) if len(hits) == 1 else ident


def agent_label(agent: Device | None) -> str:
    if agent is None:
        return "-"
    return f"{agent.alias or agent.hostname or agent.agent_id} (agent {agent.id})"
