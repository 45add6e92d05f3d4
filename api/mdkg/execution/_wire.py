"""Frames between the server and its query workers, over one Unix socket pair per worker.

A frame is a fixed header (JSON length, body length), a small JSON object and raw bytes. Result
bodies travel as bytes the worker has already serialized, so the server never rebuilds terms.
JSON rather than pickle: the server reads only plain data from its workers.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from typing import Any

HEADER = struct.Struct("!IQ")
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""Bound on the JSON part (query text and options), so a garbled header cannot ask for gigabytes."""


class ChannelClosed(ConnectionError):
    """The other end of the socket is gone (the worker died, or the server closed it)."""


def encode(message: dict[str, Any], body: bytes = b"") -> list[bytes]:
    payload = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return [HEADER.pack(len(payload), len(body)), payload, body]


def _decode(payload: bytes | bytearray) -> dict[str, Any]:
    message = json.loads(payload)
    if not isinstance(message, dict):
        raise ChannelClosed("the frame holds no JSON object")
    return message


_SMALL = 64 * 1024
"""Frames up to this size go out in one piece; larger bodies are sent without being copied."""
_FIRST_READ = 64 * 1024


def _frame_extent(head: bytes) -> tuple[int, int]:
    """Where a frame's body starts and where the frame ends, read from its first bytes (the header)."""
    message_size, body_size = HEADER.unpack_from(head)
    if message_size > MAX_MESSAGE_BYTES:
        raise ChannelClosed(f"frame of {message_size} bytes refused")
    body_start = HEADER.size + message_size
    return body_start, body_start + body_size


def _pieces(message: dict[str, Any], body: bytes) -> list[bytes]:
    parts = encode(message, body)
    if len(body) <= _SMALL:
        return [b"".join(parts)]  # one system call, and one wake-up on the other side
    return [parts[0] + parts[1], body]


# --- the worker's side: blocking -----------------------------------------------------------------------

def send_blocking(sock: socket.socket, message: dict[str, Any], body: bytes = b"") -> None:
    for piece in _pieces(message, body):
        sock.sendall(piece)


def _read_blocking(sock: socket.socket, size: int) -> bytearray:
    buffer = bytearray(size)
    view = memoryview(buffer)
    received = 0
    while received < size:
        count = sock.recv_into(view[received:])
        if count == 0:
            raise ChannelClosed("the socket was closed")
        received += count
    return buffer


def receive_blocking(sock: socket.socket) -> tuple[dict[str, Any], bytes]:
    """One frame; the first read usually takes all of it (one system call per request)."""
    first = sock.recv(_FIRST_READ)
    while len(first) < HEADER.size:
        more = sock.recv(_FIRST_READ) if first else b""
        if not more:
            raise ChannelClosed("the socket was closed")
        first += more
    body_start, size = _frame_extent(first)
    if len(first) < size:
        first += _read_blocking(sock, size - len(first))
    return _decode(first[HEADER.size:body_start]), first[body_start:size]


# --- the server's side: asyncio on a non-blocking socket -----------------------------------------------

async def send(sock: socket.socket, message: dict[str, Any], body: bytes = b"") -> None:
    loop = asyncio.get_running_loop()
    for piece in _pieces(message, body):
        await loop.sock_sendall(sock, piece)


async def _fill(sock: socket.socket, view: memoryview) -> None:
    loop = asyncio.get_running_loop()
    received = 0
    while received < len(view):
        count = await loop.sock_recv_into(sock, view[received:])
        if count == 0:
            raise ChannelClosed("the worker closed its socket")
        received += count


async def receive(sock: socket.socket) -> tuple[dict[str, Any], bytes]:
    """One frame. A worker sends one frame per request, so a first read usually takes the whole frame,
    and then nothing is copied but the slices handed back."""
    loop = asyncio.get_running_loop()
    first = await loop.sock_recv(sock, _FIRST_READ)
    while len(first) < HEADER.size:
        more = await loop.sock_recv(sock, _FIRST_READ) if first else b""
        if not more:
            raise ChannelClosed("the worker closed its socket")
        first += more
    body_start, size = _frame_extent(first)
    if len(first) >= size:
        return _decode(first[HEADER.size:body_start]), first[body_start:size]
    frame = bytearray(size)
    frame[: len(first)] = first
    await _fill(sock, memoryview(frame)[len(first):])
    return _decode(frame[HEADER.size:body_start]), bytes(memoryview(frame)[body_start:])
