"""SMS through an HTTP provider: Twilio's Messages API (or anything speaking its contract).

``POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP basic auth
(AccountSid:AuthToken) and form fields ``To``, ``From``, ``Body``. Success is ``201`` with a
JSON Message resource (``sid``, ``status``); failures carry JSON ``code``, ``message``,
``more_info``, ``status``. Twilio answers a request it will never accept with 4xx (for
example 21211, an invalid 'To' number) and a passing problem with 429 or 5xx; the error
codes below are permanent whatever the HTTP status. The base URL is configurable.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from collector.notify.channel import Outcome, Outgoing

# Twilio error codes no retry can fix: authentication, invalid or unreachable numbers,
# an opted-out recipient, a missing body or sender.
PERMANENT_CODES = frozenset({20003, 20404, 21211, 21408, 21602, 21603, 21606, 21610, 21612, 21614})
TRANSIENT_STATUSES = frozenset({408, 429})


@dataclass(frozen=True, slots=True)
class TwilioSettings:
    base_url: str = "https://api.twilio.com"
    account_sid: str = ""
    auth_token: str = ""  # never logged, never recorded
    from_number: str = ""
    timeout_s: float = 10.0

    def __repr__(self) -> str:
        return f"TwilioSettings(base_url={self.base_url!r}, account_sid={self.account_sid!r})"


def classify(status: int, payload: dict[str, object]) -> Outcome:
    """Turn one HTTP answer into an outcome (pure)."""
    if status in (200, 201):
        return Outcome.delivered(f"{status} sid={payload.get('sid')} status={payload.get('status')}")
    code = payload.get("code")
    text = f"{status} code={code} {str(payload.get('message', ''))[:300]}"
    if isinstance(code, int) and code in PERMANENT_CODES:
        return Outcome.refused(text)
    if 400 <= status < 500 and status not in TRANSIENT_STATUSES:
        return Outcome.refused(text)
    return Outcome.transient(text)


class TwilioSender:
    def __init__(self, settings: TwilioSettings) -> None:
        self.settings = settings

    @property
    def url(self) -> str:
        sid = urllib.parse.quote(self.settings.account_sid, safe="")
        return f"{self.settings.base_url.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"

    def send(self, msg: Outgoing) -> Outcome:
        s = self.settings
        if not (s.account_sid and s.auth_token and s.from_number):
            return Outcome.refused("SMS provider not configured (sms_account_sid, sms_auth_token, sms_from)")
        body = msg.body if not msg.subject else f"{msg.subject}: {msg.body}"
        form = urllib.parse.urlencode({"To": msg.address, "From": s.from_number, "Body": body}).encode()
        auth = base64.b64encode(f"{s.account_sid}:{s.auth_token}".encode()).decode()
        req = urllib.request.Request(  # noqa: S310 - the URL is the operator's configured provider
            self.url,
            data=form,
            method="POST",
            headers={
                "Authorization": f"Basic {auth}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "User-Agent": "eus-collector",
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=s.timeout_s) as resp:  # noqa: S310
                return classify(resp.status, _json(resp.read()))
        except urllib.error.HTTPError as exc:
            return classify(exc.code, _json(exc.read()))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            return Outcome.transient(f"{type(exc).__name__}: {exc}")


def _json(raw: bytes) -> dict[str, object]:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return {"message": raw[:200].decode(errors="replace")}
    return data if isinstance(data, dict) else {}
