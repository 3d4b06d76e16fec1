"""Windows and macOS parsers, which cannot run here, on output captured from real machines."""

from __future__ import annotations

import json

import pytest

from agent.inventory import macos_apps, macos_hw, macos_pkgutil, windows_hw, windows_registry, windows_regtext
from agent.inventory.model import Item, NotApplicable

from ._support import FIXTURES, FakeHost, fixture


def _as_tuples(items: list[Item]) -> list[tuple[str, str, dict[str, str]]]:
    return [(i.kind, i.key, dict(i.attrs)) for i in items]


def test_uninstall_export_native_and_32bit_views() -> None:
    keys = windows_regtext.parse_export(fixture("uninstall_export_logicdaemon.reg"))
    assert _as_tuples(windows_registry.packages(keys)) == [
        (
            "package",
            "Java 8 Update 66",
            {"version": "8.0.660.18", "arch": "x86", "source": "winreg", "publisher": "Oracle Corporation"},
        ),
        (
            "package",
            "Punto Switcher 4.1.1",
            {"version": "4.1.1.479", "arch": "x64", "source": "winreg", "publisher": "Яндекс"},
        ),
        (
            "package",
            "Mozilla Firefox 44.0 (x86 ru)",
            {"version": "44.0", "arch": "x86", "source": "winreg", "publisher": "Mozilla"},
        ),
    ]
    java = next(k for k in keys if k.name.startswith("{26A24AE4"))
    assert java.values["EstimatedSize"] == 0x163AE
    assert java.values["InstallLocation"] == "C:\\Program Files (x86)\\Java\\jre1.8.0_66\\"


def test_uninstall_export_as_regedit_writes_it_utf16() -> None:
    text = (FIXTURES / "uninstall_export_genshin_utf16.reg").read_bytes().decode("utf-16")
    assert _as_tuples(windows_registry.packages(windows_regtext.parse_export(text))) == [
        (
            "package",
            "原神",
            {"version": "2.23.0.0", "arch": "x64", "source": "winreg", "publisher": "miHoYo Co.,Ltd"},
        )
    ]


def test_hidden_entries_are_left_out_and_both_views_get_arch_keys() -> None:
    base = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall"
    wow = r"HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall"
    keys = [
        windows_regtext.RegKey(f"{base}\\7-Zip", {"DisplayName": "7-Zip", "DisplayVersion": "24.09"}),
        windows_regtext.RegKey(f"{wow}\\7-Zip", {"DisplayName": "7-Zip", "DisplayVersion": "24.09"}),
        windows_regtext.RegKey(f"{base}\\Runtime", {"DisplayName": "Runtime", "SystemComponent": 1}),
        windows_regtext.RegKey(f"{base}\\KB123", {"DisplayName": "Update", "ParentKeyName": "Office"}),
        windows_regtext.RegKey(f"{base}\\NoName", {"UninstallString": "x.exe"}),
    ]
    assert [i.key for i in windows_registry.packages(keys)] == ["7-Zip:x64", "7-Zip:x86"]


def test_windows_hardware_from_reg_query_captures() -> None:
    keys = [
        *windows_regtext.parse_query(fixture("reg_query_bios_thinkpad_t14.txt")),
        *windows_regtext.parse_query(fixture("reg_query_cpu0_i9_12900h.txt")),
        *windows_regtext.parse_query(fixture("reg_query_currentversion_win10_22h2.txt")),
    ]
    assert _as_tuples(windows_hw.parse(keys, arch="AMD64", memory_bytes=34359738368)) == [
        ("system", "system", {"vendor": "LENOVO", "model": "21CB", "family": "ThinkPad T14 Gen 3"}),
        ("bios", "bios", {"date": "05/14/2024"}),
        ("cpu", "0", {"model": "12th Gen Intel(R) Core(TM) i9-12900H", "threads": "1"}),
        (
            "os",
            "os",
            {"name": "Windows 10 Enterprise", "version": "22H2", "kernel": "10.0.19045", "arch": "AMD64"},
        ),
        ("memory", "total", {"bytes": "34359738368"}),
    ]


def test_windows_11_still_says_windows_10_in_the_registry() -> None:
    keys = windows_regtext.parse_query(fixture("reg_query_currentversion_win11_23h2.txt"))
    assert _as_tuples(windows_hw.parse(keys, arch="AMD64")) == [
        (
            "os",
            "os",
            {"name": "Windows 11 Pro", "version": "23H2", "kernel": "10.0.22631.4460", "arch": "AMD64"},
        )
    ]


