"""Function specs: from ``[functions.<id>]`` tables of agent.toml and from pushed ``FunctionSpec``s.

A spec is the common part (id, kind, name, interval, timeout) plus the kind's parsed parameters.
Parsing never raises for one bad function: a spec that cannot be used comes back with ``error``
set, and the scheduler reports it as UNKNOWN "invalid function spec: ..." on its interval, so
the technician sees exactly what is wrong while every other function runs.

In a table, ``kind``, ``name``, ``interval_s``, ``timeout_s`` and ``enabled`` are common keys;
everything else is a parameter of the kind. Pushed specs carry the parameters in ``params``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent.functions.params import ParamError, ParamReader
from agent.functions.registry import UnknownKind, get_kind
from eus.v1 import eus_pb2

DEFAULT_INTERVAL_S = 60.0
DEFAULT_TIMEOUT_S = 10.0
MIN_INTERVAL_S = 1.0
MAX_ID_LENGTH = 100
COMMON_KEYS = ("kind", "name", "interval_s", "timeout_s", "enabled")
_ID = re.compile(r"^[A-Za-z0-9_.:@/-]+$")


@dataclass(frozen=True, slots=True)
class Spec:
    """One function to check. ``error`` non-empty: invalid, reported as UNKNOWN with it."""

    id: str
    kind: str
    name: str
    interval_s: float
    timeout_s: float
    params: Any = None  # the kind's frozen params object
    source: str = "file"  # "file" (agent.toml) or "collector" (pushed)
    error: str = ""

    @property
    def valid(self) -> bool:
        return not self.error


@dataclass(frozen=True, slots=True)
class Defaults:
    interval_s: float = DEFAULT_INTERVAL_S
    timeout_s: float = DEFAULT_TIMEOUT_S


def _seconds(value: Any, what: str, low: float) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        seconds = float(value)
    except (TypeError, ValueError):
        raise ParamError(f"{what} must be a number of seconds, not {value!r}") from None
    if not math.isfinite(seconds) or seconds < low:
        raise ParamError(f"{what} must be at least {low:g} s, not {value!r}")
    return seconds


def build(  # noqa: PLR0917 -- the spec's fields, in the proto's order
    fid: str,
    kind: str,
    name: str,
    interval: Any,
    timeout: Any,
    params: Mapping[str, Any],
    *,
    source: str,
    defaults: Defaults = Defaults(),
) -> Spec:
    """Validate one function; never raises (problems end up in ``Spec.error``)."""
    interval_s = defaults.interval_s
    timeout_s = min(defaults.timeout_s, interval_s)
    try:
        if not fid or len(fid) > MAX_ID_LENGTH or not _ID.match(fid):
            raise ParamError(
                f"id must be 1-{MAX_ID_LENGTH} characters of letters, digits and _.:@/- , not {fid!r}"
            )
        if interval not in (None, ""):
            interval_s = _seconds(interval, "interval_s", MIN_INTERVAL_S)
            timeout_s = min(defaults.timeout_s, interval_s)
        if timeout not in (None, ""):
            timeout_s = _seconds(timeout, "timeout_s", 0.001)
        if not kind:
            raise ParamError("kind is required")
        check = get_kind(kind)
        reader = ParamReader(kind, params)
        try:
            parsed = check.parse(reader)
        except ParamError as exc:
            unknown = reader.unknown()  # a missing parameter next to an unknown one: likely a typo
            raise ParamError(
                f"{exc} (unknown parameter(s): {', '.join(unknown)})" if unknown else str(exc)
            ) from None
        reader.finish()
    except (ParamError, UnknownKind) as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 -- a broken kind module must not take the agent down
        error = f"kind {kind!r} could not read its parameters: {type(exc).__name__}: {exc}"
    else:
        return Spec(fid, kind, name or fid, interval_s, timeout_s, parsed, source)
    return Spec(fid[:MAX_ID_LENGTH], kind, name or fid, interval_s, timeout_s, None, source, error)


def _invalid(fid: str, kind: str, defaults: Defaults, error: str) -> Spec:
    timeout_s = min(defaults.timeout_s, defaults.interval_s)
    return Spec(fid[:MAX_ID_LENGTH], kind, fid, defaults.interval_s, timeout_s, None, "file", error)


def from_table(fid: str, table: Any, *, defaults: Defaults = Defaults()) -> Spec | None:
    """``[functions.<fid>]`` from agent.toml; None when ``enabled = false``."""
    if not isinstance(table, Mapping):
        return _invalid(fid, "", defaults, f"[functions.{fid}] must be a table, not {table!r}")
    try:
        enabled = ParamReader("", {"enabled": table.get("enabled")}).boolean("enabled", True)
    except ParamError as exc:
        return _invalid(fid, "", defaults, str(exc))
    if not enabled:
        return None
    kind, name = table.get("kind", ""), table.get("name", "")
    for key, value in (("kind", kind), ("name", name)):
        if not isinstance(value, str):
            return _invalid(fid, "", defaults, f"{key} must be a string, not {value!r}")
    params = {k: v for k, v in table.items() if k not in COMMON_KEYS}
    return build(
        fid,
        kind,
        name,
        table.get("interval_s"),
        table.get("timeout_s"),
        params,
        source="file",
        defaults=defaults,
    )


def from_proto(msg: eus_pb2.FunctionSpec, *, defaults: Defaults = Defaults()) -> Spec:
    """A spec pushed by the collector; 0 interval/timeout means the default."""
    return build(
        msg.id,
        msg.kind,
        msg.name,
        msg.interval_s or None,
        msg.timeout_s or None,
        dict(msg.params),
        source="collector",
        defaults=defaults,
    )
