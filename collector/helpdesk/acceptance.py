"""Signed, expiring accept/reject links for a resolved ticket (no login needed to use one).

The link carries the ticket, the contact it was sent to and which resolution it is about, so
a link from an earlier resolution cannot close a ticket that was reopened and resolved again.
Signing and expiry are itsdangerous's (Flask's own signing library), with a salt of ours so
these tokens can never be mistaken for a session cookie or a CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "eus.helpdesk.acceptance.v1"


class AcceptanceLinkError(ValueError):
    """A link that cannot be used: ``reason`` is "expired" or "invalid"."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Claim:
    ticket_id: int
    contact_id: int
    resolution: int  # the ticket's resolution count when the link was made


def _serializer(secret: bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def make_token(secret: bytes, claim: Claim) -> str:
    return _serializer(secret).dumps([claim.ticket_id, claim.contact_id, claim.resolution])


def read_token(secret: bytes, token: str, max_age_s: int) -> Claim:
    try:
        data = _serializer(secret).loads(token, max_age=max_age_s)
    except SignatureExpired:
        raise AcceptanceLinkError(
            "expired", "This link has expired. Reply to the ticket's email instead."
        ) from None
    except BadSignature:
        raise AcceptanceLinkError(
            "invalid", "This link is not valid: it may have been cut or altered."
        ) from None
    if not (isinstance(data, list) and len(data) == 3 and all(isinstance(x, int) for x in data)):
        raise AcceptanceLinkError("invalid", "This link is not valid: it may have been cut or altered.")
    return Claim(*data)
