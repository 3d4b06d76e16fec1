"""Fixtures: a running function scheduler that records what it delivers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from support.waits import Recording

from agent.functions.base import Resources
from agent.functions.scheduler import Scheduler
from agent.functions.spec import Spec, build
from eus.v1 import eus_pb2


@dataclass
class Recorder:
    """The scheduler's ``deliver``: keeps every result and runs commits like the extension."""

    results: Recording[eus_pb2.FunctionResult] = field(default_factory=Recording)

    def __call__(self, result: eus_pb2.FunctionResult, commit: Callable[[], None] | None) -> None:
        self.results.append(result)
        if commit is not None:
            commit()

    def of(self, fid: str) -> list[eus_pb2.FunctionResult]:
        return [r for r in self.results.items() if r.id == fid]


def spec(kind: str, fid: str = "f", *, interval_s: float = 60, timeout_s: float = 5, **params: Any) -> Spec:
    """A spec as agent.toml would give it; fails the test if it is invalid."""
    s = build(fid, kind, "", interval_s, timeout_s, params, source="file")
    assert s.valid, s.error
    return s


@dataclass
class Checker:
    scheduler: Scheduler
    recorder: Recorder

    def check(self, kind: str, *, timeout_s: float = 5, **params: Any) -> eus_pb2.FunctionResult:
        return self.scheduler.check_now(spec(kind, timeout_s=timeout_s, **params))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def scheduler(tmp_path: Path, recorder: Recorder) -> Iterator[Scheduler]:
    s = Scheduler(recorder, Resources(tmp_path / "state"), workers=4)
    s.start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def checker(scheduler: Scheduler, recorder: Recorder) -> Checker:
    return Checker(scheduler, recorder)
