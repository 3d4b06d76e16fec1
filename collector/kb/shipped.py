# ruff: noqa: E501
# (prose: each step reads best on one line)
"""The articles a fresh install starts with, for the most common fault kinds.

Migration ``1402_knowledge_base`` writes them once as version 1 by ``system``; supervisors edit
them like any other article afterwards (each save a new version).
"""

from __future__ import annotations

from typing import Final, TypedDict


class ShippedArticle(TypedDict):
    title: str
    summary: str
    fault_kinds: list[str]
    steps: list[str]


SHIPPED: Final[tuple[ShippedArticle, ...]] = (
    {
        "title": "Service stopped",
        "summary": "A monitored service or process is not running on the customer's machine.",
        "fault_kinds": ["function:systemd", "function:process"],
        "steps": [
            "Open the function's message on the customer screen and note the service name and since when it is down.",
            "Check the device is online (Instance panel); if it is offline, follow 'Agent offline' first.",
            "On the machine, read why it stopped: `systemctl status <service>` and `journalctl -u <service> -n 50` "
            "(Windows: Services and Event Viewer > System).",
            "Start it: `systemctl start <service>` (Windows: Start in Services) and check it stays up for a minute.",
            "If it stops again, fix the cause the log names (configuration, disk full, a dependency) and start it again.",
            "Wait for the next check: the function turns OK on the customer screen.",
        ],
    },
    {
        "title": "Disk full",
        "summary": "A file system is nearly or completely full; writes fail and services stop.",
        "fault_kinds": ["rule:threshold:disk.percent", "function:file"],
        "steps": [
            "On the device page, read which mount point is full and how fast it filled (disk chart, 7 days).",
            "Find what grew: `du -xh --max-depth=2 <mount> | sort -h | tail` (Windows: Storage settings).",
            "Remove what is safe to remove: rotated logs, package caches (`apt-get clean`), old temporary files.",
            "If a log grows without bound, fix its rotation (logrotate) or the program writing it.",
            "If the data is legitimate, plan more space with the customer and note it on the ticket.",
            "Check the disk chart falls below the warning threshold.",
        ],
    },
    {
        "title": "Printer supply empty",
        "summary": "A printer reports a toner, ink or other supply empty or nearly so (SNMP Printer-MIB).",
        "fault_kinds": ["snmp:supply"],
        "steps": [
            "On the SNMP device page, read which supply is low and its level.",
            "Check the customer has a replacement in stock; if not, order one and note the order on the ticket.",
            "Ask the customer's contact to replace the supply (or do it on site).",
            "Print a test page and check the printer reports no error.",
            "Wait for the next poll: the supply's function turns OK.",
        ],
    },
    {
        "title": "Agent offline",
        "summary": "An agent stopped streaming to the collector: the machine, its network or the agent is down.",
        "fault_kinds": ["rule:instance_offline", "snmp:reachability"],
        "steps": [
            "Read the device's last seen time and whether the agent said goodbye (a clean stop) or not.",
            "Ask the customer whether the machine is on and connected; check the site's other devices are online.",
            "On the machine, check the agent runs: `systemctl status eus-agent`; start it if it is stopped.",
            "Run `eus-agent doctor --collector <host>:<port>` on the machine and paste its report into the "
            "Installation Trouble-Shooter: it says whether the collector's port is reachable and TLS works.",
            "Fix what the doctor reports (firewall, DNS, certificate) and check the device is online again.",
        ],
    },
)
