"""The sending worker: flushes due outbox groups into messages, sends what is due, retries
with exponential backoff, and after the retry budget (or a permanent refusal) writes a
dead letter and reports the failing channel so an alert goes out on another channel.

``run_once`` does one pass with the injected clock; the thread calls it in a loop and
can be woken early (``wake``) when the engine has just queued something.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from collector.notify import message_log, outbox
from collector.notify.channel import Outcome, Outgoing, Sender
from collector.notify.models import Message
from collector.notify.render import render
from collector.store.db import Store

log = logging.getLogger(__name__)

Clock = Callable[[], float]
DeadHandler = Callable[[str, str], None]  # (channel, reason)
DeliveredHandler = Callable[[str], None]  # (channel)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_s: float = 5.0
    factor: float = 2.0
    cap_s: float = 300.0
    budget_s: float = 3600.0  # from the first attempt; then the message is dead

    def delay(self, attempts: int) -> float:
        """Wait after the ``attempts``-th failed attempt (1-based)."""
        return min(self.cap_s, self.base_s * self.factor ** max(0, attempts - 1))

    def retry_in(self, outcome: Outcome, attempts: int, first_s: float, now_s: float) -> float | None:
        """Seconds until the next attempt, or None when there is none (pure)."""
        if outcome.ok or outcome.permanent:
            return None
        wait = self.delay(attempts)
        if now_s + wait - first_s > self.budget_s:
            return None
        return wait


class NotifyWorker:
    def __init__(
        self,
        store: Store,
        senders: Mapping[str, Sender],
        *,
        clock: Clock = time.time,
        policy: RetryPolicy | None = None,
        on_dead: DeadHandler | None = None,
        on_delivered: DeliveredHandler | None = None,
        batch: int = 50,
        poll_s: float = 0.2,
    ) -> None:
        self._store = store
        self._senders = senders
        self._clock = clock
        self.policy = policy or RetryPolicy()
        self.on_dead = on_dead
        self.on_delivered = on_delivered
        self._batch = batch
        self._poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def recover(self) -> int:
        with self._store.session() as s:
            n = message_log.recover_in_flight(s)
        if n:
            log.warning("%d message(s) were being sent when the collector stopped: sending again", n)
        return n

    def run_once(self) -> int:
        """One pass: flush due groups, then attempt every due message. Returns attempts made."""
        now = self.now()
        with self._store.session() as s:
            outbox.flush_due(s, now, render)
        with self._store.session() as s:
            claimed = [
                (m.id, m.channel, m.kind, Outgoing(m.address, m.subject, m.body, m.idempotency_key))
                for m in message_log.claim_due(s, now, self._batch)
            ]
        for message_id, channel, kind, outgoing in claimed:
            sender = self._senders.get(channel)
            outcome = (
                sender.send(outgoing)
                if sender is not None
                else Outcome.refused(f"channel {channel} not configured")
            )
            done = self.now()
            with self._store.session() as s:
                m = s.get(Message, message_id)
                assert m is not None
                assert m.first_attempt_at is not None  # set when the attempt was claimed
                first = m.first_attempt_at.timestamp()
                wait = (
                    None
                    if kind == "test"
                    else self.policy.retry_in(outcome, m.attempts, first, done.timestamp())
                )
                m = message_log.record(
                    s, message_id, outcome, done, None if wait is None else timedelta(seconds=wait)
                )
                state = m.state
            if outcome.ok:
                log.info("message %d delivered by %s", message_id, channel)
                if self.on_delivered is not None:
                    self.on_delivered(channel)
            else:
                log.warning("message %d by %s: %s (%s)", message_id, channel, outcome.response[:200], state)
            if state == "dead" and self.on_dead is not None:
                try:
                    self.on_dead(channel, outcome.response)
                except Exception:
                    log.exception("reporting the failing channel %s failed", channel)
        return len(claimed)

    # -- the thread ---------------------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    def set_senders(self, senders: Mapping[str, Sender]) -> None:
        """Channels rebuilt from new settings; a send in progress finishes with the old one."""
        self._senders = senders

    def start(self) -> None:
        self.recover()
        self._thread = threading.Thread(target=self._run, name="notify-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("notification pass failed")
                busy = 0
            if not busy:
                self._wake.wait(self._poll_s)
                self._wake.clear()
