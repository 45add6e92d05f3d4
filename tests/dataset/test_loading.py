"""load_dataset: the engine's own file loading gives the same dataset as parsing in Python, and an
on-disk store that holds the files already is not loaded again (decided by its stamp, checked here
by the store's content)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from mdkg.dataset import dataset_nquads, load_dataset, load_dataset_if_changed
from mdkg.errors import RdfSyntaxError
from mdkg.settings import CANONICAL_BASE_IRI, Settings
from mdkg.store._terms import from_ox
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app
from rdflib import BNode, Graph, URIRef
from rdflib.compare import isomorphic
from starlette.testclient import TestClient

BASE = CANONICAL_BASE_IRI
PREFIXES = (f"@prefix id: <{BASE}id/> .\n@prefix mdo: <{BASE}ontology#> .\n"
            "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n")
SOURCE_GRAPH = f"{BASE}graph/source/s1"
OTHER_BASE = "http://127.0.0.1:8000/kg/"


def _write(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PREFIXES + body, encoding="utf-8")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Four files whose blank nodes are all labelled ``_:b1``, two of them into one graph."""
    project = tmp_path / "project"
    _write(project / "ontology" / "o.ttl", "mdo:Agreement a mdo:Class ; mdo:note _:b1 .\n_:b1 mdo:v 1 .\n")
    for name in ("s1", "s2"):
        _write(project / "graph" / "sources" / f"{name}.ttl",
               f'id:{name} mdo:party id:chile ; mdo:evidence _:b1 .\n_:b1 mdo:amount "12.50"^^xsd:decimal ;'
               f' mdo:quote "from {name}"@en .\n')
    for name in ("r1", "r2"):
        _write(project / "graph" / "reference" / f"{name}.ttl",
               f'id:{name} mdo:code "{name}" ; mdo:scheme _:b1 .\n_:b1 mdo:label "scheme" .\n')
    return project


def _as_graph(store: OxigraphStore) -> Graph:
    """The dataset as one graph (each predicate tagged with its graph name), so that rdflib's
    isomorphism test covers graph names and blank nodes shared across graphs alike."""
    graph = Graph()
    for quad in store.raw.quads_for_pattern(None, None, None, None):
        name = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        graph.add((from_ox(quad.subject), URIRef(f"{quad.predicate.value}@{name}"), from_ox(quad.object)))
    return graph


def _through_python(settings: Settings) -> OxigraphStore:
    """The reference: every triple parsed into a Python quad, rebased, written as one N-Quads document."""
    store = OxigraphStore()
    store.load(dataset_nquads(settings), media_type="application/n-quads")
    return store


def _holds(store: OxigraphStore, subject: str, graph: str) -> bool:
    return store.ask(f"ASK {{ GRAPH <{graph}> {{ <{subject}> ?p ?o }} }}")


