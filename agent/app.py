"""The agent's one composition root: config -> identity -> spool -> series -> batcher -> runner
-> transport, then signals and the exit code.

Shutdown (SIGTERM/SIGINT, or :meth:`Agent.stop`): stop the runner, flush pending samples into
the spool, give the transport up to ``drain_timeout_s`` for outstanding acks, send
``Goodbye{reason}`` and half-close. Everything spooled survives even a SIGKILL.
"""

from __future__ import annotations

import logging
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from agent import __version__
from agent.batcher import Batcher
from agent.collectors.base import Collector
from agent.config import Config
from agent.enroll import Identity, NotEnrolled, load_identity
from agent.extensions import Extension, ExtensionError, load_extensions
from agent.hostfacts import host_facts
from agent.runner import Runner
from agent.series import SeriesRegistry
from agent.spool_salvage import open_spool
from agent.transport import Transport, mtls_credentials
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFIG = 2  # not enrolled, bad configuration


def configure_logging(level: str) -> None:
    """Concise lines on stderr (journald adds its own timestamps under systemd)."""
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    # APScheduler logs every job at INFO: once per collector run is noise, not news.
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)


def default_collectors(config: Config) -> list[tuple[Collector, float]]:
    """The built-in collectors with the ``[collectors.*]`` overrides applied."""
    from agent.collectors import CollectorSettings, build_collectors

    settings = {
        name: CollectorSettings(enabled=o.enabled, interval_s=o.interval_s)
        for name, o in config.collectors.items()
    }
    return build_collectors(settings)


class Agent:
    """Every long-lived part of a running agent, wired together; start once, stop once."""

    def __init__(
        self,
        config: Config,
        identity: Identity,
        *,
        collectors: list[tuple[Collector, float]] | None = None,
        extensions: list[Extension] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.identity = identity
        journal = Path(config.spool.journal_path) if config.spool.journal_path else None
        self.spool = open_spool(
            config.spool_path,
            max_bytes=config.spool.max_bytes,
            max_age_s=config.spool.max_age_s,
            journal_path=journal,
            clock=clock,
        )
        self.series = SeriesRegistry(self.spool)
        target = config.agent.stream_address or identity.stream_address
        self.transport = Transport(
            self.spool,
            self.series,
            target=target,
            credentials=mtls_credentials(
                key_pem=identity.key_path.read_bytes(),
                cert_pem=identity.cert_path.read_bytes(),
                ca_pem=identity.ca_path.read_bytes(),
            ),
            agent_version=__version__,
            host=host_facts(),
            agent_id=identity.agent_id,
            window=config.transport.window,
            backoff_initial_s=config.transport.backoff_initial_s,
            backoff_max_s=config.transport.backoff_max_s,
            on_config=self.apply_config,
            on_command=self.handle_command,
        )
        self.batcher = Batcher(
            self.spool,
            self.series,
            max_batch_samples=config.batch.max_batch_samples,
            flush_interval_s=config.batch.flush_interval_s,
            on_spooled=self.transport.wake,
        )
        self.runner = Runner(
            default_collectors(config) if collectors is None else collectors, self.batcher, clock
        )
        self.extensions = (
            load_extensions(config.extensions, state_dir=config.state_dir, reports=self.batcher, clock=clock)
            if extensions is None
            else extensions
        )
        self._stopped = False

    def start(self) -> None:
        log.info(
            "eus-agent %s starting: agent %s, customer %s, collector %s, spool %s (epoch %d, %d batches)",
            __version__,
            self.identity.agent_id,
            self.identity.customer,
            self.transport.target,
            self.spool.path,
            self.spool.epoch,
            self.spool.stats().rows,
        )
        self.transport.start()
        self.batcher.start()
        self.runner.start()
        for ext in self.extensions:
            try:
                ext.start()
            except Exception:
                log.exception("extension %s failed to start; the agent runs without it", ext.name)

    def stop(self, reason: str = "SIGTERM") -> bool:
        """Ordered shutdown; True when the collector acknowledged everything spooled."""
        if self._stopped:
            return True
        self._stopped = True
        for ext in self.extensions:
            try:
                ext.stop()
            except Exception:
                log.exception("extension %s failed to stop cleanly", ext.name)
        self.runner.shutdown(wait=True)
        self.batcher.close()
        drained = self.transport.stop(self.config.transport.drain_timeout_s, reason)
        stats = self.spool.stats()
        self.spool.close()
        if drained:
            log.info("stopped (%s): everything acknowledged", reason)
        else:
            log.warning("stopped (%s): %d batches stay spooled for the next start", reason, stats.rows)
        return drained

    def apply_config(self, config: eus_pb2.AgentConfig) -> None:
        """Configuration pushed by the collector: collector intervals, then each extension's part."""
        self.apply_collector_config(config)
        for ext in self.extensions:
            try:
                ext.apply_config(config)
            except Exception:
                log.exception("extension %s rejected the pushed configuration", ext.name)

    def handle_command(self, command: eus_pb2.Command) -> None:
        """A command from the collector: the first extension that knows its kind answers."""
        for ext in self.extensions:
            result = ext.handle_command(command)
            if result is not None:
                self.batcher.put_report(command_results=[result])
                self.batcher.flush()
                return
        log.info("command %s of kind %r: no part of this agent handles it", command.id, command.kind)
        self.batcher.put_report(
            command_results=[
                eus_pb2.CommandResult(
                    id=command.id,
                    ok=False,
                    message=f"unknown command {command.kind!r}",
                    ts_ms=int(time.time() * 1000),
                )
            ]
        )

    def apply_collector_config(self, config: eus_pb2.AgentConfig) -> None:
        """Intervals pushed by the collector (0 disables); unknown or disabled names are skipped."""
        for name, interval_s in config.collector_interval_s.items():
            try:
                self.runner.reschedule(name, interval_s)
            except KeyError:
                log.info("collector config names %r, which is not running here; ignored", name)
            except ValueError as exc:
                log.warning("collector config for %r ignored: %s", name, exc)


def run(config: Config) -> int:
    """``eus-agent run``: until SIGTERM/SIGINT. Must be called from the main thread."""
    configure_logging(config.agent.log_level)
    try:
        identity = load_identity(config.state_dir)
    except NotEnrolled as exc:
        log.error("%s", exc)
        return EXIT_CONFIG
    try:
        agent = Agent(config, identity)
    except ExtensionError as exc:
        log.error("configuration: %s", exc)
        return EXIT_CONFIG
    except (OSError, sqlite3.Error) as exc:  # unreadable key, unwritable state directory ...
        log.error("cannot start: %s", exc)
        return EXIT_FAILURE

    stop = threading.Event()
    reason = ["SIGTERM"]

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        reason[0] = signal.Signals(signum).name
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        agent.start()
        while not stop.wait(timeout=3600):
            pass
        log.info("%s received: stopping", reason[0])
    finally:
        agent.stop(reason[0])
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return EXIT_OK
