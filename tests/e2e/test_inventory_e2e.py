"""Inventory end to end: a real collector and a real enrolled agent on this machine.

The agent's full inventory of this machine must become readable through the collector's
storage API; then a tiny .deb this test builds is installed with ``dpkg -i``, the
technician presses "Collect inventory now", and exactly one "installed" change must be
recorded for it; ``dpkg -r`` and another press give exactly one "removed".

As root the package goes into this machine's dpkg database (and is removed again in any
case). Without root, dpkg installs it into a private copy of the database
(``--admindir``/``--root``) that the agent reads through ``DPKG_ADMINDIR``: the same
dpkg, dpkg-query, agent and collector, only the database's location differs
(``EUS_TEST_DPKG=private`` chooses that as root as well).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests
from support.procs import AgentProc, CollectorProc, eus
from support.waits import wait_for

from collector.tsdb.inventory.store import changes, current_inventory, subjects

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs dpkg (Debian or a derivative)"),
]

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "inventory-e2e-" + secrets.token_hex(8)


@dataclass
class Dpkg:
    """Runs dpkg against the machine's database, or a private copy when not root."""

    admindir: Path | None  # None: the system's
    root: Path | None

    @property
    def env(self) -> dict[str, str]:
        return {"DPKG_ADMINDIR": str(self.admindir)} if self.admindir else {}

    def _argv(self, *args: str) -> list[str]:
        if self.admindir is None:
            return ["dpkg", *args]
        return [
            "dpkg",
            f"--root={self.root}",
            f"--admindir={self.admindir}",
            "--force-not-root",
            "--force-script-chrootless",
            *args,
        ]

    def run(self, *args: str) -> None:
        """Retry while another process (apt, another test) holds the dpkg lock."""
        deadline = time.monotonic() + 180
        while True:
            done = subprocess.run(self._argv(*args), capture_output=True, text=True, timeout=120, check=False)
            if done.returncode == 0:
                return
            if "lock" not in done.stderr.lower() or time.monotonic() > deadline:
                raise AssertionError(
                    f"dpkg {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}"
                )
            time.sleep(2)

    def installed(self) -> dict[str, str]:
        """Installed package name -> version, as dpkg-query sees it."""
        out = subprocess.run(
            ["dpkg-query", "--show", "--showformat=${Package}\t${Version}\t${db:Status-Status}\n"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env={**os.environ, **self.env},
        ).stdout
        rows = (line.split("\t") for line in out.splitlines() if line.strip())
        return {name: version for name, version, status in rows if status == "installed"}


@pytest.fixture
def dpkg(tmp_path: Path) -> Dpkg:
    # EUS_TEST_DPKG=private keeps a root run off the machine's database too.
    if os.geteuid() == 0 and os.environ.get("EUS_TEST_DPKG") != "private":
        return Dpkg(None, None)
    root = tmp_path / "dpkg-root"
    admindir = root / "var" / "lib" / "dpkg"
    for sub in ("info", "updates", "triggers"):
        (admindir / sub).mkdir(parents=True)
    shutil.copy("/var/lib/dpkg/status", admindir / "status")
    (admindir / "available").touch()
    return Dpkg(admindir, root)


def build_deb(workdir: Path, name: str, version: str) -> Path:
    """A tiny architecture-independent package: one documentation file."""
    pkg = workdir / "pkg"
    (pkg / "DEBIAN").mkdir(parents=True)
    doc = pkg / "usr" / "share" / "doc" / name
    doc.mkdir(parents=True)
    (doc / "README").write_text("Built by tests/e2e/test_inventory_e2e.py; safe to remove.\n")
    (pkg / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: {version}\nArchitecture: all\n"
        "Maintainer: EUS tests <tests@example.invalid>\n"
        "Description: tiny package built by the EUS inventory end-to-end test\n"
    )
    out = workdir / f"{name}_{version}_all.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "--build", str(pkg), str(out)],
        capture_output=True,
        timeout=60,
        check=True,
    )
    return out


class Dashboard:
    """The technician's browser, as plain HTTP: login, pages, forms with their CSRF token."""

    def __init__(self, collector: CollectorProc) -> None:
        self.base = f"http://127.0.0.1:{collector.web_port}"
        self.http = requests.Session()

    def login(self, username: str, password: str) -> None:
        page = self.http.get(f"{self.base}/login", timeout=30)
        resp = self.http.post(
            f"{self.base}/login",
            data={"username": username, "password": password, "csrf_token": self.csrf(page.text)},
            timeout=30,
        )
        assert resp.status_code == 200 and "/login" not in resp.url, resp.text[:500]

    @staticmethod
    def csrf(html: str) -> str:
        match = CSRF.search(html)
        assert match, html[:500]
        return match.group(1)

    def get_json(self, path: str) -> Any:
        resp = self.http.get(f"{self.base}{path}", timeout=30)
        assert resp.status_code == 200, resp.text[:500]
        return resp.json()

    def collect_now(self, device_id: int) -> None:
        """Press "Collect inventory now" on the device's inventory page."""
        page = self.http.get(f"{self.base}/devices/{device_id}/inventory", timeout=30)
        assert page.status_code == 200
        assert "Collect inventory now" in page.text
        resp = self.http.post(
            f"{self.base}/devices/{device_id}/inventory/collect",
            data={"csrf_token": self.csrf(page.text)},
            timeout=30,
        )
        assert resp.status_code == 200, resp.text[:500]
        assert "Inventory requested" in resp.text, resp.text[:2000]


