"""Central function specs: validating what a technician enters, and the wire form.

Pure. The collector checks what it can know for certain (a known kind, a valid id,
sensible interval and timeout, the parameters each kind cannot do without, the
``key=value`` syntax) and answers with one specific message per problem; the agent parses
the kind's parameters fully and reports a spec it cannot use as UNKNOWN with its reason,
which then shows on the device's functions page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from eus.v1 import eus_pb2

# The kinds the agent checks (agent/functions/registry.py KINDS).
KINDS: tuple[str, ...] = ("process", "systemd", "tcp", "http", "tls", "file", "log", "ping")

# Parameters a kind cannot run without (as the agent's kinds read them); the agent
# validates everything else and reports a spec it cannot use as UNKNOWN with the reason.
REQUIRED_PARAMS: Mapping[str, tuple[str, ...]] = {
    "systemd": ("unit",),
    "tcp": ("host", "port"),
    "http": ("url",),
    "tls": ("host",),
    "file": ("path",),
    "log": ("path", "pattern"),
    "ping": ("host",),
}
# At least one of these per kind.
ONE_OF_PARAMS: Mapping[str, tuple[str, ...]] = {
    "process": ("process_name", "cmdline"),
}

MIN_INTERVAL_S = 5.0
MAX_INTERVAL_S = 86_400.0
DEFAULT_INTERVAL_S = 60.0
DEFAULT_TIMEOUT_S = 10.0
MAX_ID = 100
MAX_NAME = 200
MAX_PARAMS = 30
MAX_PARAM_VALUE = 2000
_ID = re.compile(r"^[A-Za-z0-9_.:@/-]+$")  # what the agent accepts as an id
_PARAM_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_SLUG = re.compile(r"[^a-z0-9]+")


class SpecError(ValueError):
    """One specific problem with an entered spec."""


@dataclass(frozen=True, slots=True)
class SpecInput:
    """A validated central function spec."""

    spec_id: str
    kind: str
    name: str
    interval_s: float
    timeout_s: float
    params: dict[str, str] = field(default_factory=dict)

    def to_proto(self) -> eus_pb2.FunctionSpec:
        return spec_proto(self.spec_id, self.kind, self.name, self.interval_s, self.timeout_s, self.params)


def spec_proto(  # noqa: PLR0917 -- the FunctionSpec fields, in the proto's order
    spec_id: str, kind: str, name: str, interval_s: float, timeout_s: float, params: Mapping[str, str]
) -> eus_pb2.FunctionSpec:
    return eus_pb2.FunctionSpec(
        id=spec_id,
        kind=kind,
        name=name,
        interval_s=interval_s,
        timeout_s=timeout_s,
        params={str(k): str(v) for k, v in params.items()},
    )


def default_spec_id(kind: str, name: str) -> str:
    """``kind:slug-of-name``, e.g. ``http:intranet-portal``."""
    slug = _SLUG.sub("-", name.lower()).strip("-")[:60] or "check"
    return f"{kind}:{slug}"


def parse_params(text: str) -> dict[str, str]:
    """``key=value`` per line (blank lines and ``#`` comments ignored)."""
    params: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            raise SpecError(f"parameters line {number}: expected key=value, got {line[:60]!r}")
        if not _PARAM_NAME.match(key):
            raise SpecError(
                f"parameters line {number}: {key[:40]!r} is not a parameter name "
                "(lower-case letters, digits and _)"
            )
        if key in params:
            raise SpecError(f"parameters line {number}: {key} is given twice")
        if len(value) > MAX_PARAM_VALUE:
            raise SpecError(f"parameters line {number}: the value of {key} is longer than {MAX_PARAM_VALUE}")
        params[key] = value
    if len(params) > MAX_PARAMS:
        raise SpecError(f"at most {MAX_PARAMS} parameters")
    return params


def _seconds(raw: str, what: str, default: float, low: float, high: float) -> float:
    text = raw.strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise SpecError(f"{what} must be a number of seconds, not {text[:30]!r}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise SpecError(f"{what} must be between {low:g} and {high:g} seconds, not {text[:30]!r}")
    return value


def validate(  # noqa: PLR0917 -- the form's fields
    kind: str,
    name: str,
    interval: str = "",
    timeout: str = "",
    params_text: str = "",
    spec_id: str = "",
) -> SpecInput:
    """Validate a technician's entry; raises :class:`SpecError` naming the first problem."""
    kind = kind.strip()
    name = " ".join(name.split())
    if kind not in KINDS:
        raise SpecError(f"unknown kind {kind[:30]!r}; one of: {', '.join(KINDS)}")
    if not name:
        raise SpecError("a name is required")
    if len(name) > MAX_NAME:
        raise SpecError(f"the name is longer than {MAX_NAME} characters")
    fid = spec_id.strip() or default_spec_id(kind, name)
    if len(fid) > MAX_ID or not _ID.match(fid):
        raise SpecError(f"id must be 1-{MAX_ID} characters of letters, digits and _.:@/- , not {fid[:40]!r}")
    interval_s = _seconds(interval, "interval", DEFAULT_INTERVAL_S, MIN_INTERVAL_S, MAX_INTERVAL_S)
    timeout_s = _seconds(timeout, "timeout", min(DEFAULT_TIMEOUT_S, interval_s), 0.1, MAX_INTERVAL_S)
    if timeout_s > interval_s:
        raise SpecError(f"timeout ({timeout_s:g} s) must not exceed the interval ({interval_s:g} s)")
    params = parse_params(params_text)
    missing = [p for p in REQUIRED_PARAMS.get(kind, ()) if not params.get(p)]
    if missing:
        raise SpecError(f"kind {kind} needs the parameter(s): {', '.join(missing)}")
    one_of = ONE_OF_PARAMS.get(kind, ())
    if one_of and not any(params.get(p) for p in one_of):
        raise SpecError(f"kind {kind} needs at least one of the parameters: {', '.join(one_of)}")
    return SpecInput(fid, kind, name, interval_s, timeout_s, params)
