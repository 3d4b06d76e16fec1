"""A throwaway certificate authority for the agent tests: CA, server leaf, client certificates."""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from support.certs import ca_certificate


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def fingerprint(cert_pem: bytes) -> str:
    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    return hashlib.sha256(der).hexdigest()


@dataclass
class TestCA:
    """A CA with a server certificate for localhost and 127.0.0.1."""

    key: ec.EllipticCurvePrivateKey
    ca_pem: bytes
    server_key_pem: bytes
    server_cert_pem: bytes

    __test__ = False  # not a test class, whatever pytest thinks of the name

    @classmethod
    def create(cls, name: str = "EUS Test CA") -> TestCA:
        key = ec.generate_private_key(ec.SECP256R1())
        ca = ca_certificate(name, key=key, valid_from=timedelta(minutes=5), valid_for=timedelta(days=30))
        self = cls(key, ca.public_bytes(serialization.Encoding.PEM), b"", b"")
        server_key = ec.generate_private_key(ec.SECP256R1())
        sans = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        self.server_key_pem = _key_pem(server_key)
        self.server_cert_pem = self._issue(
            server_key.public_key(), "collector", ExtendedKeyUsageOID.SERVER_AUTH, sans
        )
        return self

    @property
    def server_chain_pem(self) -> bytes:
        return self.server_cert_pem + self.ca_pem

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.ca_pem)

    def _issue(
        self,
        public_key: ec.EllipticCurvePublicKey,
        cn: str,
        usage: x509.ObjectIdentifier,
        sans: list[x509.GeneralName] | None = None,
    ) -> bytes:
        now = datetime.now(UTC)
        ca = x509.load_pem_x509_certificate(self.ca_pem)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(cn))
            .issuer_name(ca.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)

    def client(self, cn: str = "agent-1") -> tuple[bytes, bytes]:
        """(key PEM, certificate PEM) of a client certificate this CA issued."""
        key = ec.generate_private_key(ec.SECP256R1())
        return _key_pem(key), self._issue(key.public_key(), cn, ExtendedKeyUsageOID.CLIENT_AUTH)

    def sign_csr(self, csr_pem: bytes, cn: str) -> bytes:
        """Issue a client certificate for the CSR's key; the CN is ours, not the CSR's."""
        csr = x509.load_pem_x509_csr(csr_pem)
        public_key = csr.public_key()
        assert isinstance(public_key, ec.EllipticCurvePublicKey)
        return self._issue(public_key, cn, ExtendedKeyUsageOID.CLIENT_AUTH)
