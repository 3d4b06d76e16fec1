"""HTTP(S) endpoint: status, latency, body match, redirects followed up to a limit.

Parameters (``kind = "http"``):

==================  ===========  ====================================================================
``url``             required     ``http://`` or ``https://`` URL (no credentials in it)
``method``          ``GET``      ``GET`` or ``HEAD``
``expect_status``   ``200-399``  accepted final statuses: ``"200"``, ``"200-299,304"``, ``"2xx"``
``body_match``      (off)        regular expression that must occur in the body (first
                                 ``max_body_bytes``, decoded with the response's charset)
``max_redirects``   ``5``        redirects followed; more is CRITICAL (with the loop, if any); ``0``
                                 = do not follow (the 3xx itself is the answer)
``verify_tls``      ``true``     verify the server's certificate chain and name
``ca_file``         (system)     PEM file of CAs to trust instead of the system store
``warn_latency_s``  (off)        WARNING when the whole exchange takes at least this long
``crit_latency_s``  (off)        CRITICAL when it takes at least this long
``max_body_bytes``  ``1048576``  how much of the body is read for ``body_match``
==================  ===========  ====================================================================

Uses the standard library's ``http.client`` in a check thread: the socket's timeout follows the
run's deadline, and a run cut at its timeout shuts the socket down so the thread ends too.
Metrics: ``latency_s``, ``status_code``, ``redirects``, ``body_bytes``.
"""

from __future__ import annotations

import functools
import re
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from agent import __version__
from agent.functions.base import CRITICAL, OK, CheckContext, CheckKind, Outcome, fmt_s, worst
from agent.functions.params import ParamError, ParamReader
from agent.functions.tcp import connect_error, latency_status

if TYPE_CHECKING:
    import http.client

REDIRECTS = frozenset({301, 302, 303, 307, 308})
_STATUS_TOKEN = re.compile(r"^(?:([1-5])xx|(\d{3})(?:-(\d{3}))?)$")


@dataclass(frozen=True, slots=True)
class HttpParams:
    url: str
    method: str = "GET"
    expect_status: str = "200-399"
    status_ranges: tuple[tuple[int, int], ...] = ((200, 399),)
    body_match: re.Pattern[str] | None = None
    max_redirects: int = 5
    verify_tls: bool = True
    ca_file: str | None = None
    warn_latency_s: float | None = None
    crit_latency_s: float | None = None
    max_body_bytes: int = 1 << 20


def parse_status_ranges(text: str) -> tuple[tuple[int, int], ...]:
    """``"200-299, 304"`` -> ((200, 299), (304, 304)); ``"2xx"`` -> ((200, 299),)."""
    ranges: list[tuple[int, int]] = []
    for token in (t.strip().lower() for t in text.split(",")):
        m = _STATUS_TOKEN.match(token)
        if m is None:
            raise ParamError(f"expect_status: {token!r} is not a status, a range like 200-399, or 2xx")
        if m.group(1):
            low = int(m.group(1)) * 100
            ranges.append((low, low + 99))
            continue
        low = int(m.group(2))
        high = int(m.group(3) or low)
        if not 100 <= low <= high <= 599:
            raise ParamError(f"expect_status: {token!r} is not a range of statuses 100-599")
        ranges.append((low, high))
    return tuple(ranges)


