"""The collector's half of the stream's shared deflate context (``AgentMessage.deflated``).

Each frame is raw deflate (RFC 1951) continuing the stream's one context, with the sync
flush's trailing ``00 00 ff ff`` left off by the agent (RFC 7692's permessage-deflate with
context takeover); it inflates to one serialized ``AgentMessage``. Output is bounded by the
stream's message limit, so a small frame cannot inflate into an unbounded one.
"""

from __future__ import annotations

import zlib

SYNC_TAIL = b"\x00\x00\xff\xff"


class InflateError(ValueError):
    """A frame that does not continue the stream's deflate context; the stream must end."""


class FrameTooLarge(InflateError):
    """A frame that inflates to more than the message limit."""


class StreamInflater:
    """Inflates one stream's frames, in order, in one context."""

    def __init__(self, max_bytes: int) -> None:
        self._z = zlib.decompressobj(-zlib.MAX_WBITS)
        self._max = max_bytes

    def message(self, frame: bytes) -> bytes:
        """The serialized message in ``frame``; raises :class:`InflateError` or :class:`FrameTooLarge`."""
        try:
            out = self._z.decompress(frame + SYNC_TAIL, self._max + 1)
        except zlib.error as exc:
            raise InflateError(f"malformed deflate frame ({len(frame)} bytes): {exc}") from None
        if len(out) > self._max or self._z.unconsumed_tail:
            raise FrameTooLarge(
                f"a deflate frame of {len(frame)} bytes inflates to more than {self._max} bytes"
            )
        if self._z.eof:
            raise InflateError("the deflate frame ended the stream's deflate context (final block)")
        return out
