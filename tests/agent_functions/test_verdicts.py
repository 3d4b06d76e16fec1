"""The pure decisions of each kind, table-driven: what a result says about what was seen."""

from __future__ import annotations

import re

import pytest

from agent.functions import file as file_kind
from agent.functions import http, ping, process, systemd, tls
from agent.functions.command import Completed
from agent.functions.params import ParamError

OK, WARNING, CRITICAL, UNKNOWN = 1, 2, 3, 0

# ---------------------------------------------------------------- http

H = http.HttpParams(url="http://x/")


@pytest.mark.parametrize(
    ("params", "ex", "status", "message"),
    [
        (H, http.Exchange(200, "OK", 0.012, "ok", 2, ["u"]), OK, "HTTP 200 OK in 12 ms"),
        (
            H,
            http.Exchange(500, "Internal Server Error", 0.2, "", 0, ["u"]),
            CRITICAL,
            "HTTP 500 Internal Server Error after 200 ms (expected 200-399)",
        ),
        (
            http.HttpParams(url="u", body_match=re.compile("ok")),
            http.Exchange(200, "OK", 0.5, "nope", 4, ["u"]),
            CRITICAL,
            "HTTP 200 OK but the body does not match 'ok' (500 ms)",
        ),
        (
            http.HttpParams(url="u", warn_latency_s=1.0),
            http.Exchange(200, "OK", 1.5, "", 0, ["u"]),
            WARNING,
            "HTTP 200 OK in 1.5 s (slower than 1.0 s)",
        ),
        (
            http.HttpParams(url="u", warn_latency_s=1.0, crit_latency_s=2.0),
            http.Exchange(200, "", 2.5, "", 0, ["u"]),
            CRITICAL,
            "HTTP 200 in 2.5 s (slower than 2.0 s)",
        ),
        (
            H,
            http.Exchange(200, "OK", 0.05, "", 0, ["a", "b", "c"]),
            OK,
            "HTTP 200 OK in 50 ms via 2 redirect(s)",
        ),
        (
            http.HttpParams(url="u", max_redirects=2),
            http.Exchange(chain=["a", "b", "a", "b"], too_many_redirects=True),
            CRITICAL,
            "more than 2 redirects: redirect loop at a",
        ),
        (
            http.HttpParams(url="u", max_redirects=2),
            http.Exchange(chain=["a", "b", "c", "d"], too_many_redirects=True),
            CRITICAL,
            "more than 2 redirects, last to d",
        ),
    ],
)
def test_http_evaluate(params: http.HttpParams, ex: http.Exchange, status: int, message: str) -> None:
    outcome = http.evaluate(params, ex)
    assert (outcome.status, outcome.message) == (status, message)


@pytest.mark.parametrize(
    ("text", "ranges"),
    [
        ("200", ((200, 200),)),
        ("200-399", ((200, 399),)),
        ("2xx, 304", ((200, 299), (304, 304))),
        (" 200 - 204 ".replace(" ", ""), ((200, 204),)),
    ],
)
def test_status_ranges(text: str, ranges: tuple[tuple[int, int], ...]) -> None:
    assert http.parse_status_ranges(text) == ranges


@pytest.mark.parametrize("text", ["ok", "200-", "399-200", "6xx", "99", "200;300"])
def test_bad_status_ranges(text: str) -> None:
    with pytest.raises(ParamError, match="expect_status"):
        http.parse_status_ranges(text)


# ---------------------------------------------------------------- tls

T = tls.TlsParams(host="h", server_name="www.example.net")
DAY = 86400.0
NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("days", "status", "start"),
    [
        (90, OK, "certificate of www.example.net valid for 90 days"),
        (21, WARNING, "certificate of www.example.net expires in 21.0 days"),
        (8, WARNING, "certificate of www.example.net expires in 8.0 days"),
        (5, CRITICAL, "certificate of www.example.net expires in 5.0 days"),
        (0.5, CRITICAL, "certificate of www.example.net expires in 0.5 days"),
        (-3, CRITICAL, "certificate of www.example.net expired 3.0 days ago"),
    ],
)
def test_tls_evaluate(days: float, status: int, start: str) -> None:
    outcome = tls.evaluate(T, NOW + days * DAY, NOW)
    assert outcome.status == status
    assert outcome.message.startswith(start), outcome.message
    assert outcome.metrics["days_left"] == pytest.approx(days)


