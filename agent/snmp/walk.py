"""Fetching scalars and whole columns from one target in as few round trips as the
device allows.

SNMPv2c/v3: one GETBULK carries the scalars as non-repeaters (GETNEXT of ``x`` returns
``x.0``) and every column as a repeater, so the columns are walked side by side; a device
that truncates its answer is asked again from where each column stopped, one that says
``tooBig`` gets half the repetitions from then on. A table's length rarely changes between
polls: the walker remembers how many rows the last fetch of the same columns found and asks
for just one row past them, so the last request does not fetch (and the gateway decode)
up to ``max_repetitions`` rows beyond the table's end; a table that grew is walked on with
the full repetitions. SNMPv1 has no GETBULK: GET, and GETNEXT row by row. Requests go
through a :class:`Requester` (agent.snmp.session.Session).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Sequence
from typing import Protocol

from agent.snmp.oids import Missing, Oid, PollData, VarBind, within
from agent.snmp.status import ResponseError, SnmpError, Status, response_error

log = logging.getLogger(__name__)

TOO_BIG = 1
NO_SUCH_NAME = 2
MAX_GET = 40  # scalars per GET request
MAX_VARBINDS = 10_000  # repeaters x repetitions asked for in one request
MAX_REQUESTS = 5000  # per fetch: a device that loops its OIDs must not keep a poll forever


class Requester(Protocol):
    """The requests the walker needs (agent.snmp.session.Session)."""

    @property
    def v1(self) -> bool: ...

    async def get(self, oids: Sequence[Oid]) -> list[VarBind]: ...

    async def get_next(self, oids: Sequence[Oid]) -> list[VarBind]: ...

    async def get_bulk(
        self, non_repeaters: Sequence[Oid], repeaters: Sequence[Oid], max_repetitions: int
    ) -> list[VarBind]: ...


class Walker:
    """Fetches for one target; remembers how many repetitions the device accepts."""

    def __init__(self, requester: Requester, max_repetitions: int) -> None:
        self.requester = requester
        self.repetitions = max(1, max_repetitions)
        self.requests = 0  # every request ever sent
        self.first_rtt_s = 0.0  # round trip of the latest fetch's first request
        self._fetch_requests = 0
        self._rows_seen: dict[tuple[Oid, ...], int] = {}  # columns -> rows the last fetch found

    async def fetch(self, scalars: Sequence[Oid], columns: Sequence[Oid]) -> PollData:
        """Every scalar (missing ones as :class:`Missing`) and every row of every column."""
        self._fetch_requests = 0
        data = PollData()
        scalars = list(dict.fromkeys(scalars))
        columns = list(dict.fromkeys(columns))
        for c in columns:
            data.columns[c] = {}
        if self.requester.v1:
            await self._get(scalars, data)
            await self._walk_next(columns, data)
            return data
        instance_zero = [s for s in scalars if s[-1] == 0]
        await self._get([s for s in scalars if s[-1] != 0], data)
        key = tuple(columns)
        await self._walk_bulk(instance_zero, columns, data, self._rows_seen.get(key))
        if columns:
            self._rows_seen[key] = max(len(data.columns[c]) for c in columns)
        return data

    # ------------------------------------------------------------------ GET

    async def _get(self, oids: Sequence[Oid], data: PollData) -> None:
        for start in range(0, len(oids), MAX_GET):
            pending = list(oids[start : start + MAX_GET])
            while pending:
                try:
                    result = await self._call(self.requester.get(pending))
                except ResponseError as err:
                    if err.status == NO_SUCH_NAME and 1 <= err.index <= len(pending):  # SNMPv1
                        data.scalars[pending.pop(err.index - 1)] = Missing.NO_SUCH_OBJECT
                        continue
                    if err.status == TOO_BIG and len(pending) > 1:
                        half = len(pending) // 2
                        await self._get(pending[:half], data)
                        pending = pending[half:]
                        continue
                    raise response_error(err.status, "GET") from None
                for name, value in result:
                    data.scalars[name] = value
                for name in pending:
                    data.scalars.setdefault(name, Missing.NO_SUCH_OBJECT)
                pending = []

    # ------------------------------------------------------------------ GETBULK

    async def _walk_bulk(
        self, scalars: list[Oid], columns: list[Oid], data: PollData, expected_rows: int | None = None
    ) -> None:
        cursors: dict[Oid, Oid] = {c: c for c in columns}
        pending = list(scalars)
        while pending or cursors:
            active = list(cursors)
            reps = max(1, min(self.repetitions, MAX_VARBINDS // len(active))) if active else 0
            if active and expected_rows is not None:
                left = expected_rows - max(len(data.columns[c]) for c in active)
                if left >= 0:  # one row past the expected end shows the table ended (or grew)
                    reps = min(reps, left + 1)
            try:
                result = await self._call(
                    self.requester.get_bulk([s[:-1] for s in pending], [cursors[c] for c in active], reps)
                )
            except ResponseError as err:
                if err.status == TOO_BIG and self.repetitions > 1:
                    self.repetitions = max(1, self.repetitions // 2)
                    log.debug("device answered tooBig: %d repetitions from now on", self.repetitions)
                    continue
                raise response_error(err.status, "GETBULK") from None
            if not result:
                raise SnmpError(Status.ERROR, "the device answered GETBULK with no varbinds")
            answered = result[: len(pending)]
            for scalar, (name, value) in zip(pending, answered, strict=False):
                ok = name == scalar and not isinstance(value, Missing)
                data.scalars[scalar] = value if ok else Missing.NO_SUCH_OBJECT
            pending = pending[len(answered) :]
            rows = result[len(answered) :]
            if active and not rows and not pending:
                raise SnmpError(Status.ERROR, "the device answered GETBULK without any row")
            if rows:
                self._take_rows(active, rows, cursors, data)

    @staticmethod
    def _take_rows(active: list[Oid], rows: list[VarBind], cursors: dict[Oid, Oid], data: PollData) -> None:
        """Row-major varbinds (one per active column per repetition) into the columns."""
        finished: set[Oid] = set()
        width = len(active)
        for i, (name, value) in enumerate(rows):
            column = active[i % width]
            if column in finished:
                continue
            if value is Missing.END_OF_MIB_VIEW or not within(name, column):
                finished.add(column)
            elif name <= cursors[column]:
                log.debug("OID not increasing in %s: that column stops here", column)
                finished.add(column)
            else:
                data.columns[column][name[len(column) :]] = value
                cursors[column] = name
        for column in finished:
            del cursors[column]

    # ------------------------------------------------------------------ GETNEXT (SNMPv1)

    async def _walk_next(self, columns: list[Oid], data: PollData) -> None:
        cursors: dict[Oid, Oid] = {c: c for c in columns}
        while cursors:
            active = list(cursors)
            try:
                result = await self._call(self.requester.get_next([cursors[c] for c in active]))
            except ResponseError as err:
                if err.status == NO_SUCH_NAME and 1 <= err.index <= len(active):
                    del cursors[active[err.index - 1]]  # the end of the view, SNMPv1 style
                    continue
                raise response_error(err.status, "GETNEXT") from None
            self._take_rows(active, result, cursors, data)

    async def next_of(self, roots: Sequence[Oid]) -> dict[Oid, Oid | None]:
        """GETNEXT of each root in one request: root -> the OID that follows it (None when
        nothing does). Discovery's probes."""
        out: dict[Oid, Oid | None] = {}
        self._fetch_requests = 0
        pending = list(dict.fromkeys(roots))
        while pending:
            try:
                result = await self._call(self.requester.get_next(pending))
            except ResponseError as err:
                if err.status == NO_SUCH_NAME and 1 <= err.index <= len(pending):  # SNMPv1
                    out[pending.pop(err.index - 1)] = None
                    continue
                raise response_error(err.status, "GETNEXT") from None
            for root, (name, value) in zip(pending, result, strict=False):
                out[root] = None if isinstance(value, Missing) else name
            pending = pending[len(result) :] if result else []
        return out

    async def _call(self, request: Awaitable[list[VarBind]]) -> list[VarBind]:
        self.requests += 1
        self._fetch_requests += 1
        started = time.perf_counter()
        if self._fetch_requests > MAX_REQUESTS:
            if hasattr(request, "close"):
                request.close()
            raise SnmpError(Status.ERROR, f"gave up after {MAX_REQUESTS} requests in one poll")
        result = await request
        if self._fetch_requests == 1:
            self.first_rtt_s = time.perf_counter() - started
        return result
