"""The customer screen's Instance level shows spool backlog and clock skew apart: from what a
newer agent reports with its batches (``Rollups.on_agent_report``), and, for an agent too old
to report them, says so and shows the old mixed measure as such."""

from __future__ import annotations

import re
import time

import numpy as np
from flask.testing import FlaskClient

from collector.bus import AgentReported, BatchCommitted
from collector.customers.rollup import Rollups
from collector.store.db import Store
from collector.store.models import Device

from .conftest import PASSWORDS, LoginFn, Seed


def cells(page: str, css: str) -> list[str]:
    table = page.split('id="level-instance"', 1)[1].split("</table>", 1)[0]
    found = re.findall(rf'<td class="{css}[^"]*"[^>]*>([^<]*)</td>', table)
    return [" ".join(c.split()) for c in found]


def test_backlog_and_skew_are_separate_facts_of_each_instance(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    with store.session() as s:
        old = Device(customer_id=seed.customer_a, agent_id="agent-a-0002", hostname="acme-zz-old")
        s.add(old)
        s.flush()
        old_id = old.id
    rollups = Rollups(store)
    now = time.time()
    rollups.on_agent_report(AgentReported(seed.device_a, int((now - 42.4) * 1000), 12, now))
    rollups.on_agent_report(
        AgentReported(seed.device_a, int((now - 2.0) * 1000), 12, now + 1)
    )  # sampled away
    empty = np.zeros(0)
    rollups.on_committed(  # an older agent: only the newest sample against the commit, skew and delay mixed
        BatchCommitted(
            old_id, 1, 1, empty.astype(np.uint32), np.array([int((now - 5) * 1000)]), empty, committed_at=now
        )
    )
    login("tech", PASSWORDS["tech"])
    page = client.get(f"/customers/{seed.customer_a}").get_data(as_text=True)
    assert "Clock / lag" not in page
    assert cells(page, "spool-backlog") == ["12 batches", "not reported"]  # acme-fs01, then acme-zz-old
    assert cells(page, "clock-skew") == ["-42.4 s", "≈ -5.0 s with delay"]

    rollups.on_agent_report(
        AgentReported(seed.device_a, int((now + 3) * 1000), 0, now + 2)
    )  # drained: kept at once
    page = client.get(f"/customers/{seed.customer_a}").get_data(as_text=True)
    assert cells(page, "spool-backlog")[0] == "0 batches" and cells(page, "clock-skew")[0] == "+1.0 s"
