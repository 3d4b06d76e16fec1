"""Object identifiers and the plain Python values a poll produces (no pysnmp here).

Profiles, discovery and tests work on these types only: an OID is a tuple of ints, and a
value is an ``int`` (INTEGER, Counter32/64, Gauge32, TimeTicks, Unsigned32), ``bytes``
(OCTET STRING, Opaque, BITS), an :data:`Oid` (OBJECT IDENTIFIER), an :class:`IpAddress`,
``None`` (NULL) or a :class:`Missing` marker (noSuchObject, noSuchInstance, endOfMibView).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

Oid = tuple[int, ...]


class Missing(enum.Enum):
    """The SNMPv2 exceptions a varbind can carry instead of a value."""

    NO_SUCH_OBJECT = "noSuchObject"
    NO_SUCH_INSTANCE = "noSuchInstance"
    END_OF_MIB_VIEW = "endOfMibView"


class IpAddress(str):
    """An SNMP IpAddress, in dotted form (kept apart from OCTET STRING text)."""


Value = int | bytes | tuple[int, ...] | IpAddress | Missing | None
VarBind = tuple[Oid, Value]


def oid(text: str) -> Oid:
    """``"1.3.6.1.2.1.1.3.0"`` (a leading dot is allowed) -> ``(1, 3, 6, 1, 2, 1, 1, 3, 0)``.

    Raises ValueError for anything that is not a dotted list of non-negative integers."""
    parts = text.strip().lstrip(".").split(".")
    try:
        out = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"not a numeric OID: {text!r}") from None
    if len(out) < 2 or any(p < 0 for p in out):
        raise ValueError(f"not a numeric OID: {text!r}")
    return out


def dotted(value: Oid) -> str:
    return ".".join(str(p) for p in value)


def within(value: Oid, root: Oid) -> bool:
    """True when ``value`` is strictly below ``root`` in the OID tree."""
    return len(value) > len(root) and value[: len(root)] == root


def is_missing(value: Value) -> bool:
    return isinstance(value, Missing)


class PollData:
    """What one fetch returned: scalars by exact OID, table columns by column OID.

    ``columns[column][index] = value`` where ``index`` is the OID suffix after the column
    (``(7,)`` for ``ifDescr.7``; ``(1, 3)`` for a two-part index)."""

    __slots__ = ("columns", "scalars")

    def __init__(
        self,
        scalars: Mapping[Oid, Value] | None = None,
        columns: Mapping[Oid, Mapping[Oid, Value]] | None = None,
    ) -> None:
        self.scalars: dict[Oid, Value] = dict(scalars or {})
        self.columns: dict[Oid, dict[Oid, Value]] = {k: dict(v) for k, v in (columns or {}).items()}

    def scalar(self, name: Oid) -> Value:
        """The value of a scalar, or None when it was not fetched or does not exist."""
        value = self.scalars.get(name)
        return None if isinstance(value, Missing) else value

    def column(self, name: Oid) -> dict[Oid, Value]:
        """Rows of one column (empty when the device does not have it)."""
        return self.columns.get(name, {})

    def merged(self, other: PollData) -> PollData:
        """A copy with ``other``'s scalars and columns added (``other`` wins)."""
        out = PollData(self.scalars, self.columns)
        out.scalars.update(other.scalars)
        for name, rows in other.columns.items():
            out.columns[name] = dict(rows)
        return out

    def count(self) -> int:
        """How many values this holds (scalars plus table cells)."""
        return len(self.scalars) + sum(len(rows) for rows in self.columns.values())


def rows_of(columns: Iterable[Mapping[Oid, Value]]) -> list[Oid]:
    """Every index present in any of the columns, in OID order."""
    seen: set[Oid] = set()
    for col in columns:
        seen.update(col)
    return sorted(seen)
