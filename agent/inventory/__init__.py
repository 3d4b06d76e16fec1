"""Hardware and software inventory: the agent reports what the machine is and what is installed
on it, in full on first contact and as differences afterwards.

Each source (``sources.py``) is a thin reader over the I/O facade (``facade.py``) and a pure
parser of captured output; ``diff.py`` turns two snapshots into upserts and removals;
``extension.py`` schedules runs, answers ``inventory.collect`` / ``inventory.full`` commands and
remembers what was reported. On by default; ``[inventory] enabled = false`` turns it off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.extensions import ExtensionContext

if TYPE_CHECKING:
    from agent.inventory.extension import InventoryExtension


def create(ctx: ExtensionContext) -> InventoryExtension | None:
    """The extension, or None when ``[inventory] enabled = false``; bad settings raise."""
    from agent.inventory import settings

    parsed = settings.parse(ctx.settings)
    if not parsed.enabled:
        return None
    from agent.inventory.extension import create as create_extension

    return create_extension(ctx, parsed)