def test_windows_readers_are_not_applicable_elsewhere() -> None:
    with pytest.raises(NotApplicable):
        windows_registry.read(FakeHost(platform="linux"))
    with pytest.raises(NotApplicable):
        windows_hw.read(FakeHost(platform="linux"))


def test_system_profiler_apple_silicon() -> None:
    assert _as_tuples(macos_hw.parse(fixture("system_profiler_hw_macbookpro_m2.json"), arch="arm64")) == [
        (
            "system",
            "system",
            {
                "vendor": "Apple Inc.",
                "model": "MacBook Pro (Mac14,7)",
                "version": "Z16T0004TJ/A",
                "serial": "D5XQV1FMFJ",
                "uuid": "d26e7bc6-425e-51c2-87c5-0b902782b60d",
                "chassis": "Laptop",
            },
        ),
        ("bios", "bios", {"vendor": "Apple Inc.", "version": "10151.61.4"}),
        ("cpu", "0", {"model": "Apple M2", "cores": "8", "threads": "8"}),
        ("memory", "total", {"bytes": "17179869184"}),
    ]


def test_system_profiler_virtual_mac_with_software_report() -> None:
    # Two published captures (a macOS VM's hardware report, a Mac's software report) as one
    # document, which is what one system_profiler call with both data types prints.
    doc = {
        **json.loads(fixture("system_profiler_hw_virtualmac.json")),
        **json.loads(fixture("system_profiler_sw_macos12.json")),
    }
    items = {i.kind: dict(i.attrs) for i in macos_hw.parse(json.dumps(doc), arch="arm64")}
    assert items["cpu"] == {"cores": "6", "threads": "6"}  # chip_type "Unknown" is no model
    assert items["os"] == {"name": "macOS", "version": "12.3 (21E230)", "kernel": "21.4.0", "arch": "arm64"}
    assert items["memory"] == {"bytes": "15032385536"}
    assert "chassis" not in items["system"]


def test_pkgutil_ids_and_receipts() -> None:
    ids = macos_pkgutil.parse_pkgs(fixture("pkgutil_pkgs_cltools.txt"))
    assert ids == [
        "com.apple.pkg.CLTools_Executables",
        "com.apple.pkg.CLTools_SDK_OSX1012",
        "com.apple.pkg.CLTools_SDK_macOSSDK",
        "com.apple.pkg.CLTools_SDK_macOS1013",
    ]
    receipt = macos_pkgutil.parse_pkg_info((FIXTURES / "pkgutil_pkg_info_mobileassets.plist").read_bytes())
    assert (receipt.kind, receipt.key, dict(receipt.attrs)) == (
        "package",
        "com.apple.pkg.MobileAssets",
        {"version": "1.0.0.0.1645860813", "source": "pkgutil", "location": "/"},
    )


def test_pkgutil_reader_runs_one_query_per_package() -> None:
    plist = fixture("pkgutil_pkg_info_mobileassets.plist")
    host = FakeHost(
        platform="darwin",
        commands={"pkgutil": lambda: plist if len(host.calls) > 1 else "com.apple.pkg.MobileAssets\n"},
    )
    assert [i.key for i in macos_pkgutil.read(host)] == ["com.apple.pkg.MobileAssets"]
    assert host.calls == [
        ("pkgutil", "--pkgs"),
        ("pkgutil", "--pkg-info-plist", "com.apple.pkg.MobileAssets"),
    ]


def test_app_bundle_info_plist_and_a_damaged_bundle_is_skipped() -> None:
    data = (FIXTURES / "info_plist_worms_wmd.plist").read_bytes()
    app = macos_apps.parse_info_plist(data, "Worms W.M.D.app")
    assert (app.kind, app.key, dict(app.attrs)) == (
        "package",
        "Worms W.M.D",
        {"version": "1.0", "source": "app"},
    )
    host = FakeHost(
        platform="darwin",
        dirs={"/Applications": ["Broken.app", "Worms W.M.D.app", "notes.txt"]},
        files={
            "/Applications/Worms W.M.D.app/Contents/Info.plist": data.decode(),
            "/Applications/Broken.app/Contents/Info.plist": "<plist><dict><key>",
        },
    )
    assert [i.key for i in macos_apps.read(host)] == ["Worms W.M.D"]
