"""Rollup buckets, pure: per-bucket aggregates of one series and how they combine.

A bucket holds, for the samples of one series in ``[ts, ts + step)``: count, min, max,
sum, the first and last value, and ``inc``, the counter increase *within* the bucket (each
consecutive pair adds ``q - p``, or ``q`` when the value dropped: a drop is a reset and the
counter restarted from zero). The increase across a bucket boundary is not stored: it is
the same rule applied to the previous bucket's ``last`` and this bucket's ``first``, so
buckets of any width combine exactly into wider ones (:func:`combine`) and a late sample
only ever changes the bucket it falls in. Everything here works on numpy arrays; the codec
for the stored form is :func:`encode` / :func:`decode` (columns through
``collector.tsdb.blocks``, lossless).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from collector.tsdb import blocks

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
_VERSION = 1  # compressed: four lossless blocks
_PLAIN = 2  # a few buckets as plain little-endian arrays
_PLAIN_UP_TO = 16  # buckets: compaction writes ~3 per window, folded into one block hourly
_HEADER = struct.Struct("<BI")  # version, frames (compressed) or buckets (plain)
_LENGTH = struct.Struct("<I")


@dataclass(frozen=True, slots=True)
class Buckets:
    """Aggregates of one series, one entry per non-empty bucket, ascending by ``ts``."""

    ts: I64  # bucket start, int64 microseconds
    count: F64
    min: F64
    max: F64
    sum: F64
    first: F64
    last: F64
    inc: F64  # counter increase between samples inside the bucket

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    def take(self, index: npt.NDArray[np.intp] | npt.NDArray[np.bool_]) -> Buckets:
        """The buckets at ``index`` (a mask or positions), in that order."""
        return Buckets(*(getattr(self, f.name)[index] for f in fields(self)))

    def mean(self) -> F64:
        return self.sum / self.count

    def increase(self) -> F64:
        """The counter increase of each bucket, including the step from the bucket before it."""
        cross = np.zeros(len(self), dtype=np.float64)
        if len(self) > 1:
            cross[1:] = _step(self.last[:-1], self.first[1:])
        return self.inc + cross


def empty() -> Buckets:
    """No buckets."""
    return Buckets(np.zeros(0, np.int64), *(np.zeros(0, np.float64) for _ in range(7)))


def _step(prev: F64, cur: F64) -> F64:
    """The increase from ``prev`` to ``cur`` of a counter: a drop means it restarted at zero."""
    diff = cur - prev
    return np.where(diff >= 0, diff, cur)


def _starts(keys: I64) -> npt.NDArray[np.intp]:
    if keys.shape[0] == 0:
        return np.zeros(0, dtype=np.intp)
    return np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))


def _exact(sums: F64, digits: int | None) -> F64:
    """Sums of values that all have at most ``digits`` decimals have at most as many: rounding
    gives the float nearest the exact sum (summing floats drifts in the last bits), which the
    block codec then stores as small integers instead of 8 noisy bytes."""
    return sums if digits is None else np.round(sums, digits)


def value_digits(b: Buckets) -> int | None:
    """The decimals of the sample values behind ``b`` (its min, max, first and last are samples)."""
    return blocks.decimal_digits(np.concatenate([b.min, b.max, b.first, b.last]))


def from_samples(ts_us: I64, values: F64, step_us: int) -> Buckets:
    """The buckets of one series' samples (``ts_us`` ascending) at ``step_us`` width."""
    if ts_us.shape[0] == 0:
        return empty()
    digits = blocks.decimal_digits(values)
    keys = ts_us // step_us * step_us
    starts = _starts(keys)
    ends = np.concatenate([starts[1:], [ts_us.shape[0]]])
    pair = np.zeros(values.shape[0], dtype=np.float64)
    pair[1:] = _step(values[:-1], values[1:])
    pair[starts] = 0.0  # the step into a bucket belongs to the boundary, not the bucket
    return Buckets(
        ts=keys[starts].astype(np.int64),
        count=(ends - starts).astype(np.float64),
        min=np.minimum.reduceat(values, starts),
        max=np.maximum.reduceat(values, starts),
        sum=_exact(np.add.reduceat(values, starts), digits),
        first=values[starts],
        last=values[ends - 1],
        inc=_exact(np.add.reduceat(pair, starts), digits),
    )


def combine(b: Buckets, step_us: int) -> Buckets:
    """Narrower buckets (ascending, no duplicates) grouped into ``step_us``-wide ones."""
    if len(b) == 0:
        return empty()
    digits = value_digits(b)
    keys = b.ts // step_us * step_us
    starts = _starts(keys)
    ends = np.concatenate([starts[1:], [len(b)]])
    inner = b.increase()
    inner[starts] = b.inc[starts]  # the step into the group is the wider bucket's boundary
    return Buckets(
        ts=keys[starts].astype(np.int64),
        count=np.add.reduceat(b.count, starts),
        min=np.minimum.reduceat(b.min, starts),
        max=np.maximum.reduceat(b.max, starts),
        sum=_exact(np.add.reduceat(b.sum, starts), digits),
        first=b.first[starts],
        last=b.last[ends - 1],
        inc=_exact(np.add.reduceat(inner, starts), digits),
    )


