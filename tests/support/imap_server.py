"""A real IMAP server for tests: Debian's Dovecot on loopback with TLS and one mailbox user.

Started in the foreground (``dovecot -F``) with a configuration of its own under a temporary
directory, so it touches nothing of the machine's; ``deliver`` puts a raw mail in the inbox
with ``doveadm save`` (as a mail server would), and ``folder`` lists what a folder holds.
"""

from __future__ import annotations

import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from alerting.smtp_server import server_cert

from support.waits import free_port, wait_for

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
MAIL_USER = "dovecot"  # the package's system user owns the test mailbox

CONFIG = """\
first_valid_uid = 1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
auth_mechanisms = plain login
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


class ImapServer:
    """``with ImapServer("helpdesk@msp.test", "secret") as imap:`` … ``imap.port``."""

    def __init__(self, user: str, password: str) -> None:
        if not Path(DOVECOT).exists():
            raise AssertionError("dovecot is missing: make test installs dovecot-imapd")
        # Dovecot's own processes run as its system user, which cannot enter pytest's
        # private (0700) temporary directories: the server gets a directory of its own.
        root = Path(tempfile.mkdtemp(prefix="eus-imap-"))
        root.chmod(0o755)
        self.root = root
        self.user = user
        self.password = password
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.cert, self.key = server_cert(root)

    @property
    def config(self) -> Path:
        return self.root / "dovecot.conf"

    def __enter__(self) -> ImapServer:
        account = pwd.getpwnam(MAIL_USER)
        for sub in ("run", "state", "home"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        shutil.chown(self.root / "home", account.pw_uid, account.pw_gid)
        (self.root / "users").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        self.config.write_text(
            CONFIG.format(
                root=self.root,
                cert=self.cert,
                key=self.key,
                port=self.port,
                uid=account.pw_uid,
                gid=account.pw_gid,
            )
        )
        log = (self.root / "stdout.log").open("wb")
        self.proc = subprocess.Popen([DOVECOT, "-F", "-c", str(self.config)], stdout=log, stderr=log)
        log.close()

        def listening() -> bool:
            assert self.proc is not None and self.proc.poll() is None, self.log()
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", self.port)) == 0

        wait_for(listening, 30, "dovecot to listen")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        parts = [
            p.read_text(errors="replace")
            for p in (self.root / "dovecot.log", self.root / "stdout.log")
            if p.exists()
        ]
        return "\n".join(parts)

    def _doveadm(self, *args: str, stdin: bytes | None = None) -> bytes:
        proc = subprocess.run(
            [DOVEADM, "-c", str(self.config), *args],
            input=stdin,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 0, f"doveadm {' '.join(args)}: {proc.stderr.decode()}\n{self.log()}"
        return proc.stdout

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put ``raw`` into ``folder``, as a mail server delivering it would."""
        self._doveadm("save", "-u", self.user, "-m", folder, stdin=raw)

    def folder(self, name: str) -> list[str]:
        """The Message-ID (or subject) of every mail in ``name``."""
        try:
            out = self._doveadm("fetch", "-u", self.user, "hdr.message-id hdr.subject", "mailbox", name)
        except AssertionError:
            return []  # the folder does not exist yet
        return [
            line.split(":", 1)[1].strip()
            for line in out.decode().splitlines()
            if line.startswith("hdr.message-id:")
        ]

    def ca_file(self) -> str:
        return str(self.cert)
