"""The functions extension with the agent's real batcher and spool: results in spooled batches,
pushed configuration, the log check across a restart, "check again"."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from support.waits import wait_for

from agent.batcher import Batcher
from agent.extensions import load_extensions
from agent.functions.extension import FunctionsExtension
from agent.series import SeriesRegistry
from agent.spool import Spool
from eus.v1 import eus_pb2

OK, WARNING, CRITICAL, UNKNOWN = 1, 2, 3, 0


class AgentParts:
    """A spool and batcher as the agent has them; reopened for a "restart"."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.spool = Spool(state / "spool.sqlite3", max_bytes=1 << 24, max_age_s=3600)
        self.batcher = Batcher(self.spool, SeriesRegistry(self.spool), flush_interval_s=0.2)
        self.batcher.start()

    def extension(self, section: dict[str, Any]) -> FunctionsExtension:
        exts = load_extensions(
            {"functions": section},
            state_dir=self.state,
            reports=self.batcher,
            clock=time.time,
            modules=("agent.functions",),
        )
        assert len(exts) == 1
        ext = exts[0]
        assert isinstance(ext, FunctionsExtension)
        return ext

    def close(self) -> None:
        self.batcher.close()
        self.spool.close()


def spooled_results(state: Path) -> list[eus_pb2.FunctionResult]:
    spool = Spool(state / "spool.sqlite3", max_bytes=1 << 24, max_age_s=3600)
    try:
        return [
            f for row in spool.read_after(0, 100_000) for f in eus_pb2.Batch.FromString(row.payload).functions
        ]
    finally:
        spool.close()


def _count(state: Path) -> int:
    try:
        return int(json.loads((state / "functions" / "log_offsets.json").read_text())["app"]["count"])
    except (OSError, ValueError, KeyError):
        return -1


def test_log_check_survives_a_restart_without_double_counting(tmp_path: Path) -> None:
    state = tmp_path / "state"
    log = tmp_path / "app.log"
    log.write_text("ERROR from before the agent\n" * 2)
    section = {"app": {"kind": "log", "path": str(log), "pattern": "ERROR", "interval_s": 1}}

    parts = AgentParts(state)
    ext = parts.extension(section)
    ext.start()
    wait_for(lambda: _count(state) == 0, 20, "the first look at the log")
    with log.open("a") as fh:
        fh.write("ERROR 1\nfine\nERROR 2\nERROR 3\n")
    wait_for(lambda: _count(state) == 3, 20, "three matches counted")
    ext.stop()
    parts.close()

    with log.open("a") as fh:  # written while the agent is down
        fh.write("ERROR 4\n")

    parts = AgentParts(state)
    ext = parts.extension(section)
    ext.start()
    wait_for(lambda: _count(state) == 4, 20, "the line written while the agent was down")
    time.sleep(1.5)  # a few more runs: nothing new must be counted
    ext.stop()
    parts.close()

    results = [r for r in spooled_results(state) if r.id == "app"]
    assert len(results) >= 4
    assert sum(r.metrics["matches"] for r in results) == 4  # every line once, none twice
    assert max(r.metrics["total"] for r in results) == 4
    assert results[-1].status == OK
    assert any(r.status == WARNING and r.metrics["matches"] == 3 for r in results)


