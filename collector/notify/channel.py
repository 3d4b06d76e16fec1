"""The one-method interface every channel implements, and what a send attempt returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Outgoing:
    address: str
    subject: str
    body: str
    idempotency_key: str  # the same on every attempt: receivers that dedupe can


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    permanent: bool  # a refusal that retrying cannot fix
    response: str  # the provider's answer as recorded in the message log (never secrets)

    @classmethod
    def delivered(cls, response: str) -> Outcome:
        return cls(True, False, response[:2000])

    @classmethod
    def transient(cls, response: str) -> Outcome:
        return cls(False, False, response[:2000])

    @classmethod
    def refused(cls, response: str) -> Outcome:
        return cls(False, True, response[:2000])


class Sender(Protocol):
    def send(self, msg: Outgoing) -> Outcome:
        """Try once to deliver ``msg``; never raises for delivery problems."""
