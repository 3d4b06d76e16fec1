"""Each check kind against a real target started by the test, through the real scheduler."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.waits import wait_for

from agent_functions.conftest import Checker
from agent_functions.targets import (
    SLOW_S,
    Pki,
    closed_port,
    http_server,
    named_process,
    silent_listener,
)

OK, WARNING, CRITICAL, UNKNOWN = 1, 2, 3, 0


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    with http_server() as url:
        yield url


# ---------------------------------------------------------------- http


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("/ok", {}, OK, ["HTTP 200 OK in"]),
        ("/ok", {"body_match": r"status: \w+"}, OK, ["HTTP 200 OK"]),
        ("/fail", {}, CRITICAL, ["HTTP 500", "expected 200-399"]),
        ("/fail", {"expect_status": "500"}, OK, ["HTTP 500"]),
        ("/body", {"body_match": "status: ok"}, CRITICAL, ["body does not match 'status: ok'"]),
        ("/loop/a", {"max_redirects": 5}, CRITICAL, ["more than 5 redirects", "redirect loop at"]),
        ("/chain/3", {"max_redirects": 5}, OK, ["HTTP 200", "via 3 redirect(s)"]),
        ("/chain/3", {"max_redirects": 2}, CRITICAL, ["more than 2 redirects"]),
        ("/loop/a", {"max_redirects": 0}, OK, ["HTTP 302"]),
        ("/loop/a", {"max_redirects": 0, "expect_status": "2xx"}, CRITICAL, ["HTTP 302", "expected 2xx"]),
        ("/slow", {"warn_latency_s": SLOW_S / 2}, WARNING, ["HTTP 200 OK in", "slower than"]),
        ("/slow", {"crit_latency_s": SLOW_S / 2}, CRITICAL, ["slower than"]),
    ],
)
def test_http_endpoint(  # noqa: PLR0917 - one parameter per table column
    checker: Checker, web: str, path: str, params: dict[str, Any], status: int, words: list[str]
) -> None:
    r = checker.check("http", url=web + path, **params)
    assert r.status == status, r.message
    for w in words:
        assert w in r.message, r.message
    if status != CRITICAL or "HTTP" in r.message:
        assert r.metrics["latency_s"] > 0


def test_http_slow_answer_is_measured(checker: Checker, web: str) -> None:
    r = checker.check("http", url=web + "/slow")
    assert r.status == OK, r.message
    assert r.metrics["latency_s"] >= SLOW_S * 0.9
    assert r.metrics["status_code"] == 200


def test_http_endpoint_that_never_answers_is_cut_at_the_timeout(checker: Checker) -> None:
    with silent_listener() as port:
        started = time.monotonic()
        r = checker.check("http", url=f"http://127.0.0.1:{port}/", timeout_s=1)
        took = time.monotonic() - started
    assert r.status == CRITICAL
    assert r.message == "timed out after 1 s"
    assert took < 30  # cut, not waiting for the server


def test_http_refused_and_https_with_own_ca(checker: Checker, tmp_path: Path) -> None:
    with closed_port() as port:
        r = checker.check("http", url=f"http://127.0.0.1:{port}/")
    assert r.status == CRITICAL
    assert "connection refused" in r.message
    pki = Pki(tmp_path, days=90)
    with http_server(pki.server_context()) as url:
        trusted = checker.check("http", url=url + "/ok", ca_file=str(pki.ca_file))
        untrusted = checker.check("http", url=url + "/ok")
        unverified = checker.check("http", url=url + "/ok", verify_tls=False)
    assert trusted.status == OK, trusted.message
    assert untrusted.status == CRITICAL
    assert "not trusted" in untrusted.message
    assert unverified.status == OK, unverified.message


# ---------------------------------------------------------------- tls


def test_tls_certificate_expiring_in_five_days(checker: Checker, tmp_path: Path) -> None:
    pki = Pki(tmp_path, days=5)
    with http_server(pki.server_context()) as url:
        port = int(url.rsplit(":", 1)[1])
        default = checker.check("tls", host="127.0.0.1", port=port, ca_file=str(pki.ca_file))
        relaxed = checker.check(
            "tls", host="127.0.0.1", port=port, ca_file=str(pki.ca_file), warn_days=10, crit_days=3
        )
        calm = checker.check(
            "tls", host="127.0.0.1", port=port, ca_file=str(pki.ca_file), warn_days=4, crit_days=2
        )
        untrusted = checker.check("tls", host="127.0.0.1", port=port)
        unverified = checker.check("tls", host="127.0.0.1", port=port, verify=False)
        wrong_name = checker.check(
            "tls", host="127.0.0.1", port=port, ca_file=str(pki.ca_file), server_name="other.example"
        )
    assert default.status == CRITICAL, default.message
    assert "expires in 4.9 days" in default.message or "expires in 5.0 days" in default.message
    assert 4.9 < default.metrics["days_left"] <= 5.0
    assert default.metrics["latency_s"] > 0
    assert relaxed.status == WARNING, relaxed.message
    assert calm.status == OK, calm.message
    assert untrusted.status == CRITICAL
    assert "not trusted" in untrusted.message
    assert unverified.status == CRITICAL, unverified.message  # expiry read without verification
    assert abs(unverified.metrics["days_left"] - default.metrics["days_left"]) < 0.01
    assert wrong_name.status == CRITICAL
    assert "not trusted" in wrong_name.message


def test_tls_handshake_that_never_comes_is_cut(checker: Checker) -> None:
    with silent_listener() as port:
        r = checker.check("tls", host="127.0.0.1", port=port, timeout_s=1)
    assert r.status == CRITICAL
    assert r.message == "timed out after 1 s"


# ---------------------------------------------------------------- tcp


def test_tcp_port_open_and_closed(checker: Checker) -> None:
    with silent_listener() as port:
        up = checker.check("tcp", host="127.0.0.1", port=port)
    with closed_port() as port:
        down = checker.check("tcp", host="127.0.0.1", port=port)
    assert up.status == OK, up.message
    assert up.message.startswith(f"connected to 127.0.0.1:{port}") or "connected to 127.0.0.1:" in up.message
    assert up.metrics["latency_s"] > 0
    assert down.status == CRITICAL
    assert "connection refused" in down.message


# ---------------------------------------------------------------- process


def test_process_by_name_and_cmdline(checker: Checker, tmp_path: Path) -> None:
    with named_process(tmp_path, count=2) as (name, procs):
        wait_for(
            lambda: all(Path(f"/proc/{p.pid}/comm").read_text().strip() == name for p in procs), 10, "exec"
        )
        two = checker.check("process", process_name=name)
        too_many = checker.check("process", process_name=name, max_count=1)
        too_few = checker.check("process", process_name=name, min_count=3)
        by_cmd = checker.check("process", cmdline=rf"/{name} 300$")
        again = checker.check("process", process_name=name)
        procs[0].kill()
        procs[0].wait(10)
        one = checker.check("process", process_name=name)
    gone = checker.check("process", process_name=name)
    assert two.status == OK, two.message
    assert two.metrics["count"] == 2
    assert str(procs[0].pid) in two.message
    assert two.metrics["rss_bytes"] > 0
    assert "cpu_percent" in again.metrics
    assert too_many.status == WARNING
    assert "expected at most 1" in too_many.message
    assert too_few.status == CRITICAL
    assert by_cmd.status == OK, by_cmd.message
    assert by_cmd.metrics["count"] == 2
    assert one.metrics["count"] == 1
    assert gone.status == CRITICAL
    assert gone.message == f"no process named {name!r}"


# ---------------------------------------------------------------- file


def test_file_fresh_stale_missing_and_newest_of_a_glob(checker: Checker, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.marker"
    fresh.write_text("done\n")
    stale = tmp_path / "stale.marker"
    stale.write_text("done\n")
    three_hours_ago = time.time() - 3 * 3600
    os.utime(stale, (three_hours_ago, three_hours_ago))
    r_fresh = checker.check("file", path=str(fresh), max_age_s="2h")
    r_stale = checker.check("file", path=str(stale), max_age_s="2h")
    r_warn = checker.check("file", path=str(stale), max_age_s="4h", warn_age_s="2h")
    r_small = checker.check("file", path=str(fresh), max_age_s="2h", min_size_bytes=1000)
    r_missing = checker.check("file", path=str(tmp_path / "none"), max_age_s=60)
    r_glob = checker.check("file", path=str(tmp_path / "*.marker"), max_age_s="2h")
    assert r_fresh.status == OK, r_fresh.message
    assert r_fresh.metrics["size_bytes"] == 5
    assert r_stale.status == CRITICAL
    assert "older than 2.0 h" in r_stale.message or "older than 120 min" in r_stale.message
    assert 3 * 3600 - 60 < r_stale.metrics["age_s"] < 3 * 3600 + 60
    assert r_warn.status == WARNING
    assert r_small.status == CRITICAL
    assert "smaller than" in r_small.message
    assert r_missing.status == CRITICAL
    assert r_missing.message == f"missing: {tmp_path / 'none'}"
    assert r_glob.status == OK
    assert str(fresh) in r_glob.message


# ---------------------------------------------------------------- ping


def test_ping_loopback_and_unknown_host(checker: Checker) -> None:
    up = checker.check("ping", host="127.0.0.1", count=2)
    unknown = checker.check("ping", host="no-such-host.invalid", count=1)
    assert up.status == OK, up.message
    assert up.message.startswith("2/2 replies from 127.0.0.1")
    assert up.metrics["loss_percent"] == 0
    assert up.metrics["rtt_avg_s"] > 0
    assert unknown.status == CRITICAL
    assert "no-such-host.invalid" in unknown.message


def test_ping_not_installed(checker: Checker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    r = checker.check("ping", host="127.0.0.1")
    assert r.status == UNKNOWN
    assert r.message.startswith("ping not installed")


# ---------------------------------------------------------------- systemd


def test_systemd_on_this_host(checker: Checker) -> None:
    r = checker.check("systemd", unit="cron")
    if Path("/run/systemd/system").is_dir():  # booted with systemd: a real answer about cron
        assert r.status in (OK, CRITICAL), r.message
        assert r.message.startswith("cron.service")
    else:  # a container without systemd as PID 1: systemctl says why, and that is UNKNOWN
        assert r.status == UNKNOWN
        assert "systemctl failed" in r.message
        assert "not been booted with systemd" in r.message


def test_systemd_without_systemctl(checker: Checker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    r = checker.check("systemd", unit="nginx")
    assert r.status == UNKNOWN
    assert r.message.startswith("systemctl not installed")
