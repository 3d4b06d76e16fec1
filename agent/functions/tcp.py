"""TCP port open: connect to ``host:port`` and measure how long the handshake took.

Parameters (``[functions.<id>]`` with ``kind = "tcp"``):

=================  ========  =====================================================
``host``           required  name or address to connect to
``port``           required  1-65535
``warn_latency_s`` (off)     WARNING when connecting takes at least this long
``crit_latency_s`` (off)     CRITICAL when connecting takes at least this long
=================  ========  =====================================================

OK "connected to db:5432 in 0.002 s"; CRITICAL "connection refused" (or the OS error), or a
timeout ("timed out after N s": nothing answered). Metrics: ``latency_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

from agent.functions.base import CRITICAL, OK, WARNING, CheckContext, CheckKind, Outcome, fmt_s
from agent.functions.params import ParamReader


@dataclass(frozen=True, slots=True)
class TcpParams:
    host: str
    port: int
    warn_latency_s: float | None = None
    crit_latency_s: float | None = None


def parse(p: ParamReader) -> TcpParams:
    return TcpParams(
        host=p.text("host"),
        port=p.integer("port", low=1, high=65535),
        warn_latency_s=p.optional_number("warn_latency_s", low=0),
        crit_latency_s=p.optional_number("crit_latency_s", low=0),
    )


def latency_status(latency_s: float, warn_s: float | None, crit_s: float | None) -> tuple[int, str]:
    """Pure: the health of a latency against optional thresholds, and why."""
    if crit_s is not None and latency_s >= crit_s:
        return CRITICAL, f" (slower than {fmt_s(crit_s)})"
    if warn_s is not None and latency_s >= warn_s:
        return WARNING, f" (slower than {fmt_s(warn_s)})"
    return OK, ""


def connect_error(exc: OSError) -> str:
    """Pure: a short reason for a failed connect."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if exc.strerror:
        return exc.strerror.lower() if exc.strerror[:1].isupper() else exc.strerror
    return str(exc) or type(exc).__name__


async def run(p: TcpParams, ctx: CheckContext) -> Outcome:
    where = f"{p.host}:{p.port}"
    started = time.perf_counter()
    try:
        _reader, writer = await asyncio.open_connection(p.host, p.port)
    except OSError as exc:
        return Outcome(CRITICAL, f"cannot connect to {where}: {connect_error(exc)}")
    latency = time.perf_counter() - started
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    status, why = latency_status(latency, p.warn_latency_s, p.crit_latency_s)
    return Outcome(status, f"connected to {where} in {fmt_s(latency)}{why}", {"latency_s": latency})


KIND = CheckKind("tcp", parse, run, timeout_status=CRITICAL)
