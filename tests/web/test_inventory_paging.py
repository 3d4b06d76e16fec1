"""A long package list is paged (a desktop's 700 packages were one 27,000-px page) and
byte counts in the inventory read as sizes."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.inventory.store import write_reports
from collector.web.filters import human_bytes, inventory_value
from collector.web.inventory_views import PAGE_PACKAGES
from eus.v1 import eus_pb2

from .conftest import PASSWORDS, LoginFn, Seed
from .test_inventory_views import T0, Batch, pkg

ROW_RE = re.compile(r"<tr><td>(pkg-\d{3})</td>")


@pytest.mark.parametrize(
    ("value", "want"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1536, "1.5 KiB"),
        (34_359_738_368, "32 GiB"),
        (500_107_862_016, "466 GiB"),
        (2 * 1024**6, "2048 PiB"),
    ],
)
def test_human_bytes(value: int, want: str) -> None:
    assert human_bytes(value) == want


@pytest.mark.parametrize(
    ("key", "value", "want"),
    [
        ("size_bytes", "34359738368", "32 GiB"),
        ("size_bytes", "unknown", "unknown"),
        ("serial", "1024", "1024"),
    ],
)
def test_inventory_value(key: str, value: str, want: str) -> None:
    assert inventory_value(key, value) == want


def test_packages_are_paged_and_sizes_readable(
    client: FlaskClient, login: LoginFn, seed: Seed, tsdb: TimeSeriesDB
) -> None:
    total = 2 * PAGE_PACKAGES + 17
    items = [pkg(f"pkg-{i:03d}", "1.0") for i in range(total)]
    items.append(eus_pb2.InventoryItem(kind="memory", key="DIMM0", attrs={"size_bytes": str(32 * 1024**3)}))
    cur = tsdb.cursor()
    cur.execute("BEGIN TRANSACTION")
    write_reports(cur, [Batch(seed.device_a, 1, eus_pb2.InventoryReport(full=True, ts_ms=T0, upserts=items))])
    cur.execute("COMMIT")
    login("tech", PASSWORDS["tech"])

    seen: list[str] = []
    for page in (1, 2, 3):
        html = client.get(f"/devices/{seed.device_a}/inventory?page={page}").get_data(as_text=True)
        assert f"page {page} of 3" in html and f"{total} packages" in html
        seen += ROW_RE.findall(html)
    assert seen == [f"pkg-{i:03d}" for i in range(total)]  # every package once, in order
    assert "32 GiB" in html
    beyond = client.get(f"/devices/{seed.device_a}/inventory?page=99").get_data(as_text=True)
    assert "page 3 of 3" in beyond  # past the end shows the last page
    searched = client.get(f"/devices/{seed.device_a}/inventory?q=pkg-00").get_data(as_text=True)
    assert len(ROW_RE.findall(searched)) == 10 and "pager" not in searched