def newest(parts: Sequence[Buckets]) -> Buckets:
    """Parts written in this order, as one ascending set: for a bucket in several, the last wins.

    A late sample makes compaction write its bucket again, recomputed from every sample in
    it, so the newer copy is the whole truth.
    """
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty()
    if len(parts) == 1:
        return parts[0]
    joined = Buckets(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Buckets)))
    reversed_ts = joined.ts[::-1]
    _, first_in_reversed = np.unique(reversed_ts, return_index=True)  # sorted by ts
    return joined.take(len(joined) - 1 - first_in_reversed)


def encode(b: Buckets) -> bytes:
    """The stored form: lossless blocks (``collector.tsdb.blocks``) of timestamps with counts,
    of first/min/max/last interleaved bucket by bucket (neighbours differ by about one
    sample's change, so their deltas are small even for counters), of sums and increases.
    A handful of buckets (one compaction window's) are stored plain: compressing them would
    cost compaction ten times the time for bytes that live an hour until folded."""
    if len(b) <= _PLAIN_UP_TO:
        return _HEADER.pack(_PLAIN, len(b)) + b"".join(
            np.ascontiguousarray(getattr(b, f.name)).astype("<f8" if i else "<i8").tobytes()
            for i, f in enumerate(fields(Buckets))
        )
    zeros = np.zeros(len(b), dtype=np.int64)
    quad = np.stack([b.first, b.min, b.max, b.last], axis=1).reshape(-1)
    frames = [
        blocks.encode(b.ts, b.count),
        blocks.encode(np.zeros(quad.shape[0], dtype=np.int64), quad),
        blocks.encode(zeros, b.sum),
        blocks.encode(zeros, b.inc),
    ]
    out = [_HEADER.pack(_VERSION, len(frames))]
    for frame in frames:
        out.append(_LENGTH.pack(len(frame)))
        out.append(frame)
    return b"".join(out)


def _plain(data: bytes, n: int) -> Buckets:
    cols = [
        np.frombuffer(data, dtype="<f8" if i else "<i8", count=n, offset=_HEADER.size + 8 * n * i)
        for i in range(8)
    ]
    return Buckets(cols[0].astype(np.int64), *(c.astype(np.float64) for c in cols[1:]))


def _frames(data: bytes, version: int, nframes: int) -> list[bytes]:
    if version != _VERSION or nframes != 4:
        raise ValueError(f"unknown rollup block version {version} with {nframes} frames")
    pos = _HEADER.size
    out: list[bytes] = []
    for _ in range(nframes):
        (length,) = _LENGTH.unpack_from(data, pos)
        pos += _LENGTH.size
        out.append(data[pos : pos + length])
        pos += length
    return out


def _from_frames(decoded: Sequence[tuple[I64, F64]]) -> Buckets:
    (ts, count), (_, quad), (_, sums), (_, inc) = decoded
    q = quad.reshape(-1, 4)
    return Buckets(ts, count, q[:, 1].copy(), q[:, 2].copy(), sums, q[:, 0].copy(), q[:, 3].copy(), inc)


def decode(data: bytes) -> Buckets:
    """The buckets stored by :func:`encode`."""
    version, nframes = _HEADER.unpack_from(data)
    if version == _PLAIN:
        return _plain(data, nframes)
    return _from_frames([blocks.decode(f) for f in _frames(data, version, nframes)])


def decode_many(datas: Sequence[bytes]) -> list[Buckets]:
    """:func:`decode` of each, the same buckets: the frames of every block decoded together by
    ``blocks.decode_many`` (a chart's week of 40 series is ~220 blocks of 4 frames)."""
    heads = [_HEADER.unpack_from(d) for d in datas]
    framed = [
        (i, _frames(d, *h)) for i, (d, h) in enumerate(zip(datas, heads, strict=True)) if h[0] != _PLAIN
    ]
    flat = blocks.decode_many([f for _, frames in framed for f in frames])
    out: list[Buckets | None] = [
        _plain(d, h[1]) if h[0] == _PLAIN else None for d, h in zip(datas, heads, strict=True)
    ]
    for k, (i, _) in enumerate(framed):
        out[i] = _from_frames(flat[4 * k : 4 * k + 4])
    decoded = [b for b in out if b is not None]
    assert len(decoded) == len(datas)  # every block plain or framed
    return decoded
