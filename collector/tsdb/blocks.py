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
import threading
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import zstandard

VERSION = 1
MAX_DIGITS = 6
_MODE_SCALED = 0
_MODE_XOR = 1
# version, ts divisor exponent (0 = us, 3 = ms), value mode, digits, n, first ts,
# ts width, ts frame length, value width, value frame length
_HEADER = struct.Struct("<BBBBIqBIBI")
_LEVEL = 3
# zstd through `zstandard`: one compressor and decompressor per thread (they are not
# thread-safe), reused, which costs ~1-2 µs a frame where a fresh context (pyarrow's Codec)
# costs ~9-11 µs, the largest part of encoding a 15-min block. The frames are the same bytes.
_ZSTD = threading.local()


def _compress(data: bytes) -> bytes:
    z = getattr(_ZSTD, "c", None)
    if z is None:
        z = _ZSTD.c = zstandard.ZstdCompressor(level=_LEVEL)
    return bytes(z.compress(data))


def _decompress(frame: bytes, size: int) -> bytes:
    z = getattr(_ZSTD, "d", None)
    if z is None:
        z = _ZSTD.d = zstandard.ZstdDecompressor()
    raw = bytes(z.decompress(frame, max_output_size=size))
    if len(raw) != size:
        raise ValueError(f"sample block section holds {len(raw)} bytes, not {size}")
    return raw


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
    return width, _compress(planes.tobytes())


def _unpack(frame: bytes, width: int, n: int) -> U64:
    raw = _decompress(frame, width * n)
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


# Two paths on purpose: encode/decode one block (a chart's day or hour blocks), and
# encode_many/decode_many for thousands of small blocks at once (a compaction slice, a merge),
# which stack them into matrices. Routing the single block through a one-row matrix was
# measured 2-3x slower (decode of a day block 163 -> 451 µs), so the single path stays; the
# tests hold the two to the same bytes and arrays.


def decode_many(blocks: Sequence[bytes]) -> list[tuple[I64, F64]]:
    """:func:`decode` of each block, the same arrays. Blocks of one length, layout and mode
    (a merge's windows) are decoded as rows of one matrix, each step once for all of them."""
    out: list[tuple[I64, F64] | None] = [None] * len(blocks)
    heads = [_HEADER.unpack_from(b) for b in blocks]
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, (version, shift, mode, digits, n, _, ts_width, _, v_width, _) in enumerate(heads):
        if version != VERSION:
            raise ValueError(f"unknown sample block version {version}")
        groups.setdefault((n, shift, mode, digits, ts_width, v_width), []).append(i)
    for (n, shift, mode, digits, ts_width, v_width), rows in groups.items():
        if n == 0 or len(rows) == 1:
            for i in rows:
                out[i] = decode(blocks[i])
            continue
        ts_frames, v_frames = [], []
        for i in rows:
            ts_end = _HEADER.size + heads[i][7]
            ts_frames.append(_decompress(blocks[i][_HEADER.size : ts_end], ts_width * n))
            v_frames.append(_decompress(blocks[i][ts_end : ts_end + heads[i][9]], v_width * n))
        first = np.array([heads[i][5] for i in rows], dtype=np.int64)
        dod = _unzigzag(_unpack_rows(b"".join(ts_frames), ts_width, len(rows), n))
        ts = (np.cumsum(np.cumsum(dod, axis=1), axis=1) * 10**shift + first[:, None]).astype(np.int64)
        words = _unpack_rows(b"".join(v_frames), v_width, len(rows), n)
        if mode == _MODE_SCALED:
            values = np.cumsum(_unzigzag(words), axis=1).astype(np.float64) / 10.0**digits
        else:
            values = np.bitwise_xor.accumulate(words, axis=1).view(np.float64)
        for r, i in enumerate(rows):
            out[i] = (ts[r], values[r].astype(np.float64))
    decoded = [o for o in out if o is not None]
    assert len(decoded) == len(blocks)  # every block is in one group
    return decoded


def _unpack_rows(raw: bytes, width: int, m: int, n: int) -> U64:
    """:func:`_unpack` of ``m`` sections of ``n`` words each, joined: an (m, n) matrix."""
    planes = np.frombuffer(raw, dtype=np.uint8).reshape(m, width, n)
    full = np.zeros((m, n, 8), dtype=np.uint8)
    full[:, :, :width] = planes.transpose(0, 2, 1)
    return full.view("<u8").reshape(m, n).astype(np.uint64)


