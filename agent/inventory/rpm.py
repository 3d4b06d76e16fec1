"""Installed RPM packages from ``rpm -qa``.

Each line is ``name-version-release.arch`` (rpm's own default query format), optionally
followed by a tab and the vendor. Names may contain dashes but versions and releases may not,
so the line splits unambiguously from the right. ``gpg-pubkey`` entries are imported signing
keys, not software.
"""

from __future__ import annotations

import re

from agent.inventory.facade import HostIO
from agent.inventory.model import Item, ParseError, keyed_by_arch, meaningful

RPM_QA = ("rpm", "--query", "--all", "--queryformat", r"%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\t%{VENDOR}\n")
_ARCH = re.compile(
    r"\.(x86_64|noarch|i[3-6]86|aarch64|armv7hl|armv7l|armv6hl|ppc64le|ppc64|ppc|s390x|s390|riscv64|src|\(none\))$"
)
_NOT_SOFTWARE = frozenset({"gpg-pubkey"})


def split_nevra(nevra: str, number: int) -> tuple[str, str, str]:
    """``(name, version-release, arch)`` of ``name-version-release[.arch]``."""
    arch = ""
    match = _ARCH.search(nevra)
    if match:
        arch = match.group(1)
        nevra = nevra[: match.start()]
    parts = nevra.rsplit("-", 2)
    if len(parts) != 3 or not all(parts):
        raise ParseError(f"rpm line {number}: not name-version-release.arch: {nevra[:60]!r}")
    name, version, release = parts
    return name, f"{version}-{release}", "" if arch == "(none)" else arch


def parse(text: str) -> list[Item]:
    rows: list[tuple[str, str, dict[str, str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        nevra, _, vendor = line.strip().partition("\t")
        if " " in nevra:
            raise ParseError(f"rpm line {number}: unexpected spaces: {line[:60]!r}")
        name, version, arch = split_nevra(nevra, number)
        if name in _NOT_SOFTWARE:
            continue
        attrs = {"version": version, "arch": arch, "source": "rpm", "publisher": meaningful(vendor)}
        rows.append((name, arch, {k: v for k, v in attrs.items() if v}))
    if not rows:
        raise ParseError("rpm listed no installed package")
    return keyed_by_arch(rows)


def read(io: HostIO) -> list[Item]:
    return parse(io.run(RPM_QA, timeout_s=120))
