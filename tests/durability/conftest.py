"""Fixtures for durability: an on-disk store holding the project's dataset, and a way to compare stores.

* ``disk_store_dir``  a closed on-disk Oxigraph store (a folder) with ontology, sources and reference data
* ``same_dataset``    ``same_dataset(a, b)``: whether two stores hold isomorphic datasets (graph by graph,
  blank nodes matched per graph) with the same quad counts
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from mdkg.dataset import load_dataset
from mdkg.settings import Settings
from mdkg.store import Store
from mdkg.store.oxigraph import OxigraphStore
from mdkg.testing import graphs_by_name
from rdflib import Graph
from rdflib.compare import isomorphic


def graphs_of(store: Store) -> dict[str | None, Graph]:
    return graphs_by_name(store)


def same_dataset(first: Store, second: Store) -> bool:
    if first.quad_count() != second.quad_count():
        return False
    a, b = graphs_of(first), graphs_of(second)
    return a.keys() == b.keys() and all(isomorphic(a[name], b[name]) for name in a)


@pytest.fixture
def disk_store_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "store"
    store = OxigraphStore(folder)
    load_dataset(store, Settings())
    store.close()
    return folder


@pytest.fixture
def same() -> Callable[[Store, Store], bool]:
    return same_dataset
