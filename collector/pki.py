"""The collector's certificate authority: it signs the server certificate and agents' CSRs.

Files under ``<data_dir>/pki``: ``ca.key`` and ``server.key`` (mode 0600), ``ca.crt``,
``server.crt``. Agents pin the CA by its SHA-256 fingerprint at enrollment.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from eus.atomic import write_atomic

CA_DAYS = 3650
SERVER_DAYS = 825
_SKEW = timedelta(minutes=5)  # tolerate clocks a little behind ours


class CSRError(ValueError):
    """The agent's certificate signing request is unusable."""


@dataclass(frozen=True)
class IssuedCert:
    pem: bytes
    serial_hex: str
    not_after: datetime


def fingerprint(cert_pem: bytes) -> str:
    """SHA-256 of the certificate's DER encoding, lower-case hex (what agents pin)."""
    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    return hashlib.sha256(der).hexdigest()


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class CertificateAuthority:
    """Loads or creates the CA and the server certificate; issues agent certificates."""

    def __init__(self, pki_dir: Path, server_names: tuple[str, ...]) -> None:
        self.dir = pki_dir
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._ensure_ca()
        self._ensure_server(server_names)

    # -- paths and material -------------------------------------------------------------
    @property
    def ca_pem(self) -> bytes:
        return (self.dir / "ca.crt").read_bytes()

    @property
    def server_cert_pem(self) -> bytes:
        return (self.dir / "server.crt").read_bytes()

    @property
    def server_key_pem(self) -> bytes:
        return (self.dir / "server.key").read_bytes()

    @property
    def server_chain_pem(self) -> bytes:
        """Leaf then CA: agents enrolling read the CA from the chain and check its pin."""
        return self.server_cert_pem + self.ca_pem

    @property
    def ca_fingerprint(self) -> str:
        return fingerprint(self.ca_pem)

    # -- creation -----------------------------------------------------------------------
    def _ensure_ca(self) -> None:
        key_path, crt_path = self.dir / "ca.key", self.dir / "ca.crt"
        if key_path.exists() and crt_path.exists():
            self._ca_key = serialization.load_pem_private_key(key_path.read_bytes(), None)
            self._ca_cert = x509.load_pem_x509_certificate(crt_path.read_bytes())
            return
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "EUS"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"EUS collector CA {os.urandom(4).hex()}"),
            ]
        )
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _SKEW)
            .not_valid_after(now + timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        write_atomic(key_path, _key_pem(key), mode=0o600)
        write_atomic(crt_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
        self._ca_key = key
        self._ca_cert = cert

    def _ensure_server(self, names: tuple[str, ...]) -> None:
        key_path, crt_path = self.dir / "server.key", self.dir / "server.crt"
        if key_path.exists() and crt_path.exists():
            cert = x509.load_pem_x509_certificate(crt_path.read_bytes())
            have = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            wanted = set(_san_entries(names))
            fresh = cert.not_valid_after_utc - datetime.now(UTC) > timedelta(days=30)
            if wanted <= set(have) and fresh and cert.issuer == self._ca_cert.subject:
                return
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0] if names else "eus")]))
            .issuer_name(self._ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _SKEW)
            .not_valid_after(now + timedelta(days=SERVER_DAYS))
            .add_extension(x509.SubjectAlternativeName(_san_entries(names)), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self._ca_key, hashes.SHA256())  # type: ignore[arg-type]
        )
        write_atomic(key_path, _key_pem(key), mode=0o600)
        write_atomic(crt_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)

    # -- issuing ------------------------------------------------------------------------
    def issue_agent_certificate(self, csr_pem: bytes, agent_id: str, days: int) -> IssuedCert:
        """Sign a client certificate for ``agent_id`` with the CSR's public key.

        The subject comes from us, never from the CSR: the agent's identity is what the
        collector assigned.
        """
        try:
            csr = x509.load_pem_x509_csr(csr_pem)
        except ValueError as exc:
            raise CSRError(f"not a PEM certificate signing request: {exc}") from exc
        if not csr.is_signature_valid:
            raise CSRError("the CSR's signature does not match its key")
        public_key = csr.public_key()
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            from cryptography.hazmat.primitives.asymmetric import rsa

            if not (isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size >= 2048):
                raise CSRError("the CSR key must be EC or RSA >= 2048 bits")
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, agent_id)]))
            .issuer_name(self._ca_cert.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _SKEW)
            .not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(self._ca_key, hashes.SHA256())  # type: ignore[arg-type]
        )
        return IssuedCert(
            pem=cert.public_bytes(serialization.Encoding.PEM),
            serial_hex=format(cert.serial_number, "x"),
            not_after=cert.not_valid_after_utc,
        )


def _san_entries(names: tuple[str, ...]) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for name in names:
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            out.append(x509.DNSName(name))
    return out


def cert_serial_hex(cert_pem: bytes) -> str:
    """The serial of a PEM certificate as lower-case hex."""
    return format(x509.load_pem_x509_certificate(cert_pem).serial_number, "x")
