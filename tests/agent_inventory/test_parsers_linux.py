"""Linux parsers on output captured from real machines (see fixtures/README.md): exact items."""

from __future__ import annotations

import json

import pytest

from agent.inventory import dmidecode, dpkg, linux_cpu, linux_disks, linux_dmi, linux_nics, linux_os, rpm
from agent.inventory.model import Item, NotApplicable

from ._support import dmi_values, fixture


def _as_tuples(items: list[Item]) -> list[tuple[str, str, dict[str, str]]]:
    return [(i.kind, i.key, dict(i.attrs)) for i in items]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "dmi_virtualbox_root.txt",
            [
                (
                    "system",
                    "system",
                    {
                        "vendor": "innotek GmbH",
                        "model": "VirtualBox",
                        "version": "1.2",
                        # product_serial "0" is a placeholder, not a serial number
                        "uuid": "762a99bf-6916-450f-80a6-b2e9e78fc9a1",
                    },
                ),
                ("bios", "bios", {"vendor": "innotek GmbH", "version": "VirtualBox", "date": "12/01/2006"}),
            ],
        ),
        (
            # not root: serial and uuid were "Permission denied" and are simply absent
            "dmi_acer_switch_nonroot.txt",
            [
                (
                    "system",
                    "system",
                    {"vendor": "Acer", "model": "Switch SA5-271", "version": "V1.06", "chassis": "Tablet"},
                ),
                ("bios", "bios", {"vendor": "Insyde Corp.", "version": "V1.06", "date": "04/16/2018"}),
            ],
        ),
    ],
)
def test_dmi(name: str, expected: list[tuple[str, str, dict[str, str]]]) -> None:
    assert _as_tuples(linux_dmi.parse(dmi_values(fixture(name)))) == expected


def test_cpu_groups_by_package_and_prefers_cpufreq_max() -> None:
    text = fixture("cpuinfo_epyc_vm.txt")
    assert _as_tuples(linux_cpu.parse(text)) == [
        ("cpu", "0", {"model": "AMD EPYC", "cores": "2", "threads": "2", "mhz": "2596"})
    ]
    # with a cpufreq driver the fixed maximum wins over the moving "cpu MHz"
    assert linux_cpu.parse(text, "3700000\n")[0].attrs["mhz"] == "3700"
    # two sockets: the same capture with the second processor moved to physical id 1
    two = text.replace("physical id\t: 0", "physical id\t: 1", 2).replace(
        "physical id\t: 1", "physical id\t: 0", 1
    )
    assert [(i.key, i.attrs["threads"]) for i in linux_cpu.parse(two)] == [("0", "1"), ("1", "1")]


def test_os_release_and_meminfo() -> None:
    assert _as_tuples(
        linux_os.parse_os_release(fixture("os-release_debian12.txt"), kernel="6.1.0-18", arch="x86_64")
    ) == [
        (
            "os",
            "os",
            {"name": "Debian GNU/Linux", "version": "12 (bookworm)", "kernel": "6.1.0-18", "arch": "x86_64"},
        )
    ]
    assert _as_tuples(linux_os.parse_meminfo(fixture("meminfo_debian12_vm.txt"))) == [
        ("memory", "total", {"bytes": "25276502016"})
    ]


def test_lsblk_keeps_real_disks_keyed_by_serial_else_name() -> None:
    # zram0 (swap in RAM) is in the capture and is not hardware
    assert _as_tuples(linux_disks.parse(fixture("lsblk_debian12_vm.json"))) == [
        ("disk", "vda", {"device": "/dev/vda", "size_bytes": "274877906944", "rotational": "true"})
    ]
    older = json.dumps(  # lsblk < 2.33: numbers and flags as strings
        {
            "blockdevices": [
                {
                    "name": "sda",
                    "type": "disk",
                    "model": "Samsung SSD 860",
                    "serial": "S3Z9NB0K",
                    "size": "500107862016",
                    "rota": "0",
                }
            ]
        }
    )
    assert _as_tuples(linux_disks.parse(older)) == [
        (
            "disk",
            "S3Z9NB0K",
            {
                "device": "/dev/sda",
                "model": "Samsung SSD 860",
                "serial": "S3Z9NB0K",
                "size_bytes": "500107862016",
                "rotational": "false",
            },
        )
    ]


