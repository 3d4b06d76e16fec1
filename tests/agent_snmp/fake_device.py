"""A device answering from a dict of OID -> value with GET/GETNEXT/GETBULK semantics, for
tests of the walker's and poller's decisions (what real devices send is tested against
snmpd and snmpsim). It can truncate answers, refuse big ones, or loop on one OID."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agent.snmp.oids import Missing, Oid, Value, VarBind
from agent.snmp.status import ResponseError


class Device:
    """Answers from a dict of OID -> value with GETBULK semantics; can cap or refuse sizes."""

    def __init__(
        self,
        records: Mapping[Oid, Value],
        *,
        cap: int = 1000,
        too_big_above: int = 10_000,
        loop_at: Oid | None = None,
    ) -> None:
        self.records = dict(sorted(records.items()))
        self.cap = cap
        self.too_big_above = too_big_above
        self.loop_at = loop_at
        self.requests: list[tuple[int, int, int]] = []

    @property
    def v1(self) -> bool:
        return False

    def _next(self, after: Oid) -> VarBind:
        if self.loop_at is not None and after >= self.loop_at:
            return (self.loop_at, 0)  # a broken agent that answers the same OID forever
        for name, value in self.records.items():
            if name > after:
                return (name, value)
        return (after, Missing.END_OF_MIB_VIEW)

    async def get(self, oids: Sequence[Oid]) -> list[VarBind]:
        return [(o, self.records.get(o, Missing.NO_SUCH_OBJECT)) for o in oids]

    async def get_next(self, oids: Sequence[Oid]) -> list[VarBind]:
        return [self._next(o) for o in oids]

    async def get_bulk(
        self, non_repeaters: Sequence[Oid], repeaters: Sequence[Oid], max_repetitions: int
    ) -> list[VarBind]:
        self.requests.append((len(non_repeaters), len(repeaters), max_repetitions))
        if len(repeaters) * max_repetitions > self.too_big_above:
            raise ResponseError(1, 0)
        out = [self._next(o) for o in non_repeaters]
        cursors = list(repeaters)
        for _ in range(max_repetitions):
            row = [self._next(c) for c in cursors]
            out += row
            cursors = [name for name, _ in row]
        return out[: self.cap]


class FakeSession(Device):
    """A :class:`Device` that also looks like an ``agent.snmp.session.Session``."""

    engine_id = None
    address = "192.0.2.1"

    async def open(self) -> None:
        return None

    def close(self) -> None:
        return None
