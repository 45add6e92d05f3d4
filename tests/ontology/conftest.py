"""Graphs for the ontology tests.

* ``ontology``      ``ontology/*.ttl`` alone
* ``data``          the reference and source graphs (``graph/**/*.ttl``)
* ``whole_dataset`` ontology + reference + sources, as the reasoners see it
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mdkg.settings import Settings
from rdflib import Graph


def parse_all(paths: list[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="session")
def ontology_paths() -> list[Path]:
    paths = sorted(Settings().ontology_dir.glob("*.ttl"))
    assert paths, "no ontology/*.ttl"
    return paths


@pytest.fixture(scope="session")
def data_paths() -> list[Path]:
    settings = Settings()
    return sorted((settings.graph_dir / "reference").glob("*.ttl")) + sorted(
        (settings.graph_dir / "sources").glob("*.ttl"))


@pytest.fixture(scope="session")
def ontology(ontology_paths: list[Path]) -> Graph:
    return parse_all(ontology_paths)


@pytest.fixture(scope="session")
def data(data_paths: list[Path]) -> Graph:
    return parse_all(data_paths)


@pytest.fixture
def whole_dataset(ontology_paths: list[Path], data_paths: list[Path]) -> Graph:
    """A fresh graph each time: the reasoners add their inferences to it."""
    return parse_all([*ontology_paths, *data_paths])