# ---------------------------------------------------------------- process

NGINX = process.ProcessParams(name="nginx")


@pytest.mark.parametrize(
    ("params", "pids", "status", "message"),
    [
        (NGINX, [12, 11], OK, "2 processes named 'nginx' (pids 11, 12)"),
        (NGINX, [], CRITICAL, "no process named 'nginx'"),
        (
            process.ProcessParams(name="nginx", min_count=3),
            [1, 2],
            CRITICAL,
            "2 processes named 'nginx' (pids 1, 2), expected at least 3",
        ),
        (
            process.ProcessParams(name="nginx", max_count=1),
            [1, 2],
            WARNING,
            "2 processes named 'nginx' (pids 1, 2), expected at most 1",
        ),
        (
            process.ProcessParams(cmdline=re.compile("backup"), min_count=0, max_count=0),
            [],
            OK,
            "no process with command line matching 'backup', as expected",
        ),
        (NGINX, list(range(1, 8)), OK, "7 processes named 'nginx' (pids 1, 2, 3, 4, 5, ...)"),
    ],
)
def test_process_evaluate(params: process.ProcessParams, pids: list[int], status: int, message: str) -> None:
    outcome = process.evaluate(params, pids, 1000.0, 1.5)
    assert (outcome.status, outcome.message) == (status, message)
    assert outcome.metrics == {"count": float(len(pids)), "rss_bytes": 1000.0, "cpu_percent": 1.5}


def test_process_matches_by_name_cmdline_user_and_never_self() -> None:
    rows = [
        process.ProcRow(1, "nginx", "nginx: master process", "root"),
        process.ProcRow(2, "nginx", "nginx: worker process", "www-data"),
        process.ProcRow(3, "python3", "python3 /opt/app/backup.py --full", "backup"),
        process.ProcRow(4, "python3", "python3 -m agent", "eus"),
    ]

    def pids(p: process.ProcessParams) -> list[int]:
        return [r.pid for r in process.matches(p, rows, own_pid=4)]

    assert pids(process.ProcessParams(name="nginx")) == [1, 2]
    assert pids(process.ProcessParams(name="nginx", user="www-data")) == [2]
    assert pids(process.ProcessParams(cmdline=re.compile(r"backup\.py"))) == [3]
    assert pids(process.ProcessParams(name="python3")) == [3]  # the agent itself is never counted


# ---------------------------------------------------------------- systemd

SHOW = "LoadState={}\nActiveState={}\nSubState={}\nResult={}\nNRestarts={}\n"


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        (("loaded", "active", "running", "success", "0"), OK, "nginx.service active (running)"),
        (("loaded", "activating", "start", "success", "2"), WARNING, "nginx.service activating (start)"),
        (
            ("loaded", "failed", "failed", "exit-code", "5"),
            CRITICAL,
            "nginx.service failed (failed, result exit-code)",
        ),
        (("loaded", "inactive", "dead", "success", "0"), CRITICAL, "nginx.service inactive (dead)"),
        (("not-found", "inactive", "dead", "success", ""), CRITICAL, "nginx.service not found"),
        (("masked", "inactive", "dead", "success", "0"), CRITICAL, "nginx.service is masked"),
    ],
)
def test_systemd_judge(fields: tuple[str, ...], status: int, message: str) -> None:
    outcome = systemd.judge("nginx.service", Completed(0, SHOW.format(*fields), ""))
    assert (outcome.status, outcome.message) == (status, message)
    if fields[4]:
        assert outcome.metrics["restarts"] == float(fields[4])


