"""Ping: the system's ``ping`` (Debian's ``iputils-ping``), parsed for loss and round-trip time.

Parameters (``kind = "ping"``):

=====================  ========  ==========================================================
``host``               required  name or address (IPv4 or IPv6)
``count``              ``3``     echo requests per run (1-20), 0.2 s apart
``warn_loss_percent``  ``0``     WARNING when more than this share of requests is lost
``crit_loss_percent``  ``99``    CRITICAL when more than this share is lost (default: all)
``warn_latency_s``     (off)     WARNING when the average round trip takes at least this long
``crit_latency_s``     (off)     CRITICAL when it takes at least this long
=====================  ========  ==========================================================

``ping`` runs with ``-w`` just under the function's timeout, so it ends by itself; a run cut
at the timeout kills it. UNKNOWN "ping not installed" when there is no ``ping`` on PATH.
Metrics: ``loss_percent``, ``rtt_avg_s``, ``rtt_min_s``, ``rtt_max_s``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from agent.functions.base import CRITICAL, UNKNOWN, WARNING, CheckContext, CheckKind, Outcome, fmt_s, worst
from agent.functions.command import Completed, NotInstalled, run_command
from agent.functions.params import ParamError, ParamReader
from agent.functions.tcp import latency_status

_HOST = re.compile(r"^[A-Za-z0-9_.:%-]+$")
_SENT = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received")
_RTT = re.compile(r"= ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms")


@dataclass(frozen=True, slots=True)
class PingParams:
    host: str
    count: int = 3
    warn_loss_percent: float = 0.0
    crit_loss_percent: float = 99.0
    warn_latency_s: float | None = None
    crit_latency_s: float | None = None


def parse(p: ParamReader) -> PingParams:
    host = p.text("host")
    if host.startswith("-") or not _HOST.match(host):
        raise ParamError(f"host must be a host name or address, not {host!r}")
    return PingParams(
        host=host,
        count=p.integer("count", 3, low=1, high=20),
        warn_loss_percent=p.number("warn_loss_percent", 0.0, low=0, high=100),
        crit_loss_percent=p.number("crit_loss_percent", 99.0, low=0, high=100),
        warn_latency_s=p.optional_number("warn_latency_s", low=0),
        crit_latency_s=p.optional_number("crit_latency_s", low=0),
    )


def argv(p: PingParams, timeout_s: float) -> list[str]:
    """The command line: numeric output, ``count`` requests, a deadline inside the timeout."""
    deadline = max(1, math.floor(timeout_s - 0.5))
    return ["ping", "-n", "-c", str(p.count), "-i", "0.2", "-W", "1", "-w", str(deadline), p.host]


def judge(p: PingParams, done: Completed) -> Outcome:
    """Pure: ping's exit status and output -> the verdict."""
    sent = _SENT.search(done.stdout)
    if sent is None:  # exit 2: unknown host, no route, bad address ...
        lines = [ln.strip() for ln in (done.stderr + done.stdout).splitlines() if ln.strip()]
        reason = lines[-1] if lines else f"exit {done.returncode}"
        reason = reason.removeprefix("ping: ")
        return Outcome(CRITICAL if done.returncode == 2 else UNKNOWN, f"ping {p.host} failed: {reason}")
    transmitted, received = int(sent.group(1)), int(sent.group(2))
    loss = 100.0 * (transmitted - received) / transmitted if transmitted else 100.0
    metrics = {"loss_percent": loss}
    rtt = _RTT.search(done.stdout)
    if rtt is not None:
        low, avg, high = (float(rtt.group(i)) / 1000 for i in (1, 2, 3))
        metrics.update({"rtt_min_s": low, "rtt_avg_s": avg, "rtt_max_s": high})
    summary = f"{received}/{transmitted} replies from {p.host}"
    if received == 0 or loss > p.crit_loss_percent:
        return Outcome(CRITICAL, f"{summary} ({loss:.0f}% lost)", metrics)
    avg_s = metrics.get("rtt_avg_s", 0.0)
    status, why = latency_status(avg_s, p.warn_latency_s, p.crit_latency_s)
    if loss > p.warn_loss_percent:
        status, why = worst(status, WARNING), f", {loss:.0f}% lost{why}"
    return Outcome(status, f"{summary}, average {fmt_s(avg_s)}{why}", metrics)


async def run(p: PingParams, ctx: CheckContext) -> Outcome:
    try:
        done = await run_command(argv(p, ctx.timeout_s))
    except NotInstalled:
        return Outcome(UNKNOWN, "ping not installed (Debian: apt-get install iputils-ping)")
    return judge(p, done)


KIND = CheckKind("ping", parse, run, timeout_status=CRITICAL)
