"""An extension module whose create() fails: the agent must run without it."""

from __future__ import annotations

from agent.extensions import ExtensionContext


def create(ctx: ExtensionContext) -> None:
    raise RuntimeError("boom")
