"""Garbage in: every parser raises ParseError with a specific message (never another exception),
and a source fed garbage becomes an UNKNOWN function while the other sources report."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from agent.inventory import (
    collect,
    dmidecode,
    dpkg,
    linux_cpu,
    linux_disks,
    linux_dmi,
    linux_nics,
    linux_os,
    macos_apps,
    macos_hw,
    macos_pkgutil,
    rpm,
    windows_hw,
    windows_registry,
    windows_regtext,
)
from agent.inventory.model import ParseError
from agent.inventory.sources import Source
from eus.v1 import eus_pb2

from ._support import FakeHost

BINARY = "\x00\x01\x02\xff garbage \x7f"

CASES: list[tuple[str, Callable[[], Any], str]] = [
    ("dmi empty", lambda: linux_dmi.parse({}), "no DMI identity fields"),
    ("dmi chassis", lambda: linux_dmi.parse({"sys_vendor": "Dell", "chassis_type": "tower"}), "chassis_type"),
    ("cpuinfo", lambda: linux_cpu.parse(BINARY), "no 'processor' entries"),
    ("cpu MHz", lambda: linux_cpu.parse("processor : 0\ncpu MHz : fast\n"), "cpu MHz is not a number"),
    ("os-release", lambda: linux_os.parse_os_release(BINARY, kernel="", arch=""), "not KEY=value"),
    ("meminfo", lambda: linux_os.parse_meminfo("MemFree: 12 kB\n"), "no MemTotal"),
    ("meminfo unit", lambda: linux_os.parse_meminfo("MemTotal: lots\n"), "MemTotal is not"),
    ("lsblk", lambda: linux_disks.parse(BINARY), "not JSON"),
    ("lsblk shape", lambda: linux_disks.parse('{"devices": []}'), "no 'blockdevices'"),
    (
        "lsblk size",
        lambda: linux_disks.parse('{"blockdevices":[{"name":"sda","type":"disk","size":"big"}]}'),
        "size",
    ),
    ("ip", lambda: linux_nics.parse("<html>", {}), "not JSON"),
    ("ip shape", lambda: linux_nics.parse('{"eth0": 1}', {}), "not a list"),
    ("dpkg", lambda: dpkg.parse("adduser 3.134 all\n"), "expected 5 tab-separated fields"),
    ("dpkg empty", lambda: dpkg.parse(""), "no installed package"),
    ("rpm", lambda: rpm.parse("bash\n"), "not name-version-release"),
    ("rpm spaces", lambda: rpm.parse("error: rpmdb open failed\n"), "unexpected spaces"),
    ("dmidecode", lambda: dmidecode.parse(BINARY), "not dmidecode output"),
    ("reg export", lambda: windows_regtext.parse_export(BINARY), "neither a [key]"),
    (
        "reg export empty",
        lambda: windows_regtext.parse_export("Windows Registry Editor Version 5.00\n"),
        "no [registry key]",
    ),
    (
        "reg query",
        lambda: windows_regtext.parse_query("ERROR: The system was unable to find the key\n"),
        "not '    name",
    ),
    (
        "uninstall keys",
        lambda: windows_registry.packages([windows_regtext.RegKey(r"HKEY_LOCAL_MACHINE\X")]),
        "no SOFTWARE",
    ),
    ("windows hw", lambda: windows_hw.parse([]), "none of the BIOS"),
    ("system_profiler", lambda: macos_hw.parse(BINARY), "not JSON"),
    ("system_profiler shape", lambda: macos_hw.parse('{"SPSoftwareDataType": []}'), "no SPHardwareDataType"),
    (
        "pkgutil ids",
        lambda: macos_pkgutil.parse_pkgs("No receipt for 'x' found at '/'.\n"),
        "not a package id",
    ),
    ("pkg-info", lambda: macos_pkgutil.parse_pkg_info(BINARY.encode()), "not a property list"),
    ("Info.plist", lambda: macos_apps.parse_info_plist(b"<plist><dict>", "X.app"), "X.app: Info.plist"),
]


@pytest.mark.parametrize(("case", "call", "message"), CASES, ids=[c[0] for c in CASES])
def test_garbage_is_a_parse_error_with_a_clear_message(
    case: str, call: Callable[[], Any], message: str
) -> None:
    with pytest.raises(ParseError, match=None) as info:
        call()
    assert message in str(info.value), f"{case}: {info.value}"


def test_a_garbage_source_is_unknown_and_the_others_still_report() -> None:
    host = FakeHost(
        commands={"dpkg-query": "<html>502 Bad Gateway</html>\n"},
        files={"/proc/meminfo": "MemTotal: 1024 kB\n"},
    )

    def explode(_io: object) -> list[Any]:
        raise KeyError("surprise")

    sources = [
        Source("dpkg", ("linux",), dpkg.read),
        Source("memory", ("linux",), linux_os.read_memory),
        Source("broken", ("linux",), explode),
        Source("rpm", ("linux",), rpm.read),  # not installed: skipped, no function result
    ]
    outcomes = collect.run_sources(sources, host, time.time)
    assert [(o.source, o.error is None, o.skipped) for o in outcomes] == [
        ("dpkg", False, False),
        ("memory", True, False),
        ("broken", False, False),
        ("rpm", True, True),
    ]
    results = {r.id: r for r in collect.function_results(outcomes)}
    assert set(results) == {"inventory:dpkg", "inventory:memory", "inventory:broken"}
    assert results["inventory:dpkg"].status == eus_pb2.HEALTH_UNKNOWN
    assert results["inventory:dpkg"].kind == "inventory"
    assert results["inventory:dpkg"].message.startswith(
        "dpkg could not be read: unexpected output: dpkg-query line 1"
    )
    assert results["inventory:broken"].message == "broken could not be read: KeyError: 'surprise'"
    assert results["inventory:memory"].status == eus_pb2.HEALTH_OK
    assert results["inventory:memory"].metrics["items"] == 1.0
