"""Secrets at rest: a 0600 key file made on first use, Fernet ciphertext, nothing leaks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from collector.snmp.secrets import KEY_FILE, Secret, SecretBox, SecretError


def test_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    box = SecretBox.open(tmp_path)
    key_file = tmp_path / KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600
    token = box.encrypt("privpass123")
    assert "privpass123" not in token
    again = SecretBox.open(tmp_path)  # the same key on the next start
    assert again.decrypt(token).reveal() == "privpass123"
    assert key_file.read_bytes().strip() not in repr(again).encode()


def test_empty_stays_empty() -> None:
    box = SecretBox(Fernet.generate_key())
    assert box.encrypt("") == ""
    assert box.decrypt("").reveal() == ""
    assert not box.decrypt("")


def test_another_key_cannot_decrypt_and_says_so(tmp_path: Path) -> None:
    token = SecretBox.open(tmp_path / "one").encrypt("authpass123")
    with pytest.raises(SecretError, match="cannot be decrypted") as info:
        SecretBox.open(tmp_path / "two").decrypt(token)
    assert "authpass123" not in str(info.value)
    with pytest.raises(SecretError):
        SecretBox.open(tmp_path / "one").decrypt("not-a-token")


def test_a_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    SecretBox.open(tmp_path)
    os.chmod(tmp_path / KEY_FILE, 0o644)
    with pytest.raises(SecretError, match="chmod 600"):
        SecretBox.open(tmp_path)


def test_a_damaged_key_file_is_refused(tmp_path: Path) -> None:
    fd = os.open(tmp_path / KEY_FILE, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"not a key")
    os.close(fd)
    with pytest.raises(SecretError, match="valid key"):
        SecretBox.open(tmp_path)


def test_a_secret_does_not_print_itself() -> None:
    s = Secret("hunter2-long")
    assert "hunter2" not in repr(s)
    assert "hunter2" not in f"{s}"
    assert s.reveal() == "hunter2-long"
