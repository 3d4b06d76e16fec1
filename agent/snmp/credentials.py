"""How the gateway authenticates to a target: validation (pure) and pysnmp's protocol ids.

SNMPv3 with authentication and privacy is the default. SNMPv1/v2c, noAuthNoPriv,
authNoPriv, MD5 and DES are refused unless the target carries ``legacy = true``; the
reachability message then says so, which the dashboard shows as a finding. A wrong
credential fails closed: nothing here ever retries a target with another version.

Naming of the AES variants: ``AES-192``/``AES-256`` are the key extension most vendors use
(Cisco's, "Reeder"); ``AES-192-BLUMENTHAL``/``AES-256-BLUMENTHAL`` are the draft
Blumenthal extension, which net-snmp calls plain AES-192/AES-256. The two only differ when
the authentication hash is shorter than the privacy key (e.g. SHA-1 with AES-256).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from eus.snmp_target import WEAK_AUTH, WEAK_PRIV, credential_problems
from eus.v1 import eus_pb2

WEAK = WEAK_AUTH | WEAK_PRIV


class CredentialError(ValueError):
    """The target's credentials cannot be used; the message names the problem, never a secret."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """Validated credentials of one target. ``repr`` hides the secrets."""

    version: str  # "3", "2c" or "1"
    legacy: bool
    community: str = ""
    user: str = ""
    auth_protocol: str = ""
    auth_key: str = ""
    priv_protocol: str = ""
    priv_key: str = ""
    context: str = ""

    def __repr__(self) -> str:
        return (
            f"Credentials(version={self.version!r}, legacy={self.legacy}, user={self.user!r}, "
            f"auth={self.auth_protocol or 'none'}, priv={self.priv_protocol or 'none'})"
        )

    @property
    def security_level(self) -> str:
        if self.version != "3" or not self.auth_protocol:
            return "noAuthNoPriv"
        return "authPriv" if self.priv_protocol else "authNoPriv"

    @property
    def fingerprint(self) -> str:
        """A stable digest of everything that identifies the USM user (for grouping targets
        that can share one pysnmp engine); never logged, never reversible to the keys."""
        fields = (self.version, self.community, self.user, self.auth_protocol)
        secret = "\x00".join((*fields, self.auth_key, self.priv_protocol, self.priv_key))
        return hashlib.sha256(secret.encode()).hexdigest()[:24]

    def legacy_note(self) -> str:
        """The finding appended to the reachability message for insecure settings ("" if none)."""
        if self.version in ("1", "2c"):
            return f" (legacy SNMPv{self.version}: insecure)"
        weak = [p for p in (self.auth_protocol, self.priv_protocol) if p in WEAK]
        if self.security_level != "authPriv":
            weak.insert(0, self.security_level)
        return f" (legacy SNMPv3 {'/'.join(weak)}: insecure)" if weak else ""


def from_target(target: eus_pb2.SnmpTarget) -> Credentials:
    """Validate a target's credentials by the rules every side uses (``eus.snmp_target``);
    raises :class:`CredentialError` naming every problem."""
    problems = credential_problems(target)
    if problems:
        raise CredentialError(" ".join(p.message for p in problems))
    version = target.version.strip().lower() or "3"
    if version != "3":
        return Credentials(version=version, legacy=True, community=target.community)
    auth, priv = target.auth_protocol.strip().upper(), target.priv_protocol.strip().upper()
    return Credentials(
        version="3",
        legacy=target.legacy,
        user=target.user.strip(),
        auth_protocol=auth,
        auth_key=target.auth_key if auth else "",
        priv_protocol=priv,
        priv_key=target.priv_key if priv else "",
        context=target.context,
    )


def pysnmp_protocols(creds: Credentials) -> tuple[Any, Any]:
    """pysnmp's (auth, priv) protocol ids for v3 credentials. Imports pysnmp."""
    from pysnmp.entity import config  # type: ignore[import-untyped]

    auth = {
        "": config.USM_AUTH_NONE,
        "MD5": config.USM_AUTH_HMAC96_MD5,
        "SHA": config.USM_AUTH_HMAC96_SHA,
        "SHA-224": config.USM_AUTH_HMAC128_SHA224,
        "SHA-256": config.USM_AUTH_HMAC192_SHA256,
        "SHA-384": config.USM_AUTH_HMAC256_SHA384,
        "SHA-512": config.USM_AUTH_HMAC384_SHA512,
    }[creds.auth_protocol]
    priv = {
        "": config.USM_PRIV_NONE,
        "DES": config.USM_PRIV_CBC56_DES,
        "AES": config.USM_PRIV_CFB128_AES,
        "AES-192": config.USM_PRIV_CFB192_AES,
        "AES-256": config.USM_PRIV_CFB256_AES,
        "AES-192-BLUMENTHAL": config.USM_PRIV_CFB192_AES_BLUMENTHAL,
        "AES-256-BLUMENTHAL": config.USM_PRIV_CFB256_AES_BLUMENTHAL,
    }[creds.priv_protocol]
    return auth, priv
