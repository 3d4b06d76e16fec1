"""A check kind that raises, for the scheduler's fencing (registered by the test only)."""

from __future__ import annotations

from agent.functions.base import CheckContext, CheckKind, Outcome
from agent.functions.params import ParamReader


def parse(p: ParamReader) -> str:
    if p.boolean("explode", False):
        raise LookupError("a bug in the parser")
    return p.text("message", "kaput")


async def run(message: str, ctx: CheckContext) -> Outcome:
    raise RuntimeError(message)


KIND = CheckKind("boom", parse, run)
