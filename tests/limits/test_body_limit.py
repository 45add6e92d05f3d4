"""The request body limit: refused from ``Content-Length`` before reading, or at the first chunk over it."""

from __future__ import annotations

import asyncio
import json
import select
import socket
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI, Form
from mdkg.testing import serve_in_thread
from starlette.testclient import TestClient

LIMIT = 1000
QUERY_BODY = {"content-type": "application/sparql-query", "accept": "application/sparql-results+json"}


def _check_too_large(status: int, body: bytes, *, says: str) -> None:
    assert status == 413
    error = json.loads(body)["error"]
    assert error["status"] == 413 and error["code"] == "payload_too_large"
    assert says in error["message"] and f"the limit of {LIMIT} bytes" in error["message"]
    assert error["detail"] == {"limit_bytes": LIMIT}


@pytest.fixture
def app(make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app(max_body_bytes=LIMIT)


def test_a_declared_length_over_the_limit_is_refused(app: FastAPI) -> None:
    with TestClient(app) as client:
        response = client.post("/sparql", content=b"ASK {}" + b" " * 2000, headers=QUERY_BODY)
    _check_too_large(response.status_code, response.content, says="is 2006 bytes")


def test_a_body_at_the_limit_is_read(app: FastAPI) -> None:
    body = b"ASK { ?s ?p ?o }"
    with TestClient(app) as client:
        response = client.post("/sparql", content=body + b" " * (LIMIT - len(body)), headers=QUERY_BODY)
    assert response.status_code == 200 and response.json()["boolean"] is True


def test_every_route_has_the_limit(app: FastAPI) -> None:
    with TestClient(app) as client:
        for method, path in (("GET", "/queries.json"), ("POST", "/queries/anything"), ("PUT", "/x"),
                             ("GET", "/healthz")):
            response = client.request(method, path, content=b"x" * (LIMIT + 1))
            _check_too_large(response.status_code, response.content, says=f"is {LIMIT + 1} bytes")


# --- straight on the ASGI app: what is read, and when it stops ---------------------------------------

def _scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
            "headers": headers, "client": ("192.0.2.1", 40000), "server": ("127.0.0.1", 80)}


async def _call(app: FastAPI, scope: dict[str, Any], receive: Callable[[], Any]) -> tuple[int, bytes]:
    status, body = 0, bytearray()

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, send)
    return status, bytes(body)


def test_a_streamed_body_is_stopped_at_the_first_chunk_over_the_limit(app: FastAPI) -> None:
    chunks_read = 0

    async def endless_body() -> dict[str, Any]:
        nonlocal chunks_read
        chunks_read += 1
        assert chunks_read < 10_000, "the body was read on and on"
        return {"type": "http.request", "body": b" " * 100, "more_body": True}

    scope = _scope("/sparql", [(b"content-type", b"application/sparql-query")])
    status, body = asyncio.run(_call(app, scope, endless_body))
    _check_too_large(status, body, says="exceeds")
    assert chunks_read == LIMIT // 100 + 1


def test_a_declared_length_is_refused_before_a_byte_is_read(app: FastAPI) -> None:
    async def no_body_expected() -> dict[str, Any]:
        raise AssertionError("the body was read")

    scope = _scope("/sparql", [(b"content-type", b"application/sparql-query"),
                               (b"content-length", b"1000000000")])
    status, body = asyncio.run(_call(app, scope, no_body_expected))
    _check_too_large(status, body, says="is 1000000000 bytes")


def test_a_route_that_turns_the_overflow_into_another_answer_still_gives_413(app: FastAPI) -> None:
    # FastAPI answers any failure while it reads a form parameter with 400 "error parsing the body".
    async def echo(text: Annotated[str, Form()]) -> dict[str, int]:
        return {"length": len(text)}

    app.add_api_route("/limits-test/form", echo, methods=["POST"])
    sent = False

    async def form_in_two_chunks() -> dict[str, Any]:
        nonlocal sent
        chunk, more = (b"text=" + b"a" * 900, True) if not sent else (b"a" * 900, False)
        sent = True
        return {"type": "http.request", "body": chunk, "more_body": more}

    scope = _scope("/limits-test/form", [(b"content-type", b"application/x-www-form-urlencoded")])
    status, body = asyncio.run(_call(app, scope, form_in_two_chunks))
    _check_too_large(status, body, says="exceeds")
    with TestClient(app) as client:  # the route itself works
        assert client.post("/limits-test/form", data={"text": "abc"}).json() == {"length": 3}


# --- over real HTTP: a chunked upload without Content-Length -----------------------------------------

def _read_response(connection: socket.socket) -> bytes:
    received = bytearray()
    connection.settimeout(10)
    while chunk := connection.recv(65536):
        received.extend(chunk)
        head, _, body = bytes(received).partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), None)
        if length is not None and len(body) >= length:
            break
    return bytes(received)


def test_a_chunked_upload_over_http_is_cut_off(app: FastAPI) -> None:
    with serve_in_thread(app) as base_url, socket.create_connection(
            ("127.0.0.1", urlsplit(base_url).port), timeout=10) as connection:
        connection.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           b"Content-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n\r\n")
        sent = 0
        chunk = b" " * 100
        while sent < 100 * LIMIT:  # bounded: the server must answer long before this
            connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
            readable, _, _ = select.select([connection], [], [], 0.01)
            if readable:
                break
        response = _read_response(connection)
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    _check_too_large(413, body, says="exceeds")
    assert sent < 100 * LIMIT
