"""``eus-agent``: run, enroll, collect-once, doctor.

    eus-agent run [--config FILE]
    eus-agent enroll --collector HOST:PORT --token TOKEN --ca-fingerprint SHA256 [--config FILE]
    eus-agent collect-once [--config FILE] [--collector NAME]
    eus-agent doctor [--collector HOST:PORT ...] [--ca-fingerprint SHA256] [--config FILE]

Exit codes: 0 success; 1 unexpected failure (or, for collect-once, a collector failed; for
doctor, a check failed);
2 usage, configuration, identity or enrollment refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from agent import __version__
from agent.config import Config, ConfigError, load

if TYPE_CHECKING:
    from agent.collectors.base import Sample
    from agent.runner import RunRecord

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eus-agent", description="EUS monitoring agent")
    parser.add_argument("--version", action="version", version=f"eus-agent {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_config(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--config", type=Path, metavar="FILE", help="TOML file (default: /etc/eus/agent.toml)")
        return p

    with_config(sub.add_parser("run", help="collect, spool and stream to the collector until SIGTERM"))
    enroll = with_config(sub.add_parser("enroll", help="obtain a client certificate with a one-time token"))
    enroll.add_argument(
        "--collector", required=True, metavar="HOST:PORT", help="the collector's enrollment port"
    )
    token = enroll.add_mutually_exclusive_group(required=True)
    token.add_argument("--token", metavar="TOKEN", help="enrollment token from `eus token create`")
    token.add_argument(
        "--token-file", type=Path, metavar="FILE", help="read the token from FILE ('-' = stdin)"
    )
    enroll.add_argument(
        "--ca-fingerprint", required=True, metavar="SHA256", help="SHA-256 of the collector's CA certificate"
    )
    once = with_config(sub.add_parser("collect-once", help="run the collectors once; print samples as JSON"))
    once.add_argument("--collector", metavar="NAME", help="run only this collector")
    doctor = with_config(
        sub.add_parser("doctor", help="check the collector is reachable and TLS works; print a JSON report")
    )
    doctor.add_argument(
        "--collector",
        action="append",
        default=[],
        metavar="HOST:PORT",
        help="an address to check (repeatable)",
    )
    doctor.add_argument("--ca-fingerprint", default="", metavar="SHA256", help="the CA fingerprint to pin")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``eus-agent`` console script."""
    args = _parser().parse_args(argv)
    try:
        config = load(args.config)
    except ConfigError as exc:  # one line per bad setting, no traceback
        for line in exc.lines:
            print(f"eus-agent: {line}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "run":
        from agent.app import run

        return run(config)
    if args.command == "enroll":
        return _enroll(config, args)
    if args.command == "doctor":
        return _doctor(config, args)
    return _collect_once(config, args.collector, sys.stdout)


def _enroll(config: Config, args: argparse.Namespace) -> int:
    from agent.enroll import EnrollmentError, enroll
    from agent.hostfacts import host_facts

    if args.token_file is not None:
        text = (
            sys.stdin.read() if str(args.token_file) == "-" else args.token_file.read_text(encoding="utf-8")
        )
        token = text.strip()
    else:
        token = args.token
    if not token:
        print("eus-agent: the enrollment token is empty", file=sys.stderr)
        return EXIT_USAGE
    try:
        identity = enroll(
            args.collector,
            token,
            args.ca_fingerprint,
            config.state_dir,
            agent_version=__version__,
            host=host_facts(),
        )
    except EnrollmentError as exc:
        # A collector it cannot reach: the doctor's report tells the technician why (one line).
        hint = (
            f"; run `eus-agent doctor --collector {args.collector}` and paste its report into the "
            "customer's Installation Trouble-Shooter"
            if "cannot reach" in str(exc)
            else ""
        )
        print(f"eus-agent: {exc}{hint}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"eus-agent: cannot write the identity to {config.state_dir}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(
        f"enrolled as {identity.agent_id} (customer {identity.customer}); "
        f"streaming to {identity.stream_address}; identity in {identity.state_dir}"
    )
    return EXIT_OK


def _doctor(config: Config, args: argparse.Namespace) -> int:
    from agent.doctor import report
    from agent.hostfacts import host_facts

    found = report(
        args.collector,
        state_dir=config.state_dir,
        fingerprint=args.ca_fingerprint,
        agent_version=__version__,
        hostname=host_facts().hostname,
    )
    print(json.dumps(found, indent=2))
    return EXIT_OK if found["ok"] else EXIT_FAILURE


class _JsonLinesSink:
    """Prints every sample as one JSON object per line; failed runs go to stderr."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self.failed: list[str] = []

    def put(self, samples: Sequence[Sample], ts_ms: int, run: RunRecord) -> None:
        for s in samples:
            record = {
                "collector": run.collector,
                "ts_ms": ts_ms,
                "name": s.key.name,
                "labels": dict(s.key.labels),
                "unit": s.key.unit,
                "monotonic": s.key.monotonic,
                "value": s.value,
            }
            self._out.write(json.dumps(record) + "\n")
        if not run.ok:
            self.failed.append(run.collector)
            print(f"collector {run.collector} failed: {run.error}", file=sys.stderr)


def _collect_once(config: Config, name: str | None, out: TextIO) -> int:
    from agent.app import configure_logging, default_collectors
    from agent.runner import Runner

    configure_logging(config.agent.log_level)
    sink = _JsonLinesSink(out)
    runner = Runner(default_collectors(config), sink)
    try:
        runner.run_once(name)
    except KeyError as exc:
        print(f"eus-agent: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    out.flush()
    return EXIT_FAILURE if sink.failed else EXIT_OK
