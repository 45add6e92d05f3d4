"""Fixtures for the request limits: a small store, apps with low limits, clients with network addresses.

The Starlette test client reports no network address (``testclient``), which the rate limit lets
through; :func:`client_at` gives a client that comes from a given address instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from fastapi import FastAPI
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app
from starlette.testclient import TestClient

DATA = '<http://example.org/s> <http://example.org/p> "o" .\n'


@pytest.fixture
def store() -> Iterator[OxigraphStore]:
    store = OxigraphStore()
    store.load(DATA, media_type="application/n-triples")
    yield store
    store.close()


@pytest.fixture
def make_app(store: OxigraphStore) -> Callable[..., FastAPI]:
    def make(**changes: object) -> FastAPI:
        return create_app(Settings(load_on_start=False, **changes), store=store)  # type: ignore[arg-type]

    return make


@contextmanager
def _client_at(app: FastAPI, address: str) -> Iterator[TestClient]:
    with TestClient(app, client=(address, 40000), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client_at() -> Callable[[FastAPI, str], AbstractContextManager[TestClient]]:
    return _client_at