@pytest.fixture
def installed_package(tmp_path: Path, dpkg: Dpkg) -> Iterator[tuple[str, Path]]:
    """A unique package name and its .deb; removed from dpkg's database afterwards in any case."""
    name = f"eus-inventory-test-{secrets.token_hex(4)}"
    deb = build_deb(tmp_path / "deb", name, "1.0-1")
    try:
        yield name, deb
    finally:
        if name in dpkg.installed():
            dpkg.run("--purge", name)


def package_changes(web: Dashboard, device_id: int, name: str) -> list[dict[str, Any]]:
    rows = web.get_json(f"/api/devices/{device_id}/inventory/changes")["changes"]
    return [c for c in rows if c["kind"] == "package" and c["key"].split(":")[0] == name]


def test_inventory_arrives_and_a_package_install_and_removal_are_recorded(
    tmp_path: Path, collector: CollectorProc, dpkg: Dpkg, installed_package: tuple[str, Path]
) -> None:
    name, deb = installed_package
    data = collector.data_dir
    eus(
        data,
        "user",
        "create",
        "tech",
        "--role",
        "technician",
        "--customer",
        "Acme",
        "--password-stdin",
        stdin=PASSWORD,
    )
    token = eus(data, "token", "create", "--customer", "Acme", "--uses", "1").stdout.strip()
    agent = AgentProc(
        tmp_path / "agent",
        "agent",
        {"EUS_AGENT_INVENTORY_START_DELAY_S": "1", "EUS_AGENT_BATCH_FLUSH_INTERVAL_S": "0.5", **dpkg.env},
    )
    agent.enroll(collector, token)
    agent.start()
    web = Dashboard(collector)
    web.login("tech", PASSWORD)
    try:
        home = web.http.get(f"{web.base}/", timeout=30).text
        match = re.search(r'href="/devices/(\d+)"', home)
        assert match, home[:2000]
        device_id = int(match.group(1))

        # 1. The full inventory of this machine arrives.
        def full_inventory() -> bool:
            host = [
                s
                for s in web.get_json(f"/api/devices/{device_id}/inventory")["subjects"]
                if s["subject"] == ""
            ]
            return bool(host and host[0]["last_full"])

        wait_for(full_inventory, 120, "the agent's full inventory", interval=1)
        items = web.get_json(f"/api/devices/{device_id}/inventory")["items"]
        packages = {i["key"].split(":")[0]: i["attrs"]["version"] for i in items if i["kind"] == "package"}
        local = dpkg.installed()
        assert packages["dpkg"] == local["dpkg"]
        assert packages["bash"] == local["bash"]
        # Others may install packages on this machine meanwhile: allow a few either way.
        assert len(set(local) ^ set(packages)) <= 5, sorted(set(local) ^ set(packages))[:20]
        assert name not in packages
        assert {i["kind"] for i in items} >= {"package", "os"}
        assert package_changes(web, device_id, name) == []

        # 2. dpkg -i, "Collect inventory now": exactly one "installed".
        dpkg.run("-i", str(deb))
        web.collect_now(device_id)
        wait_for(lambda: package_changes(web, device_id, name), 120, f"the change for {name}", interval=1)
        [installed] = package_changes(web, device_id, name)
        assert (installed["change"], installed["old_version"], installed["new_version"]) == (
            "installed",
            "",
            "1.0-1",
        )

        # 3. dpkg -r, another press: exactly one "removed".
        dpkg.run("-r", name)
        web.collect_now(device_id)
        wait_for(lambda: len(package_changes(web, device_id, name)) >= 2, 120, f"{name} removed", interval=1)
        assert [c["change"] for c in package_changes(web, device_id, name)] == ["removed", "installed"]
        assert agent.alive, agent.log_tail()
    finally:
        assert agent.stop() == 0, agent.log_tail()
        assert collector.stop() == 0, collector.log_tail()

    # 4. The same through the storage API, on the stopped collector's DuckDB file.
    con = duckdb.connect(str(data / "metrics.duckdb"), read_only=True)
    try:
        cur = con.cursor()
        host = [s for s in subjects(cur, device_id) if s.subject == ""]
        assert host and host[0].last_full is not None
        stored = {i.key.split(":")[0]: i for i in current_inventory(cur, device_id) if i.kind == "package"}
        assert stored["bash"].attrs["version"] == local["bash"]
        assert name not in stored
        mine = [c for c in changes(cur, device_id) if c.kind == "package" and c.key.split(":")[0] == name]
        assert [(c.change, c.old_version, c.new_version) for c in mine] == [
            ("removed", "1.0-1", ""),
            ("installed", "", "1.0-1"),
        ]
    finally:
        con.close()
