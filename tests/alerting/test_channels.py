"""Each channel against a real peer: aiosmtpd with STARTTLS + AUTH, the Twilio-contract
emulator over HTTP, a local HTTP receiver that checks the webhook's HMAC signature."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from support.sms_emulator import SmsEmulator

from alerting.conftest import sms_sender, smtp_sender
from alerting.smtp_server import SmtpServer
from collector.notify.channel import Outgoing
from collector.notify.email_smtp import SmtpSender, SmtpSettings
from collector.notify.sms_email_gateway import EmailGatewaySender
from collector.notify.sms_http import TwilioSender, TwilioSettings, classify
from collector.notify.webhook import WebhookSender, WebhookSettings, verify

MSG = Outgoing("ops@acme.example", "[EUS FIRING] host1", "cpu = 99 > 90\n", "t1:ops:email")


def test_email_over_starttls_with_auth(smtp: SmtpServer) -> None:
    out = smtp_sender(smtp).send(MSG)
    assert out.ok, out.response
    (mail,) = smtp.mails
    assert mail.to == ["ops@acme.example"]
    assert mail.message["Subject"] == "[EUS FIRING] host1"
    assert mail.key == "t1:ops:email"
    assert mail.message["Message-ID"] == "<t1-ops-email@eus>"


def test_email_refusals_are_classified(smtp: SmtpServer) -> None:
    smtp.refuse(451)
    out = smtp_sender(smtp).send(MSG)
    assert not out.ok and not out.permanent and "451" in out.response
    smtp.refuse(550)
    out = smtp_sender(smtp).send(MSG)
    assert not out.ok and out.permanent and "550" in out.response
    assert not smtp.mails


def test_email_wrong_password_and_no_server(smtp: SmtpServer) -> None:
    s = smtp_sender(smtp).settings
    bad = SmtpSender(SmtpSettings(s.host, s.port, s.user, "wrong-password", True, s.from_addr, 10, s.cafile))
    out = bad.send(MSG)
    assert not out.ok and out.permanent and "535" in out.response
    assert "wrong-password" not in repr(bad.settings)
    down = SmtpSender(SmtpSettings("127.0.0.1", 1, timeout_s=2))
    out = down.send(MSG)
    assert not out.ok and not out.permanent


def test_email_to_sms_gateway(smtp: SmtpServer) -> None:
    out = EmailGatewaySender(smtp_sender(smtp)).send(
        Outgoing("4915100000001@sms.carrier.example", "[EUS FIRING] host1", "x" * 1000, "k")
    )
    assert out.ok
    (mail,) = smtp.mails
    assert mail.to == ["4915100000001@sms.carrier.example"]
    assert len(mail.body.strip()) <= 320
    bad = EmailGatewaySender(smtp_sender(smtp)).send(Outgoing("+491510", "", "x", "k2"))
    assert not bad.ok and bad.permanent


def test_sms_over_the_providers_contract(sms: SmsEmulator) -> None:
    out = sms_sender(sms).send(Outgoing("+4915100000001", "", "[EUS FIRING] host1: cpu = 99", "k"))
    assert out.ok and "sid=SM" in out.response and "status=queued" in out.response
    (got,) = sms.messages
    assert (got.to, got.from_, got.body) == ("+4915100000001", "+15005550006", "[EUS FIRING] host1: cpu = 99")


def test_sms_errors(sms: SmsEmulator) -> None:
    sender = sms_sender(sms)
    out = sender.send(Outgoing("0151-not-e164", "", "hello", "k"))
    assert not out.ok and out.permanent and "21211" in out.response
    sms.fail_next(1, 503, 20503, "Service unavailable")
    out = sender.send(Outgoing("+4915100000001", "", "hello", "k"))
    assert not out.ok and not out.permanent and "503" in out.response
    wrong = TwilioSender(TwilioSettings(sms.base_url, sms.account_sid, "bad-token", "+15005550006"))
    out = wrong.send(Outgoing("+4915100000001", "", "hello", "k"))
    assert not out.ok and out.permanent and "20003" in out.response
    assert "bad-token" not in repr(wrong.settings)


CLASSIFY = [
    (201, {"sid": "SM1", "status": "queued"}, (True, False)),
    (400, {"code": 21211}, (False, True)),
    (400, {"code": 99999}, (False, True)),
    (429, {"code": 20429}, (False, False)),
    (500, {"code": 20500}, (False, False)),
    (503, {"code": 21610}, (False, True)),  # a permanent code stays permanent
]


@pytest.mark.parametrize(("status", "payload", "expected"), CLASSIFY)
def test_sms_classification(status: int, payload: dict[str, object], expected: tuple[bool, bool]) -> None:
    out = classify(status, payload)
    assert (out.ok, out.permanent) == expected


class _Receiver:
    def __init__(self, status: int) -> None:
        self.status = status
        self.got: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    r = _Receiver(204)
    yield r
    r.server.shutdown()
    r.server.server_close()


def test_webhook_is_signed(receiver: _Receiver) -> None:
    sender = WebhookSender(WebhookSettings(secret="hook-secret"))
    out = sender.send(Outgoing(receiver.url, "[EUS FIRING] host1", "cpu", "t9:webhook:webhook"))
    assert out.ok
    ((headers, body),) = receiver.got
    assert verify("hook-secret", headers["x-eus-timestamp"], body, headers["x-eus-signature"])
    assert not verify("other", headers["x-eus-timestamp"], body, headers["x-eus-signature"])
    assert headers["idempotency-key"] == "t9:webhook:webhook"
    assert json.loads(body)["subject"] == "[EUS FIRING] host1"
    receiver.status = 410
    assert sender.send(Outgoing(receiver.url, "s", "b", "k")).permanent
    receiver.status = 502
    out = sender.send(Outgoing(receiver.url, "s", "b", "k"))
    assert not out.ok and not out.permanent
