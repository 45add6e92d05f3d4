"""Fixtures of the named-query engine tests: a small dataset and query folder under ``fixtures/root``.

* ``fixture_settings`` settings rooted at the fixture folder (canonical base IRI)
* ``loaded_store``     an in-memory Oxigraph store holding the fixture dataset (shared by a module)
* ``library``          the fixture queries, read strictly
* ``client``           a TestClient on an app over the fixture folder, lifespan running
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mdkg.dataset import load_dataset
from mdkg.queries import NamedQueryLibrary
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app
from starlette.testclient import TestClient

FIXTURE_ROOT = Path(__file__).parent / "fixtures" / "root"


@pytest.fixture(scope="module")
def fixture_settings() -> Settings:
    return Settings(root=FIXTURE_ROOT)


@pytest.fixture(scope="module")
def loaded_store(fixture_settings: Settings) -> Iterator[OxigraphStore]:
    store = OxigraphStore()
    load_dataset(store, fixture_settings)
    yield store
    store.close()


@pytest.fixture(scope="module")
def library(fixture_settings: Settings) -> NamedQueryLibrary:
    return NamedQueryLibrary.from_dir(fixture_settings.queries_dir, fixture_settings.base_iri)


@pytest.fixture(scope="module")
def client(fixture_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(fixture_settings)) as test_client:
        yield test_client
