"""Why a poll failed, in words a technician can act on (pure; no pysnmp here).

Each failure has its own status so that a wrong key never reads like a dead device: the
reachability function's message starts with one of the prefixes below. pysnmp reports
failures as *error indications*; :func:`classify` maps their class names.
"""

from __future__ import annotations

import enum


class Status(enum.Enum):
    OK = "ok"
    AUTH = "auth failure (wrong key or unknown user)"
    TIMEOUT = "timeout"
    NO_SUCH = "no such object"
    UNREACHABLE = "unreachable"
    ERROR = "error"
    CONFIG = "configuration refused"


class SnmpError(Exception):
    """A request or a poll failed; ``str()`` is the technician's message."""

    def __init__(self, status: Status, detail: str) -> None:
        super().__init__(f"{status.value}: {detail}")
        self.status = status
        self.detail = detail


class ResponseError(Exception):
    """The agent answered with a non-zero error-status (tooBig, noSuchName, genErr ...)."""

    def __init__(self, status: int, index: int) -> None:
        super().__init__(f"{error_status_name(status)} at varbind {index}")
        self.status = status
        self.index = index  # 1-based; 0 = the whole request


# pysnmp error-indication class name -> (status, what it means). Anything else is ERROR.
_INDICATIONS: dict[str, tuple[Status, str]] = {
    "WrongDigest": (Status.AUTH, "wrong digest: the authentication key or protocol does not match"),
    "UnknownUserName": (Status.AUTH, "the device does not know user {user!r}"),
    "UnknownSecurityName": (Status.AUTH, "the device does not know user {user!r}"),
    "DecryptionError": (Status.AUTH, "decryption failed: the privacy key or protocol does not match"),
    "UnsupportedSecurityLevel": (
        Status.AUTH,
        "user {user!r} is not allowed this security level (authentication/privacy settings differ)",
    ),
    "AuthenticationError": (Status.AUTH, "authentication failed"),
    "AuthenticationFailure": (Status.AUTH, "authentication failed"),
    "UnknownCommunityName": (Status.AUTH, "the community is not accepted"),
    "RequestTimedOut": (Status.TIMEOUT, "no response from {address} after {tries} tries"),
    "NotInTimeWindow": (
        Status.ERROR,
        "the device's SNMPv3 clock (engine boots/time) could not be synchronised",
    ),
    "UnknownEngineID": (Status.ERROR, "the device's SNMPv3 engine id could not be discovered"),
}

# Engine-state indications that a fresh discovery of the peer can cure.
RECOVERABLE = frozenset({"NotInTimeWindow", "UnknownEngineID"})


def classify(indication: str, *, user: str, address: str, tries: int) -> SnmpError:
    """The error for a pysnmp error indication named ``indication`` (its class name)."""
    status, template = _INDICATIONS.get(indication, (Status.ERROR, "{indication}"))
    return SnmpError(status, template.format(user=user, address=address, tries=tries, indication=indication))


def privacy_failure() -> SnmpError:
    """The engine answered discovery but never our encrypted request: decryption failed there.

    Agents drop a message they cannot decrypt without a report (AES has no padding to check),
    so the only sign of a wrong privacy key is this silence after a successful discovery."""
    return SnmpError(
        Status.AUTH,
        "the device answers engine discovery but not encrypted requests: the privacy key or "
        "protocol does not match (AES-192/AES-256 come in two key-extension variants: try the "
        "-BLUMENTHAL one, which net-snmp calls plain AES-192/AES-256)",
    )


_ERROR_STATUS = {
    1: "tooBig",
    2: "noSuchName",
    3: "badValue",
    4: "readOnly",
    5: "genErr",
    6: "noAccess",
    16: "authorizationError",
}


def error_status_name(code: int) -> str:
    return _ERROR_STATUS.get(code, f"error-status {code}")


def response_error(code: int, where: str) -> SnmpError:
    """An error-status in a response (the agent answered, but refused the request)."""
    name = error_status_name(code)
    if code in (6, 16):
        return SnmpError(Status.AUTH, f"the device refused access ({name}) to {where}: check its view/ACL")
    return SnmpError(Status.ERROR, f"the device answered {name} for {where}")