@pytest.fixture(params=["in memory", "on disk"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OxigraphStore]:
    """An empty store of each kind (on disk, the files go through an in-memory store first)."""
    store = OxigraphStore(tmp_path / "store" if request.param == "on disk" else None)
    yield store
    store.close()


@pytest.mark.parametrize("base_iri", [BASE, OTHER_BASE], ids=["canonical base", "another base"])
def test_the_engines_load_gives_the_dataset_parsed_in_python(root: Path, base_iri: str,
                                                              new_store: OxigraphStore) -> None:
    settings = Settings(root=root, base_iri=base_iri)
    fast = new_store
    load_dataset(fast, settings)
    reference = _through_python(settings)
    assert len(fast.raw) == len(reference.raw) == 17
    assert isomorphic(_as_graph(fast), _as_graph(reference))
    blank_nodes = {t for s, _, o in _as_graph(fast) for t in (s, o) if isinstance(t, BNode)}
    assert len(blank_nodes) == 5  # `_:b1` of each file stays a node of its own, in one graph or two
    names = set(fast.graphs())
    assert names == {f"{base_iri}graph/ontology", f"{base_iri}graph/source/s1",
                     f"{base_iri}graph/source/s2", f"{base_iri}graph/reference"}
    if base_iri != BASE:
        assert not any(BASE in str(term) for triple in _as_graph(fast) for term in triple)


def test_typed_literals_take_their_canonical_form(root: Path) -> None:
    store = OxigraphStore()
    load_dataset(store, Settings(root=root))
    amounts = store.select(
        f"SELECT ?a WHERE {{ GRAPH <{SOURCE_GRAPH}> {{ ?e <{BASE}ontology#amount> ?a }} }}")
    assert [str(row[0]) for row in amounts] == ["12.5"]


@pytest.mark.parametrize("loaded_before", [False, True], ids=["empty store", "store holding the dataset"])
def test_a_syntax_error_names_file_and_line_and_changes_nothing(root: Path, loaded_before: bool,
                                                                new_store: OxigraphStore) -> None:
    store = new_store
    store.load(f"<{BASE}id/x> <{BASE}p> 1 .", media_type="text/turtle", graph="http://example.org/mine")
    if loaded_before:
        load_dataset(store, Settings(root=root))
    before = _as_graph(store)
    broken = root / "graph" / "sources" / "s2.ttl"
    broken.write_text(broken.read_text() + "id:s2 mdo:party .\n", encoding="utf-8")
    with pytest.raises(RdfSyntaxError) as caught:
        load_dataset(store, Settings(root=root))
    assert caught.value.detail["file"] == str(broken)
    assert caught.value.detail["line"] == 6
    assert isomorphic(_as_graph(store), before)


def test_a_reload_replaces_the_dataset_graphs_and_keeps_the_others(root: Path,
                                                                   new_store: OxigraphStore) -> None:
    store = new_store
    store.load(f"<{BASE}id/x> <{BASE}p> 1 .", media_type="text/turtle", graph="http://example.org/mine")
    load_dataset(store, Settings(root=root))
    _write(root / "graph" / "sources" / "s1.ttl", "id:s1b mdo:party id:peru .\n")
    load_dataset(store, Settings(root=root))
    assert _holds(store, f"{BASE}id/s1b", SOURCE_GRAPH)
    assert not _holds(store, f"{BASE}id/s1", SOURCE_GRAPH)
    assert _holds(store, f"{BASE}id/x", "http://example.org/mine")


# -- the stamp of an on-disk store ----------------------------------------------------------------

STRAY = f"{BASE}id/stray"


def _add_stray_quad(path: Path) -> None:
    """A quad the files do not have, added behind mdkg's back (so the stamp stays): it survives
    exactly when the dataset is not loaded again."""
    raw = ox.Store(str(path))
    raw.add(ox.Quad(ox.NamedNode(STRAY), ox.NamedNode(f"{BASE}p"), ox.Literal("x"),
                    ox.NamedNode(SOURCE_GRAPH)))
    raw.flush()
    del raw


def _load_if_changed(path: Path, settings: Settings, *, force: bool = False) -> tuple[bool, bool]:
    """(loaded, the stray quad is still there)."""
    store = OxigraphStore(path)
    try:
        loaded = load_dataset_if_changed(store, settings, force=force)
        return loaded, _holds(store, STRAY, SOURCE_GRAPH)
    finally:
        store.close()


def test_an_unchanged_dataset_is_not_loaded_again_and_a_changed_file_is(root: Path, tmp_path: Path) -> None:
    path, settings = tmp_path / "store", Settings(root=root)
    assert _load_if_changed(path, settings) == (True, False)
    _add_stray_quad(path)
    assert _load_if_changed(path, settings) == (False, True)
    touched = root / "graph" / "sources" / "s1.ttl"
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    assert _load_if_changed(path, settings) == (False, True)  # touched, same bytes
    assert _load_if_changed(path, settings) == (False, True)
    # Only the graphs of changed files are loaded again: the stray quad of s1's graph stays.
    _write(root / "graph" / "sources" / "s2.ttl", "id:s2 mdo:party id:peru .\n")
    assert _load_if_changed(path, settings) == (True, True)
    store = OxigraphStore(path)
    assert store.ask(f"ASK {{ GRAPH <{BASE}graph/source/s2> {{ <{BASE}id/s2> ?p <{BASE}id/peru> }} }}")
    assert store.quad_count(f"{BASE}graph/source/s2") == 1
    store.close()
    _write(root / "graph" / "sources" / "s1.ttl", "id:s1 mdo:party id:peru .\n")
    assert _load_if_changed(path, settings) == (True, False)
    (root / "graph" / "sources" / "s2.ttl").unlink()
    _write(root / "graph" / "sources" / "s3.ttl", "id:s3 mdo:party id:peru .\n")
    assert _load_if_changed(path, settings) == (True, False)
    store = OxigraphStore(path)
    assert [g.rsplit("/", 1)[1] for g in store.graphs() if "/source/" in g] == ["s1", "s3"]
    assert isomorphic(_as_graph(store), _as_graph(_through_python(settings)))
    store.close()


def test_another_base_iri_or_force_loads_again(root: Path, tmp_path: Path) -> None:
    path = tmp_path / "store"
    assert _load_if_changed(path, Settings(root=root))[0]
    _add_stray_quad(path)
    assert _load_if_changed(path, Settings(root=root), force=True) == (True, False)
    _add_stray_quad(path)
    assert _load_if_changed(path, Settings(root=root, base_iri=OTHER_BASE))[0]


def test_a_write_through_mdkg_removes_the_stamp(root: Path, tmp_path: Path) -> None:
    path, settings = tmp_path / "store", Settings(root=root)
    assert _load_if_changed(path, settings)[0]
    store = OxigraphStore(path)
    store.update(f'INSERT DATA {{ GRAPH <{SOURCE_GRAPH}> {{ <{STRAY}> <{BASE}p> "x" }} }}')
    store.close()
    assert _load_if_changed(path, settings) == (True, False)


def test_mdkg_serve_skips_the_load_unless_told_to_reload(root: Path, tmp_path: Path) -> None:
    settings = Settings(root=root, store_path=tmp_path / "store", query_workers=0)

    def stray_after_start(**changes: object) -> bool:
        with TestClient(create_app(settings.with_changes(**changes))) as client:
            response = client.get("/sparql", params={
                "query": f"ASK {{ GRAPH <{SOURCE_GRAPH}> {{ <{STRAY}> ?p ?o }} }}"},
                headers={"Accept": "application/sparql-results+json"})
            assert response.status_code == 200, response.text
            return bool(response.json()["boolean"])

    assert not stray_after_start()
    _add_stray_quad(tmp_path / "store")
    assert stray_after_start()
    assert not stray_after_start(reload_on_start=True)
