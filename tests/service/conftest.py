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

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest
from fastapi import FastAPI
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.testing import serve_in_thread
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


def _serve(app: FastAPI) -> AbstractContextManager[str]:
    """Run uvicorn on a free loopback port in a thread; yields the base URL, stops it on exit."""
    return serve_in_thread(app, start_timeout_s=_SERVER_START_TIMEOUT_S)


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
