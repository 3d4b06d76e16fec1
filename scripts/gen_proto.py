"""Regenerate the Python package ``eus.v1`` from ``proto/eus/v1/*.proto``.

The generated code is committed (so an installed wheel needs no protoc) and is never
edited by hand. ``tests/test_proto_fresh.py`` runs :func:`generate` into a temporary
directory and fails when the committed files differ.

Usage: ``python scripts/gen_proto.py [OUTPUT_ROOT]`` (default: the repository root).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROTO_ROOT = REPO / "proto"


def generate(out_root: Path) -> list[Path]:
    """Generate code, stubs and package markers under ``out_root/eus/v1``."""
    from grpc_tools import protoc  # imported lazily: only the generator needs it

    protos = sorted(PROTO_ROOT.glob("eus/v1/*.proto"))
    include = Path(protoc.__file__).parent / "_proto"
    bindir = Path(sys.executable).parent  # mypy-protobuf's plugins live beside python
    out_root.mkdir(parents=True, exist_ok=True)
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{include}",
        f"--plugin=protoc-gen-mypy={bindir / 'protoc-gen-mypy'}",
        f"--plugin=protoc-gen-mypy_grpc={bindir / 'protoc-gen-mypy_grpc'}",
        f"--python_out={out_root}",
        f"--grpc_python_out={out_root}",
        f"--mypy_out={out_root}",
        f"--mypy_grpc_out={out_root}",
        *[str(p) for p in protos],
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for pkg in (out_root / "eus", out_root / "eus" / "v1"):
        init = pkg / "__init__.py"
        init.write_text('"""Generated from proto/eus/v1 by scripts/gen_proto.py; do not edit."""\n')
        (pkg / "py.typed").write_text("")
    return sorted((out_root / "eus").rglob("*.py*")) + sorted((out_root / "eus").rglob("py.typed"))


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO
    for path in generate(target):
        print(path.relative_to(target))
