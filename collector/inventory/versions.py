"""Package version ordering as each packaging system defines it.

Debian versions (``epoch:upstream-revision``, ``~`` before everything) are compared with
python-debian's implementation of dpkg's algorithm, RPM EVRs with the ``rpm-version``
bindings (RPM's own ``rpmvercmp`` rules, including ``~`` and ``^``), and Python
distributions with ``packaging`` (PEP 440). Hand-written comparators get exactly the
corner cases wrong that matter for "below version Y" (``1.0~rc1`` < ``1.0``,
``2:0.9`` > ``1:9``), so none is written here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from debian.debian_support import Version as DebianVersion
from packaging.version import InvalidVersion
from packaging.version import Version as Pep440Version
from rpm_version import evr_compare  # type: ignore[import-untyped]


class Scheme(enum.StrEnum):
    """How a package's versions are ordered."""

    DEBIAN = "debian"
    RPM = "rpm"
    PEP440 = "pep440"


class VersionError(ValueError):
    """A version string the scheme cannot parse."""


# The agent's ``source`` attribute of a package (which package manager reported it) ->
# the ordering that package manager uses.
SOURCE_SCHEMES: Mapping[str, Scheme] = {
    "dpkg": Scheme.DEBIAN,
    "deb": Scheme.DEBIAN,
    "apt": Scheme.DEBIAN,
    "rpm": Scheme.RPM,
    "yum": Scheme.RPM,
    "dnf": Scheme.RPM,
    "zypper": Scheme.RPM,
    "pip": Scheme.PEP440,
    "pypi": Scheme.PEP440,
    "python": Scheme.PEP440,
}


def scheme_for(source: str) -> Scheme:
    """The ordering for a package reported by ``source``. Unknown sources get dpkg's
    algorithm: it orders dotted numeric versions with letters and suffixes sensibly."""
    return SOURCE_SCHEMES.get(source.strip().lower(), Scheme.DEBIAN)


def _sign(n: int) -> int:
    return (n > 0) - (n < 0)


def compare_versions(a: str, b: str, scheme: Scheme = Scheme.DEBIAN) -> int:
    """-1, 0 or 1 as ``a`` is lower than, equal to or higher than ``b``.

    Raises :class:`VersionError` naming the string that does not parse.
    """
    for v in (a, b):
        if not v.strip():
            raise VersionError("empty version")
    if scheme is Scheme.RPM:
        return _sign(int(evr_compare(a.strip(), b.strip())))
    if scheme is Scheme.PEP440:
        try:
            pa, pb = Pep440Version(a), Pep440Version(b)
        except InvalidVersion as exc:
            raise VersionError(f"not a PEP 440 version: {exc}") from None
        return (pa > pb) - (pa < pb)
    try:
        da = DebianVersion(a.strip())
        db = DebianVersion(b.strip())
    except ValueError as exc:
        raise VersionError(f"not a Debian version: {exc}") from None
    return (da > db) - (da < db)


def validate_version(v: str, scheme: Scheme = Scheme.DEBIAN) -> str:
    """``v`` stripped, or :class:`VersionError` when the scheme cannot parse it."""
    compare_versions(v, v, scheme)
    return v.strip()
