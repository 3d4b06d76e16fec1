"""What each role's install weighs on disk, the agent's against the collector's in the same run.

    python -m bench.install_size

Builds the wheel from this tree, installs it into two fresh virtual environments as an
operator would (``pip install eus.whl`` on every customer PC; ``pip install 'eus.whl[collector]'``
on the collector host) and prints the size of what each install added: the environment's
``site-packages`` less pip and setuptools, which every virtual environment carries anyway.
Target: the agent-only install <= 60 MB.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# What `python -m venv` puts in every environment: not part of EUS's install.
VENV_OWN = ("pip", "setuptools", "pkg_resources", "_distutils_hack", "distutils-precedence.pth")
TARGET_AGENT_MB = 60.0


def _tree_bytes(path: Path) -> int:
    if path.is_file() or path.is_symlink():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def installed_bytes(venv: Path) -> int:
    """Bytes in site-packages, less what every virtual environment holds."""
    (site,) = venv.glob("lib/python3*/site-packages")
    total = 0
    for entry in site.iterdir():
        if entry.name.startswith(VENV_OWN) and not entry.name.startswith("pysnmp"):
            continue
        total += _tree_bytes(entry)
    return total


def install(root: Path, requirement: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    subprocess.run([str(root / "bin" / "python"), "-m", "pip", "install", "--quiet", requirement], check=True)
    return root


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="eus-install-size-") as tmp:
        work = Path(tmp)
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(work), str(REPO)],
            check=True,
        )
        (wheel,) = work.glob("eus-*.whl")
        agent = installed_bytes(install(work / "agent", str(wheel))) / 1e6
        collector = installed_bytes(install(work / "collector", f"{wheel}[collector]")) / 1e6
    print(f"{'install':<34}{'MB on disk':>12}{'ratio':>8}")
    print(f"{'collector (pip install .[collector])':<34}{collector:>12.1f}{1.0:>8.2f}")
    print(f"{'agent only (pip install .)':<34}{agent:>12.1f}{agent / collector:>8.2f}")
    verdict = "met" if agent <= TARGET_AGENT_MB else "NOT met"
    print(f"target: agent-only install <= {TARGET_AGENT_MB:.0f} MB: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
