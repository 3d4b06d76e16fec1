"""Generic webhook: a JSON POST signed with HMAC-SHA256.

Headers: ``X-EUS-Timestamp`` (unix seconds), ``X-EUS-Signature: sha256=<hex>`` over
``<timestamp>.<body>`` with the shared secret, and ``Idempotency-Key`` (the same on every
attempt). 2xx is delivered; 4xx other than 408/429 is permanent; the rest is retried.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from collector.notify.channel import Outcome, Outgoing


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    secret: str = ""  # never logged
    timeout_s: float = 10.0

    def __repr__(self) -> str:
        return "WebhookSettings(secret=***)"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver does (and what the tests do)."""
    return hmac.compare_digest(signature(secret, timestamp, body), header)


class WebhookSender:
    def __init__(self, settings: WebhookSettings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self._clock = clock

    def send(self, msg: Outgoing) -> Outcome:
        if not msg.address.startswith(("http://", "https://")):
            return Outcome.refused(f"not an http(s) URL: {msg.address[:60]!r}")
        body = json.dumps(
            {"idempotency_key": msg.idempotency_key, "subject": msg.subject, "text": msg.body},
            sort_keys=True,
        ).encode()
        ts = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "eus-collector",
            "X-EUS-Timestamp": ts,
            "Idempotency-Key": msg.idempotency_key,
        }
        if self.settings.secret:
            headers["X-EUS-Signature"] = signature(self.settings.secret, ts, body)
        req = urllib.request.Request(msg.address, data=body, method="POST", headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=self.settings.timeout_s) as resp:  # noqa: S310
                return Outcome.delivered(f"{resp.status}")
        except urllib.error.HTTPError as exc:
            text = f"{exc.code} {exc.read()[:200].decode(errors='replace')}"
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                return Outcome.refused(text)
            return Outcome.transient(text)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            return Outcome.transient(f"{type(exc).__name__}: {exc}")
