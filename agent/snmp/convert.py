"""pysnmp/pyasn1 values -> the plain values of :mod:`agent.snmp.oids`. Imports pysnmp.

Called once per varbind on the polling hot path, so the converter for each concrete
type is found once and cached."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pyasn1.type import univ  # type: ignore[import-untyped]
from pysnmp.proto import rfc1155, rfc1902, rfc1905  # type: ignore[import-untyped]

from agent.snmp.oids import IpAddress, Missing, Oid, Value, VarBind


def _ip(v: Any) -> Value:
    return IpAddress(".".join(str(b) for b in v.asOctets()))


def _octets(v: Any) -> Value:
    return bytes(v.asOctets())


def _int(v: Any) -> Value:
    return int(v)


def _oid(v: Any) -> Value:
    return tuple(v.asTuple())


def _missing(kind: Missing) -> Callable[[Any], Value]:
    return lambda _v: kind


def _none(_v: Any) -> Value:
    return None


# Checked in order (subclasses first): the exceptions are Nulls, and pyasn1's Null is an
# OCTET STRING; IpAddress is an OCTET STRING too.
_RULES: tuple[tuple[type[Any], Callable[[Any], Value]], ...] = (
    (rfc1905.NoSuchObject, _missing(Missing.NO_SUCH_OBJECT)),
    (rfc1905.NoSuchInstance, _missing(Missing.NO_SUCH_INSTANCE)),
    (rfc1905.EndOfMibView, _missing(Missing.END_OF_MIB_VIEW)),
    (univ.Null, _none),
    (rfc1902.IpAddress, _ip),
    (rfc1155.IpAddress, _ip),  # SNMPv1 traps' agent-addr, as pysnmp translates them
    (univ.OctetString, _octets),
    (univ.Integer, _int),
    (univ.ObjectIdentifier, _oid),
)
_CACHE: dict[type[Any], Callable[[Any], Value]] = {}


def value(v: Any) -> Value:
    """One pysnmp value as a plain value. Raises TypeError for a type SNMP does not have."""
    convert = _CACHE.get(type(v))
    if convert is None:
        for kind, rule in _RULES:
            if isinstance(v, kind):
                convert = _CACHE[type(v)] = rule
                break
        else:
            raise TypeError(f"unexpected SNMP value type {type(v).__name__}")
    return convert(v)


def varbinds(pairs: Iterable[tuple[Any, Any]]) -> list[VarBind]:
    return [(tuple(name.asTuple()), value(v)) for name, v in pairs]


def to_pysnmp_oid(o: Oid) -> Any:
    return rfc1902.ObjectName(o)
