"""The rule form's preview: how many series a metric and label filter match and their newest
values, counted only on the devices of customers the caller sees (real DuckDB, real app)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from web.conftest import PASSWORDS, LoginFn, Seed, csrf_token

from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.series_lookup import held_counts, matching


def _series(tsdb: TimeSeriesDB, sid: int, device_id: int, cpu: str, value: float | None) -> None:
    cur = tsdb.cursor()
    cur.execute(
        "INSERT INTO series (id, device_id, name, labels, unit, monotonic) "
        "VALUES (?, ?, 'cpu.percent', ?, 'percent', false)",
        [sid, device_id, json.dumps({"cpu": cpu})],
    )
    if value is not None:
        now = datetime.now(UTC).replace(tzinfo=None)
        for age, v in ((120, value - 10), (20, value)):  # the newest one counts
            cur.execute("INSERT INTO samples VALUES (?, ?, ?)", [sid, now - timedelta(seconds=age), v])


def test_the_preview_counts_and_shows_only_what_the_caller_may_see(
    client: FlaskClient, login: LoginFn, seed: Seed, tsdb: TimeSeriesDB
) -> None:
    _series(tsdb, 1, seed.device_a, "total", 71.0)
    _series(tsdb, 2, seed.device_a, "0", None)  # no value in the last hour
    _series(tsdb, 3, seed.device_b, "total", 12.0)  # customer B: not the technician's
    assert login("tech", PASSWORDS["tech"]).status_code == 302
    got = client.get("/alerting/rules/preview?metric=cpu.percent&labels=cpu%3Dtotal").get_json()
    assert got["count"] == 1
    (row,) = got["series"]
    assert (row["labels"], row["value"], row["unit"]) == ({"cpu": "total"}, 71.0, "percent")
    every = client.get("/alerting/rules/preview?metric=cpu.percent").get_json()
    assert every["count"] == 2 and sorted(str(r["value"]) for r in every["series"]) == ["71.0", "None"]
    bad = client.get("/alerting/rules/preview?metric=cpu.percent&labels=cpu")
    assert bad.status_code == 400 and "labels:" in bad.get_json()["error"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/alerting/rules")})
    assert login("super", PASSWORDS["super"]).status_code == 302
    assert (
        client.get("/alerting/rules/preview?metric=cpu.percent&labels=cpu%3Dtotal").get_json()["count"] == 2
    )


def test_series_lookup_on_no_devices_finds_nothing(tsdb: TimeSeriesDB, seed: Seed) -> None:
    _series(tsdb, 1, seed.device_a, "total", 50.0)
    cur = tsdb.cursor()
    assert held_counts(cur, []) == {}
    assert held_counts(cur, None) == {"cpu.percent": 1}
    assert matching(cur, [], "cpu.percent", {}, limit=5) == (0, [])
