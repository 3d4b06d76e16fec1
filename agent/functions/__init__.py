"""Functions: the monitored things of an instance (EUS level 3), checked by the agent.

Each function is one ``[functions.<id>]`` table in agent.toml (or a ``FunctionSpec`` pushed by
the collector) naming a check kind; every run reports OK / WARNING / CRITICAL / UNKNOWN with a
message a technician reads and metrics (latency, days left, matches ...). One file per kind,
listed in ``registry.py``; the scheduler runs each function on its interval and cuts it at its
timeout (``scheduler.py``); ``extension.py`` wires it into the agent.

.. code-block:: toml

    [functions]                 # optional settings for all functions
    interval_s = 60             # default interval
    timeout_s = 10              # default timeout (at most the interval)
    workers = 16                # at most this many threads in blocking checks at once

    [functions.web]
    kind = "http"
    name = "Intranet"           # optional, shown to technicians (default: the id)
    url = "https://intranet.example/health"
    interval_s = 60
    timeout_s = 10
    expect_status = "200-399"
    body_match = "ok"
    max_redirects = 5

Every table takes ``kind``, ``name``, ``interval_s`` (at least 1 s), ``timeout_s`` and
``enabled``; the other keys are the kind's parameters. An invalid function never stops the
agent: it is reported as UNKNOWN "invalid function spec: <what is wrong>" on its interval.
Durations (``*_s``) take numbers of seconds or strings with a unit (``"15m"``, ``"36h"``, ``"7d"``).

=========  ==========================================================  ===================================
kind       parameters (required in bold)                               metrics
=========  ==========================================================  ===================================
process    process_name, cmdline (regex), user, min_count=1, max_count  count, rss_bytes, cpu_percent
           (**process_name** or **cmdline**)
systemd    **unit**                                                    active, restarts
tcp        **host**, **port**, warn_latency_s, crit_latency_s          latency_s
http       **url**, method=GET, expect_status=200-399, body_match,     latency_s, status_code, redirects,
           max_redirects=5, verify_tls=true, ca_file,                  body_bytes
           warn_latency_s, crit_latency_s, max_body_bytes=1 MiB
tls        **host**, port=443, server_name, warn_days=21, crit_days=7,  days_left, latency_s
           verify=true, ca_file
file       **path** (glob: newest match), **max_age_s**, warn_age_s,    age_s, size_bytes
           min_size_bytes=0
log        **path**, **pattern**, warn_count=1, crit_count,             matches, total, bytes_read
           from_start=false, max_bytes_per_run=8 MiB
ping       **host**, count=3, warn_loss_percent=0, crit_loss_percent=99, loss_percent, rtt_avg_s, rtt_min_s,
           warn_latency_s, crit_latency_s                              rtt_max_s
=========  ==========================================================  ===================================

Each kind's module docstring describes its parameters, messages and statuses in full. A run cut
at its timeout is CRITICAL for endpoints (tcp, http, tls, ping) and UNKNOWN for local reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.extensions import ExtensionContext
    from agent.functions.extension import FunctionsExtension


def create(ctx: ExtensionContext) -> FunctionsExtension | None:
    """The agent's entry point (``agent.extensions.EXTENSIONS``); None when ``enabled = false``."""
    from agent.functions.extension import create as create_extension

    return create_extension(ctx)
