"""Windows registry data as text: ``reg export`` (.reg files) and ``reg query`` output.

Both become a list of :class:`RegKey` (a key path and its values), the same structure the live
``winreg`` readers build, so the package and hardware parsers are tested on captures from real
machines while the agent on Windows feeds them from the registry directly. Strings stay strings,
``REG_DWORD`` values become ints; other binary types are kept as their text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.inventory.model import ParseError

RegValue = str | int

_HEADERS = ("Windows Registry Editor Version 5.00", "REGEDIT4")
_VALUE_NAME = re.compile(r'^(@|"(?:[^"\\]|\\.)*")=(.*)$')
_QUERY_VALUE = re.compile(r"^ {4}(.+?) {4}(REG_[A-Z_0-9]+)(?: {4}(.*))?$")


@dataclass
class RegKey:
    path: str
    values: dict[str, RegValue] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The last path component (the subkey's own name)."""
        return self.path.rsplit("\\", 1)[-1]


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def _hex_string(data: str) -> str:
    """``hex(2):41,00,...`` (UTF-16LE, NUL-terminated) as text."""
    try:
        raw = bytes(int(b, 16) for b in data.replace(" ", "").split(",") if b)
    except ValueError:
        raise ParseError(f"bad hex data {data[:40]!r}") from None
    return raw.decode("utf-16-le", errors="replace").rstrip("\x00")


def _export_value(data: str, number: int) -> RegValue:
    if data.startswith('"') and data.endswith('"') and len(data) >= 2:
        return _unquote(data)
    if data.startswith("dword:"):
        try:
            return int(data[6:], 16)
        except ValueError:
            raise ParseError(f"line {number}: bad dword {data[:30]!r}") from None
    if data.startswith(("hex(2):", "hex(1):")):
        return _hex_string(data.split(":", 1)[1])
    # Some tools write REG_EXPAND_SZ:"..." or leave a string unquoted: keep the text.
    prefix, sep, rest = data.partition(":")
    if sep and prefix.startswith("REG_") and rest.startswith('"') and rest.endswith('"'):
        return _unquote(rest)
    return data


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with ``\\``-continuations joined, numbered by their first physical line."""
    out: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for physical, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        number, line = physical, raw.rstrip()
        if pending is not None:
            number, line = pending[0], pending[1] + line.strip()
            pending = None
        if line.endswith("\\") and "=" in line and not line.startswith("["):
            pending = (number, line[:-1])
            continue
        out.append((number, line))
    if pending is not None:
        out.append(pending)
    return out


def parse_export(text: str) -> list[RegKey]:
    """A ``reg export`` / regedit .reg file (already decoded from UTF-16 when it was)."""
    keys: list[RegKey] = []
    current: RegKey | None = None
    for number, line in _logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith(";") or stripped in _HEADERS:
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            current = None if stripped.startswith("[-") else RegKey(stripped[1:-1])
            if current is not None:
                keys.append(current)
            continue
        match = _VALUE_NAME.match(stripped)
        if match is None:
            raise ParseError(f'line {number} is neither a [key] nor a "name"=value: {stripped[:60]!r}')
        if current is None:
            raise ParseError(f"line {number}: a value before any [key]")
        name = "" if match.group(1) == "@" else _unquote(match.group(1))
        current.values[name] = _export_value(match.group(2), number)
    if not keys:
        raise ParseError("no [registry key] sections: this is not a registry export")
    return keys


def parse_query(text: str) -> list[RegKey]:
    """``reg query KEY [/s]`` output: a key path line, then indented ``name  TYPE  data`` lines."""
    keys: list[RegKey] = []
    current: RegKey | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.startswith("End of search"):
            continue
        if line.startswith("HKEY_"):
            current = RegKey(line.strip())
            keys.append(current)
            continue
        match = _QUERY_VALUE.match(line.rstrip())
        if match is None:
            raise ParseError(f"reg query line {number} is not '    name    REG_TYPE    data': {line[:60]!r}")
        if current is None:
            raise ParseError(f"reg query line {number}: a value before any key path")
        name, kind, data = match.group(1), match.group(2), (match.group(3) or "").strip()
        if kind in ("REG_DWORD", "REG_QWORD"):
            try:
                current.values[name] = int(data, 16)
            except ValueError:
                raise ParseError(f"reg query line {number}: bad {kind} {data[:30]!r}") from None
        else:
            current.values[name] = data
    if not keys:
        raise ParseError("no HKEY_ key path: this is not reg query output")
    return keys
