"""Installed Debian packages from ``dpkg-query``.

Only packages whose status is ``installed`` count: a package removed with its configuration
files left behind (``config-files``) is gone as far as anyone using the machine can tell.
"""

from __future__ import annotations

from agent.inventory.facade import HostIO
from agent.inventory.model import Item, ParseError, keyed_by_arch

FORMAT = r"${Package}\t${Version}\t${Architecture}\t${db:Status-Status}\t${Maintainer}\n"
DPKG_QUERY = ("dpkg-query", "--show", f"--showformat={FORMAT}")
_FIELDS = 5


def publisher(maintainer: str) -> str:
    """The name part of ``Name <email>``."""
    name, _, _ = maintainer.partition("<")
    return name.strip() or maintainer.strip()


def parse(text: str) -> list[Item]:
    rows: list[tuple[str, str, dict[str, str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != _FIELDS:
            raise ParseError(
                f"dpkg-query line {number}: expected {_FIELDS} tab-separated fields, got {len(fields)}: "
                f"{line[:60]!r}"
            )
        name, version, arch, status, maintainer = fields
        if not name:
            raise ParseError(f"dpkg-query line {number}: empty package name")
        if status != "installed":
            continue
        attrs = {"version": version, "arch": arch, "source": "dpkg", "publisher": publisher(maintainer)}
        rows.append((name, arch, attrs))
    if not rows:
        raise ParseError("dpkg-query listed no installed package")
    return keyed_by_arch(rows)


def read(io: HostIO) -> list[Item]:
    return parse(io.run(DPKG_QUERY, timeout_s=120))
