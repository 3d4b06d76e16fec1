"""The collector's one composition root: gRPC server, ingest writer, web app, scheduler.

Start-up order: data directory -> relational store (migrated) -> CA -> DuckDB -> ingest
writer -> gRPC -> web -> scheduler; shutdown runs in reverse, committing what was
received before the DuckDB file is closed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collector import retired_alerts
from collector.alerting.service import Alerting
from collector.bus import AgentReported, BatchCommitted, Bus, StreamClosed, StreamOpened
from collector.config import CollectorConfig
from collector.customers.access import hidden_map
from collector.customers.rollup import Rollups
from collector.dashboards.loader import DashboardError
from collector.dashboards.loader import load as load_dashboards
from collector.dashboards.model import Dashboards
from collector.functions.central import config_source as functions_config
from collector.helpdesk.service import Helpdesk
from collector.ingest.validation import Limits
from collector.log_retention import LogRetention
from collector.log_retention import apply as apply_log_retention
from collector.pki import CertificateAuthority
from collector.rpc.agent_config import AgentConfigs
from collector.rpc.enroll_service import EnrollLimits, EnrollmentService
from collector.rpc.live import LiveStreams
from collector.rpc.presence import Presence
from collector.rpc.server import RpcServer, build_server
from collector.rpc.stream_service import StreamService
from collector.snmp import service as snmp_service
from collector.snmp.registry import AgentFileTargets
from collector.snmp.secrets import SecretBox
from collector.snmp.targets import SnmpTargets
from collector.startup_checks import refuse_damaged_files
from collector.store.db import Store
from collector.tsdb import retention
from collector.tsdb.compaction import Settings as CompactionSettings
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.inventory.ingest import InventoryIngest, customer_lookup
from eus.atomic import write_atomic

if TYPE_CHECKING:
    from collector.web.serving import WebServer

log = logging.getLogger("eus.collector")


def read_secret_key(data_dir: Path) -> str:
    """The web session key: random per installation, kept 0600 in the data directory."""
    path = data_dir / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


class Collector:
    """Owns every long-lived resource of the collector process."""

    def __init__(self, cfg: CollectorConfig, dashboards: Dashboards | None = None) -> None:
        self.cfg = cfg
        self.dashboards = dashboards if dashboards is not None else load_dashboards(cfg.dashboards_path)
        cfg.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.store = Store(cfg.store_url_resolved)
        self.store.migrate()
        self.ca = CertificateAuthority(cfg.pki_dir, cfg.server_names)
        self.tsdb = TimeSeriesDB(
            cfg.tsdb_path,
            memory_limit_mb=cfg.duckdb_memory_limit_mb,
            threads=cfg.duckdb_threads,
            checkpoint_mb=cfg.duckdb_checkpoint_mb,
        )
        self.series = self.tsdb.series_registry()
        self.writer = self.tsdb.writer(self.series)
        self.live = LiveStreams()
        self.bus = Bus()
        self.writer.extras.bus = self.bus
        self.configs = AgentConfigs(self.live)
        self.snmp = SnmpTargets(self.store, SecretBox.open(cfg.data_dir))
        self.snmp.attach(self.configs)
        self.snmp_files = AgentFileTargets(self.store)
        self.bus.subscribe(BatchCommitted, self.snmp_files.on_committed)
        self.configs.add_source("functions", functions_config(self.store))
        self.inventory = InventoryIngest(self.bus, customer_lookup(self.store))
        self.writer.extras.add_txn_hook("inventory", self.inventory.txn_hook)
        self.bus.subscribe(BatchCommitted, self.inventory.on_committed)
        self.helpdesk = Helpdesk(cfg, self.store)
        self.helpdesk.hide_customers(hidden_map)  # no SLA message or page of a customer hidden from them
        # Per-customer roll-up (fleet overview, customer screen): kept current by ingest, streams
        # and every alert step, never recomputed per request.
        self.rollups = Rollups(self.store)
        self.bus.subscribe(BatchCommitted, self.rollups.on_committed)
        self.bus.subscribe(AgentReported, self.rollups.on_agent_report)  # skew and backlog apart
        self.bus.subscribe(StreamOpened, self.rollups.on_stream)
        self.bus.subscribe(StreamClosed, self.rollups.on_stream)
        self.alerting = Alerting(
            cfg, self.store, self.tsdb, hooks=(self.helpdesk.alert_hook, self.rollups.alert_hook)
        )
        self.alerting.feeds.name_of = snmp_service.device_names(self.store)  # alerts name SNMP devices
        self.alerting.engine.hide_customers(hidden_map)  # nobody is notified of a customer hidden from them
        self.alerting.subscribe(self.bus)
        # A device dropped from its gateway's agent.toml is retired: its open alerts resolve.
        self.snmp_files.on_retired = retired_alerts.snmp_retired(self.alerting.engine)
        self.presence = Presence(self.store, self.live)
        self.stream_service = StreamService(
            self.store,
            self.writer,
            self.series,
            self.live,
            configs=self.configs,
            bus=self.bus,
            max_message_bytes=cfg.max_message_bytes,
            limits=Limits(max_new_series=cfg.max_new_series_per_batch),
            presence=self.presence,
        )
        self.enroll_service = EnrollmentService(
            self.store,
            self.ca,
            stream_port=cfg.stream_port,
            advertised=cfg.advertised_stream_address,
            cert_days=cfg.agent_cert_days,
            limits=EnrollLimits(
                per_address=cfg.enroll_limit_per_address,
                per_token=cfg.enroll_limit_per_token,
                attempts_kept=cfg.enroll_attempts_kept,
            ),
        )
        self.rpc: RpcServer | None = None
        self.web: WebServer | None = None
        self.web_port = 0
        self.scheduler: Any = None

    # -- periodic jobs (scheduler threads) ---------------------------------------------
    def compact_samples(self) -> None:
        """Compact the raw samples of whole windows that ended ``compact_lag_s`` (and
        ``compact_after_days``) ago into per-series blocks and rollups (ARCHITECTURE.md "Storage")."""
        lag = timedelta(seconds=self.cfg.compact_lag_s, days=self.cfg.compact_after_days)
        before = datetime.now(UTC) - lag
        settings = CompactionSettings(
            window_s=self.cfg.compact_window_s, slice_series=self.cfg.compact_slice_series
        )
        self.tsdb.compact(before, settings)

    def apply_retention(self) -> None:
        """Delete what each time-series tier and each relational log holds past its configured
        age, and the batch records below their stream's mark."""
        self.tsdb.apply_retention(retention.configured(self.cfg), datetime.now(UTC))
        self.tsdb.prune_batches()
        logs = LogRetention(
            audit_days=self.cfg.retention_audit_days,
            messages_days=self.cfg.retention_messages_days,
            outbox_days=self.cfg.retention_outbox_days,
        )
        with self.store.session() as s:
            apply_log_retention(s, logs, datetime.now(UTC))

    # -- lifecycle ---------------------------------------------------------------------
    def _start_web(self) -> None:
        from collector.web import (
            alerting_views,
            channel_settings_views,
            create_app,
            functions_views,
            snmp_views,
            storage_views,
        )
        from collector.web.serving import WebServer
        from collector.web.settings import from_config

        secret_key = read_secret_key(self.cfg.data_dir)
        app = create_app(
            self.store,
            self.tsdb,
            secret_key=secret_key,
            settings=from_config(self.cfg, self.ca.ca_fingerprint),
            dashboards=self.dashboards,
        )
        snmp_views.init_app(app, self.snmp)
        functions_views.init_app(app, self.configs)
        alerting_views.init_app(app, self.alerting.engine)
        channel_settings_views.init_app(app, self.cfg, self.alerting.reload_channels)
        storage_views.init_app(app, self.cfg)
        self.web = WebServer(
            app, host=self.cfg.web_host, port=self.cfg.web_port, threads=self.cfg.web_threads
        )
        self.web_port = self.web.port
        self.web.start()

    def _start_scheduler(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        sched = BackgroundScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
        )
        sched.add_job(self.presence.flush_last_seen, "interval", seconds=5, id="flush_last_seen")
        sched.add_job(
            self.presence.enforce_revocations,
            "interval",
            seconds=self.cfg.revocation_poll_s,
            id="revocations",
        )
        sched.add_job(
            self.compact_samples, "interval", seconds=self.cfg.compact_every_s, id="compact_samples"
        )
        sched.add_job(self.apply_retention, "interval", hours=1, id="retention")
        # The admin CLI runs as its own process: it leaves push requests for the gateways it changed.
        sched.add_job(self.snmp.push_requested, "interval", seconds=2, id="snmp_push_requested")
        self.alerting.add_jobs(sched)
        self.helpdesk.add_jobs(sched)
        sched.add_job(
            self.rollups.refresh_all,
            "interval",
            seconds=30,
            id="customer_rollups",
            next_run_time=datetime.now(UTC),  # at start too: what changed while stopped
        )
        sched.start()
        self.scheduler = sched

    def _write_endpoints(self) -> None:
        assert self.rpc is not None
        run = self.cfg.data_dir / "run"
        run.mkdir(exist_ok=True)
        write_atomic(
            run / "endpoints.json",
            json.dumps(
                {
                    "pid": os.getpid(),
                    "stream_port": self.rpc.stream_port,
                    "enroll_port": self.rpc.enroll_port,
                    "web_port": self.web_port,
                    "ca_fingerprint": self.ca.ca_fingerprint,
                }
            ),
            mode=0o644,
        )

    async def serve(self, stop: asyncio.Event) -> None:
        self.presence.mark_stale_streams()
        self.bus.start()
        self.alerting.start()
        retired_alerts.resolve_already_retired(self.store, self.alerting.engine)  # retired before that fix
        self.writer.start()
        self.rpc = build_server(
            ca=self.ca,
            stream_service=self.stream_service,
            enroll_service=self.enroll_service,
            host=self.cfg.listen_host,
            stream_port=self.cfg.stream_port,
            enroll_port=self.cfg.enroll_port,
            max_message_bytes=self.cfg.max_message_bytes,
        )
        await self.rpc.start()
        self._start_web()
        self._start_scheduler()
        self._write_endpoints()
        log.info(
            "collector ready: stream port %d (mTLS), enrollment port %d, web http://%s:%d/, CA sha256 %s",
            self.rpc.stream_port,
            self.rpc.enroll_port,
            self.cfg.web_host,
            self.web_port,
            self.ca.ca_fingerprint,
        )
        try:
            await stop.wait()
        finally:
            await self.shutdown()

    async def shutdown(self) -> None:
        log.info("collector stopping")
        self.stream_service.shutting_down = True
        if self.rpc is not None:
            # End every stream with a status first: the handlers return on their own, so the
            # server's grace period never has to cancel them (a CancelledError traceback each).
            self.live.kick_all("UNAVAILABLE", "collector stopping")
            await self.rpc.stop(grace=3)
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
        if self.web is not None:
            self.web.stop()  # before the databases close: no request is left running
        if not self.writer.stop():
            # Closing DuckDB under a commit aborts the process (the rows it commits are lost with
            # it): wait for the queue to be written; systemd's stop timeout bounds the wait.
            log.warning(
                "the ingest writer is still committing %d queued rows; waiting", self.writer.queued_rows
            )
            self.writer.stop(timeout=None)
        self.bus.stop()
        self.alerting.stop()
        self.presence.flush_last_seen()
        self.tsdb.checkpoint()
        self.tsdb.close()
        self.store.dispose()
        (self.cfg.data_dir / "run" / "endpoints.json").unlink(missing_ok=True)
        log.info("collector stopped")


def run(cfg: CollectorConfig) -> int:
    """Run until SIGTERM or SIGINT; returns the process exit code."""
    refuse_damaged_files(cfg)  # a damaged database: one line and exit 3, never a traceback loop
    try:
        dashboards = load_dashboards(cfg.dashboards_path)
    except DashboardError as exc:  # a bad dashboard file: one line naming file and panel, exit 2
        print(f"eus-collector: {exc}", file=sys.stderr)
        return 2

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await Collector(cfg, dashboards).serve(stop)

    asyncio.run(main())
    return 0
