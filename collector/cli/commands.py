"""How ``eus`` command modules register their commands with argparse: a group per noun
(``eus user ...``) and a command per verb, each bound to the function that runs it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def add_command(
    group: Any,
    name: str,
    func: Callable[[argparse.Namespace], int],
    help_text: str,
    description: str = "",
    **options: Any,
) -> argparse.ArgumentParser:
    """Command ``name`` in ``group`` (a subparsers action) that runs ``func``; the caller adds
    its arguments to the parser returned. ``description`` defaults to ``help_text`` as a sentence."""
    parser: argparse.ArgumentParser = group.add_parser(
        name, help=help_text, description=description or help_text.capitalize() + ".", **options
    )
    parser.set_defaults(func=func)
    return parser


def add_group(sub: Any, name: str, help_text: str, dest: str = "sub") -> Any:
    """A command group (``eus NAME COMMAND``) under ``sub``; returns its subparsers action."""
    return sub.add_parser(name, help=help_text, description=help_text.capitalize() + ".").add_subparsers(
        dest=dest, required=True, metavar="COMMAND"
    )