def test_pushed_functions_replace_the_pushed_set_override_file_ids_and_survive_a_restart(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    marker = tmp_path / "marker"
    marker.write_text("x")
    section = {
        "interval_s": 1,
        "mine": {"kind": "file", "path": str(marker), "max_age_s": 3600},
        "shared": {"kind": "file", "path": str(marker), "max_age_s": 3600, "name": "from file"},
    }
    parts = AgentParts(state)
    ext = parts.extension(section)
    ext.apply_config(
        eus_pb2.AgentConfig(
            generation=1,
            functions=[
                eus_pb2.FunctionSpec(
                    id="shared",
                    kind="file",
                    name="from collector",
                    params={"path": str(marker), "max_age_s": "60"},
                ),
                eus_pb2.FunctionSpec(id="central", kind="tcp", params={"host": "127.0.0.1"}),  # port missing
            ],
        )
    )
    ext.start()
    assert ext.scheduler.function_ids == ["central", "mine", "shared"]
    ext.apply_config(eus_pb2.AgentConfig(generation=2, functions=[]))  # the pushed set is now empty
    wait_for(lambda: ext.scheduler.function_ids == ["mine", "shared"], 10, "the pushed set to be replaced")
    shared = ext.scheduler.spec("shared")
    assert shared is not None
    assert shared.name == "from file"  # the file's own comes back
    ext.apply_config(
        eus_pb2.AgentConfig(
            generation=3,
            functions=[
                eus_pb2.FunctionSpec(
                    id="central", kind="file", interval_s=1, params={"path": str(marker), "max_age_s": "60"}
                )
            ],
        )
    )
    wait_for(
        lambda: bool([r for r in _flushed(parts) if r.id == "central"]), 20, "the pushed function to run"
    )
    ext.stop()
    parts.close()

    parts = AgentParts(state)  # a restart before the collector is reachable
    ext = parts.extension(section)
    assert {s.id for s in ext.specs} == {"mine", "shared", "central"}
    assert next(s for s in ext.specs if s.id == "central").source == "collector"
    parts.close()
    assert (state / "functions" / "pushed.binpb").stat().st_mode & 0o777 == 0o600


def _flushed(parts: AgentParts) -> list[eus_pb2.FunctionResult]:
    parts.batcher.flush()
    return [
        f
        for row in parts.spool.read_after(0, 100_000)
        for f in eus_pb2.Batch.FromString(row.payload).functions
    ]


def test_invalid_pushed_spec_is_reported_unknown(tmp_path: Path) -> None:
    parts = AgentParts(tmp_path / "state")
    ext = parts.extension({})
    ext.apply_config(
        eus_pb2.AgentConfig(
            functions=[eus_pb2.FunctionSpec(id="central", kind="tcp", interval_s=1, params={"host": "h"})]
        )
    )
    ext.start()
    try:
        wait_for(lambda: any(r.id == "central" for r in _flushed(parts)), 20, "a result")
    finally:
        ext.stop()
    result = next(r for r in _flushed(parts) if r.id == "central")
    parts.close()
    assert result.status == UNKNOWN
    assert result.message == "invalid function spec: port is required for kind 'tcp'"


def test_check_again_command_runs_the_function_now(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    marker.write_text("x")
    parts = AgentParts(tmp_path / "state")
    ext = parts.extension(
        {"backup": {"kind": "file", "path": str(marker), "max_age_s": 60, "interval_s": 3600}}
    )
    ext.start()
    try:
        wait_for(lambda: len([r for r in _flushed(parts) if r.id == "backup"]) == 1, 20, "the first run")
        marker.unlink()
        answer = ext.handle_command(eus_pb2.Command(id="c1", kind="functions.check", args={"id": "backup"}))
        unknown = ext.handle_command(eus_pb2.Command(id="c2", kind="functions.check", args={"id": "nope"}))
        other = ext.handle_command(eus_pb2.Command(id="c3", kind="agent.restart"))
    finally:
        ext.stop()
    assert answer is not None
    assert answer.ok
    assert answer.message == f"CRITICAL: missing: {marker}"
    assert unknown is not None
    assert not unknown.ok
    assert unknown.message == "no function 'nope' on this agent"
    assert other is None  # not ours: the agent asks the next extension
    results = [r for r in _flushed(parts) if r.id == "backup"]
    parts.close()
    assert [r.status for r in results] == [OK, CRITICAL]  # the on-demand run is in the history too


def test_disabled_section_creates_nothing(tmp_path: Path) -> None:
    parts = AgentParts(tmp_path / "state")
    try:
        assert (
            load_extensions(
                {"functions": {"enabled": "false"}},
                state_dir=parts.state,
                reports=parts.batcher,
                clock=time.time,
                modules=("agent.functions",),
            )
            == []
        )
    finally:
        parts.close()
