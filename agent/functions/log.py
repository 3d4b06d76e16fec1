"""Log file pattern: counts new lines matching a pattern, tailing across restarts and rotation.

Parameters (``kind = "log"``):

=====================  ===========  ==================================================================
``path``               required     absolute path of the log file
``pattern``            required     regular expression; a line that contains a match counts once
``warn_count``         ``1``        WARNING when a run finds at least this many matching lines
``crit_count``         (off)        CRITICAL when a run finds at least this many
``from_start``         ``false``    on first sight read the file from its start (default: its end)
``max_bytes_per_run``  ``8388608``  read at most this much per run; the rest is read next time
=====================  ===========  ==================================================================

Each run reads the complete lines appended since the last run. Rotation is followed: when the
path names a new inode, the rest of the old file is read first if it is still reachable as
``<path>.1`` (logrotate's and most loggers' name), then the new file from its start; a file
that shrank (``copytruncate``) is read again from its start. The position is saved in
``state_dir/functions/log_offsets.json`` only after the run's result is spooled
(``agent.functions.log_state``), so an agent restart neither loses nor re-counts lines.
Metrics: ``matches`` (this run), ``total`` (since the function began), ``bytes_read``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from agent.functions.base import CRITICAL, OK, UNKNOWN, WARNING, CheckContext, CheckKind, Outcome
from agent.functions.log_state import OffsetStore, Position
from agent.functions.params import ParamError, ParamReader

ROTATED_SUFFIXES = (".1",)
MAX_SHOWN = 160


@dataclass(frozen=True, slots=True)
class LogParams:
    path: str
    pattern: re.Pattern[str]
    warn_count: int = 1
    crit_count: int | None = None
    from_start: bool = False
    max_bytes_per_run: int = 8 << 20


def parse(p: ParamReader) -> LogParams:
    path = p.text("path")
    if not os.path.isabs(path):
        raise ParamError(f"path must be absolute, not {path!r}")
    pattern = p.regex("pattern")
    assert pattern is not None
    params = LogParams(
        path=path,
        pattern=pattern,
        warn_count=p.integer("warn_count", 1, low=1),
        crit_count=p.optional_integer("crit_count", low=1),
        from_start=p.boolean("from_start", False),
        max_bytes_per_run=p.integer("max_bytes_per_run", 8 << 20, low=4096, high=256 << 20),
    )
    crit, warn = params.crit_count, params.warn_count
    if crit is not None and crit < warn:
        raise ParamError(
            f"crit_count ({params.crit_count}) must be at least warn_count ({params.warn_count})"
        )
    return params


@dataclass(slots=True)
class Scan:
    """What one run read: matches, bytes, where to continue, and what happened to the file."""

    position: Position
    matches: int = 0
    bytes_read: int = 0
    last_match: str = ""
    notes: list[str] = field(default_factory=list)
    more: bool = False  # stopped at max_bytes_per_run


def count_lines(data: bytes, pattern: re.Pattern[str], final: bool) -> tuple[int, int, str]:
    """Pure: (matching lines, bytes consumed, last matching line) of ``data``.

    Only complete lines are consumed; the trailing partial line waits for its newline, unless
    ``final`` (a rotated file that will not grow, or one line longer than the read limit).
    """
    end = len(data) if final else data.rfind(b"\n") + 1
    matches, last = 0, ""
    for line in data[:end].decode("utf-8", errors="replace").splitlines():
        if pattern.search(line):
            matches += 1
            last = line
    return matches, end, last


def _read(path: str, inode: int, offset: int, limit: int) -> tuple[bytes, int] | None:
    """Bytes of ``path`` from ``offset`` (at most ``limit``), if it still is ``inode``; and its size."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if st.st_ino != inode:
                return None
            fh.seek(offset)
            return fh.read(limit), st.st_size
    except FileNotFoundError:
        return None


