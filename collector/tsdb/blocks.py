"""Lossless per-series block codec for the compacted tier (``sample_blocks``).

One block holds one series' samples of one UTC day, sorted by time. Timestamps (int64
microseconds) are divided by 1,000 when all are whole milliseconds, then stored as
delta-of-delta. Values are stored, when every one of them round-trips bit-exactly as an
integer divided by 10^d for some d <= 6, as delta-encoded integers; otherwise (NaN, inf,
-0.0, more digits) as the XOR of each value's float64 bits with the previous one's. Both
streams are zigzagged, split into byte planes (only the significant ones) and compressed
with zstd (``bench/layout.py`` measures the design: ~1.9 bytes/sample on day blocks).

Layout: a fixed header (``_HEADER``) then the timestamp and value sections, each a byte
of plane width and the zstd frame (its length in the header).
"""

from __future__ import annotations

import struct

import numpy as np
import numpy.typing as npt
import pyarrow as pa

VERSION = 1
MAX_DIGITS = 6
_MODE_SCALED = 0
_MODE_XOR = 1
# version, ts divisor exponent (0 = us, 3 = ms), value mode, digits, n, first ts,
# ts width, ts frame length, value width, value frame length
_HEADER = struct.Struct("<BBBBIqBIBI")
_CODEC = pa.Codec("zstd", compression_level=3)
_LIMIT = 9.0e18  # below 2**63: values scaled beyond this are not tried as integers

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U64 = npt.NDArray[np.uint64]


def _zigzag(x: I64) -> U64:
    return ((x << 1) ^ (x >> 63)).view(np.uint64)


def _unzigzag(z: U64) -> I64:
    return ((z >> np.uint64(1)) ^ (np.uint64(0) - (z & np.uint64(1)))).view(np.int64)


def _delta(x: I64, before: int) -> I64:
    """Each element minus the one before it (``before`` for the first): ``np.diff`` with
    ``prepend``, without its concatenation (a block is small: the call overhead is the cost)."""
    out = np.empty_like(x)
    if x.shape[0]:
        out[0] = x[0] - before
        np.subtract(x[1:], x[:-1], out=out[1:])
    return out


def _pack(words: U64) -> tuple[int, bytes]:
    width = max(1, (int(words.max()).bit_length() + 7) // 8) if words.shape[0] else 1
    planes = np.ascontiguousarray(words.astype("<u8").view(np.uint8).reshape(-1, 8)[:, :width].T)
    return width, bytes(_CODEC.compress(planes.tobytes(), asbytes=True))


def _unpack(frame: bytes, width: int, n: int) -> U64:
    raw = _CODEC.decompress(frame, decompressed_size=width * n, asbytes=True)
    planes = np.frombuffer(raw, dtype=np.uint8).reshape(width, n)
    full = np.zeros((n, 8), dtype=np.uint8)
    full[:, :width] = planes.T
    return full.view("<u8").reshape(n).astype(np.uint64)


def _scaled(values: F64) -> tuple[int, I64] | None:
    """(digits, integers) such that ``integers / 10**digits`` is ``values`` bit for bit."""
    bits = values.view(np.uint64)
    with np.errstate(invalid="ignore", over="ignore"):
        for digits in range(MAX_DIGITS + 1):
            scaled = np.round(values * 10.0**digits)
            if not np.all(np.abs(scaled) < _LIMIT):  # also false for NaN and inf
                return None
            ints = scaled.astype(np.int64)
            if ((ints.astype(np.float64) / 10.0**digits).view(np.uint64) == bits).all():
                return digits, ints
    return None


def decimal_digits(values: npt.ArrayLike) -> int | None:
    """The fewest decimals (<= 6) that write every value exactly, or None (NaN, inf, more)."""
    v = np.ascontiguousarray(values, dtype=np.float64)
    found = _scaled(v) if v.shape[0] else (0, None)
    return None if found is None else found[0]


def encode(ts_us: npt.ArrayLike, values: npt.ArrayLike) -> bytes:
    """One block of a series: timestamps (int64 microseconds, ascending) and their values."""
    ts = np.ascontiguousarray(ts_us, dtype=np.int64)
    v = np.ascontiguousarray(values, dtype=np.float64)
    if ts.shape != v.shape or ts.ndim != 1:
        raise ValueError("timestamps and values must be 1-d arrays of the same length")
    n = int(ts.shape[0])
    first = int(ts[0]) if n else 0
    shift = 3 if n and not np.any(ts % 1000) else 0
    rel = (ts - first) // 10**shift
    dod = _delta(_delta(rel, int(rel[0]) if n else 0), 0)
    ts_width, ts_frame = _pack(_zigzag(dod))
    found = _scaled(v) if n else (0, np.zeros(0, dtype=np.int64))
    if found is not None:
        mode, digits = _MODE_SCALED, found[0]
        words = _zigzag(_delta(found[1], 0))
    else:
        mode, digits = _MODE_XOR, 0
        bits = v.view(np.uint64)
        words = bits ^ np.concatenate([np.zeros(1, dtype=np.uint64), bits[:-1]])
    v_width, v_frame = _pack(words)
    header = _HEADER.pack(
        VERSION, shift, mode, digits, n, first, ts_width, len(ts_frame), v_width, len(v_frame)
    )
    return header + ts_frame + v_frame


def decode(block: bytes) -> tuple[I64, F64]:
    """(int64 microsecond timestamps, float64 values) of a block made by :func:`encode`."""
    version, shift, mode, digits, n, first, ts_width, ts_len, v_width, v_len = _HEADER.unpack_from(block)
    if version != VERSION:
        raise ValueError(f"unknown sample block version {version}")
    pos = _HEADER.size
    dod = _unzigzag(_unpack(block[pos : pos + ts_len], ts_width, n))
    pos += ts_len
    ts = np.cumsum(np.cumsum(dod)) * 10**shift + first
    words = _unpack(block[pos : pos + v_len], v_width, n)
    if mode == _MODE_SCALED:
        ints = np.cumsum(_unzigzag(words))
        values = ints.astype(np.float64) / 10.0**digits
    else:
        values = np.bitwise_xor.accumulate(words).view(np.float64)
    return ts.astype(np.int64), values.astype(np.float64)
