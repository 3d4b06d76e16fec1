"""The committed ``eus.v1`` package must be exactly what the generator makes from ``proto/``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_generated_code_matches_the_contract(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("gen_proto", REPO / "scripts" / "gen_proto.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    sys.modules["gen_proto"] = gen
    spec.loader.exec_module(gen)
    produced = gen.generate(tmp_path)
    assert produced, "the generator produced nothing"
    stale = []
    for path in produced:
        rel = path.relative_to(tmp_path)
        committed = REPO / rel
        if not committed.exists() or committed.read_bytes() != path.read_bytes():
            stale.append(str(rel))
    # eus/ itself also holds hand-written modules beside the generated package (the vocabulary,
    # eus/names.py ...); everything under eus/v1 is generated.
    committed_files = {
        p.relative_to(REPO)
        for p in (REPO / "eus" / "v1").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    extra = committed_files - {p.relative_to(tmp_path) for p in produced}
    assert not stale, f"generated code is stale, run `make gen`: {stale}"
    assert not extra, f"files in eus/v1 that the generator does not make: {sorted(map(str, extra))}"
