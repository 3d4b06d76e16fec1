"""Delivery: retries with backoff through a 10-minute SMTP refusal, a permanent SMS
refusal dead-lettered after one attempt with a failing-channel alert by email, no second
send of anything delivered, and the retry policy itself."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from support.sms_emulator import SmsEmulator

from alerting.conftest import FakeClock
from alerting.smtp_server import SmtpServer
from alerting.timeline import OPS, make
from collector.notify.channel import Outcome
from collector.notify.models import DeadLetter, OutboxEntry
from collector.notify.worker import RetryPolicy
from collector.store.db import Store


def test_smtp_refusing_for_ten_minutes_then_every_message_exactly_once(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp, group_wait_s=1)
    devices = tl.add_devices(5)
    tl.add_rule("threshold", {"metric": "disk.percent", "critical": 95})
    series = [tl.series(d, "disk.percent") for d in devices]
    smtp.refuse(451)
    for d, sid in zip(devices, series, strict=True):
        tl.sample(d, sid, 99)
    tl.run(600, step=10)
    assert smtp.mails == [] and smtp.rcpt_attempts >= 5 * 5
    assert {m.state for m in tl.messages()} == {"retrying"}
    smtp.accept()
    tl.run(600, step=10)
    keys = Counter(m.key for m in smtp.mails)
    assert len(keys) == 5 and set(keys.values()) == {1}, keys
    msgs = tl.messages()
    assert [m.state for m in msgs] == ["delivered"] * 5
    assert all(m.attempts > 3 and "451" in m.provider_response for m in msgs)
    tl.run(600, step=10)  # nothing is sent again
    assert len(smtp.mails) == 5


def test_permanent_sms_refusal_is_one_attempt_a_dead_letter_and_an_email_alert(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer, sms: SmsEmulator
) -> None:
    tl = make(tmp_path, store, clock, smtp, sms=sms, group_wait_s=1)
    (dev,) = tl.add_devices(1)
    tl.add_rule(
        "threshold", {"metric": "disk.percent", "critical": 95}, notify_contacts=True, name="Disk full"
    )
    tl.add_contact(name="Ann", mobile="+4915100000001")
    # Twilio's code for a recipient who has opted out: permanent whatever the HTTP status.
    sms.fail_always(500, 21610, "Attempt to send to unsubscribed recipient")
    sid = tl.series(dev, "disk.percent")
    tl.sample(dev, sid, 99)
    tl.run(3600, step=30)
    assert sms.requests == 1
    (sms_msg,) = tl.messages(channel="sms_http")
    assert sms_msg.state == "dead" and sms_msg.attempts == 1 and "21610" in sms_msg.provider_response
    with store.session() as s:
        (dead,) = s.scalars(select(DeadLetter)).all()
        assert dead.channel == "sms_http" and dead.message_id == sms_msg.id
    failing = [m for m in smtp.mails if "Notification channel failing" in str(m.message["Subject"])]
    assert len(failing) == 1 and OPS in failing[0].to
    assert not any(m.channel == "sms_http" and "channel failing" in m.subject for m in tl.messages())
    sms.recover()  # the provider takes messages again: the failing-channel alert resolves
    tl.sample(dev, sid, 10)
    tl.run(60)
    tl.sample(dev, sid, 99)
    tl.run(60)
    assert any(m.channel == "sms_http" and m.state == "delivered" for m in tl.messages())
    failing_alert = next(a for a in tl.engine.alerts() if a.rule.kind == "channel_failing")
    assert failing_alert.life.state.value == "resolved"


def test_outbox_rows_are_unique_per_transition_recipient_and_channel(
    tmp_path: Path, store: Store, clock: FakeClock, smtp: SmtpServer
) -> None:
    tl = make(tmp_path, store, clock, smtp, group_wait_s=1)
    (dev,) = tl.add_devices(1)
    tl.add_rule("threshold", {"metric": "x", "critical": 1})
    sid = tl.series(dev, "x")
    tl.sample(dev, sid, 5)
    tl.run(10)
    (rec,) = tl.engine.alerts()
    rec.notified_state = ""  # as if the engine forgot it announced: the catch-up tries again
    tl.run(10)
    with store.session() as s:
        rows = s.scalars(select(OutboxEntry)).all()
    assert len(rows) == 1 and rows[0].idempotency_key.endswith(":ops:email")
    assert len(smtp.mails) == 1


POLICY = RetryPolicy(base_s=5, factor=2, cap_s=60, budget_s=300)
RETRIES = [
    (Outcome.transient("451"), 1, 0, 10, 5.0),
    (Outcome.transient("451"), 3, 0, 30, 20.0),
    (Outcome.transient("451"), 10, 0, 100, 60.0),  # capped
    (Outcome.transient("451"), 10, 0, 290, None),  # the budget is spent
    (Outcome.refused("550"), 1, 0, 0, None),
    (Outcome.delivered("250"), 1, 0, 0, None),
]


@pytest.mark.parametrize(("outcome", "attempts", "first", "now", "expected"), RETRIES)
def test_retry_policy(
    outcome: Outcome, attempts: int, first: float, now: float, expected: float | None
) -> None:
    assert POLICY.retry_in(outcome, attempts, first, now) == expected
