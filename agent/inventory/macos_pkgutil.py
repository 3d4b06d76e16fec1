"""Installer packages on macOS from their receipts: ``pkgutil --pkgs`` lists the package ids,
``pkgutil --pkg-info-plist ID`` gives each one's version as a property list."""

from __future__ import annotations

import plistlib
import re

from agent.inventory.facade import HostIO
from agent.inventory.model import Item, NotApplicable, ParseError, item

PKGUTIL = "pkgutil"
_PKG_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


def parse_pkgs(text: str) -> list[str]:
    """The package ids, one a line; anything that is not an id is an error, not a package."""
    ids: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if not _PKG_ID.match(line):
            raise ParseError(f"pkgutil --pkgs line {number} is not a package id: {line[:60]!r}")
        ids.append(line)
    return ids


def parse_pkg_info(data: bytes) -> Item:
    try:
        info = plistlib.loads(data)
    except Exception as exc:  # noqa: BLE001 - plistlib raises several types for bad input
        raise ParseError(f"pkgutil --pkg-info-plist output is not a property list: {exc}") from None
    if not isinstance(info, dict) or not isinstance(info.get("pkgid"), str):
        raise ParseError("pkg-info property list has no pkgid")
    return item(
        "package",
        info["pkgid"],
        version=info.get("pkg-version"),
        source="pkgutil",
        location=info.get("install-location"),
    )


def read(io: HostIO) -> list[Item]:
    if io.platform != "darwin":
        raise NotApplicable("pkgutil receipts exist only on macOS")
    out: list[Item] = []
    for pkg in parse_pkgs(io.run((PKGUTIL, "--pkgs"), timeout_s=60)):
        out.append(parse_pkg_info(io.run((PKGUTIL, "--pkg-info-plist", pkg), timeout_s=30).encode()))
    return out
