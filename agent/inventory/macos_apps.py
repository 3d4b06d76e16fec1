"""Application bundles on macOS: each ``/Applications/*.app/Contents/Info.plist``.

Many apps are installed by dragging them into /Applications and leave no installer receipt, so
the bundles themselves are the software inventory. A bundle whose Info.plist cannot be read is
logged and skipped: one damaged app must not hide every other one.
"""

from __future__ import annotations

import logging
import plistlib

from agent.inventory.facade import HostIO
from agent.inventory.model import Item, NotApplicable, ParseError, SourceError, item

log = logging.getLogger(__name__)

APP_DIRS = ("/Applications", "/Applications/Utilities")


def parse_info_plist(data: bytes, bundle: str) -> Item:
    """One app from its Info.plist (XML or binary); ``bundle`` is the directory name."""
    try:
        info = plistlib.loads(data)
    except Exception as exc:  # noqa: BLE001 - plistlib raises several types for bad input
        raise ParseError(f"{bundle}: Info.plist is not a property list: {exc}") from None
    if not isinstance(info, dict):
        raise ParseError(f"{bundle}: Info.plist is not a dictionary")
    name = info.get("CFBundleDisplayName") or info.get("CFBundleName") or bundle.removesuffix(".app")
    version = info.get("CFBundleShortVersionString") or info.get("CFBundleVersion")
    return item("package", str(name), version=version, source="app", bundle_id=info.get("CFBundleIdentifier"))


def read(io: HostIO) -> list[Item]:
    if io.platform != "darwin":
        raise NotApplicable("application bundles are read only on macOS")
    out: list[Item] = []
    for folder in APP_DIRS:
        for entry in io.list_dir(folder) or []:
            if not entry.endswith(".app"):
                continue
            try:
                data = io.read_bytes(f"{folder}/{entry}/Contents/Info.plist")
                if data is not None:
                    out.append(parse_info_plist(data, entry))
            except (ParseError, SourceError) as exc:
                log.warning("application %s skipped: %s", entry, exc)
    return out
