"""Notifications the trap listener drops before they become events, counted per reason so
that "my switch's traps never arrive" can be diagnosed: a wrong community, an unknown
engine id, an unknown user, a wrong authentication key or a wrong privacy key.

pysnmp counts these in the standard MIB counters of the listener's engine
(SNMPv2-MIB snmpInBadCommunityNames, SNMP-USER-BASED-SM-MIB usmStats*); the listener reads
them now and then, reports them as metrics of its function and logs new drops at most once
per ``LOG_EVERY_S`` so a flood of bad traps cannot flood the log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)

LOG_EVERY_S = 60.0
_USM = "__SNMP-USER-BASED-SM-MIB"
COUNTERS: Mapping[str, tuple[str, str]] = {  # reason -> (MIB module, counter) in pysnmp
    "wrong community": ("__SNMPv2-MIB", "snmpInBadCommunityNames"),
    "unknown engine id": (_USM, "usmStatsUnknownEngineIDs"),
    "unknown user": (_USM, "usmStatsUnknownUserNames"),
    "wrong auth key": (_USM, "usmStatsWrongDigests"),
    "wrong priv key": (_USM, "usmStatsDecryptionErrors"),
}


def read(engine: Any) -> dict[str, int]:
    """The engine's drop counters by reason."""
    mib = engine.get_mib_builder()
    out: dict[str, int] = {}
    for reason, (module, name) in COUNTERS.items():
        (counter,) = mib.import_symbols(module, name)
        out[reason] = int(counter.syntax)
    return out


def metrics(counts: Mapping[str, int]) -> dict[str, float]:
    """``{"dropped_wrong_community": 2.0, ...}`` for the listener's function (pure)."""
    return {"dropped_" + reason.replace(" ", "_"): float(n) for reason, n in counts.items()}


def summary(before: Mapping[str, int], now: Mapping[str, int]) -> str:
    """``"2 wrong community, 1 wrong priv key"`` for what was dropped since ``before`` (pure)."""
    parts = [f"{now[r] - before.get(r, 0)} {r}" for r in COUNTERS if now.get(r, 0) > before.get(r, 0)]
    return ", ".join(parts)


class DropLog:
    """Logs new drops at most once per ``every_s`` (rate-limited), summing what it held back."""

    def __init__(self, where: str, every_s: float = LOG_EVERY_S) -> None:
        self.where = where
        self.every_s = every_s
        self._logged: dict[str, int] = {}
        self._at: float | None = None

    def update(self, counts: Mapping[str, int], now: float) -> None:
        text = summary(self._logged, counts)
        if not text or (self._at is not None and now - self._at < self.every_s):
            return
        log.warning(
            "SNMP trap listener on %s dropped notification(s): %s (check the sender's community, "
            "SNMPv3 user, keys and engine id)",
            self.where,
            text,
        )
        self._logged, self._at = dict(counts), now
