"""The write endpoints over HTTP: /sparql and /update, the Graph Store Protocol on /store, /sources."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app
from rdflib import Graph, Namespace, URIRef
from rdflib.compare import isomorphic
from starlette.testclient import TestClient

from .conftest import AUTH, TOKEN, Snapshot

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
G = "http://example.org/g"
SPARQL_UPDATE = {"content-type": "application/sparql-update", **AUTH}
TURTLE = {"content-type": "text/turtle", **AUTH}


def error_of(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["status"] == status and error["message"]
    return error


# --- SPARQL Update -------------------------------------------------------------------------------------

def test_update_endpoint_answers_with_a_summary(write_client: TestClient,
                                                dataset_store: OxigraphStore) -> None:
    response = write_client.post("/update", headers=SPARQL_UPDATE,
                                 content=f"INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/s> "
                                         f"<http://example.org/p> 1, 2 }} }}".encode())
    assert response.status_code == 200
    summary = response.json()
    assert (summary["added"], summary["removed"]) == (2, 0)
    assert summary["validation"]["counts"] == {"violation": 0, "warning": 0, "info": 0}
    assert response.headers["mdkg-quads-added"] == "2"
    assert dataset_store.quad_count(G) == 2


def test_update_by_form_and_with_the_protocol_dataset(write_client: TestClient,
                                                      dataset_store: OxigraphStore) -> None:
    write_client.post("/sparql", headers=SPARQL_UPDATE, content=(
        f"INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/s> a <http://example.org/C> }} }}").encode())
    response = write_client.post("/sparql", params={"using-graph-uri": G}, headers=AUTH, data={
        "update": "INSERT { GRAPH <http://example.org/out> { ?s a <http://example.org/D> } } "
                  "WHERE { ?s a <http://example.org/C> }"})
    assert response.status_code == 204 and response.headers["mdkg-quads-added"] == "1"
    assert dataset_store.quad_count("http://example.org/out") == 1


def test_update_endpoint_takes_only_updates(write_client: TestClient) -> None:
    error_of(write_client.post("/update", headers={"content-type": "application/sparql-query", **AUTH},
                               content=b"ASK {}"), 400)
    response = write_client.get("/update", headers=AUTH)
    error_of(response, 405)
    assert "POST" in response.headers["allow"]


def test_violations_are_422_with_the_report_and_change_nothing(
        write_client: TestClient, dataset_store: OxigraphStore, snapshot: Callable[..., Snapshot]) -> None:
    before = snapshot(dataset_store)
    update = ("PREFIX mdo: <https://w3id.org/mdkg/ontology#> "
              "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
              f"INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/mou> a mdo:MouOrFrameworkAgreement ; "
              'rdfs:label "An MOU"@en } }')
    error = error_of(write_client.post("/sparql", headers=SPARQL_UPDATE, content=update.encode()), 422)
    assert error["code"] == "shacl_violation"
    results = error["detail"]["results"]  # type: ignore[index]
    violations = {(r["focus_node"], r["path"]) for r in results if r["severity"] == "Violation"}
    assert violations >= {("http://example.org/mou", "mdo:party"),
                          ("http://example.org/mou", "prov:wasDerivedFrom"),
                          ("http://example.org/mou", "mdo:evidence")}
    assert all(r["message"] for r in results)
    assert snapshot(dataset_store).same_as(before)


def test_syntax_errors_are_400_with_line_and_message(write_client: TestClient, dataset_store: OxigraphStore,
                                                     snapshot: Callable[..., Snapshot]) -> None:
    before = snapshot(dataset_store)
    error = error_of(write_client.post("/sparql", headers=SPARQL_UPDATE,
                                       content=b"INSERT DATA {\n  <http://example.org/s> <http://example.org/p>\n}"),
                     400)
    assert error["detail"]["line"] == 3 and error["detail"]["message"]  # type: ignore[index]
    error = error_of(write_client.put("/store", params={"graph": G}, headers=TURTLE,
                                      content=b"@prefix ex: <http://example.org/> .\nex:s ex:p ."), 400)
    assert error["code"] == "rdf_syntax" and error["detail"]["line"] == 2  # type: ignore[index]
    assert snapshot(dataset_store).same_as(before)


def test_queries_see_a_write_at_once(write_client: TestClient) -> None:
    write_client.post("/sparql", headers=SPARQL_UPDATE, content=(
        f"INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/s> <http://example.org/p> 7 }} }}").encode())
    answer = write_client.get("/sparql", params={"query": f"ASK {{ GRAPH <{G}> {{ ?s ?p 7 }} }}"},
                              headers={"accept": "application/sparql-results+json"})
    assert answer.json()["boolean"] is True


def test_query_workers_load_the_new_data_after_a_write() -> None:
    # The app opens its store itself, so queries run in worker processes over a snapshot: a write must
    # give them a new one (mdkg.execution.store_changed).
    settings = Settings(load_on_start=False, write_token=TOKEN, query_workers=1)
    ask = {"query": f"ASK {{ GRAPH <{G}> {{ ?s ?p 42 }} }}"}
    accept = {"accept": "application/sparql-results+json"}
    with TestClient(create_app(settings)) as client:
        assert client.get("/sparql", params=ask, headers=accept).json()["boolean"] is False
        response = client.put("/store", params={"graph": G}, headers=TURTLE,
                              content=b"<http://example.org/s> <http://example.org/p> 42 .")
        assert response.status_code == 201
        assert client.get("/sparql", params=ask, headers=accept).json()["boolean"] is True


def test_the_service_description_says_whether_updates_are_accepted(write_client: TestClient,
                                                                   dataset_store: OxigraphStore) -> None:
    def languages(client: TestClient) -> set[URIRef]:
        graph = Graph().parse(data=client.get("/sparql", headers={"accept": "text/turtle"}).content,
                              format="turtle")
        return set(graph.objects(None, SD.supportedLanguage))

    assert SD.SPARQL11Update in languages(write_client)
    with TestClient(create_app(Settings(load_on_start=False), store=dataset_store)) as read_only:
        assert SD.SPARQL11Update not in languages(read_only)


# --- Graph Store Protocol -------------------------------------------------------------------------------

def test_graph_store_life_cycle(write_client: TestClient, dataset_store: OxigraphStore) -> None:
    turtle = b"@prefix ex: <http://example.org/> .\nex:a ex:p ex:b ; ex:q [ ex:r 1 ] ."
    created = write_client.put("/store", params={"graph": G}, headers=TURTLE, content=turtle)
    assert created.status_code == 201 and created.headers["location"].startswith("/store?graph=")
    read = write_client.get("/store", params={"graph": G}, headers={"accept": "text/turtle"})
    assert read.status_code == 200 and read.headers["content-type"].startswith("text/turtle")
    assert isomorphic(Graph().parse(data=read.content, format="turtle"),
                      Graph().parse(data=turtle, format="turtle"))
    head = write_client.head("/store", params={"graph": G})
    assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 0
    merged = write_client.post("/store", params={"graph": G},
                               content=b"<http://example.org/c> <http://example.org/p> <http://example.org/d>.",
                               headers={"content-type": "application/n-triples", **AUTH})
    assert merged.status_code == 204 and dataset_store.quad_count(G) == 4
    replaced = write_client.put("/store", params={"graph": G}, headers=TURTLE,
                                content=b"<http://example.org/e> <http://example.org/p> 1 .")
    assert replaced.status_code == 204 and dataset_store.quad_count(G) == 1
    assert write_client.delete("/store", params={"graph": G}, headers=AUTH).status_code == 204
    error_of(write_client.get("/store", params={"graph": G}), 404)
    error_of(write_client.delete("/store", params={"graph": G}, headers=AUTH), 404)


def test_graph_store_default_graph(write_client: TestClient, dataset_store: OxigraphStore) -> None:
    response = write_client.put("/store?default", headers=TURTLE,
                                content=b"<http://example.org/s> <http://example.org/p> 1 .")
    assert response.status_code == 204
    nt = write_client.get("/store?default", headers={"accept": "application/n-triples"})
    assert nt.text.strip() == ('<http://example.org/s> <http://example.org/p> '
                               '"1"^^<http://www.w3.org/2001/XMLSchema#integer> .')
    assert write_client.delete("/store?default", headers=AUTH).status_code == 204
    assert dataset_store.quad_count() == sum(dataset_store.quad_count(g) for g in dataset_store.graphs())


@pytest.mark.parametrize(("query", "headers", "status"), [
    ("", TURTLE, 400),                                          # no graph named
    (f"graph={G}&default", TURTLE, 400),                        # both
    ("graph=relative/iri", TURTLE, 400),
    (f"graph={G}&graph=http://example.org/h", TURTLE, 400),
    (f"graph={G}", {"content-type": "application/trig", **AUTH}, 415),
    (f"graph={G}", {"content-type": "text/plain; charset=latin-1", **AUTH}, 415),
    (f"graph={G}", {"content-type": "image/png", **AUTH}, 415),
    (f"graph={G}", AUTH, 415),                                  # no Content-Type
])
def test_graph_store_refusals(write_client: TestClient, dataset_store: OxigraphStore, query: str,
                              headers: dict[str, str], status: int) -> None:
    before = dataset_store.quad_count()
    error_of(write_client.put(f"/store?{query}", headers=headers,
                              content=b"<http://example.org/s> <http://example.org/p> 1 ."), status)
    assert dataset_store.quad_count() == before


def test_graph_store_negotiation_and_methods(write_client: TestClient) -> None:
    error_of(write_client.get("/store?default", headers={"accept": "image/png"}), 406)
    response = write_client.patch("/store?default", headers=AUTH)
    error_of(response, 405)
    assert "PUT" in response.headers["allow"]


def test_entity_bomb_and_remote_context_are_refused(write_client: TestClient, dataset_store: OxigraphStore,
                                                    snapshot: Callable[..., Snapshot]) -> None:
    before = snapshot(dataset_store)
    bomb = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
            b'rdf:about="http://example.org/s"><rdf:value>&b;</rdf:value></rdf:Description></rdf:RDF>')
    error_of(write_client.put("/store", params={"graph": G}, content=bomb,
                              headers={"content-type": "application/rdf+xml", **AUTH}), 400)
    remote = b'{"@context": "http://127.0.0.1:9/ctx.jsonld", "@id": "http://example.org/s", "p": 1}'
    error_of(write_client.post("/store", params={"graph": G}, content=remote,
                               headers={"content-type": "application/ld+json", **AUTH}), 400)
    assert snapshot(dataset_store).same_as(before)


# --- /sources ---------------------------------------------------------------------------------------------

def test_sources_are_added_once(write_client: TestClient, dataset_store: OxigraphStore,
                                new_source: Callable[..., str]) -> None:
    document = new_source("web-test").encode()
    created = write_client.post("/sources", headers=TURTLE, content=document)
    assert created.status_code == 201
    graph = "https://w3id.org/mdkg/graph/source/web-test"
    assert created.json()["graph"] == graph and created.headers["location"] == graph
    assert created.json()["source_id"] == "web-test"
    count = dataset_store.quad_count(graph)
    assert count > 10
    conflict = error_of(write_client.post("/sources", headers=TURTLE, content=document), 409)
    assert conflict["code"] == "conflict"
    error_of(write_client.put("/sources/other-id", headers=TURTLE, content=document), 400)


def test_put_adds_or_replaces_a_source(write_client: TestClient, dataset_store: OxigraphStore) -> None:
    graph = "https://w3id.org/mdkg/graph/source/plain-source"
    first = write_client.put("/sources/plain-source", headers=TURTLE,
                             content=b"<http://example.org/s> <http://example.org/p> 1, 2 .")
    assert first.status_code == 201 and dataset_store.quad_count(graph) == 2
    second = write_client.put("/sources/plain-source", headers=TURTLE,
                              content=b"<http://example.org/s> <http://example.org/p> 3 .")
    assert second.status_code == 200 and (second.json()["added"], second.json()["removed"]) == (1, 2)
    assert dataset_store.quad_count(graph) == 1
    error_of(write_client.put("/sources/.hidden", headers=TURTLE, content=b""), 400)
