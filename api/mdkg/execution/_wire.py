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


# --- the worker's side: blocking -----------------------------------------------------------------------

def send_blocking(sock: socket.socket, message: dict[str, Any], body: bytes = b"") -> None:
    for part in encode(message, body):
        if part:
            sock.sendall(part)


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
    message_size, body_size = HEADER.unpack(_read_blocking(sock, HEADER.size))
    if message_size > MAX_MESSAGE_BYTES:
        raise ChannelClosed(f"frame of {message_size} bytes refused")
    message = _decode(_read_blocking(sock, message_size))
    return message, bytes(_read_blocking(sock, body_size)) if body_size else b""


# --- the server's side: asyncio on a non-blocking socket -----------------------------------------------

async def send(sock: socket.socket, message: dict[str, Any], body: bytes = b"") -> None:
    loop = asyncio.get_running_loop()
    for part in encode(message, body):
        if part:
            await loop.sock_sendall(sock, part)


async def _read(sock: socket.socket, size: int) -> bytearray:
    loop = asyncio.get_running_loop()
    buffer = bytearray(size)
    view = memoryview(buffer)
    received = 0
    while received < size:
        count = await loop.sock_recv_into(sock, view[received:])
        if count == 0:
            raise ChannelClosed("the worker closed its socket")
        received += count
    return buffer


async def receive(sock: socket.socket) -> tuple[dict[str, Any], bytes]:
    message_size, body_size = HEADER.unpack(await _read(sock, HEADER.size))
    if message_size > MAX_MESSAGE_BYTES:
        raise ChannelClosed(f"frame of {message_size} bytes refused")
    message = _decode(await _read(sock, message_size))
    return message, bytes(await _read(sock, body_size)) if body_size else b""
