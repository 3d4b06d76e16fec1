"""A real SMTP server for tests (aiosmtpd) with STARTTLS and AUTH, recording what arrives.

``refuse(code)`` makes it answer every RCPT with that code until ``accept()``: 4xx for a
passing refusal, 5xx for a permanent one.
"""

from __future__ import annotations

import email
import logging
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from support.waits import free_port


def server_cert(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1/localhost: (cert path, key path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp.crt", directory / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@dataclass(frozen=True)
class Mail:
    to: list[str]
    message: Message
    at: float

    @property
    def body(self) -> str:
        raw = self.message.get_payload(decode=True)
        return raw.decode(errors="replace") if isinstance(raw, bytes) else ""

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def key(self) -> str:
        return str(self.message["X-EUS-Idempotency-Key"])


class SmtpServer:
    def __init__(self, directory: Path, user: str = "eus", password: str = "smtp-pass-123") -> None:
        # aiosmtpd logs every session from its own thread, also after pytest has closed the
        # stream it captures into: keep it to errors.
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        self.user, self.password = user, password
        self.cert, key = server_cert(directory)
        self.mails: list[Mail] = []
        self.refusing: int | None = None
        self.rcpt_attempts = 0
        self._lock = threading.Lock()
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, key)
        self.port = free_port()
        self.controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=ctx,
            require_starttls=True,
            authenticator=self._auth,
            auth_required=True,
            # smtplib falls back from a refused PLAIN to LOGIN, which aiosmtpd 1.4 leaves hanging
            auth_exclude_mechanism=["LOGIN"],
        )

    def _auth(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (self.user, self.password)
        return AuthResult(success=ok, handled=False)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        with self._lock:
            self.rcpt_attempts += 1
            refusing = self.refusing
        if refusing is not None:
            return f"{refusing} mailbox unavailable (test refusal)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content)
        with self._lock:
            self.mails.append(Mail(list(envelope.rcpt_tos), msg, time.time()))
        return "250 Message accepted for delivery"

    def collector_env(self) -> dict[str, str]:
        """The ``EUS_SMTP_*`` settings a collector process sends through this server with."""
        return {
            "EUS_SMTP_HOST": "127.0.0.1",
            "EUS_SMTP_PORT": str(self.port),
            "EUS_SMTP_USER": self.user,
            "EUS_SMTP_PASSWORD": self.password,
            "EUS_SMTP_CAFILE": str(self.cert),
            "EUS_SMTP_FROM": "eus@msp.example",
        }

    def refuse(self, code: int) -> None:
        self.refusing = code

    def accept(self) -> None:
        self.refusing = None

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
