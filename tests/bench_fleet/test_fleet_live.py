"""The live agents of bench/fleet send the fleet's 50 series: the same samples of those series
as the full agent, one round a batch, each collector run pointing at its own first sample."""

from __future__ import annotations

import numpy as np

from bench.fleet_data import FLEET_SERIES
from bench.loadgen import agent_payloads
from bench.workload import SERIES, SERIES_PER_AGENT, agent_data, only_series
from eus.v1 import eus_pb2

ROUNDS = 4
ONLY = tuple(s.local_id for s in FLEET_SERIES)


def test_only_series_keeps_those_samples_and_their_runs() -> None:
    full = agent_data(7, ROUNDS * SERIES_PER_AGENT, 1_000_000)
    part = only_series(full, ONLY)
    assert part.n == ROUNDS * len(ONLY)
    cols = np.array(sorted(i - 1 for i in ONLY))
    shape = (ROUNDS, SERIES_PER_AGENT)
    assert (part.ts_ms == full.ts_ms.reshape(shape)[:, cols].reshape(-1)).all()
    assert (part.value == full.value.reshape(shape)[:, cols].reshape(-1)).all()
    groups = {SERIES[c].group for c in cols}
    assert set(part.run_group.tolist()) == groups
    assert len(part.run_at) == ROUNDS * len(groups)
    for at, group in zip(part.run_at.tolist(), part.run_group.tolist(), strict=True):
        assert SERIES[int(part.series_id[at]) - 1].group == group  # the run's own samples
        assert at % len(ONLY) == 0 or SERIES[int(part.series_id[at - 1]) - 1].group != group  # its first


def test_a_live_agent_sends_one_round_a_batch_with_the_series_defined_first() -> None:
    payloads = agent_payloads(3, ROUNDS * SERIES_PER_AGENT, len(ONLY), 1_000_000, 1, only=ONLY)
    batches = [eus_pb2.AgentMessage.FromString(p).batch for p in payloads]
    assert [b.seq for b in batches] == list(range(1, ROUNDS + 1))
    assert [len(b.series_id) for b in batches] == [len(ONLY)] * ROUNDS
    assert sorted(s.id for s in batches[0].series) == sorted(ONLY)
    assert all(not b.series for b in batches[1:])
    assert {sid for b in batches for sid in b.series_id} == set(ONLY)
    assert all(len(set(b.ts_ms)) <= len({s.group for s in FLEET_SERIES}) for b in batches)
