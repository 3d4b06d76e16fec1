"""Who is on the other end of a call: the verified client certificate, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PeerCert:
    common_name: str
    serial_hex: str


def peer_certificate(context: Any) -> PeerCert | None:
    """The client certificate gRPC verified during the TLS handshake, if any.

    On the mutual-TLS port every call has one (the handshake fails otherwise); on the
    enrollment port there is none, so a stream attempted there is refused.
    """
    auth = context.auth_context()
    cns = auth.get("x509_common_name") or []
    pems = auth.get("x509_pem_cert") or []
    if not cns or not pems:
        return None
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(pems[0])
    return PeerCert(common_name=cns[0].decode(), serial_hex=format(cert.serial_number, "x"))