def test_nics_only_device_backed_interfaces() -> None:
    text = fixture("ip_addr_debian12_vm.json")
    # lo and the ifb devices have no /sys/class/net/<if>/device: not hardware
    assert _as_tuples(linux_nics.parse(text, {"eth0": None})) == [
        (
            "nic",
            "eth0",
            {
                "mac": "02:fc:00:00:00:01",
                "addresses": "192.0.2.2/24,fd00::2/64,fe80::fc:ff:fe00:1/64",
                "mtu": "1400",
            },
        )
    ]
    assert linux_nics.parse(text, {"eth0": 10000})[0].attrs["speed_mbps"] == "10000"


def test_dpkg_full_capture_and_multiarch_keys() -> None:
    text = fixture("dpkg_debian12_full.txt")
    items = {i.key: dict(i.attrs) for i in dpkg.parse(text)}
    assert len(items) == 850
    assert items["adduser"] == {
        "version": "3.134",
        "arch": "all",
        "source": "dpkg",
        "publisher": "Debian Adduser Developers",
    }
    # multi-arch: the same name twice becomes name:arch; removed-with-config is not installed
    first = text.splitlines()[4]  # appstream ... amd64
    extra = (
        first.replace("\tamd64\t", "\ti386\t")
        + "\n"
        + first.replace("appstream", "gone").replace("\tinstalled\t", "\tconfig-files\t")
    )
    keys = {i.key for i in dpkg.parse(text + extra + "\n")}
    assert {"appstream:amd64", "appstream:i386"} <= keys
    assert "appstream" not in keys
    assert "gone" not in keys


@pytest.mark.parametrize(
    ("name", "count", "key", "attrs"),
    [
        (
            "rpm_qa_centos79.txt",
            37,
            "glibc-common",
            {"version": "2.17-317.el7", "arch": "x86_64", "source": "rpm"},
        ),
        (
            "rpm_qa_centos79.txt",
            37,
            "python-slip-dbus",
            {"version": "0.4.0-4.el7", "arch": "noarch", "source": "rpm"},
        ),
        (
            "rpm_qa_centos79.txt",
            37,
            "yum",
            {"version": "3.4.3-168.el7.centos", "arch": "noarch", "source": "rpm"},
        ),
        (
            "rpm_qa_centos9stream_aarch64.txt",
            20,
            "dracut",
            {"version": "057-21.git20230214.el9", "arch": "aarch64", "source": "rpm"},
        ),
    ],
)
def test_rpm(name: str, count: int, key: str, attrs: dict[str, str]) -> None:
    items = {i.key: dict(i.attrs) for i in rpm.parse(fixture(name))}
    assert len(items) == count
    assert items[key] == attrs


def test_rpm_vendor_multilib_and_signing_keys() -> None:
    text = (
        "glibc-2.28-211.el8.x86_64\tRed Hat, Inc.\n"
        "glibc-2.28-211.el8.i686\tRed Hat, Inc.\n"
        "gpg-pubkey-fd431d51-4ae0493b.(none)\t(none)\n"
    )
    assert _as_tuples(rpm.parse(text)) == [
        (
            "package",
            "glibc:x86_64",
            {"version": "2.28-211.el8", "arch": "x86_64", "source": "rpm", "publisher": "Red Hat, Inc."},
        ),
        (
            "package",
            "glibc:i686",
            {"version": "2.28-211.el8", "arch": "i686", "source": "rpm", "publisher": "Red Hat, Inc."},
        ),
    ]


def _module(serial: str, locator: str, size: str = "34359738368") -> tuple[str, str, dict[str, str]]:
    return (
        "memory_module",
        locator,
        {
            "size_bytes": size,
            "type": "DDR4",
            "speed": "3200 MT/s",
            "manufacturer": "002C0632002C",
            "serial": serial,
            "part": "36ASF4G72PZ-3G2J3",
        },
    )


def test_dmidecode_memory_modules_skip_empty_slots() -> None:
    assert _as_tuples(dmidecode.parse(fixture("dmidecode_t17_dell_rack.txt"))) == [
        _module("29DE07DF", "A1"),
        _module("29DDF849", "A2"),
        _module("29DE048B", "A4"),
        _module("29DDF892", "A5"),
        _module("29DE04C9", "B1"),
        _module("29DE0658", "B2"),
    ]
    assert _as_tuples(dmidecode.parse(fixture("dmidecode_t17_desktop_sodimm.txt"))) == [
        (
            "memory_module",
            "ChannelA-DIMM0",
            {
                "size_bytes": "8589934592",
                "type": "DDR4",
                "speed": "2933 MT/s",
                "manufacturer": "Smart Brazil",
                "serial": "111",
            },
        )
    ]


def test_dmidecode_without_smbios_is_not_applicable() -> None:
    with pytest.raises(NotApplicable):
        dmidecode.parse("# dmidecode 3.4\n# No SMBIOS nor DMI entry point found, sorry.\n")
