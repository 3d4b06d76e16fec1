"""Version ordering per packaging system, and its errors."""

from __future__ import annotations

import pytest

from collector.inventory.versions import Scheme, VersionError, compare_versions, scheme_for, validate_version


@pytest.mark.parametrize(
    ("a", "b", "scheme", "expected"),
    [
        ("1.0", "1.0", Scheme.DEBIAN, 0),
        ("1.0", "1.0.1", Scheme.DEBIAN, -1),
        ("1.10", "1.9", Scheme.DEBIAN, 1),
        ("1.0~rc1", "1.0", Scheme.DEBIAN, -1),
        ("1:0.1", "9.9", Scheme.DEBIAN, 1),
        ("2.36-9+deb12u4", "2.36-9+deb12u10", Scheme.DEBIAN, -1),
        ("1.0-1", "1.0-1ubuntu1", Scheme.DEBIAN, -1),
        ("1.2.3-4", "1.2.3-5", Scheme.RPM, -1),
        ("2:1.0-1", "1:9.9-1", Scheme.RPM, 1),
        ("1.0~rc1-1", "1.0-1", Scheme.RPM, -1),
        ("1.0^git1-1", "1.0-1", Scheme.RPM, 1),
        ("1.0rc1", "1.0", Scheme.PEP440, -1),
        ("1.0", "1.0.0", Scheme.PEP440, 0),
        ("2.0.post1", "2.0", Scheme.PEP440, 1),
    ],
)
def test_compare_versions(a: str, b: str, scheme: Scheme, expected: int) -> None:
    assert compare_versions(a, b, scheme) == expected
    assert compare_versions(b, a, scheme) == -expected


@pytest.mark.parametrize(
    ("version", "scheme", "message"),
    [
        ("", Scheme.DEBIAN, "empty version"),
        ("   ", Scheme.RPM, "empty version"),
        ("1 0", Scheme.DEBIAN, "not a Debian version"),
        ("x:1", Scheme.DEBIAN, "not a Debian version"),
        ("not-a-version!", Scheme.PEP440, "not a PEP 440 version"),
    ],
)
def test_bad_versions_are_named(version: str, scheme: Scheme, message: str) -> None:
    with pytest.raises(VersionError, match=message):
        validate_version(version, scheme)


@pytest.mark.parametrize(
    ("source", "scheme"),
    [
        ("dpkg", Scheme.DEBIAN),
        ("RPM", Scheme.RPM),
        ("dnf", Scheme.RPM),
        ("pip", Scheme.PEP440),
        ("", Scheme.DEBIAN),
        ("snap", Scheme.DEBIAN),
    ],
)
def test_scheme_for(source: str, scheme: Scheme) -> None:
    assert scheme_for(source) is scheme
