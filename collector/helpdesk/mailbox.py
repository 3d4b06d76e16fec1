"""The helpdesk mailbox over IMAP with TLS: list what waits in the inbox, fetch one mail, and
move it to the processed folder. The only module that speaks IMAP (:mod:`imaplib`).

A mail leaves the inbox only when the caller moves it, which the poller does after the ticket
change it caused is committed; a collector killed in between finds the mail again and the
dedupe record (its key) makes the second pass a plain move. Mail is never deleted.
"""

from __future__ import annotations

import imaplib
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass

DEFAULT_TIMEOUT_S = 30.0


class MailboxError(RuntimeError):
    """The mailbox could not be reached or refused a command, said in words."""


@dataclass(frozen=True, slots=True)
class MailboxSettings:
    host: str
    port: int = 993
    user: str = ""
    password: str = ""
    inbox: str = "INBOX"
    processed: str = "Processed"
    ca_file: str = ""  # verify the server against this CA instead of the system's
    timeout_s: float = DEFAULT_TIMEOUT_S


def _check(result: tuple[str, Sequence[object]], what: str) -> Sequence[object]:
    typ, data = result
    if typ != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace")
        raise MailboxError(f"{what}: the server answered {typ} {detail}".strip())
    return data


class Mailbox:
    """One logged-in IMAP session with the inbox selected."""

    def __init__(self, imap: imaplib.IMAP4_SSL, settings: MailboxSettings) -> None:
        self._imap = imap
        self._settings = settings
        self._can_move = b"MOVE" in b" ".join(_check(imap.capability(), "CAPABILITY"))  # type: ignore[arg-type]

    def waiting(self) -> list[int]:
        """UIDs of the mails in the inbox, oldest first."""
        data = _check(self._imap.uid("SEARCH", "ALL"), "SEARCH")
        raw = data[0] if data and isinstance(data[0], bytes) else b""
        return sorted(int(u) for u in raw.split())

    def fetch(self, uid: int) -> bytes:
        data = _check(self._imap.uid("FETCH", str(uid), "(BODY.PEEK[])"), f"FETCH {uid}")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        raise MailboxError(f"FETCH {uid}: the mail has vanished from {self._settings.inbox}")

    def move_to_processed(self, uid: int) -> None:
        target = self._settings.processed
        if self._can_move:
            _check(self._imap.uid("MOVE", str(uid), target), f"MOVE {uid} to {target}")
            return
        _check(self._imap.uid("COPY", str(uid), target), f"COPY {uid} to {target}")
        _check(self._imap.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)"), f"STORE {uid}")
        _check(self._imap.uid("EXPUNGE", str(uid)), f"EXPUNGE {uid}")


def _tls(settings: MailboxSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.ca_file or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


@contextmanager
def open_mailbox(settings: MailboxSettings) -> Iterator[Mailbox]:
    """Log in over TLS (certificate verified), make sure the processed folder exists, select
    the inbox; log out at the end whatever happens."""
    try:
        imap = imaplib.IMAP4_SSL(
            settings.host, settings.port, ssl_context=_tls(settings), timeout=settings.timeout_s
        )
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(f"cannot reach {settings.host}:{settings.port}: {exc}") from None
    try:
        try:
            imap.login(settings.user, settings.password)
        except imaplib.IMAP4.error as exc:
            raise MailboxError(f"login as {settings.user!r} refused: {exc}") from None
        folders = b" ".join(d for d in _check(imap.list(), "LIST") if isinstance(d, bytes))
        if (
            f'"{settings.processed}"'.encode() not in folders
            and f" {settings.processed}".encode() not in folders
        ):
            _check(imap.create(settings.processed), f"CREATE {settings.processed}")
        _check(imap.select(settings.inbox), f"SELECT {settings.inbox}")
        yield Mailbox(imap, settings)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(f"{settings.host}:{settings.port}: {exc}") from None
    finally:
        with suppress(OSError, imaplib.IMAP4.error):
            imap.logout()
