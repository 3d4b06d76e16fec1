"""What arrives on an agent's stream, as raw bytes, decoded into an ``AgentMessage``.

A ``deflated`` frame (after the collector accepted Hello's ``deflate_stream`` offer) is
inflated in the stream's context (collector.rpc.inflate) and what it carries decoded in turn.
Anything else a real agent never sends is a :class:`Refusal` naming the problem and the status
the stream ends with.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from google.protobuf.message import DecodeError

from collector.rpc.inflate import FrameTooLarge, InflateError, StreamInflater
from eus.v1 import eus_pb2


@dataclass(frozen=True)
class Refusal:
    code: grpc.StatusCode
    message: str


def decode(raw: bytes, inflater: StreamInflater | None) -> eus_pb2.AgentMessage | Refusal:
    """The message in ``raw``, inflated when it is a ``deflated`` frame."""
    msg = eus_pb2.AgentMessage()
    try:
        msg.ParseFromString(raw)
    except DecodeError as exc:
        return Refusal(grpc.StatusCode.INVALID_ARGUMENT, f"malformed AgentMessage ({len(raw)} bytes): {exc}")
    if msg.WhichOneof("body") != "deflated":
        return msg
    if inflater is None:
        return Refusal(
            grpc.StatusCode.INVALID_ARGUMENT,
            "a deflated message before Hello offered deflate_stream and the collector accepted it",
        )
    try:
        plain = inflater.message(msg.deflated)
    except FrameTooLarge as exc:
        return Refusal(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))
    except InflateError as exc:
        return Refusal(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
    inner = eus_pb2.AgentMessage()
    try:
        inner.ParseFromString(plain)
    except DecodeError as exc:
        return Refusal(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"malformed AgentMessage inside a deflate frame ({len(plain)} bytes): {exc}",
        )
    if inner.WhichOneof("body") == "deflated":
        return Refusal(grpc.StatusCode.INVALID_ARGUMENT, "a deflate frame inside a deflate frame")
    return inner
