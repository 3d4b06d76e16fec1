"""File freshness: a file (a backup job's marker, a report, a log) is recent enough and big enough.

Parameters (``kind = "file"``):

==================  ========  ======================================================================
``path``            required  absolute path; with ``*``, ``?`` or ``[``: the newest matching file
``max_age_s``       required  CRITICAL when the file was last modified longer ago (``"26h"``, ``"7d"``)
``warn_age_s``      (off)     WARNING when it was last modified longer ago than this
``min_size_bytes``  ``0``     CRITICAL when the file is smaller (an empty backup is no backup)
==================  ========  ======================================================================

OK "/backup/done modified 2.0 h ago (1.2 MB)"; CRITICAL when missing, too old or too small.
Metrics: ``age_s``, ``size_bytes``.
"""

from __future__ import annotations

import glob
import os
import stat
import time
from dataclasses import dataclass

from agent.functions.base import CRITICAL, OK, WARNING, CheckContext, CheckKind, Outcome, fmt_s
from agent.functions.params import ParamError, ParamReader

_MAGIC = ("*", "?", "[")


@dataclass(frozen=True, slots=True)
class FileParams:
    path: str
    max_age_s: float
    warn_age_s: float | None = None
    min_size_bytes: int = 0


def parse(p: ParamReader) -> FileParams:
    path = p.text("path")
    if not os.path.isabs(path):
        raise ParamError(f"path must be absolute, not {path!r}")
    max_age = p.duration("max_age_s", None, low=1)
    if max_age is None:
        raise ParamError("max_age_s is required for kind 'file'")
    warn_age = p.duration("warn_age_s", None, low=1)
    if warn_age is not None and warn_age >= max_age:
        raise ParamError(f"warn_age_s ({warn_age:g}) must be less than max_age_s ({max_age:g})")
    return FileParams(path, max_age, warn_age, p.integer("min_size_bytes", 0, low=0))


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def evaluate(p: FileParams, path: str | None, mtime_s: float, size: int, now_s: float) -> Outcome:
    """Pure: the verdict on the file found at ``path`` (None: nothing there)."""
    if path is None:
        what = "no file matches" if any(c in p.path for c in _MAGIC) else "missing:"
        return Outcome(CRITICAL, f"{what} {p.path}")
    age = max(0.0, now_s - mtime_s)
    metrics = {"age_s": age, "size_bytes": float(size)}
    found = f"{path} modified {fmt_s(age)} ago ({human_size(size)})"
    if age > p.max_age_s:
        return Outcome(CRITICAL, f"{found}, older than {fmt_s(p.max_age_s)}", metrics)
    if size < p.min_size_bytes:
        return Outcome(CRITICAL, f"{found}, smaller than {human_size(p.min_size_bytes)}", metrics)
    if p.warn_age_s is not None and age > p.warn_age_s:
        return Outcome(WARNING, f"{found}, older than {fmt_s(p.warn_age_s)}", metrics)
    return Outcome(OK, found, metrics)


def newest(pattern: str) -> tuple[str, os.stat_result] | None:
    """Blocking: the file at ``pattern`` (or the newest regular file matching it)."""
    candidates = glob.glob(pattern) if any(c in pattern for c in _MAGIC) else [pattern]
    best: tuple[str, os.stat_result] | None = None
    for path in candidates:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            continue
        if stat.S_ISREG(st.st_mode) and (best is None or st.st_mtime > best[1].st_mtime):
            best = (path, st)
    return best


async def run(p: FileParams, ctx: CheckContext) -> Outcome:
    try:
        found = await ctx.in_thread(lambda: newest(p.path))
    except OSError as exc:
        return Outcome(CRITICAL, f"cannot read {p.path}: {exc.strerror or exc}")
    if found is None:
        return evaluate(p, None, 0.0, 0, time.time())
    path, st = found
    return evaluate(p, path, st.st_mtime, st.st_size, time.time())


KIND = CheckKind("file", parse, run)
