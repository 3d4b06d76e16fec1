"""A local emulator of Twilio's Messages API, for tests: the provider's real contract.

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP basic auth and form
fields ``To``, ``From``, ``Body`` answers ``201`` with a Message resource (``sid``,
``status: queued`` ...). Errors are Twilio's JSON (``code``, ``message``, ``more_info``,
``status``): 401/20003 for bad credentials, 400/21211 for an invalid 'To', 21602 for a
missing body, 21603 for a missing 'From'. ``fail_next`` / ``fail_always`` make it answer
with a chosen error, so tests can drive retries and permanent refusals.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

PATH_RE = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-zA-Z]+)/Messages\.json$")
E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass(frozen=True)
class Received:
    sid: str
    to: str
    from_: str
    body: str
    at: float


class SmsEmulator:
    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "secret-token") -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[Received] = []
        self.requests = 0
        self._failure: tuple[int, int, str] | None = None
        self._fail_count = 0
        self._lock = threading.Lock()
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                emulator._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="sms-emulator", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> SmsEmulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, n: int, status: int, code: int, message: str) -> None:
        with self._lock:
            self._failure, self._fail_count = (status, code, message), n

    def fail_always(self, status: int, code: int, message: str) -> None:
        self.fail_next(10**9, status, code, message)

    def recover(self) -> None:
        self.fail_next(0, 0, 0, "")

    def _error(self, h: BaseHTTPRequestHandler, status: int, code: int, message: str) -> None:
        self._reply(
            h,
            status,
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
        )

    def _reply(self, h: BaseHTTPRequestHandler, status: int, payload: dict[str, object]) -> None:
        raw = json.dumps(payload).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(raw)))
        h.end_headers()
        h.wfile.write(raw)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length", "0"))
        raw = h.rfile.read(length)
        with self._lock:
            self.requests += 1
            failure = self._failure if self._fail_count > 0 else None
            if failure:
                self._fail_count -= 1
        m = PATH_RE.match(h.path)
        if m is None:
            self._error(h, 404, 20404, "The requested resource was not found")
            return
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if m.group(1) != self.account_sid or h.headers.get("Authorization") != f"Basic {expected}":
            self._error(h, 401, 20003, "Authenticate")
            return
        if failure:
            self._error(h, *failure)
            return
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        to, from_, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        if not from_:
            self._error(h, 400, 21603, "A 'From' phone number is required.")
            return
        if not E164_RE.match(to):
            self._error(h, 400, 21211, f"The 'To' number {to} is not a valid phone number.")
            return
        if not body:
            self._error(h, 400, 21602, "Message body is required.")
            return
        sid = "SM" + secrets.token_hex(16)
        with self._lock:
            self.messages.append(Received(sid, to, from_, body, time.time()))
        now = formatdate(usegmt=True)
        self._reply(
            h,
            201,
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": to,
                "from": from_,
                "body": body,
                "status": "queued",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "date_created": now,
                "date_updated": now,
                "date_sent": None,
                "num_segments": str(max(1, (len(body) + 152) // 153)),
                "error_code": None,
                "error_message": None,
                "price": None,
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            },
        )
