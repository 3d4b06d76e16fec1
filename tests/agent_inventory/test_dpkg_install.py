"""Installing and removing a real package produces exactly the matching change.

As root (the build VM, CI) the test builds a tiny .deb with ``dpkg-deb --build`` and installs and
removes it with ``dpkg`` on this machine, read through the real facade. Without root the same
assertions run against a fixture-fed dpkg (the captured database plus the package line).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agent.inventory.extension import InventoryExtension
from agent.inventory.facade import HostIO, LocalHost
from agent.inventory.settings import Settings

from ._spooled import Spooled
from ._support import FakeHost, fixture

CAN_INSTALL = hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("dpkg-deb") is not None
LOCK_WAIT_S = 120.0


def _dpkg(*args: str) -> None:
    """Run dpkg, waiting (bounded) while another dpkg/apt holds the lock."""
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        done = subprocess.run(["dpkg", *args], capture_output=True, text=True, timeout=120, check=False)
        if done.returncode == 0:
            return
        locked = "lock" in done.stderr.lower()
        if not locked or time.monotonic() > deadline:
            raise AssertionError(f"dpkg {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
        time.sleep(1.0)


def _build_deb(tmp: Path, name: str) -> Path:
    root = tmp / name
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: 1.0-1\nArchitecture: all\nMaintainer: EUS Tests <tests@eus.invalid>\n"
        "Description: empty package built by the EUS inventory tests\n"
    )
    deb = tmp / f"{name}.deb"
    subprocess.run(
        ["dpkg-deb", "--build", "--root-owner-group", str(root), str(deb)],
        check=True,
        timeout=60,
        capture_output=True,
    )
    return deb


class Machine:
    """Install and remove the probe package, for real or in a fixture-fed dpkg database."""

    def __init__(self, real: bool, tmp: Path) -> None:
        self.real = real
        self.name = f"eus-inventory-probe-{secrets.token_hex(3)}"
        self.installed = False
        self.host: HostIO
        if real:
            self.deb = _build_deb(tmp, self.name)
            self.host = LocalHost()
        else:
            line = f"{self.name}\t1.0-1\tall\tinstalled\tEUS Tests <tests@eus.invalid>\n"
            base = fixture("dpkg_debian12_full.txt")
            self.host = FakeHost(commands={"dpkg-query": lambda: base + (line if self.installed else "")})

    def install(self) -> None:
        if self.real:
            _dpkg("--install", str(self.deb))
        self.installed = True

    def remove(self) -> None:
        if self.real:
            _dpkg("--remove", self.name)
        self.installed = False

    def cleanup(self) -> None:
        if self.real:
            subprocess.run(["dpkg", "--purge", self.name], capture_output=True, timeout=120, check=False)


@pytest.fixture(params=["real dpkg" if CAN_INSTALL else "fixture-fed dpkg (not root)", "fixture-fed dpkg"])
def machine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Machine]:
    m = Machine(real=str(request.param).startswith("real"), tmp=tmp_path)
    try:
        yield m
    finally:
        m.cleanup()


def test_install_then_remove_gives_exactly_one_upsert_then_one_removal(
    machine: Machine, tmp_path: Path
) -> None:
    spooled = Spooled.open(tmp_path / "spool")
    try:
        ext = InventoryExtension(
            Settings(sources=frozenset({"dpkg"})),
            state_dir=tmp_path / "state",
            reports=spooled.batcher,
            clock=time.time,
            io=machine.host,
        )
        run: Callable[[], object] = ext.run_now
        run()
        (baseline,) = spooled.new_reports()
        assert baseline.full
        assert machine.name not in {u.key for u in baseline.upserts}

        machine.install()
        run()
        (installed,) = spooled.new_reports()
        assert not installed.full
        assert [(u.kind, u.key) for u in installed.upserts] == [("package", machine.name)]
        assert dict(installed.upserts[0].attrs) == {
            "version": "1.0-1",
            "arch": "all",
            "source": "dpkg",
            "publisher": "EUS Tests",
        }
        assert not installed.removals

        machine.remove()
        run()
        (removed,) = spooled.new_reports()
        assert not removed.upserts
        assert [(r.kind, r.key) for r in removed.removals] == [("package", machine.name)]
    finally:
        spooled.close()
