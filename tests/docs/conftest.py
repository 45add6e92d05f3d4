"""The project's ontology and shapes, their documentation, and an app serving them: each built once
for the session (pyLODE takes a second or two)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from mdkg.ontology_docs import OntologyDocs, build_ontology_docs, load_documented_graphs
from mdkg.settings import Settings
from mdkg.testing import project_test_client
from rdflib import Graph


@pytest.fixture(scope="session")
def graphs() -> tuple[Graph, Graph]:
    return load_documented_graphs(Settings())


@pytest.fixture(scope="session")
def docs(graphs: tuple[Graph, Graph]) -> OntologyDocs:
    ontology, shapes = graphs
    return build_ontology_docs(ontology, shapes)


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    """The app on the project's own dataset."""
    with project_test_client() as test_client:
        yield test_client