def parse(p: ParamReader) -> HttpParams:
    url = p.text("url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ParamError(f"url must be an http:// or https:// URL with a host, not {url!r}")
    if parts.username is not None or parts.password is not None:
        raise ParamError("url must not contain credentials (they would show in messages)")
    try:
        parts.port  # noqa: B018 -- raises for an invalid port
    except ValueError as exc:
        raise ParamError(f"url: {exc}") from None
    expect = p.text("expect_status", "200-399")
    return HttpParams(
        url=url,
        method=p.choice("method", "GET", ("GET", "HEAD")),
        expect_status=expect,
        status_ranges=parse_status_ranges(expect),
        body_match=p.regex("body_match", required=False),
        max_redirects=p.integer("max_redirects", 5, low=0, high=50),
        verify_tls=p.boolean("verify_tls", True),
        ca_file=p.optional_text("ca_file"),
        warn_latency_s=p.optional_number("warn_latency_s", low=0),
        crit_latency_s=p.optional_number("crit_latency_s", low=0),
        max_body_bytes=p.integer("max_body_bytes", 1 << 20, low=0, high=64 << 20),
    )


@dataclass(slots=True)
class Exchange:
    """What happened: the final response and the URLs visited to get there."""

    status: int = 0
    reason: str = ""
    latency_s: float = 0.0
    body: str = ""
    body_bytes: int = 0
    chain: list[str] = field(default_factory=list)  # every URL requested, in order
    too_many_redirects: bool = False


def evaluate(p: HttpParams, ex: Exchange) -> Outcome:
    """Pure: the verdict on one exchange."""
    metrics = {
        "latency_s": ex.latency_s,
        "status_code": float(ex.status),
        "redirects": float(len(ex.chain) - 1),
        "body_bytes": float(ex.body_bytes),
    }
    if ex.too_many_redirects:
        loop = next((u for u in ex.chain if ex.chain.count(u) > 1), None)
        detail = f": redirect loop at {loop}" if loop else f", last to {ex.chain[-1]}"
        return Outcome(CRITICAL, f"more than {p.max_redirects} redirects{detail}", metrics)
    answer = f"HTTP {ex.status} {ex.reason}".rstrip()
    took = fmt_s(ex.latency_s)
    if not any(low <= ex.status <= high for low, high in p.status_ranges):
        return Outcome(CRITICAL, f"{answer} after {took} (expected {p.expect_status})", metrics)
    if p.body_match is not None and p.body_match.search(ex.body) is None:
        return Outcome(
            CRITICAL, f"{answer} but the body does not match {p.body_match.pattern!r} ({took})", metrics
        )
    status, why = latency_status(ex.latency_s, p.warn_latency_s, p.crit_latency_s)
    via = f" via {len(ex.chain) - 1} redirect(s)" if len(ex.chain) > 1 else ""
    return Outcome(worst(OK, status), f"{answer} in {took}{via}{why}", metrics)


class TlsSetupError(Exception):
    """The TLS settings cannot be used (e.g. an unreadable ``ca_file``)."""


TlsGetter = Callable[[], ssl.SSLContext]


def _connection(url: str, tls: TlsGetter, timeout_s: float) -> http.client.HTTPConnection:
    import http.client

    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https":
        return http.client.HTTPSConnection(host, parts.port, timeout=timeout_s, context=tls())
    return http.client.HTTPConnection(host, parts.port, timeout=timeout_s)


def _tls_context(verify: bool, ca_file: str | None) -> ssl.SSLContext:
    if not verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    try:
        return ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise TlsSetupError(f"cannot load ca_file {ca_file}: {exc}") from None


def exchange(p: HttpParams, ctx: CheckContext, tls: TlsGetter) -> Exchange:
    """Blocking: request ``p.url``, following redirects; the socket honours the run's deadline."""
    ex = Exchange()
    started = time.perf_counter()
    url = p.url
    while True:
        ex.chain.append(url)
        # A little past the deadline: the scheduler's cut (with its clear message) comes first.
        conn = _connection(url, tls, ctx.remaining() + 0.5)
        ctx.on_cancel(functools.partial(_shutdown, conn))
        try:
            parts = urlsplit(url)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request(
                p.method,
                target,
                headers={
                    "User-Agent": f"eus-agent/{__version__}",
                    "Accept": "*/*",
                    "Accept-Encoding": "identity",
                    "Connection": "close",
                },
            )
            resp = conn.getresponse()
            location = resp.getheader("Location")
            if resp.status in REDIRECTS and location and p.max_redirects > 0:
                if len(ex.chain) > p.max_redirects:
                    ex.too_many_redirects = True
                    ex.chain.append(urljoin(url, location))
                    break
                url = urljoin(url, location)
                continue
            ex.status, ex.reason = resp.status, resp.reason
            body = _read_body(resp, conn, ctx, 0 if p.method == "HEAD" else p.max_body_bytes)
            ex.body_bytes = len(body)
            ex.body = body.decode(resp.headers.get_content_charset() or "utf-8", errors="replace")
            break
        finally:
            conn.close()
    ex.latency_s = time.perf_counter() - started
    return ex


def _read_body(
    resp: http.client.HTTPResponse, conn: http.client.HTTPConnection, ctx: CheckContext, limit: int
) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        if conn.sock is not None:
            conn.sock.settimeout(ctx.remaining() + 0.5)
        chunk = resp.read(min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _shutdown(conn: http.client.HTTPConnection) -> None:
    """Wake a thread blocked on this connection (close alone does not interrupt a recv)."""
    sock = conn.sock
    if sock is not None:
        sock.shutdown(socket.SHUT_RDWR)


async def run(p: HttpParams, ctx: CheckContext) -> Outcome:
    import http.client

    def tls() -> ssl.SSLContext:  # built once per setting, and only when an https URL comes up
        key = f"http.tls:{p.verify_tls}:{p.ca_file}"
        return ctx.resources.shared(key, lambda: _tls_context(p.verify_tls, p.ca_file))

    host = urlsplit(p.url).netloc
    try:
        ex = await ctx.in_thread(lambda: exchange(p, ctx, tls))
    except TlsSetupError as exc:
        return Outcome(CRITICAL, str(exc))
    except ssl.SSLCertVerificationError as exc:
        return Outcome(CRITICAL, f"TLS certificate of {host} not trusted: {exc.verify_message}")
    except ssl.SSLError as exc:
        return Outcome(CRITICAL, f"TLS handshake with {host} failed: {exc.reason or exc}")
    except TimeoutError:
        return Outcome(CRITICAL, f"no answer from {host} within {fmt_s(ctx.timeout_s)}")
    except OSError as exc:
        return Outcome(CRITICAL, f"cannot connect to {host}: {connect_error(exc)}")
    except http.client.HTTPException as exc:
        return Outcome(CRITICAL, f"bad HTTP answer from {host}: {type(exc).__name__}: {exc}")
    return evaluate(p, ex)


KIND = CheckKind("http", parse, run, timeout_status=CRITICAL)
