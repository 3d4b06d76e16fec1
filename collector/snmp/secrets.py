"""Encryption at rest for SNMP secrets (communities, USM keys), with Fernet.

The key is generated on first use in ``<data_dir>/snmp.key`` (mode 0600, like the CA key
in ``collector/pki.py``) and is part of a back-up of the data directory. Secrets are
decrypted only to build a gateway's configuration, which travels inside the mutual-TLS
stream; neither the key nor a plaintext is ever logged, and :class:`Secret` keeps a
plaintext out of ``repr`` and f-strings by accident.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

KEY_FILE = "snmp.key"


class SecretError(RuntimeError):
    """A stored secret cannot be decrypted (the key file was replaced or the value damaged)."""


class Secret:
    """A plaintext secret that does not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


def _load_or_create_key(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise SecretError(f"{path} is readable by others (mode {mode:o}); chmod 600 it")
    key = path.read_bytes().strip()
    try:
        Fernet(key)
    except ValueError:
        raise SecretError(f"{path} does not hold a valid key") from None
    return key


class SecretBox:
    """Encrypts and decrypts SNMP secrets with the installation's key."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def open(cls, data_dir: Path) -> SecretBox:
        """The box for a data directory, creating its key file on first use."""
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return cls(_load_or_create_key(data_dir / KEY_FILE))

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext for ``plaintext``; the empty string stays empty (no secret set)."""
        if not plaintext:
            return ""
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, ciphertext: str) -> Secret:
        if not ciphertext:
            return Secret("")
        try:
            return Secret(self._fernet.decrypt(ciphertext.encode("ascii")).decode())
        except (InvalidToken, UnicodeError, ValueError):
            raise SecretError(
                f"a stored SNMP secret cannot be decrypted with {KEY_FILE} (was the key file replaced?)"
            ) from None

    def __repr__(self) -> str:
        return "SecretBox(***)"
