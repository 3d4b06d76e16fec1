"""The chart-data API returns exactly what was stored, and refuses garbage with 400."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from collector.tsdb.db import TimeSeriesDB

from .conftest import PASSWORDS, LoginFn, Seed
from .tsdb_seed import add_samples, add_series, aligned_now


@pytest.fixture
def tech(client: FlaskClient, login: LoginFn) -> FlaskClient:
    login("tech", PASSWORDS["tech"])
    return client


def series_url(device_id: int, metric: str, range_: str = "1h") -> str:
    return f"/api/devices/{device_id}/series?metric={metric}&range={range_}"


def test_cpu_series_returns_the_inserted_samples(tech: FlaskClient, tsdb: TimeSeriesDB, seed: Seed) -> None:
    cur = tsdb.cursor()
    now = aligned_now(10)
    add_series(cur, 1, seed.device_a, "cpu.percent", {"cpu": "total"}, unit="percent")
    add_series(cur, 2, seed.device_a, "cpu.percent", {"cpu": "0"}, unit="percent")  # not drawn
    add_series(cur, 3, seed.device_b, "cpu.percent", {"cpu": "total"}, unit="percent")  # other device
    values = [12.5, 50.0, 99.25, 3.0]
    points = [(now - timedelta(seconds=10 * i), v) for i, v in enumerate(reversed(values))]
    add_samples(cur, 1, points)
    add_samples(cur, 2, [(now, 1.0)])
    add_samples(cur, 3, [(now, 2.0)])
    add_samples(cur, 1, [(now - timedelta(hours=2), 77.0)])  # outside the hour

    body = tech.get(series_url(seed.device_a, "cpu")).get_json()

    assert body["metric"] == "cpu"
    assert body["range"] == "1h"
    assert body["step"] == 10
    assert body["end"] - body["start"] == 3600
    [line] = body["series"]
    assert line["label"] == "CPU"
    assert line["unit"] == "percent"
    assert line["v"] == values
    assert line["t"] == [int((now - timedelta(seconds=10 * i)).timestamp()) for i in range(3, -1, -1)]


def test_memory_disk_and_24h(tech: FlaskClient, tsdb: TimeSeriesDB, seed: Seed) -> None:
    cur = tsdb.cursor()
    now = aligned_now(300)
    add_series(cur, 1, seed.device_a, "memory.percent", unit="percent")
    add_series(cur, 2, seed.device_a, "disk.percent", {"mount": "/"}, unit="percent")
    add_series(cur, 3, seed.device_a, "disk.percent", {"mount": "/var"}, unit="percent")
    add_samples(cur, 1, [(now - timedelta(hours=5), 40.0), (now, 60.0)])
    add_samples(cur, 2, [(now, 71.5)])
    add_samples(cur, 3, [(now - timedelta(hours=23), 10.0)])

    memory = tech.get(series_url(seed.device_a, "memory", "24h")).get_json()
    assert memory["step"] == 300
    assert memory["series"][0]["v"] == [40.0, 60.0]

    disk = tech.get(series_url(seed.device_a, "disk", "24h")).get_json()
    assert {s["label"]: s["v"] for s in disk["series"]} == {"/": [71.5], "/var": [10.0]}
    one_hour = tech.get(series_url(seed.device_a, "disk", "1h")).get_json()
    assert {s["label"]: s["v"] for s in one_hour["series"]} == {"/": [71.5], "/var": []}


def test_network_rates_are_summed_over_interfaces_and_skip_resets(
    tech: FlaskClient, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    cur = tsdb.cursor()
    now = aligned_now(10)
    add_series(cur, 1, seed.device_a, "net.rx_bytes", {"iface": "eth0"}, unit="bytes", monotonic=True)
    add_series(cur, 2, seed.device_a, "net.rx_bytes", {"iface": "eth1"}, unit="bytes", monotonic=True)
    add_series(cur, 3, seed.device_a, "net.rx_bytes", {"iface": "lo"}, unit="bytes", monotonic=True)
    add_series(cur, 4, seed.device_a, "net.tx_bytes", {"iface": "eth0"}, unit="bytes", monotonic=True)
    stamps = [now - timedelta(seconds=10 * i) for i in range(4, -1, -1)]  # 5 samples, 10 s apart
    add_samples(cur, 1, [(t, 1000.0 * i) for i, t in enumerate(stamps)])  # 100 B/s
    add_samples(cur, 2, [(t, 50.0 * i) for i, t in enumerate(stamps)])  # 5 B/s
    add_samples(cur, 3, [(t, 1e9 * i) for i, t in enumerate(stamps)])  # loopback: not network
    add_samples(cur, 4, list(zip(stamps, [500.0, 1000.0, 0.0, 200.0, 400.0], strict=True)))  # reset at 3rd

    body = tech.get(series_url(seed.device_a, "net")).get_json()

    rx, tx = body["series"]
    assert (rx["label"], rx["unit"], tx["label"]) == ("received", "bytes/s", "sent")
    assert rx["t"] == [int(t.timestamp()) for t in stamps[1:]]
    assert rx["v"] == pytest.approx([105.0] * 4)
    assert tx["t"] == [int(stamps[i].timestamp()) for i in (1, 3, 4)]
    assert tx["v"] == pytest.approx([50.0, 20.0, 20.0])


def test_diskio_and_empty_device(tech: FlaskClient, tsdb: TimeSeriesDB, seed: Seed) -> None:
    body = tech.get(series_url(seed.device_a, "diskio")).get_json()
    assert [(s["label"], s["t"], s["v"]) for s in body["series"]] == [("read", [], []), ("written", [], [])]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("panel=bogus&range=1h", "unknown panel"),
        ("metric=bogus&range=1h", "unknown panel"),  # the former name of the parameter
        ("panel=cpu&range=90d", "unknown range"),
        ("range=1h", "unknown panel"),
        ("panel=%27%3B+DROP+TABLE+samples&range=1h", "unknown panel"),
        ("panel=cpu&range=" + "x" * 5000, "unknown range"),
        ("panel=cpu&from=100&to=abc", '"to" must be a time in unix seconds'),
        ("panel=cpu&from=1700000000", '"to" must be a time in unix seconds'),
        ("panel=cpu&from=1700000000&to=1700000030", "at least 60 seconds"),
        ("panel=cpu&from=1700000000&to=1600000000", "at least 60 seconds"),
    ],
)
def test_garbage_parameters_are_400(tech: FlaskClient, seed: Seed, query: str, message: str) -> None:
    response = tech.get(f"/api/devices/{seed.device_a}/series?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert message in body["message"]
    if "unknown" in message:  # names what would have been accepted
        expected = ("cpu, memory, disk, net, diskio", "1h, 6h, 24h, 7d, 30d")
        assert any(e in body["message"] for e in expected)
    assert len(body["message"]) < 200


def test_without_a_range_a_panel_shows_its_default_range(tech: FlaskClient, seed: Seed) -> None:
    body = tech.get(f"/api/devices/{seed.device_a}/series?panel=cpu").get_json()
    assert (body["range"], body["end"] - body["start"], body["step"]) == ("1h", 3600, 10)


def test_non_integer_device_id_is_404(tech: FlaskClient) -> None:
    assert tech.get("/api/devices/abc/series?metric=cpu&range=1h").status_code == 404


def test_seven_and_thirty_days_come_from_rollups_after_compaction(
    tech: FlaskClient, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    from collector.tsdb import compaction

    cur = tsdb.cursor()
    now = aligned_now(7200)
    add_series(cur, 1, seed.device_a, "memory.percent", unit="percent")
    add_series(cur, 2, seed.device_a, "diskio.read_bytes", {"disk": "sda"}, unit="bytes", monotonic=True)
    old = now - timedelta(days=20)  # only the 30-day chart reaches it
    add_samples(cur, 1, [(old, 10.0), (old + timedelta(minutes=1), 30.0), (now - timedelta(days=2), 50.0)])
    counter = [(old + timedelta(minutes=m), v) for m, v in ((0, 100.0), (10, 400.0), (20, 50.0), (30, 350.0))]
    add_samples(cur, 2, counter)  # +300, a reset to 50 (+50), +300: 650 in the first 2-h bucket
    compaction.compact(cur, now)
    assert cur.execute("SELECT count(*) FROM samples").fetchall() == [(0,)]

    week = tech.get(series_url(seed.device_a, "memory", "7d")).get_json()
    assert (week["step"], week["series"][0]["v"]) == (1800, [50.0])
    month = tech.get(series_url(seed.device_a, "memory", "30d")).get_json()
    assert (month["step"], month["series"][0]["v"]) == (7200, [20.0, 50.0])
    io = tech.get(series_url(seed.device_a, "diskio", "30d")).get_json()
    read = io["series"][0]
    assert read["t"] == [int(old.timestamp())]
    assert read["v"] == [650 / 7200]


def panels_url(device_id: int, query: str) -> str:
    return f"/api/devices/{device_id}/panels?{query}"


def test_every_panel_in_one_request_answers_what_each_panel_answers_alone(
    tech: FlaskClient, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    cur = tsdb.cursor()
    now = aligned_now(300)
    add_series(cur, 1, seed.device_a, "cpu.percent", {"cpu": "total"}, unit="percent")
    add_series(cur, 2, seed.device_a, "memory.percent", unit="percent")
    add_series(cur, 3, seed.device_a, "net.rx_bytes", {"iface": "eth0"}, unit="bytes", monotonic=True)
    add_series(cur, 4, seed.device_a, "net.tx_bytes", {"iface": "eth0"}, unit="bytes", monotonic=True)
    add_series(cur, 5, seed.device_a, "disk.percent", {"mount": "/"}, unit="percent")
    add_series(cur, 6, seed.device_b, "cpu.percent", {"cpu": "total"}, unit="percent")  # another device
    stamps = [now - timedelta(minutes=7 * i) for i in range(40, -1, -1)]
    add_samples(cur, 1, [(t, float(i % 13)) for i, t in enumerate(stamps)])
    add_samples(cur, 2, [(t, 40.0 + i) for i, t in enumerate(stamps)])
    add_samples(cur, 3, [(t, 1000.0 * i) for i, t in enumerate(stamps)])
    add_samples(cur, 4, [(t, 5.0 * (i % 9)) for i, t in enumerate(stamps)])  # resets
    add_samples(cur, 5, [(stamps[-1], 71.5)])
    add_samples(cur, 6, [(now, 99.0)])
    window = f"from={int((now - timedelta(hours=5)).timestamp())}&to={int(now.timestamp())}"

    body = tech.get(panels_url(seed.device_a, window)).get_json()

    keys = [p["panel"] for p in body["panels"]]
    assert keys == ["cpu", "memory", "disk", "net", "diskio", "cpu-cores", "load", "swap", "processes"]
    for payload in body["panels"]:
        alone = tech.get(f"/api/devices/{seed.device_a}/series?panel={payload['panel']}&{window}").get_json()
        assert payload == alone
    drawn = {p["panel"]: p["series"] for p in body["panels"]}
    assert drawn["cpu"][0]["v"] and 99.0 not in drawn["cpu"][0]["v"]
    assert [s["label"] for s in drawn["net"]] == ["received", "sent"] and drawn["net"][1]["v"]
    chosen = tech.get(panels_url(seed.device_a, f"panel=net&panel=cpu&{window}")).get_json()
    assert [p["panel"] for p in chosen["panels"]] == ["net", "cpu"]


def test_every_panel_in_one_request_keeps_each_panels_default_range_and_the_gaps(
    tech: FlaskClient, seed: Seed
) -> None:
    body = tech.get(panels_url(seed.device_a, "")).get_json()
    assert {(p["range"], p["end"] - p["start"]) for p in body["panels"]} == {("1h", 3600)}
    week = tech.get(panels_url(seed.device_a, "range=7d&panel=cpu")).get_json()
    assert [(p["range"], p["step"], p["gaps"]) for p in week["panels"]] == [("7d", 1800, [])]


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("panel=cpu&panel=bogus", 400, "unknown panel 'bogus'"),
        ("range=90d", 400, "unknown range"),
        ("panel=cpu&from=1700000000", 400, '"to" must be a time in unix seconds'),
        ("&".join(["panel=cpu"] * 10), 400, "at most 9 panels"),
    ],
)
def test_every_panel_in_one_request_refuses_garbage_with_400(
    tech: FlaskClient, seed: Seed, query: str, status: int, message: str
) -> None:
    response = tech.get(panels_url(seed.device_a, query))
    assert response.status_code == status
    assert message in response.get_json()["message"]


def test_every_panel_in_one_request_of_another_tenants_device_is_404(tech: FlaskClient, seed: Seed) -> None:
    assert tech.get(panels_url(seed.device_a, "range=1h")).status_code == 200
    assert tech.get(panels_url(seed.device_b, "range=1h")).status_code == 404
    assert tech.get(panels_url(seed.device_b, "panel=bogus")).status_code == 404  # nothing revealed
