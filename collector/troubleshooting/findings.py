"""What went wrong installing or connecting an agent, and what to do about it. Pure.

Each function turns one observation into :class:`Finding`\\ s — the problem in plain words and
the fix — so the Trouble-Shooter page only lists them. The texts name commands and settings
a technician can act on without reading the code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

REPORT_FORMAT = "eus-doctor/1"
MAX_REPORT = 64 * 1024
CHECKS = ("address", "dns", "tcp", "tls", "ca-pin", "identity")


@dataclass(frozen=True, slots=True)
class Finding:
    problem: str
    fix: str
    severity: str = "error"  # "error" or "warning"


class ReportError(ValueError):
    """Pasted text that is not an ``eus-agent doctor`` report, said precisely."""


_ENROLLMENT_FIXES: tuple[tuple[str, str, str], ...] = (
    (r"expired", "The enrollment token had expired.",
     "Create a new token on the customer's page (Create token; 24h is the default) "
     "and run the enroll command again."),
    (r"unknown enrollment token",
     "The token is not one this collector issued (mistyped, or from another collector).",
     "Copy the whole enroll command from the customer's page again; "
     "check the agent enrolls with this collector."),
    (r"revoked", "The token was revoked.",
     "Create a new token on the customer's page and run the enroll command again."),
    (r"already used|no uses left", "The token has no uses left.",
     "Create a token with more uses (Uses, or empty for unlimited) and run the enroll command again."),
    (r"too many enrollment attempts", "Too many attempts from this address or with this token.",
     "Wait a minute and try once more; if it repeats, look for a script retrying in a loop."),
    (r"csr|certificate request", "The agent's certificate request was refused.",
     "Upgrade the agent to the collector's version and enroll again."),
)  # fmt: skip


def enrollment_finding(message: str) -> Finding:
    """The finding for a refused enrollment, from the refusal the collector recorded."""
    for pattern, problem, fix in _ENROLLMENT_FIXES:
        if re.search(pattern, message, re.IGNORECASE):
            return Finding(f"{problem} ({message})", fix)
    return Finding(f"Enrollment refused: {message}", "Read the reason; create a new token and enroll again.")


def _check_finding(check: str, target: str, detail: str) -> Finding:
    low = detail.lower()
    if check == "address":
        return Finding(
            f"The address {target} is not HOST:PORT.",
            "Give --collector as host:port, e.g. eus.example.net:7444.",
        )
    if check == "dns":
        return Finding(
            f"The agent cannot resolve {target}: {detail}.",
            "Use a name the customer's DNS resolves (or the collector's IP address); add it to server_names "
            "on the collector so its certificate names it.",
        )
    if check == "tcp" and ("refused" in low):
        return Finding(
            f"The agent cannot reach the collector's port {target}: connection refused.",
            "Nothing listens there: check the port is the collector's enroll_port (7444) or stream_port "
            "(7443), that eus-collector runs, and that listen_host is not 127.0.0.1.",
        )
    if check == "tcp":
        return Finding(
            f"The agent cannot reach the collector's port {target}: {detail}.",
            "A firewall or router drops the connection: open the port from the customer's site to the "
            "collector (outbound on the site, inbound on the MSP side).",
        )
    if check == "tls":
        return Finding(
            f"TLS with {target} failed: {detail}.",
            "Something between the agent and the collector intercepts TLS (a proxy, SSL inspection): "
            "exempt the collector's address from inspection.",
        )
    if check == "ca-pin":
        return Finding(
            f"The collector at {target} does not present the pinned CA: {detail}.",
            "Copy the CA fingerprint from the customer's page again; if it matches, the agent reaches "
            "another server than the collector (DNS or a proxy).",
        )
    return Finding(f"{check} {target}: {detail}", "See the agent's log (journalctl -u eus-agent).")


def parse_report(text: str) -> dict[str, Any]:
    """The report from pasted text; :class:`ReportError` saying what is wrong with it."""
    if len(text) > MAX_REPORT:
        raise ReportError(
            f"the report is longer than {MAX_REPORT // 1024} KiB; paste only the doctor's output"
        )
    start = text.find("{")
    if start < 0:
        raise ReportError("no JSON object found: paste everything `eus-agent doctor` printed")
    try:
        data = json.loads(text[start : text.rfind("}") + 1])
    except ValueError as exc:
        raise ReportError(f"the report is not valid JSON ({exc}); paste it unchanged") from None
    if not isinstance(data, dict) or data.get("format") != REPORT_FORMAT:
        raise ReportError(f"not an eus-agent doctor report (format {REPORT_FORMAT!r} expected)")
    checks = data.get("checks")
    if not isinstance(checks, list) or not all(
        isinstance(c, dict) and isinstance(c.get("check"), str) and isinstance(c.get("ok"), bool)
        for c in checks
    ):
        raise ReportError(
            "the report's checks are incomplete; run eus-agent doctor again and paste all of it"
        )
    return data


def report_findings(report: Mapping[str, Any]) -> list[Finding]:
    """A finding per failed check of a doctor report (an unenrolled agent is no failure)."""
    out: list[Finding] = []
    for c in report.get("checks", []):
        if c.get("ok") or c.get("check") == "identity":
            continue
        out.append(
            _check_finding(str(c.get("check", "")), str(c.get("target", "")), str(c.get("detail", "")))
        )
    return out


def version_finding(agent_version: str, collector_version: str) -> Finding | None:
    """An agent of another version than the collector (upgrades are planned, or overdue)."""
    if not agent_version or agent_version == collector_version:
        return None
    return Finding(
        f"Agent version {agent_version} differs from the collector's {collector_version}.",
        f"Upgrade the agent to {collector_version}: install the same release on the machine "
        "(pip install of the collector's wheel) and restart eus-agent.",
        "warning",
    )


def connection_finding(
    stream_state: str, last_seen: datetime | None, cert_not_after: datetime | None, now: datetime
) -> list[Finding]:
    """What a device's connection state says went wrong."""
    out: list[Finding] = []
    doctor = "run eus-agent doctor on the machine and paste its report below"
    if stream_state == "never":
        out.append(
            Finding(
                "Enrolled but never connected to the stream port.",
                f"Check eus-agent runs (systemctl status eus-agent); {doctor}; "
                "the stream port (7443) must be open to the collector.",
            )
        )
    elif stream_state == "offline-unexpected":
        seen = f" since {last_seen:%Y-%m-%d %H:%M} UTC" if last_seen else ""
        out.append(
            Finding(
                f"The stream dropped without a goodbye{seen} (crash, power or network).",
                f"Check the machine is on and eus-agent runs; {doctor}.",
            )
        )
    if cert_not_after is not None and cert_not_after - now < timedelta(days=30):
        gone = cert_not_after <= now
        out.append(
            Finding(
                f"The agent's certificate {'expired' if gone else 'expires'} {cert_not_after:%Y-%m-%d}.",
                "Enroll the agent again with a new token.",
                "error" if gone else "warning",
            )
        )
    return out