def test_systemd_judge_when_systemctl_fails() -> None:
    done = Completed(
        1, "", "System has not been booted with systemd as init system (PID 1). Can't operate.\n"
    )
    outcome = systemd.judge("cron.service", done)
    assert outcome.status == UNKNOWN
    assert outcome.message == (
        "systemctl failed (exit 1): "
        "System has not been booted with systemd as init system (PID 1). Can't operate."
    )


# ---------------------------------------------------------------- ping

P = ping.PingParams(host="gw")
STATS = "--- gw ping statistics ---\n{} packets transmitted, {} received, {}% packet loss, time 401ms\n"
RTT = "rtt min/avg/max/mdev = 0.512/1.250/2.034/0.4 ms\n"


@pytest.mark.parametrize(
    ("params", "rc", "out", "err", "status", "message"),
    [
        (P, 0, STATS.format(3, 3, 0) + RTT, "", OK, "3/3 replies from gw, average 1.25 ms"),
        (P, 0, STATS.format(3, 2, 33) + RTT, "", WARNING, "2/3 replies from gw, average 1.25 ms, 33% lost"),
        (P, 1, STATS.format(3, 0, 100), "", CRITICAL, "0/3 replies from gw (100% lost)"),
        (
            ping.PingParams(host="gw", crit_loss_percent=30),
            0,
            STATS.format(3, 2, 33) + RTT,
            "",
            CRITICAL,
            "2/3 replies from gw (33% lost)",
        ),
        (
            ping.PingParams(host="gw", warn_latency_s=0.001),
            0,
            STATS.format(3, 3, 0) + RTT,
            "",
            WARNING,
            "3/3 replies from gw, average 1.25 ms (slower than 1.00 ms)",
        ),
        (
            P,
            2,
            "",
            "ping: gw: Name or service not known\n",
            CRITICAL,
            "ping gw failed: gw: Name or service not known",
        ),
    ],
)
def test_ping_judge(  # noqa: PLR0917 - one parameter per table column
    params: ping.PingParams, rc: int, out: str, err: str, status: int, message: str
) -> None:
    outcome = ping.judge(params, Completed(rc, out, err))
    assert (outcome.status, outcome.message) == (status, message)


def test_ping_metrics_and_command_line() -> None:
    outcome = ping.judge(P, Completed(0, STATS.format(3, 3, 0) + RTT, ""))
    assert outcome.metrics == pytest.approx(
        {"loss_percent": 0.0, "rtt_min_s": 0.000512, "rtt_avg_s": 0.00125, "rtt_max_s": 0.002034}
    )
    assert ping.argv(P, 10) == ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", "-w", "9", "gw"]
    assert ping.argv(P, 1)[-2] == "1"  # never a zero deadline


# ---------------------------------------------------------------- file

F = file_kind.FileParams(path="/backup/done", max_age_s=26 * 3600, warn_age_s=25 * 3600, min_size_bytes=10)


@pytest.mark.parametrize(
    ("path", "age_h", "size", "status", "message"),
    [
        ("/backup/done", 2, 2_500_000, OK, "/backup/done modified 2.0 h ago (2.5 MB)"),
        ("/backup/done", 25.5, 100, WARNING, "/backup/done modified 25.5 h ago (100 B), older than 25.0 h"),
        ("/backup/done", 30, 100, CRITICAL, "/backup/done modified 30.0 h ago (100 B), older than 26.0 h"),
        ("/backup/done", 1, 0, CRITICAL, "/backup/done modified 60 min ago (0 B), smaller than 10 B"),
        (None, 0, 0, CRITICAL, "missing: /backup/done"),
    ],
)
def test_file_evaluate(path: str | None, age_h: float, size: int, status: int, message: str) -> None:
    outcome = file_kind.evaluate(F, path, NOW - age_h * 3600, size, NOW)
    assert (outcome.status, outcome.message) == (status, message)
