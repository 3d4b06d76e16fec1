"""The extension end to end over a real spool: full first, then only differences; state across
restarts; commands; a failing source; default-on loading; its own thread."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.extensions import EXTENSIONS, ExtensionError, load_extensions
from agent.inventory.extension import InventoryExtension
from agent.inventory.settings import Settings
from eus.v1 import eus_pb2

from ._spooled import Spooled
from ._support import FakeHost, fixture

DPKG = fixture("dpkg_debian12_full.txt")
HELLO = "hello\t2.10-3\tamd64\tinstalled\tSanti Béjar <santi@agolina.net>\n"
SETTINGS = Settings(sources=frozenset({"agent", "dpkg", "memory"}))


class Machine:
    """A fake host whose dpkg database the test edits."""

    def __init__(self) -> None:
        self.dpkg = DPKG
        self.host = FakeHost(
            commands={"dpkg-query": lambda: self.dpkg}, files={"/proc/meminfo": "MemTotal: 2048 kB\n"}
        )


@pytest.fixture
def spooled(tmp_path: Path) -> Iterator[Spooled]:
    s = Spooled.open(tmp_path)
    try:
        yield s
    finally:
        s.close()


def _extension(
    machine: Machine, spooled: Spooled, state_dir: Path, settings: Settings = SETTINGS
) -> InventoryExtension:
    return InventoryExtension(
        settings, state_dir=state_dir, reports=spooled.batcher, clock=time.time, io=machine.host
    )


def _keys(items: object) -> list[tuple[str, str]]:
    return [(i.kind, i.key) for i in items]  # type: ignore[attr-defined]


def test_first_report_is_full_then_only_differences(spooled: Spooled, tmp_path: Path) -> None:
    machine = Machine()
    ext = _extension(machine, spooled, tmp_path / "state")

    ext.run_now()
    (first,) = spooled.new_reports()
    assert first.full
    assert len(first.upserts) == 850 + 2  # every package, the memory total, the agent
    assert ("memory", "total") in _keys(first.upserts)
    assert not first.removals

    machine.dpkg = DPKG + HELLO
    summary = ext.run_now()
    (second,) = spooled.new_reports()
    assert not second.full
    assert _keys(second.upserts) == [("package", "hello")]
    assert dict(second.upserts[0].attrs) == {
        "version": "2.10-3",
        "arch": "amd64",
        "source": "dpkg",
        "publisher": "Santi Béjar",
    }
    assert summary.describe() == "inventory changes sent: 1 added or changed, 0 removed"

    machine.dpkg = DPKG
    ext.run_now()
    (third,) = spooled.new_reports()
    assert not third.upserts
    assert _keys(third.removals) == [("package", "hello")]

    assert ext.run_now().describe() == "inventory unchanged"
    batches = spooled.new_batches()
    assert [len(b.inventory) for b in batches] == [0]  # nothing to report, but the health of each source
    assert sorted(f.id for f in batches[0].functions) == [
        "inventory:agent",
        "inventory:dpkg",
        "inventory:memory",
    ]


def test_a_restart_sends_only_differences_and_a_lost_state_file_a_full_report(
    spooled: Spooled, tmp_path: Path
) -> None:
    machine = Machine()
    state_dir = tmp_path / "state"
    _extension(machine, spooled, state_dir).run_now()
    assert spooled.new_reports()[0].full

    machine.dpkg = DPKG + HELLO
    _extension(machine, spooled, state_dir).run_now()  # a new process, same state directory
    (report,) = spooled.new_reports()
    assert not report.full
    assert _keys(report.upserts) == [("package", "hello")]

    (state_dir / "inventory.json").unlink()
    _extension(machine, spooled, state_dir).run_now()
    (report,) = spooled.new_reports()
    assert report.full
    assert len(report.upserts) == 851 + 2


def test_commands_collect_and_full(spooled: Spooled, tmp_path: Path) -> None:
    machine = Machine()
    ext = _extension(machine, spooled, tmp_path / "state")
    ext.run_now()
    spooled.new_reports()

    result = ext.handle_command(eus_pb2.Command(id="c1", kind="inventory.full"))
    assert result is not None
    assert (result.id, result.ok, result.message) == ("c1", True, "full inventory sent: 852 item(s)")
    (report,) = spooled.new_reports()
    assert report.full
    assert len(report.upserts) == 852

    machine.dpkg = DPKG + HELLO
    result = ext.handle_command(eus_pb2.Command(id="c2", kind="inventory.collect"))
    assert result is not None
    assert result.ok
    (report,) = spooled.new_reports()
    assert not report.full
    assert _keys(report.upserts) == [("package", "hello")]

    assert ext.handle_command(eus_pb2.Command(id="c3", kind="functions.run")) is None


def test_a_failing_source_is_unknown_and_its_items_are_not_removed(spooled: Spooled, tmp_path: Path) -> None:
    machine = Machine()
    ext = _extension(machine, spooled, tmp_path / "state")
    ext.run_now()
    spooled.new_reports()

    machine.dpkg = "dpkg-query: error: parsing file '/var/lib/dpkg/status' near line 4\n"
    summary = ext.run_now()
    assert summary.failed == ("dpkg",)
    assert "could not read: dpkg (previous items kept)" in summary.describe()
    (batch,) = spooled.new_batches()
    assert not batch.inventory  # no package reported removed
    dpkg_result = next(f for f in batch.functions if f.id == "inventory:dpkg")
    assert dpkg_result.status == eus_pb2.HEALTH_UNKNOWN
    assert "expected 5 tab-separated fields" in dpkg_result.message

    machine.dpkg = DPKG + HELLO  # readable again: only the real change goes out
    ext.run_now()
    (report,) = spooled.new_reports()
    assert _keys(report.upserts) == [("package", "hello")]
    assert not report.removals


def test_default_on_through_the_extension_list(spooled: Spooled, tmp_path: Path) -> None:
    assert "agent.inventory" in EXTENSIONS
    kw = {
        "state_dir": tmp_path,
        "reports": spooled.batcher,
        "clock": time.time,
        "modules": ("agent.inventory",),
    }
    (ext,) = load_extensions({}, **kw)  # type: ignore[arg-type]
    assert isinstance(ext, InventoryExtension)
    assert ext.settings == Settings()
    assert load_extensions({"inventory": {"enabled": "false"}}, **kw) == []  # type: ignore[arg-type]
    (ext,) = load_extensions({"inventory": {"interval_s": "600", "sources": "dpkg, dmi"}}, **kw)  # type: ignore[arg-type]
    assert isinstance(ext, InventoryExtension)
    assert ext.settings == Settings(interval_s=600.0, sources=frozenset({"dpkg", "dmi"}))


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            {"intervl_s": 60},
            r"inventory.intervl_s \(.*\): unknown setting \(did you mean inventory.interval_s\?\)",
        ),
        ({"interval_s": "soon"}, 'inventory.interval_s = "soon" .*: must be a duration'),
        ({"interval_s": 0}, "inventory.interval_s = 0 .*: must be at least 1"),
        ({"enabled": "maybe"}, 'inventory.enabled = "maybe" .*: must be true or false'),
        ({"sources": ["dpkg", "apt"]}, r"unknown source\(s\) apt"),
    ],
)
def test_bad_settings_refuse_to_start(
    tmp_path: Path, spooled: Spooled, section: dict[str, object], message: str
) -> None:
    with pytest.raises(ExtensionError, match=message):
        load_extensions(
            {"inventory": section},
            state_dir=tmp_path,
            reports=spooled.batcher,
            clock=time.time,
            modules=("agent.inventory",),
        )


def test_runs_on_its_own_thread_shortly_after_start(spooled: Spooled, tmp_path: Path) -> None:
    machine = Machine()
    ext = _extension(
        machine, spooled, tmp_path / "state", Settings(start_delay_s=0.0, sources=SETTINGS.sources)
    )
    ext.start()
    try:
        deadline = time.monotonic() + 30
        reports: list[eus_pb2.InventoryReport] = []
        while not reports and time.monotonic() < deadline:
            reports = spooled.new_reports()
            time.sleep(0.05)
        assert reports, "no inventory report within 30 s of start"
        assert reports[0].full
    finally:
        t0 = time.monotonic()
        ext.stop()
        assert time.monotonic() - t0 < 10


def test_enabling_it_does_not_load_psutil_or_heavy_modules() -> None:
    code = (
        "import sys, time; from pathlib import Path; "
        "from agent.extensions import ExtensionContext; import agent.inventory as inv; "
        "ext = inv.create(ExtensionContext({}, Path('/nonexistent'), None, time.time)); "
        "print(ext is not None, 'psutil' in sys.modules, 'grpc' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["True", "False", "False"]
