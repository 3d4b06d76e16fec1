"""The SNMP gateway: an agent on a customer's gateway or any PC polls the site's network
devices (switches, routers, printers, UPSs) over SNMP and listens for their traps, and
streams the results over its own gRPC channel.

``create`` is the extension entry point (agent/extensions.py). It only validates the
``[snmp]`` section; pysnmp is imported once there is a target or a trap listener.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.extensions import ExtensionContext, ExtensionError

if TYPE_CHECKING:
    from agent.snmp.extension import SnmpExtension


def create(ctx: ExtensionContext) -> SnmpExtension | None:
    from agent.snmp.extension import create as create_extension
    from agent.snmp.settings import SettingsError, parse

    try:
        settings = parse(ctx.settings)
    except SettingsError as exc:
        raise ExtensionError(str(exc)) from None
    return create_extension(ctx, settings)