def encode_many(ts_rows: Sequence[npt.ArrayLike], value_rows: Sequence[npt.ArrayLike]) -> list[bytes]:
    """:func:`encode` of each (timestamps, values) pair, byte for byte the same blocks.

    A compaction slice encodes thousands of small blocks of one length (every series' 15-min
    window, every hour merge): encoding them as rows of one matrix does each step once for all
    of them instead of once a block, which is where :func:`encode`'s time goes on small blocks.
    """
    if len(ts_rows) != len(value_rows):
        raise ValueError("one value array is needed per timestamp array")
    ts_list = [np.ascontiguousarray(t, dtype=np.int64) for t in ts_rows]
    v_list = [np.ascontiguousarray(v, dtype=np.float64) for v in value_rows]
    out: list[bytes] = [b""] * len(ts_list)
    by_length: dict[int, list[int]] = {}
    for i, (t, v) in enumerate(zip(ts_list, v_list, strict=True)):
        if t.shape != v.shape or t.ndim != 1:
            raise ValueError("timestamps and values must be 1-d arrays of the same length")
        by_length.setdefault(int(t.shape[0]), []).append(i)
    for n, rows in by_length.items():
        if n == 0 or len(rows) == 1:
            for i in rows:
                out[i] = encode(ts_list[i], v_list[i])
            continue
        encoded = _encode_rows(np.stack([ts_list[i] for i in rows]), np.stack([v_list[i] for i in rows]))
        for i, block in zip(rows, encoded, strict=True):
            out[i] = block
    return out


def columns(blocks: Sequence[tuple[int, I64, F64]]) -> list[list[object]]:
    """The ``sample_blocks`` columns (series_id, first_ts, last_ts, n, data) of (series id,
    timestamps, values) blocks, none empty, encoded together (:func:`encode_many`)."""
    data = encode_many([ts for _, ts, _ in blocks], [v for _, _, v in blocks])
    return [
        [sid for sid, _, _ in blocks],
        [int(ts[0]) for _, ts, _ in blocks],
        [int(ts[-1]) for _, ts, _ in blocks],
        [int(ts.shape[0]) for _, ts, _ in blocks],
        list(data),
    ]


def _row_delta(x: I64, before: I64) -> I64:
    """:func:`_delta` of each row, ``before`` holding each row's value before its first."""
    out = np.empty_like(x)
    out[:, 0] = x[:, 0] - before
    np.subtract(x[:, 1:], x[:, :-1], out=out[:, 1:])
    return out


def _pack_rows(words: U64) -> list[tuple[int, bytes]]:
    """:func:`_pack` of each row of ``words``."""
    widths = [max(1, (w.bit_length() + 7) // 8) for w in words.max(axis=1).tolist()]
    planes = words.astype("<u8").view(np.uint8).reshape(words.shape[0], words.shape[1], 8)
    out: list[tuple[int, bytes]] = []
    for r, width in enumerate(widths):
        data = np.ascontiguousarray(planes[r, :, :width].T).tobytes()
        out.append((width, _compress(data)))
    return out


def _scaled_rows(values: F64) -> tuple[list[int | None], I64]:
    """:func:`_scaled` of each row: its digits (None: XOR mode) and, for those found, its
    integers in the same row of the second array."""
    m = values.shape[0]
    bits = values.view(np.uint64)
    digits: list[int | None] = [None] * m
    ints = np.zeros(values.shape, dtype=np.int64)
    pending = np.arange(m)
    with np.errstate(invalid="ignore", over="ignore"):
        for d in range(MAX_DIGITS + 1):
            if pending.shape[0] == 0:
                break
            scaled = np.round(values[pending] * 10.0**d)
            in_range = np.all(np.abs(scaled) < _LIMIT, axis=1)  # else XOR, as _scaled gives up
            as_int = scaled.astype(np.int64)
            exact = in_range & ((as_int.astype(np.float64) / 10.0**d).view(np.uint64) == bits[pending]).all(
                axis=1
            )
            for r in pending[exact].tolist():
                digits[r] = d
            ints[pending[exact]] = as_int[exact]
            pending = pending[in_range & ~exact]
    return digits, ints


def _encode_rows(ts: I64, values: F64) -> list[bytes]:
    """:func:`encode` of each row of two (blocks x samples) matrices, samples >= 1."""
    first = ts[:, 0].copy()
    whole_ms = ~np.any(ts % 1000, axis=1)
    rel = (ts - first[:, None]) // np.where(whole_ms, 1000, 1)[:, None]
    dod = _row_delta(_row_delta(rel, rel[:, 0]), np.zeros(ts.shape[0], dtype=np.int64))
    ts_packed = _pack_rows(_zigzag(dod))
    digits, ints = _scaled_rows(values)
    scaled_words = _zigzag(_row_delta(ints, np.zeros(ts.shape[0], dtype=np.int64)))
    bits = values.view(np.uint64)
    xor_words = bits ^ np.concatenate([np.zeros((bits.shape[0], 1), dtype=np.uint64), bits[:, :-1]], axis=1)
    is_scaled = np.array([d is not None for d in digits])
    v_packed = _pack_rows(np.where(is_scaled[:, None], scaled_words, xor_words))
    n = int(ts.shape[1])
    out = []
    for r, ((ts_width, ts_frame), (v_width, v_frame)) in enumerate(zip(ts_packed, v_packed, strict=True)):
        d = digits[r]
        mode, digit = (_MODE_SCALED, d) if d is not None else (_MODE_XOR, 0)
        header = _HEADER.pack(
            VERSION,
            3 if whole_ms[r] else 0,
            mode,
            digit,
            n,
            int(first[r]),
            ts_width,
            len(ts_frame),
            v_width,
            len(v_frame),
        )
        out.append(header + ts_frame + v_frame)
    return out
