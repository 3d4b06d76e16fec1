"""systemd service active: asks ``systemctl show`` for the unit's load and active state.

Parameters (``kind = "systemd"``):

==========  ========  ==================================================================
``unit``    required  unit name; ``.service`` is added when it has no type suffix
==========  ========  ==================================================================

OK "nginx.service active (running)"; WARNING while activating, deactivating or reloading;
CRITICAL when failed, inactive, masked or not found; UNKNOWN when systemd is not running on
this host (``systemctl`` says why) or ``systemctl`` is missing.
Metrics: ``active`` (1 or 0), ``restarts`` (systemd's ``NRestarts``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from agent.functions.base import CRITICAL, OK, UNKNOWN, WARNING, CheckContext, CheckKind, Outcome
from agent.functions.command import Completed, NotInstalled, run_command
from agent.functions.params import ParamError, ParamReader

PROPERTIES = ("LoadState", "ActiveState", "SubState", "Result", "NRestarts")
_UNIT = re.compile(r"^[A-Za-z0-9_:.\\@-]+$")
_TYPES = (".service", ".socket", ".timer", ".mount", ".path", ".target", ".scope", ".slice", ".swap")
_TRANSITIONS = {"activating", "deactivating", "reloading", "refreshing"}


@dataclass(frozen=True, slots=True)
class SystemdParams:
    unit: str


def parse(p: ParamReader) -> SystemdParams:
    unit = p.text("unit")
    if unit.startswith("-") or not _UNIT.match(unit):
        raise ParamError(f"unit must be a systemd unit name such as 'nginx.service', not {unit!r}")
    if not unit.endswith(_TYPES):
        unit += ".service"
    return SystemdParams(unit)


def parse_show(stdout: str) -> dict[str, str]:
    """Pure: ``Key=Value`` lines of ``systemctl show`` -> a dict."""
    props: dict[str, str] = {}
    for line in stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            props[key.strip()] = value.strip()
    return props


def evaluate(unit: str, props: Mapping[str, str]) -> Outcome:
    """Pure: the verdict on a unit's properties."""
    load = props.get("LoadState", "")
    active = props.get("ActiveState", "")
    sub = props.get("SubState", "")
    result = props.get("Result", "")
    restarts = props.get("NRestarts", "")
    metrics = {"active": 1.0 if active == "active" else 0.0}
    if restarts.isdigit():
        metrics["restarts"] = float(restarts)
    if load == "not-found":
        return Outcome(CRITICAL, f"{unit} not found", metrics)
    if load == "masked":
        return Outcome(CRITICAL, f"{unit} is masked", metrics)
    state = f"{active} ({sub})" if sub else active
    if active == "active":
        return Outcome(OK, f"{unit} {state}", metrics)
    if active in _TRANSITIONS:
        return Outcome(WARNING, f"{unit} {state}", metrics)
    if active == "failed":
        why = f", result {result}" if result and result != "success" else ""
        return Outcome(CRITICAL, f"{unit} failed ({sub}{why})" if sub else f"{unit} failed{why}", metrics)
    if active == "inactive":
        return Outcome(CRITICAL, f"{unit} {state}", metrics)
    return Outcome(UNKNOWN, f"{unit}: systemctl reported no usable state ({load or '?'}/{active or '?'})")


def judge(unit: str, done: Completed) -> Outcome:
    """Pure: ``systemctl``'s exit and output -> the verdict."""
    if done.returncode != 0:
        first = next((line for line in done.stderr.splitlines() if line.strip()), "")
        return Outcome(UNKNOWN, f"systemctl failed (exit {done.returncode}): {first or 'no message'}")
    return evaluate(unit, parse_show(done.stdout))


async def run(p: SystemdParams, ctx: CheckContext) -> Outcome:
    argv = ["systemctl", "show", "--no-pager", f"--property={','.join(PROPERTIES)}", p.unit]
    try:
        done = await run_command(argv)
    except NotInstalled:
        return Outcome(UNKNOWN, "systemctl not installed: this host does not run systemd")
    return judge(p.unit, done)


KIND = CheckKind("systemd", parse, run)
