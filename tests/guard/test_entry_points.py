"""The guard at each entry point: ``/sparql`` (queries and updates, in process) and named queries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from mdkg.queries import NamedQueryLibrary
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from starlette.testclient import TestClient

DEEP = 5000


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    from mdkg.web import sparql
    from mdkg.web.app import create_app

    store = OxigraphStore()
    store.load(b'<http://example.org/s> <http://example.org/p> "1" .', media_type="application/n-triples",
               graph="http://example.org/g")
    monkeypatch.setattr(sparql, "authorize_update", lambda request: None)  # writes enabled
    # An injected store is queried in this very process: a parser overflow here would end the test run.
    app: FastAPI = create_app(Settings(load_on_start=False), store=store)
    with TestClient(app) as test_client:
        yield test_client


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { FILTER" + "(" * DEEP + "true" + ")" * DEEP + " }",
    "SELECT * WHERE " + "{" * DEEP + "}" * DEEP,
])
def test_a_nesting_bomb_never_reaches_pyoxigraph(client: TestClient, query: str) -> None:
    response = client.post("/sparql", content=query.encode(),
                           headers={"content-type": "application/sparql-query"})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("query nesting too deep (")
    after = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"},
                       headers={"accept": "application/sparql-results+json"})
    assert after.json()["results"]["bindings"][0]["n"]["value"] == "1"


def test_updates_pass_the_guard_before_the_store(client: TestClient) -> None:
    bomb = "INSERT DATA { <http://example.org/a> <http://example.org/b> " + "(" * DEEP + ")" * DEEP + " }"
    response = client.post("/sparql", data={"update": bomb})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("update nesting too deep")
    load = client.post("/sparql", content=b"LOAD <file:///etc/passwd> INTO GRAPH <http://example.org/g>",
                       headers={"content-type": "application/sparql-update"})
    assert load.status_code == 403
    assert load.json()["error"]["message"].startswith("LOAD is disabled")
    allowed = client.post("/sparql", data={
        "update": "INSERT { ?s <http://example.org/q> 2 } USING <http://example.org/g> WHERE { ?s ?p ?o }"})
    assert allowed.status_code == 204


def _library(tmp_path: Path, text: str) -> NamedQueryLibrary:
    (tmp_path / "q.rq").write_text(text, encoding="utf-8")
    return NamedQueryLibrary.from_dir(tmp_path, strict=False)


@pytest.mark.parametrize(("text", "line", "message"), [
    ("#+ summary: calls out\nSELECT * WHERE {\n  SERVICE <http://example.org/sparql> { ?s ?p ?o }\n}\n", 3,
     "SERVICE (federated query) is disabled"),
    ("#+ summary: reads a web graph\nSELECT *\nFROM <http://example.org/data.ttl>\nWHERE { ?s ?p ?o }\n", 3,
     "FROM <http://example.org/data.ttl> names a graph this store does not hold"),
    ("#+ summary: too deep\nSELECT * WHERE { FILTER" + "(" * 100 + "true" + ")" * 100 + " }\n", 2,
     "query nesting too deep (101 levels, limit 64)"),
])
def test_named_queries_are_checked_when_read(tmp_path: Path, text: str, line: int, message: str) -> None:
    library = _library(tmp_path, text)
    assert "q" not in library
    error = library.errors["q"]
    assert message in error.message
    assert f"q.rq, line {line}" in error.message


def test_named_queries_may_read_mdkgs_own_graphs(tmp_path: Path) -> None:
    library = _library(tmp_path, "#+ summary: the ontology\n"
                                 "SELECT * FROM <https://w3id.org/mdkg/graph/ontology> WHERE { ?s ?p ?o }\n")
    assert "q" in library and not library.errors


class _CountingStore(OxigraphStore):
    """Counts the calls of ``graphs``: the event loop must not wait on them."""

    def __init__(self) -> None:
        super().__init__()
        self.graph_calls = 0

    def graphs(self) -> list[str]:
        self.graph_calls += 1
        return super().graphs()


def test_the_store_is_asked_only_for_texts_that_name_a_graph() -> None:
    from mdkg.guard import StoreNeeded, inspect_request

    store, settings = _CountingStore(), Settings(load_on_start=False)
    inspect_request("ASK { ?s ?p ?o }", kind="query", store=store, settings=settings, ask_store=False)
    with pytest.raises(StoreNeeded):
        inspect_request("ASK FROM <http://example.org/g> { ?s ?p ?o }", kind="query", store=store,
                        settings=settings, ask_store=False)
    assert store.graph_calls == 0
    with pytest.raises(Exception, match="SERVICE"):  # the text's own checks come first, without the store
        inspect_request("SELECT * { SERVICE <http://example.org/> { ?s ?p ?o } }", kind="query",
                        store=store, settings=settings, ask_store=False)


def test_graphs_named_by_a_short_query_are_still_checked(client: TestClient) -> None:
    refused = client.get("/sparql", params={"query": "ASK FROM <http://example.org/elsewhere> { ?s ?p ?o }"})
    assert refused.status_code == 403 and "does not hold" in refused.json()["error"]["message"]
    held = client.get("/sparql", params={"query": "ASK FROM <http://example.org/g> { ?s ?p ?o }"},
                      headers={"accept": "application/sparql-results+json"})
    assert held.status_code == 200 and held.json()["boolean"] is True
