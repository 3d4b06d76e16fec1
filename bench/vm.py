"""Debian's VictoriaMetrics as a reference: the same samples through its JSON-lines import API."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import time
import urllib.parse
from pathlib import Path
from types import TracebackType

import numpy as np

from bench.procs import dir_bytes, free_port
from bench.workload import SERIES, agent_data

VM_BINARY = Path("/usr/bin/victoria-metrics")
_METRIC_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


def vm_name(name: str) -> str:
    return name.replace(".", "_")


class VictoriaMetrics:
    """A ``victoria-metrics`` single-node process on a free loopback port."""

    def __init__(self, data_dir: Path, log_path: Path) -> None:
        self.data_dir = data_dir
        self.log_path = log_path
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> VictoriaMetrics:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                str(VM_BINARY),
                f"-storageDataPath={self.data_dir}",
                f"-httpListenAddr=127.0.0.1:{self.port}",
                "-retentionPeriod=100y",  # accept any timestamp the bench generates
                "-search.disableCache",
                "-search.latencyOffset=0s",
                "-loggerLevel=ERROR",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"victoria-metrics exited with {self.proc.returncode}; see {self.log_path}"
                )
            try:
                if self.get("/health")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("victoria-metrics did not become healthy in 30 s")

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    @property
    def rss_bytes(self) -> int:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return 0

    def get(self, path: str, timeout: float = 60) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def force_flush(self) -> None:
        status, body = self.get("/internal/force_flush")
        if status != 200:
            raise RuntimeError(f"force_flush: HTTP {status} {body[:200]!r}")

    def metrics(self) -> dict[str, float]:
        """``/metrics`` as name{labels} -> value."""
        out: dict[str, float] = {}
        for line in self.get("/metrics")[1].decode().splitlines():
            m = _METRIC_LINE.match(line)
            if m:
                out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
        return out

    def count_samples(self, start_ms: int, end_ms: int) -> int:
        """Samples stored between the two instants, as a query sees them (every series, raw)."""
        window_s = (end_ms - start_ms) // 1000 + 1
        query = f'sum(count_over_time({{__name__=~".+"}}[{window_s}s]))'
        args = urllib.parse.urlencode({"query": query, "time": f"{end_ms / 1000:.3f}"})
        status, body = self.get(f"/api/v1/query?{args}", timeout=300)
        if status != 200:
            raise RuntimeError(f"query: HTTP {status} {body[:300]!r}")
        result = json.loads(body)["data"]["result"]
        return int(float(result[0]["value"][1])) if result else 0

    def disk_bytes(self) -> int:
        return dir_bytes(self.data_dir)


def _fmt(values: list[float]) -> str:
    return ",".join(str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v) for v in values)


def import_bodies(agent: int, n_samples: int, t0_ms: int, post_samples: int) -> list[bytes]:
    """The agent's samples as JSON-lines request bodies of about ``post_samples`` samples each.

    One line per series per body, carrying that series' values and timestamps in the body's
    span: the shape ``/api/v1/import`` is fastest with, and what ``/api/v1/export`` emits.
    """
    data = agent_data(agent, n_samples, t0_ms)
    heads = [
        json.dumps(
            {"metric": {"__name__": vm_name(s.name), "agent": f"agent-{agent:03d}", **dict(s.labels)}},
            separators=(",", ":"),
        )[:-1]
        for s in SERIES
    ]
    bodies: list[bytes] = []
    for lo in range(0, data.n, post_samples):
        hi = min(lo + post_samples, data.n)
        ids = data.series_id[lo:hi]
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        ts = data.ts_ms[lo:hi][order].tolist()
        vals = data.value[lo:hi][order].tolist()
        cuts = np.flatnonzero(np.diff(sorted_ids)) + 1
        starts = [0, *cuts.tolist()]
        ends = [*cuts.tolist(), len(ts)]
        lines = []
        for a, b in zip(starts, ends, strict=True):
            sid = int(sorted_ids[a])
            lines.append(
                f'{heads[sid - 1]},"values":[{_fmt(vals[a:b])}],'
                f'"timestamps":[{",".join(map(str, ts[a:b]))}]}}'
            )
        bodies.append(("\n".join(lines) + "\n").encode())
    return bodies
