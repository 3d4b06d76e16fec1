"""TLS certificate expiry: handshake with ``host:port`` and count the days the certificate has left.

Parameters (``kind = "tls"``):

===============  ============  ================================================================
``host``         required      name or address to connect to
``port``         ``443``       1-65535
``server_name``  ``host``      name sent in SNI and checked against the certificate
``warn_days``    ``21``        WARNING when the certificate expires within this many days
``crit_days``    ``7``         CRITICAL when it expires within this many days (or has expired)
``verify``       ``true``      verify the chain and the name; ``false`` only reads the expiry
``ca_file``      (system)      PEM file of CAs to trust instead of the system store
===============  ============  ================================================================

OK "certificate of www.example.net valid for 80 days (until 2027-02-01)"; a certificate that
does not verify is CRITICAL with the reason ("certificate has expired", "self-signed
certificate" ...). With ``verify = false`` the certificate is parsed with ``cryptography``,
which is imported only then (it costs several MB of memory).
Metrics: ``days_left``, ``latency_s`` (connect and handshake).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from agent.functions.base import CRITICAL, OK, WARNING, CheckContext, CheckKind, Outcome
from agent.functions.params import ParamError, ParamReader
from agent.functions.tcp import connect_error

DAY_S = 86400.0


@dataclass(frozen=True, slots=True)
class TlsParams:
    host: str
    port: int = 443
    server_name: str = ""
    warn_days: float = 21.0
    crit_days: float = 7.0
    verify: bool = True
    ca_file: str | None = None


def parse(p: ParamReader) -> TlsParams:
    host = p.text("host")
    params = TlsParams(
        host=host,
        port=p.integer("port", 443, low=1, high=65535),
        server_name=p.text("server_name", host),
        warn_days=p.number("warn_days", 21.0, low=0),
        crit_days=p.number("crit_days", 7.0, low=0),
        verify=p.boolean("verify", True),
        ca_file=p.optional_text("ca_file"),
    )
    if params.crit_days > params.warn_days:
        raise ParamError(f"crit_days ({params.crit_days:g}) must not exceed warn_days ({params.warn_days:g})")
    return params


def evaluate(p: TlsParams, not_after_s: float, now_s: float) -> Outcome:
    """Pure: the verdict on a certificate that expires at ``not_after_s`` (unix seconds)."""
    days = (not_after_s - now_s) / DAY_S
    until = datetime.fromtimestamp(not_after_s, UTC).strftime("%Y-%m-%d %H:%M UTC")
    who = f"certificate of {p.server_name}"
    metrics = {"days_left": days}
    if days < 0:
        return Outcome(CRITICAL, f"{who} expired {-days:.1f} days ago ({until})", metrics)
    if days <= p.crit_days:
        return Outcome(CRITICAL, f"{who} expires in {days:.1f} days ({until})", metrics)
    if days <= p.warn_days:
        return Outcome(WARNING, f"{who} expires in {days:.1f} days ({until})", metrics)
    return Outcome(OK, f"{who} valid for {days:.0f} days (until {until})", metrics)


def _context(verify: bool, ca_file: str | None) -> ssl.SSLContext:
    if verify:
        return ssl.create_default_context(cafile=ca_file)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def not_after_of(tls: ssl.SSLObject, verified: bool) -> float:
    """The peer certificate's expiry in unix seconds.

    A verified peer's certificate comes decoded from ``ssl``; an unverified one only as DER,
    which takes ``cryptography`` (imported here, only for ``verify = false``).
    """
    if verified:
        cert = tls.getpeercert()
        if cert and "notAfter" in cert:
            return float(ssl.cert_time_to_seconds(str(cert["notAfter"])))
    der = tls.getpeercert(binary_form=True)
    if not der:
        raise ValueError("the server sent no certificate")
    from cryptography import x509

    return x509.load_der_x509_certificate(der).not_valid_after_utc.timestamp()


async def run(p: TlsParams, ctx: CheckContext) -> Outcome:
    try:
        context = ctx.resources.shared(f"tls:{p.verify}:{p.ca_file}", lambda: _context(p.verify, p.ca_file))
    except (OSError, ssl.SSLError) as exc:
        return Outcome(CRITICAL, f"cannot load ca_file {p.ca_file}: {exc}")
    where = f"{p.host}:{p.port}"
    started = time.perf_counter()
    try:
        _reader, writer = await asyncio.open_connection(
            p.host,
            p.port,
            ssl=context,
            server_hostname=p.server_name,
            ssl_handshake_timeout=ctx.remaining() + 0.5,
        )
    except ssl.SSLCertVerificationError as exc:
        return Outcome(CRITICAL, f"certificate of {p.server_name} not trusted: {exc.verify_message}")
    except ssl.SSLError as exc:
        return Outcome(CRITICAL, f"TLS handshake with {where} failed: {exc.reason or exc}")
    except OSError as exc:
        return Outcome(CRITICAL, f"cannot connect to {where}: {connect_error(exc)}")
    latency = time.perf_counter() - started
    try:
        tls = writer.get_extra_info("ssl_object")
        not_after = not_after_of(tls, p.verify)
    except ValueError as exc:
        return Outcome(CRITICAL, f"{where}: {exc}")
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()
    outcome = evaluate(p, not_after, time.time())
    return Outcome(outcome.status, outcome.message, {**outcome.metrics, "latency_s": latency})


KIND = CheckKind("tls", parse, run, timeout_status=CRITICAL)
