"""The agent's half of the stream's shared deflate context (``AgentMessage.deflated``).

gRPC compresses each message on its own, so what every batch repeats — collector names,
function ids, kinds and messages, series ids — costs the same bytes every time. One raw
deflate context (zlib, RFC 1951) kept for the whole stream lets each message refer back to
the ones before it, as WebSocket's permessage-deflate with context takeover (RFC 7692) does:
every message ends with a sync flush, whose trailing empty block ``00 00 ff ff`` is left off
and put back by the collector. A new stream starts a new context.
"""

from __future__ import annotations

import zlib

SYNC_TAIL = b"\x00\x00\xff\xff"
LEVEL = 9  # messages are small: the best compression costs microseconds
MEM_LEVEL = 8  # zlib's default: ~260 kB of state; 9 saved nothing measurable here


class StreamDeflater:
    """Compresses one stream's messages, in order, in one context."""

    def __init__(self) -> None:
        self._z = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS, MEM_LEVEL)

    def frame(self, message: bytes) -> bytes:
        """The ``deflated`` payload carrying ``message`` (a serialized ``AgentMessage``)."""
        out = self._z.compress(message) + self._z.flush(zlib.Z_SYNC_FLUSH)
        if not out.endswith(SYNC_TAIL):  # zlib always ends a sync flush so; guard the contract
            raise RuntimeError("zlib sync flush did not end with an empty stored block")
        return out[: -len(SYNC_TAIL)]
