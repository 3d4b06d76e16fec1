"""Reading a gateway's SNMP series and inventory back from a real DuckDB file, and the
interface table with rates built from them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from collector.snmp.interfaces import interface_rows
from collector.snmp.panels import host_resources, supply_rows, ups_panel
from collector.snmp.rates import COUNTER32
from collector.tsdb import compaction
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.queries import SeriesInfo
from collector.tsdb.snmp import readings

GW = 7
T = "snmp-3"
NOW = datetime.now(UTC).replace(microsecond=0)


class Seeder:
    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        self.cur = cur
        self.next_id = 1

    def series(
        self, name: str, labels: dict[str, str], points: list[tuple[float, float]], device: int = GW
    ) -> int:
        sid = self.next_id
        self.next_id += 1
        self.cur.execute(
            "INSERT INTO series (id, device_id, name, labels, unit, monotonic) "
            "VALUES (?, ?, ?, ?, '', false)",
            [sid, device, name, json.dumps(labels, sort_keys=True)],
        ).fetchall()
        for ago, value in points:
            ts = (NOW - timedelta(seconds=ago)).replace(tzinfo=None)
            self.cur.execute("INSERT INTO samples VALUES (?, ?, ?)", [sid, ts, value]).fetchall()
        return sid

    def item(self, subject: str, kind: str, key: str, attrs: dict[str, str], device: int = GW) -> None:
        now = NOW.replace(tzinfo=None)
        self.cur.execute(
            "INSERT INTO inventory_items VALUES (?, ?, ?, ?, ?, '', ?, ?, ?)",
            [device, subject, kind, key, key, json.dumps(attrs, sort_keys=True), now, now],
        ).fetchall()


def test_series_points_and_inventory_are_read_per_target(tsdb: TimeSeriesDB) -> None:
    cur = tsdb.cursor()
    seed = Seeder(cur)
    mine = seed.series("snmp.if.in_octets", {"target": T, "ifIndex": "1", "ifName": "Gi1/0/1"},
                       [(120, 1.0), (60, 2.0), (0, 3.0)])  # fmt: skip
    seed.series("snmp.if.in_octets", {"target": "snmp-4", "ifIndex": "1"}, [(0, 9.0)])  # another target
    seed.series("snmp.if.in_octets", {"target": T, "ifIndex": "1"}, [(0, 9.0)], device=8)  # another gateway
    seed.series("cpu.percent", {"target": T}, [(0, 9.0)])  # not SNMP
    old = seed.series("snmp.sys.uptime_s", {"target": T}, [(7200, 5.0)])
    found = readings.target_series(cur, GW, T)
    assert [(s.id, s.name, s.labels["ifName"]) for s in found if s.id == mine] == [
        (mine, "snmp.if.in_octets", "Gi1/0/1")
    ]
    assert {s.id for s in found} == {mine, old}
    points = readings.latest_points(cur, [mine, old], window=timedelta(hours=1), now=NOW)
    assert points == {mine: [(NOW.timestamp() - 60, 2.0), (NOW.timestamp(), 3.0)]}  # uptime is too old

    seed.item(T, "interface", "1", {"name": "Gi1/0/1", "mac": "aa:bb:cc:dd:ee:01"})
    seed.item(T, "snmp_system", "system", {"sysName": "sw1", "profiles": "if-mib,entity"})
    seed.item("snmp-4", "interface", "1", {"name": "other"})
    seed.item("", "nic", "eth0", {"mac": "52:54:00:aa:bb:cc"})
    rows = readings.inventory(cur, [GW], ["interface"], [T])
    assert [(r.subject, r.key, r.attrs["name"]) for r in rows] == [(T, "1", "Gi1/0/1")]
    assert len(readings.inventory(cur, [GW], ["interface", "snmp_system"])) == 3
    assert readings.inventory(cur, [GW], ["interface"], []) == []
    assert readings.inventory(cur, [8], ["interface"]) == []
    assert [r.key for r in readings.host_inventory(cur, [GW], "nic")] == ["eth0"]


def s(sid: int, name: str, **labels: str) -> SeriesInfo:
    return SeriesInfo(sid, name, {"target": T, **labels}, "", False)


def test_interface_rates_bits_per_second_with_wrap_reboot_and_speed() -> None:
    series = [
        s(1, "snmp.if.in_octets", ifIndex="1", ifName="Gi1"),
        s(2, "snmp.if.out_octets", ifIndex="1", ifName="Gi1"),
        s(3, "snmp.if.speed_bps", ifIndex="1", ifName="Gi1"),
        s(4, "snmp.if.oper_status", ifIndex="1", ifName="Gi1"),
        s(5, "snmp.if.in_octets", ifIndex="2", ifName="Gi2", bits="32"),
        s(6, "snmp.if.in_errors", ifIndex="2", ifName="Gi2"),
        s(7, "snmp.sys.uptime_s"),
        s(8, "snmp.if.in_octets", ifIndex="10", ifName="Gi10"),
    ]
    points = {
        1: [(100.0, 1_000_000.0), (160.0, 1_750_000.0)],  # 12,500 B/s = 100 kbit/s
        2: [(100.0, 5.0), (160.0, 5.0)],
        3: [(160.0, 1e9)],
        4: [(160.0, 1.0)],
        5: [(100.0, COUNTER32 - 600.0), (160.0, 600.0)],  # a 32-bit wrap: 1200 B in 60 s
        6: [(100.0, 3.0), (160.0, 9.0)],
        7: [(100.0, 5000.0), (160.0, 5060.0)],
        8: [(100.0, 10.0)],  # one reading: no rate yet
    }
    inventory = [("1", {"name": "Gi1", "alias": "uplink", "mac": "aa:bb"}), ("3", {"name": "Gi3"})]
    rows = interface_rows(series, points, inventory)
    assert [r.if_index for r in rows] == ["1", "2", "3", "10"]
    gi1, gi2, gi3, gi10 = rows
    assert (gi1.alias, gi1.speed_bps, gi1.oper_label) == ("uplink", 1e9, "up")
    assert gi1.in_bps == pytest.approx(100_000.0)
    assert gi1.out_bps == 0.0
    assert gi1.totals == {"in_octets": 1_750_000.0, "out_octets": 5.0}
    assert gi2.counter_bits == 32
    assert gi2.in_bps == pytest.approx(160.0)
    assert gi2.in_errors_ps == pytest.approx(0.1)
    assert gi3.in_bps is None and gi3.name == "Gi3"
    assert gi10.in_bps is None and gi10.totals == {"in_octets": 10.0}

    rebooted = {**points, 7: [(100.0, 5000.0), (160.0, 20.0)]}  # sysUpTime went backwards
    assert interface_rows(series, rebooted)[0].in_bps is None
    too_fast = {**points, 3: [(160.0, 1000.0)]}  # a 1 kbit/s link cannot carry 100 kbit/s
    assert interface_rows(series, too_fast)[0].in_bps is None


def test_printer_supplies_ups_and_host_resources_panels() -> None:
    series = [
        s(1, "snmp.printer.supply_percent", index="1", descr="Black Toner", color="black"),
        s(2, "snmp.printer.supply_level", index="1", descr="Black Toner", color="black"),
        s(3, "snmp.printer.supply_capacity", index="1", descr="Black Toner", color="black"),
        s(4, "snmp.ups.battery_charge_percent"),
        s(5, "snmp.ups.battery_status", mib="ups-mib"),
        s(6, "snmp.hr.storage_size_bytes", index="31", descr="/"),
        s(7, "snmp.hr.storage_used_bytes", index="31", descr="/"),
        s(8, "snmp.hr.cpu_load_percent", index="196608"),
    ]
    points = {1: [(0.0, 12.0)], 2: [(0.0, 120.0)], 3: [(0.0, 1000.0)], 4: [(0.0, 87.0)], 5: [(0.0, 3.0)],
              6: [(0.0, 1000.0)], 7: [(0.0, 250.0)], 8: [(0.0, 7.0)]}  # fmt: skip
    (supply,) = supply_rows(T, series, points, [])
    assert (supply.index, supply.descr, supply.color, supply.percent, supply.level, supply.capacity) == (
        "1", "Black Toner", "black", 12.0, 120.0, 1000.0)  # fmt: skip
    (coded,) = supply_rows(T, series, {**points, 2: [(0.0, -3.0)], 3: [(0.0, -2.0)]}, [])
    assert (coded.level, coded.capacity) == (None, None)  # not "-3 / -2" (#10.6)
    ups = ups_panel(T, series, points, [])
    assert ups is not None and ups.values == {"battery_charge_percent": 87.0, "battery_status": 3.0}
    assert ups.battery_status == "low"
    unknown = ups_panel(T, series, {**points, 4: [(0.0, -1.0)]}, [])  # stored before #10.4
    assert unknown is not None and "battery_charge_percent" not in unknown.values
    assert ups_panel(T, series[:3], points, []) is None  # a printer is no UPS
    storage, cpus = host_resources(series, points)
    assert [(r.index, r.descr, r.used_percent) for r in storage] == [("31", "/", 25.0)]
    assert cpus == [("196608", 7.0)]


def test_a_ups_with_several_lines_shows_each_line() -> None:
    """Issue #10.5: the panel kept the last row per series and showed 0 V for a UPS whose
    line 1 reads 238 V in / 231 V out."""
    series = [
        s(1, "snmp.ups.input_voltage_v", line="1"),
        s(2, "snmp.ups.input_voltage_v", line="2"),
        s(3, "snmp.ups.output_voltage_v", line="1"),
        s(4, "snmp.ups.output_voltage_v", line="2"),
        s(5, "snmp.ups.load_percent", line="1"),
        s(6, "snmp.ups.battery_charge_percent"),
    ]
    points = {1: [(0.0, 238.0)], 2: [(0.0, 0.0)], 3: [(0.0, 231.0)], 4: [(0.0, 0.0)], 5: [(0.0, 21.0)],
              6: [(0.0, 100.0)]}  # fmt: skip
    ups = ups_panel(T, series, points, [])
    assert ups is not None
    assert ups.line_rows == [
        ("1", {"input_voltage_v": 238.0, "output_voltage_v": 231.0, "load_percent": 21.0}),
        ("2", {"input_voltage_v": 0.0, "output_voltage_v": 0.0}),
    ]
    assert ups.values == {"battery_charge_percent": 100.0}


def test_latest_points_reach_back_over_the_window_for_sparse_series_in_either_tier(
    tsdb: TimeSeriesDB,
) -> None:
    # The newest two minutes are read first; a series with fewer points there (polled every
    # few minutes) is read over the whole window, raw or compacted.
    cur = tsdb.cursor()
    seed = Seeder(cur)
    dense = seed.series(
        "snmp.if.in_octets", {"target": T}, [(ago, float(ago)) for ago in range(600, -1, -10)]
    )
    sparse = seed.series("snmp.if.out_octets", {"target": T}, [(540, 1.0), (300, 2.0)])
    one_recent = seed.series("snmp.if.speed_bps", {"target": T}, [(360, 5.0), (30, 6.0)])
    gone = seed.series("snmp.sys.uptime_s", {"target": T}, [(900, 7.0)])
    t = NOW.timestamp()
    expected = {
        dense: [(t - 10, 10.0), (t, 0.0)],
        sparse: [(t - 540, 1.0), (t - 300, 2.0)],
        one_recent: [(t - 360, 5.0), (t - 30, 6.0)],
    }
    ids = [dense, sparse, one_recent, gone]
    assert readings.latest_points(cur, ids, window=timedelta(minutes=10), now=NOW) == expected
    compaction.compact(cur, NOW + timedelta(hours=1))  # every point into the compacted tier
    assert cur.execute("SELECT count(*) FROM samples").fetchall() == [(0,)]
    assert readings.latest_points(cur, ids, window=timedelta(minutes=10), now=NOW) == expected
