"""Fixtures for testing the web service; reuse them by name, override ``store`` or ``settings`` to vary.

* ``store``      a fresh, empty in-memory Oxigraph store (override it to preload data)
* ``settings``   ``Settings`` that load nothing on start (tests put what they need in ``store``)
* ``app``        ``create_app(settings, store=store)``
* ``client``     a Starlette ``TestClient`` on ``app``, with the lifespan running
* ``live_server`` the base URL (``http://127.0.0.1:<free port>``) of uvicorn serving ``app`` in a
  thread, for tests that drive the service with real HTTP clients; stopped after the test
* ``serve_app``  the context manager behind ``live_server``, for serving another app
* ``default_dataset_client`` a client on an app that loads the project's own dataset on start
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
import uvicorn
from fastapi import FastAPI
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app
from starlette.testclient import TestClient

_SERVER_START_TIMEOUT_S = 10.0


@pytest.fixture
def store() -> Iterator[OxigraphStore]:
    store = OxigraphStore()
    yield store
    store.close()


@pytest.fixture
def settings() -> Settings:
    return Settings(load_on_start=False)


@pytest.fixture
def app(settings: Settings, store: OxigraphStore) -> FastAPI:
    return create_app(settings, store=store)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@contextmanager
def _serve(app: FastAPI) -> Iterator[str]:
    """Run uvicorn on a free loopback port in a thread; yields the base URL, stops it on exit."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True,
                              name=f"uvicorn-{port}")
    thread.start()
    try:
        deadline = time.monotonic() + _SERVER_START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on 127.0.0.1:{port}")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=_SERVER_START_TIMEOUT_S)
        listener.close()
        if thread.is_alive():
            raise RuntimeError(f"uvicorn on 127.0.0.1:{port} did not stop")


@pytest.fixture
def serve_app() -> Callable[[FastAPI], AbstractContextManager[str]]:
    return _serve


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    with _serve(app) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def default_dataset_client() -> Iterator[TestClient]:
    """The app as ``mdkg serve`` builds it: it loads ontology, sources and reference data on start."""
    app = create_app(Settings(load_on_start=True), store=OxigraphStore())
    with TestClient(app) as test_client:
        yield test_client
