"""Fixtures of the client tests: the same data in process and behind a real uvicorn server.

* ``bundled_local`` / ``bundled_remote``  clients of the project's own graph, in process and over HTTP
* ``fixture_local`` / ``fixture_remote``  clients of ``fixtures/root`` (every literal type, an ASK and a
  CONSTRUCT query), in process and over HTTP
* ``rebased_url``                         a server whose base IRI is its own URL (data rebased on load)
* ``serve_app``                           the context manager behind the servers, for one-off apps

Servers listen on a free 127.0.0.1 port and are stopped when their fixture ends. The pattern is
that of ``tests/service/conftest.py`` (not imported: a conftest is not a module to import from).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from fastapi import FastAPI
from mdkg import Client, create_app
from mdkg.settings import Settings
from mdkg.testing import serve_in_thread

FIXTURE_ROOT = Path(__file__).parent / "fixtures" / "root"
_START_TIMEOUT_S = 10.0

AppFactory = Callable[[str], FastAPI]
"""Builds the app once its URL is known (a base IRI may depend on the port)."""


def serve(make_app: AppFactory) -> AbstractContextManager[str]:
    """uvicorn on a free loopback port in a thread; yields the base URL and stops the server on exit."""
    return serve_in_thread(app_for_url=make_app, start_timeout_s=_START_TIMEOUT_S)


@pytest.fixture(scope="session")
def bundled_url() -> Iterator[str]:
    with serve(lambda url: create_app(Settings())) as url:
        yield url


@pytest.fixture(scope="session")
def bundled_local() -> Iterator[Client]:
    with Client() as client:
        yield client


@pytest.fixture(scope="session")
def bundled_remote(bundled_url: str) -> Iterator[Client]:
    with Client(bundled_url) as client:
        yield client


@pytest.fixture(scope="session")
def fixture_settings() -> Settings:
    return Settings(root=FIXTURE_ROOT)


@pytest.fixture(scope="session")
def fixture_url(fixture_settings: Settings) -> Iterator[str]:
    with serve(lambda url: create_app(fixture_settings)) as url:
        yield url


@pytest.fixture(scope="session")
def fixture_local(fixture_settings: Settings) -> Iterator[Client]:
    with Client(settings=fixture_settings) as client:
        yield client


@pytest.fixture(scope="session")
def fixture_remote(fixture_url: str) -> Iterator[Client]:
    with Client(fixture_url) as client:
        yield client


@pytest.fixture(scope="session")
def rebased_url(fixture_settings: Settings) -> Iterator[str]:
    with serve(lambda url: create_app(fixture_settings.with_changes(base_iri=url + "/"))) as url:
        yield url


@pytest.fixture
def serve_app() -> Callable[[AppFactory], AbstractContextManager[str]]:
    return serve
