"""Real targets for the function checks, started by the tests on loopback.

An HTTP server with the answers a check must tell apart (200, 500, slow, redirect loop, wrong
body), a listener that accepts and never answers, an HTTPS server whose certificate expires in
a few days (from a throwaway CA), and a process with a name of its own.
"""

from __future__ import annotations

import contextlib
import ipaddress
import secrets
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from support.certs import ca_certificate

SLOW_S = 1.5


class Handler(BaseHTTPRequestHandler):
    """``/ok`` 200, ``/fail`` 500, ``/slow`` 200 after SLOW_S, ``/loop/a`` <-> ``/loop/b``,
    ``/chain/<n>`` n redirects then 200, ``/body`` 200 with the wrong body."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path
        if path == "/ok":
            self._send(200, b"status: ok\n")
        elif path == "/fail":
            self._send(500, b"boom\n")
        elif path == "/slow":
            time.sleep(SLOW_S)
            self._send(200, b"status: ok\n")
        elif path == "/loop/a":
            self._redirect("/loop/b")
        elif path == "/loop/b":
            self._redirect("/loop/a")
        elif path.startswith("/chain/"):
            n = int(path.rsplit("/", 1)[1])
            if n == 0:
                self._send(200, b"status: ok\n")
            else:
                self._redirect(f"/chain/{n - 1}")
        elif path == "/body":
            self._send(200, b"down for maintenance\n")
        else:
            self._send(404, b"not found\n")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, to: str) -> None:
        self.send_response(302)
        self.send_header("Location", to)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True


@contextlib.contextmanager
def http_server(tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """Serve :class:`Handler` on 127.0.0.1; yields the base URL."""
    server = Server(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    scheme = "https" if tls else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@contextlib.contextmanager
def silent_listener() -> Iterator[int]:
    """A port whose kernel accepts connections that nobody ever reads or answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A port with nothing listening (bound but not listening, so nobody else takes it)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


class Pki:
    """A throwaway CA and a server certificate for 127.0.0.1 that expires in ``days``."""

    def __init__(self, directory: Path, days: float) -> None:
        now = datetime.now(UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = ca_certificate(
            "EUS functions test CA", key=ca_key, valid_from=timedelta(days=1), valid_for=timedelta(days=365)
        )
        key = ec.generate_private_key(ec.SECP256R1())
        self.not_after = now + timedelta(days=days)
        leaf = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(self.not_after)
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        pem = serialization.Encoding.PEM
        self.ca_file = directory / "ca.pem"
        self.ca_file.write_bytes(ca.public_bytes(pem))
        self.cert_file = directory / "server.pem"
        self.cert_file.write_bytes(leaf.public_bytes(pem))
        self.key_file = directory / "server.key"
        self.key_file.write_bytes(
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx


@contextlib.contextmanager
def named_process(directory: Path, count: int = 1) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """``count`` processes of a unique name (a copy of ``sleep``); yields (name, processes)."""
    name = f"eusfn{secrets.token_hex(3)}"
    exe = directory / name
    sleep = shutil.which("sleep")
    assert sleep is not None
    shutil.copy(sleep, exe)
    procs = [subprocess.Popen([str(exe), "300"]) for _ in range(count)]
    try:
        yield name, procs
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(10)
