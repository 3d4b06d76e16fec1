"""Agent extensions: loading, fencing failures, reports riding in spooled batches."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from support.fake_extension import FakeExtension

from agent.batcher import Batcher
from agent.config import load
from agent.extensions import ExtensionError, load_extensions
from agent.series import SeriesRegistry
from agent.spool import Spool
from eus.v1 import eus_pb2


def _batcher(tmp_path: Path) -> tuple[Spool, Batcher]:
    spool = Spool(tmp_path / "spool.sqlite3", max_bytes=1 << 20, max_age_s=3600)
    return spool, Batcher(spool, SeriesRegistry(spool), flush_interval_s=60)


def test_enabled_extension_loads_with_its_section_and_broken_ones_are_skipped(tmp_path: Path) -> None:
    spool, batcher = _batcher(tmp_path)
    exts = load_extensions(
        {"fake_extension": {"enabled": True}},
        state_dir=tmp_path,
        reports=batcher,
        clock=time.time,
        modules=("support.broken_extension", "support.fake_extension"),
    )
    assert len(exts) == 1
    ext = exts[0]
    assert isinstance(ext, FakeExtension)
    assert ext.ctx.settings == {"enabled": True}
    ext.start()
    assert batcher.flush() == 1
    rows = spool.read_after(0, 10)
    batch = eus_pb2.Batch.FromString(rows[0].payload)
    assert [f.id for f in batch.functions] == ["fake:1"]
    assert batch.functions[0].status == eus_pb2.HEALTH_OK
    assert batcher.flush() == 0  # reports are sent once
    spool.close()


def test_disabled_extension_is_not_created_and_invalid_config_is_an_error(tmp_path: Path) -> None:
    _, batcher = _batcher(tmp_path)
    kw = {
        "state_dir": tmp_path,
        "reports": batcher,
        "clock": time.time,
        "modules": ("support.fake_extension",),
    }
    assert load_extensions({"fake_extension": {"enabled": "false"}}, **kw) == []  # type: ignore[arg-type]
    with pytest.raises(ExtensionError, match="invalid is set"):
        load_extensions({"fake_extension": {"invalid": True}}, **kw)  # type: ignore[arg-type]


def test_extension_sections_come_from_file_and_environment(tmp_path: Path) -> None:
    cfg_file = tmp_path / "agent.toml"
    cfg_file.write_text("[snmp]\ntrap_port = 1162\n[functions]\ninterval_s = 30\n")
    cfg = load(cfg_file, env={"EUS_AGENT_SNMP_TRAP_HOST": "127.0.0.1"})
    assert cfg.extensions["snmp"] == {"trap_port": 1162, "trap_host": "127.0.0.1"}
    assert cfg.extensions["functions"] == {"interval_s": 30}


def test_flush_reports_what_could_not_be_spooled(tmp_path: Path) -> None:
    from agent.batcher import SpoolWriteError

    spool, batcher = _batcher(tmp_path)
    spool.close()  # an unusable spool: every write fails
    batcher.put_report(events=[eus_pb2.Event(kind="test", message="lost")])
    with pytest.raises(SpoolWriteError, match="could not be spooled"):
        batcher.flush()
    assert batcher.flush() == 0  # reported once; nothing pending any more
