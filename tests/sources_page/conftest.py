"""A small source document of our own, with its captured text, served by an app of its own.

The document's text is written here and its digest computed from it, so the tests know exactly where
each quote is, whatever the project's own sources say. ``make_project`` lays out a project root (the
real ontology and queries, linked) with ``../shared/sources`` beside it, as ``Settings`` expects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from mdkg.dataset import load_dataset
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.testing import project_test_client
from mdkg.web.app import create_app

from ._project import DIGEST, TEXT, make_project


@pytest.fixture
def project_client(tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """``project_client(text=..., digest=..., base_iri=...)``: a client on an app serving the test
    document."""
    opened: list[tuple[TestClient, OxigraphStore]] = []

    def open_client(text: str | None = TEXT, digest: str = DIGEST, base_iri: str | None = None) -> TestClient:
        folder = tmp_path / f"p{len(opened)}"
        root = make_project(folder, text, digest)
        settings = Settings(root=root, load_on_start=False, query_workers=0,
                            **({"base_iri": base_iri} if base_iri else {}))
        store = OxigraphStore()
        load_dataset(store, settings)
        client = TestClient(create_app(settings, store=store))
        client.__enter__()
        opened.append((client, store))
        return client

    yield open_client
    for client, store in opened:
        client.__exit__(None, None, None)
        store.close()


@pytest.fixture(scope="session")
def real_client() -> Iterator[TestClient]:
    """The app on the project's own dataset."""
    with project_test_client() as client:
        yield client
