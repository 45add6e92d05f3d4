"""/ontology in a browser is the documentation, /shapes documents the shapes; both work offline, and
programs still get RDF at both IRIs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from mdkg.ontology_docs import remote_assets
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import OWL, RDF

from ._html import PageIndex

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
SH = Namespace("http://www.w3.org/ns/shacl#")
MDS = Namespace("https://w3id.org/mdkg/shapes#")


def _fetched_elsewhere(page: PageIndex) -> list[str]:
    return [src for src in page.sources if not src.startswith("/") or src.startswith("//")]


def test_the_ontology_page(client: TestClient) -> None:
    response = client.get("/ontology", headers=BROWSER)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "Accept"
    text = response.text
    assert "<h1>mdkg: the minerals-diplomacy ontology</h1>" in text
    assert "A country in the sense of ISO 3166-1" in text
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="ontology-diagram"' in text
    assert "pyLODE</a> 3.3.4" in text
    page = PageIndex(text)
    assert {"State", "party", "Party", "diagram", "vocabularies", "shapes", "Signed"} <= set(page.ids)
    assert page.fragments() - set(page.ids) == set(), "an in-page link leads nowhere"
    assert client.get("/ontology.html").text == text


def test_links_between_the_two_pages_land(client: TestClient) -> None:
    ontology = PageIndex(client.get("/ontology", headers=BROWSER).text)
    shapes = PageIndex(client.get("/shapes", headers=BROWSER).text)
    assert ontology.fragments("/shapes") and shapes.fragments("/ontology")
    assert ontology.fragments("/shapes") <= set(shapes.ids)
    assert shapes.fragments("/ontology") <= set(ontology.ids)
    assert shapes.fragments() <= set(shapes.ids)


def test_nothing_is_fetched_from_elsewhere(client: TestClient) -> None:
    for path in ("/ontology", "/shapes"):
        text = client.get(path, headers=BROWSER).text
        assert remote_assets(text) == []
        page = PageIndex(text)
        assert _fetched_elsewhere(page) == []
        for source in page.sources:
            assert client.get(source).status_code == 200, source


def test_programs_get_rdf(client: TestClient) -> None:
    asked = (({}, "/ontology"), ({"Accept": "text/turtle"}, "/ontology"), (BROWSER, "/ontology.ttl"))
    for headers, path in asked:
        response = client.get(path, headers=headers)
        assert response.headers["content-type"].startswith("text/turtle"), (headers, path)
        graph = Graph().parse(data=response.text, format="turtle")
        assert (URIRef("https://w3id.org/mdkg/ontology"), RDF.type, OWL.Ontology) in graph
    assert client.get("/ontology", headers={"Accept": "application/ld+json"}).headers[
        "content-type"].startswith("application/ld+json")
    assert client.head("/ontology", headers=BROWSER).status_code == 200


def test_the_shapes_page_and_the_shapes_graph(client: TestClient) -> None:
    page = client.get("/shapes", headers=BROWSER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'id="FactShape"' in page.text
    assert "Every fact must cite its source document with prov:wasDerivedFrom" in page.text
    assert client.get("/shapes.html").text == page.text
    for response in (client.get("/shapes"), client.get("/shapes.ttl", headers=BROWSER)):
        assert response.headers["content-type"].startswith("text/turtle")
        graph = Graph().parse(data=response.text, format="turtle")
        assert (MDS.FactShape, RDF.type, SH.NodeShape) in graph
    assert client.get("/shapes", headers={"Accept": "image/png"}).status_code == 406


def test_documentation_follows_the_ontology_graph(client: TestClient) -> None:
    extras = client.app.state.mdkg.extras  # type: ignore[attr-defined]
    client.get("/ontology", headers=BROWSER)
    cached = extras["ontology_docs.cache"]
    client.get("/shapes", headers=BROWSER)
    assert extras["ontology_docs.cache"] is cached  # generated once
    store = client.app.state.mdkg.store  # type: ignore[attr-defined]
    added = """PREFIX owl: <http://www.w3.org/2002/07/owl#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    INSERT DATA { GRAPH <https://w3id.org/mdkg/graph/ontology> {
      <https://w3id.org/mdkg/ontology#Zeppelin> a owl:Class ; rdfs:label "zeppelin"@en } }"""
    removed = added.replace("INSERT DATA", "DELETE DATA")
    assert 'id="Zeppelin"' not in client.get("/ontology", headers=BROWSER).text
    store.update(added)
    try:
        assert 'id="Zeppelin"' in client.get("/ontology", headers=BROWSER).text
        assert extras["ontology_docs.cache"] is not cached
    finally:
        store.update(removed)


@pytest.fixture(scope="module")
def rebased_client() -> Iterator[TestClient]:
    store = OxigraphStore()
    settings = Settings(base_iri="http://testserver/", query_workers=0)
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client
    store.close()


def test_a_rebased_server_documents_its_own_iris(rebased_client: TestClient) -> None:
    text = rebased_client.get("/ontology", headers=BROWSER).text
    assert "<code>http://testserver/ontology#State</code>" in text
    assert 'id="State"' in text and "https://w3id.org/mdkg/ontology#State" not in text
    shapes = rebased_client.get("/shapes", headers=BROWSER).text
    assert 'href="/ontology#Fact"' in shapes and "http://testserver/shapes#FactShape" in shapes


def test_without_an_ontology_the_page_says_so() -> None:
    store = OxigraphStore()
    with TestClient(create_app(Settings(load_on_start=False, query_workers=0), store=store)) as empty:
        response = empty.get("/ontology", headers=BROWSER)
        assert response.status_code == 404 and "not loaded" in response.text
        assert empty.get("/shapes", headers=BROWSER).status_code == 404
    store.close()
