"""Frames between the server and its workers: whole, split anywhere, large, or cut short."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections.abc import Iterator

import pytest
from mdkg.execution import _wire


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    server, worker = socket.socketpair()
    server.setblocking(False)
    yield server, worker
    server.close()
    worker.close()


def _receive(sock: socket.socket) -> tuple[dict[str, object], bytes]:
    return asyncio.run(asyncio.wait_for(_wire.receive(sock), 10))


@pytest.mark.parametrize("body", [b"", b"x", b"\x00\n" * 40_000, bytes(range(256)) * 1_000])
def test_a_frame_arrives_whole(pair: tuple[socket.socket, socket.socket], body: bytes) -> None:
    server, worker = pair
    sender = threading.Thread(target=_wire.send_blocking, args=(worker, {"ok": True, "n": 1}, body))
    sender.start()
    message, received = _receive(server)
    sender.join()
    assert message == {"ok": True, "n": 1} and received == body


@pytest.mark.parametrize("cut", [1, 5, 11, 12, 13, 30])
def test_a_frame_split_anywhere_is_put_back_together(pair: tuple[socket.socket, socket.socket],
                                                     cut: int) -> None:
    server, worker = pair
    frame = b"".join(_wire.encode({"ok": True, "text": "été"}, b"body bytes"))

    def trickle() -> None:
        worker.sendall(frame[:cut])
        threading.Event().wait(0.05)  # the server reads the first piece alone
        worker.sendall(frame[cut:])

    sender = threading.Thread(target=trickle)
    sender.start()
    message, body = _receive(server)
    sender.join()
    assert message == {"ok": True, "text": "été"} and body == b"body bytes"


_WHOLE = b"".join(_wire.encode({"ok": True}, b"0123456789"))


@pytest.mark.parametrize("sent", [b"", b"\x00\x00\x00", _WHOLE[:-3]])
def test_a_frame_cut_short_is_a_closed_channel(pair: tuple[socket.socket, socket.socket],
                                               sent: bytes) -> None:
    server, worker = pair
    worker.sendall(sent)
    worker.shutdown(socket.SHUT_WR)
    with pytest.raises(_wire.ChannelClosed):
        _receive(server)


def test_an_absurd_header_is_refused(pair: tuple[socket.socket, socket.socket]) -> None:
    server, worker = pair
    worker.sendall(struct.pack("!IQ", _wire.MAX_MESSAGE_BYTES + 1, 0))
    with pytest.raises(_wire.ChannelClosed, match="refused"):
        _receive(server)


@pytest.mark.parametrize("cut", [0, 1, 11, 12, 20, 70_000])
def test_the_worker_reads_a_frame_split_anywhere(pair: tuple[socket.socket, socket.socket], cut: int) -> None:
    server, worker = pair
    body = bytes(range(256)) * 400
    frame = b"".join(_wire.encode({"op": "query", "text": "ASK {}"}, body))

    def trickle() -> None:
        server.setblocking(True)
        server.sendall(frame[:cut])
        threading.Event().wait(0.05)
        server.sendall(frame[cut:])

    sender = threading.Thread(target=trickle)
    sender.start()
    message, received = _wire.receive_blocking(worker)
    sender.join()
    assert message == {"op": "query", "text": "ASK {}"} and received == body


def test_the_worker_sees_a_closed_socket(pair: tuple[socket.socket, socket.socket]) -> None:
    server, worker = pair
    server.setblocking(True)
    server.sendall(b"\x00\x00")
    server.shutdown(socket.SHUT_WR)
    with pytest.raises(_wire.ChannelClosed):
        _wire.receive_blocking(worker)