def scan(p: LogParams, pos: Position | None) -> Scan:
    """Blocking: read what is new since ``pos`` (None: first sight) and count matching lines."""
    st = os.stat(p.path)
    if pos is None or pos.path != p.path:
        start = 0 if p.from_start else st.st_size
        pos = Position(p.path, st.st_ino, start, 0)
        result = Scan(pos, notes=[f"watching from byte {start}"])
        if start == 0:
            return _tail(p, result, st.st_ino)
        return result
    result = Scan(pos)
    if st.st_ino != pos.inode:
        _finish_rotated(p, result)
        result.position = Position(p.path, st.st_ino, 0, result.position.count)
    elif st.st_size < pos.offset:
        result.notes.append(f"file shrank from {pos.offset} to {st.st_size} bytes: reading from its start")
        result.position = Position(p.path, st.st_ino, 0, pos.count)
    return _tail(p, result, st.st_ino)


def _finish_rotated(p: LogParams, result: Scan) -> None:
    """The file was rotated: count the rest of the old one if it is still reachable."""
    pos = result.position
    for suffix in ROTATED_SUFFIXES:
        got = _read(p.path + suffix, pos.inode, pos.offset, p.max_bytes_per_run)
        if got is not None:
            data, _size = got
            n, used, last = count_lines(data, p.pattern, final=True)
            result.matches += n
            result.bytes_read += used
            result.last_match = last or result.last_match
            result.notes.append(f"rotated: read the rest of {p.path}{suffix}")
            result.position = Position(pos.path, pos.inode, pos.offset + used, pos.count + n)
            return
    result.notes.append("rotated: the rest of the old file was not found")


def _tail(p: LogParams, result: Scan, inode: int) -> Scan:
    pos = result.position
    budget = max(4096, p.max_bytes_per_run - result.bytes_read)
    got = _read(p.path, inode, pos.offset, budget)
    if got is None:  # replaced between stat and open: next run follows the rotation
        return result
    data, size = got
    n, used, last = count_lines(data, p.pattern, final=False)
    if used == 0 and len(data) >= budget:  # one line longer than the budget: count it as read
        n, used, last = count_lines(data, p.pattern, final=True)
    result.matches += n
    result.bytes_read += used
    result.last_match = last or result.last_match
    result.more = pos.offset + used < size and len(data) >= budget
    result.position = Position(p.path, inode, pos.offset + used, pos.count + n)
    return result


def evaluate(p: LogParams, s: Scan) -> tuple[int, str]:
    """Pure: the health and message of one run."""
    total = s.position.count
    extra = "".join(f"; {note}" for note in s.notes) + ("; more to read next run" if s.more else "")
    if s.matches == 0:
        return OK, f"no new lines match {p.pattern.pattern!r} ({total} so far){extra}"
    shown = s.last_match.strip()
    if len(shown) > MAX_SHOWN:
        shown = shown[: MAX_SHOWN - 3] + "..."
    noun = "line matches" if s.matches == 1 else "lines match"
    message = f"{s.matches} new {noun} {p.pattern.pattern!r} ({total} so far), last: {shown}{extra}"
    if p.crit_count is not None and s.matches >= p.crit_count:
        return CRITICAL, message
    if s.matches >= p.warn_count:
        return WARNING, message
    return OK, message


async def run(p: LogParams, ctx: CheckContext) -> Outcome:
    store = ctx.resources.shared("log.offsets", lambda: OffsetStore(ctx.resources.state_dir / "functions"))
    fid = ctx.function_id
    try:
        result = await ctx.in_thread(lambda: scan(p, store.get(fid)))
    except FileNotFoundError:
        return Outcome(UNKNOWN, f"log file {p.path} is missing")
    except OSError as exc:
        return Outcome(UNKNOWN, f"cannot read {p.path}: {exc.strerror or exc}")
    status, message = evaluate(p, result)
    metrics = {
        "matches": float(result.matches),
        "total": float(result.position.count),
        "bytes_read": float(result.bytes_read),
    }
    position = result.position
    return Outcome(status, message, metrics, commit=lambda: store.put(fid, position))


KIND = CheckKind("log", parse, run)
