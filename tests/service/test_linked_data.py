"""Linked data: every IRI of the dataset dereferences, as a page for browsers and as RDF for programs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _linked_data_support import CANONICAL, REFERENCE_GRAPH, SOURCE_GRAPH, SOURCE_ID
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, VOID
from starlette.testclient import TestClient

ID = Namespace(CANONICAL + "id/")
MDO = Namespace(CANONICAL + "ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
PROV = Namespace("http://www.w3.org/ns/prov#")

FORMATS = [  # media type, suffix, rdflib parser, keeps named graphs
    ("text/turtle", "ttl", "turtle", False),
    ("application/ld+json", "jsonld", "json-ld", False),
    ("application/n-triples", "nt", "nt", False),
    ("application/rdf+xml", "rdf", "xml", False),
    ("application/trig", "trig", "trig", True),
    ("application/n-quads", "nq", "nquads", True),
]
FRAMEWORK_QUOTE = "The US and Japan signed a similar framework in October 2025."


def _parse(body: bytes, parser: str, quads: bool) -> Graph:
    """The triples of a response, graphs merged."""
    if quads:
        dataset = Dataset()
        dataset.parse(data=body, format=parser)
        merged = Graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            merged.add((s, p, o))
        return merged
    return Graph().parse(data=body, format=parser)


def _assert_describes_japan(graph: Graph) -> None:
    japan = ID.japan
    framework = ID["us-japan-framework-2025-10"]
    assert (japan, RDFS.label, Literal("Japan", lang="en")) in graph
    assert (japan, RDF.type, MDO.State) in graph
    assert (japan, MDO.iso3166Alpha3, Literal("JPN")) in graph
    assert (framework, MDO.party, japan) in graph  # incoming link
    framework_label = Literal("US-Japan critical minerals framework (October 2025)", lang="en")
    assert (framework, RDFS.label, framework_label) in graph  # label of a linked resource
    quotes = {str(q) for quotation in graph.objects(framework, MDO.evidence)
              for q in graph.objects(quotation, OA.exact)}
    assert quotes == {FRAMEWORK_QUOTE}  # the incoming fact's quote, through its blank node
    assert (framework, PROV.wasDerivedFrom, ID[f"source/{SOURCE_ID}"]) in graph
    assert (ID["region/asia"], RDFS.label, Literal("Asia", lang="en")) in graph


@pytest.mark.parametrize(("media_type", "suffix", "parser", "quads"), FORMATS)
def test_content_negotiation(default_dataset_client: TestClient, media_type: str, suffix: str, parser: str,
                             quads: bool) -> None:
    response = default_dataset_client.get("/id/japan", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["vary"] == "Accept"
    _assert_describes_japan(_parse(response.content, parser, quads))


@pytest.mark.parametrize(("media_type", "suffix", "parser", "quads"), FORMATS)
def test_suffixes(default_dataset_client: TestClient, media_type: str, suffix: str, parser: str,
                  quads: bool) -> None:
    response = default_dataset_client.get(f"/id/japan.{suffix}", headers={"Accept": "text/html"})
    assert response.status_code == 200  # the suffix wins over Accept
    assert response.headers["content-type"].split(";")[0] == media_type
    _assert_describes_japan(_parse(response.content, parser, quads))


def test_default_is_turtle_and_json_means_json_ld(default_dataset_client: TestClient) -> None:
    for accept in (None, "*/*"):
        response = default_dataset_client.get("/id/japan", headers={"Accept": accept} if accept else {})
        assert response.headers["content-type"].startswith("text/turtle")
    response = default_dataset_client.get("/id/japan", headers={"Accept": "application/json"})
    assert response.headers["content-type"].startswith("application/ld+json")
    _assert_describes_japan(Graph().parse(data=response.content, format="json-ld"))


def test_quad_formats_keep_the_named_graphs(default_dataset_client: TestClient) -> None:
    dataset = Dataset()
    dataset.parse(data=default_dataset_client.get("/id/japan.trig").content, format="trig")
    source = dataset.graph(URIRef(SOURCE_GRAPH))
    reference = dataset.graph(URIRef(REFERENCE_GRAPH))
    assert (ID["us-japan-framework-2025-10"], MDO.party, ID.japan) in source
    assert (ID["us-japan-framework-2025-10"], MDO.party, ID.japan) not in reference
    assert (ID.japan, MDO.continent, ID["region/asia"]) in reference


def test_blank_node_closure_gives_amounts(default_dataset_client: TestClient) -> None:
    graph = Graph().parse(data=default_dataset_client.get("/id/support-us-over-30-billion.ttl").content,
                          format="turtle")
    amounts = list(graph.objects(ID["support-us-over-30-billion"], MDO.amount))
    assert len(amounts) == 1
    assert (amounts[0], MDO.currency, Literal("USD")) in graph
    assert float(graph.value(amounts[0], MDO.minExclusive)) == 30e9


def test_link_header_lists_the_alternates(default_dataset_client: TestClient) -> None:
    link = default_dataset_client.get("/id/japan").headers["link"]
    for _, suffix, _, _ in FORMATS:
        assert f"</id/japan.{suffix}>; rel=\"alternate\"" in link
    assert '</id/japan.html>; rel="alternate"; type="text/html"' in link


def test_page_for_browsers(default_dataset_client: TestClient) -> None:
    response = default_dataset_client.get("/id/japan", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    text = response.text
    assert "<h1>Japan</h1>" in text
    assert ('href="/id/us-japan-framework-2025-10">US-Japan critical minerals framework (October 2025)</a>'
            in text)
    assert FRAMEWORK_QUOTE in text  # the quote of the fact that links to Japan
    assert "S&amp;P Global (Commodity Insights)" in text  # its source, escaped
    assert 'href="/id/region/asia">Asia</a>' in text
    assert ">reference data<" in text and ">the source says<" in text
    assert default_dataset_client.get("/id/japan.html").text == text


def test_page_of_a_fact_shows_its_quotes_and_source(default_dataset_client: TestClient) -> None:
    text = default_dataset_client.get("/id/us-mexico-critical-minerals-action-plan",
                                      headers={"Accept": "text/html"}).text
    assert "The US Trade Representative also announced critical minerals action plans with Mexico" in text
    assert 'href="/id/source/000_bede271d1d92b66d"' in text
    assert 'href="/id/mexico">Mexico</a>' in text
    assert ('href="/id/office-of-the-us-trade-representative">Office of the US Trade Representative</a>'
            in text)


def test_unknown_iri_is_404(default_dataset_client: TestClient) -> None:
    response = default_dataset_client.get("/id/atlantis")
    assert response.status_code == 404
    assert response.json()["error"]["detail"]["iri"] == CANONICAL + "id/atlantis"
    assert default_dataset_client.get("/id/atlantis.ttl").status_code == 404
    assert default_dataset_client.get("/nothing/here").status_code == 404
    for impossible in ("/id/has%20space", "/id/a%22quote", "/id/%3Cangle%3E"):
        assert default_dataset_client.get(impossible).status_code == 404, impossible


def test_unknown_iri_gives_browsers_a_page(default_dataset_client: TestClient) -> None:
    response = default_dataset_client.get("/id/atlantis", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "no resource https://w3id.org/mdkg/id/atlantis" in response.text


def test_unacceptable_format_is_406(default_dataset_client: TestClient) -> None:
    response = default_dataset_client.get("/id/japan", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.json()["error"]["message"]


def test_head(default_dataset_client: TestClient) -> None:
    response = default_dataset_client.head("/id/japan.ttl")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")


# --- the ontology and the named graphs ------------------------------------------------------------

def test_ontology_serves_the_whole_ontology_graph(default_dataset_client: TestClient) -> None:
    response = default_dataset_client.get("/ontology")
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.content, format="turtle")
    assert (URIRef(CANONICAL + "ontology"), RDF.type, OWL.Ontology) in graph
    assert (MDO.State, RDFS.label, Literal("state", lang="en")) in graph
    assert (MDO.party, RDF.type, OWL.ObjectProperty) in graph
    assert len(graph) == len(Graph().parse(Settings().ontology_dir / "mdkg.ttl", format="turtle"))
    rdfxml = default_dataset_client.get("/ontology.rdf")
    assert (MDO.State, RDFS.subClassOf, MDO.Party) in Graph().parse(data=rdfxml.content, format="xml")


def test_ontology_page(default_dataset_client: TestClient) -> None:
    response = default_dataset_client.get("/ontology", headers={"Accept": "text/html"})
    assert response.status_code == 200
    text = response.text
    assert "mdkg: the minerals-diplomacy ontology" in text
    assert 'id="State"' in text  # /ontology#State lands on the term
    assert "A country in the sense of ISO 3166-1" in text  # its definition
    assert 'id="party"' in text and "A party to the agreement, as the source names it." in text


def test_named_graph_description(default_dataset_client: TestClient) -> None:
    response = default_dataset_client.get(f"/graph/source/{SOURCE_ID}")
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="turtle")
    me = URIRef(SOURCE_GRAPH)
    store = default_dataset_client.app.state.mdkg.store  # type: ignore[attr-defined]
    assert int(graph.value(me, VOID.triples)) == store.quad_count(SOURCE_GRAPH)
    assert str(graph.value(me, VOID.dataDump)).endswith(f"/export/source/{SOURCE_ID}")
    assert graph.value(me, URIRef("http://purl.org/dc/terms/source")) == ID[f"source/{SOURCE_ID}"]


def test_named_graph_page(default_dataset_client: TestClient) -> None:
    text = default_dataset_client.get("/graph/reference", headers={"Accept": "text/html"}).text
    assert 'href="/export/reference"' in text
    assert "reference data" in text
    assert default_dataset_client.get("/graph/nope").status_code == 404


# --- routing ----------------------------------------------------------------------------------------

def test_other_routers_paths_are_not_swallowed(store: OxigraphStore, settings: Settings) -> None:
    app: FastAPI = create_app(settings, store=store)

    @app.get("/metrics/later")  # added after the catch-all, under a reserved prefix
    def later() -> PlainTextResponse:
        return PlainTextResponse("reached")

    with TestClient(app) as client:
        assert client.get("/metrics/later").text == "reached"
        assert client.get("/entities/x/y/z").status_code == 404


# --- a server whose base is its own URL ---------------------------------------------------------------

LOCAL_BASE = "http://127.0.0.1:8000/"


@pytest.fixture(scope="module")
def rebased_client() -> Iterator[TestClient]:
    app = create_app(Settings(base_iri=LOCAL_BASE), store=OxigraphStore())
    with TestClient(app, base_url=LOCAL_BASE.rstrip("/")) as client:
        yield client


def test_rebased_iris_dereference_on_the_server(rebased_client: TestClient) -> None:
    response = rebased_client.get("/id/japan")
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="turtle")
    local_id = Namespace(LOCAL_BASE + "id/")
    local_mdo = Namespace(LOCAL_BASE + "ontology#")
    assert (local_id.japan, RDF.type, local_mdo.State) in graph
    assert CANONICAL not in response.text
    # every dataset IRI of the description is on this server, and answers there
    followed = {str(t) for triple in graph for t in triple
                if isinstance(t, URIRef) and str(t).startswith(LOCAL_BASE + "id/")}
    assert str(local_id["us-japan-framework-2025-10"]) in followed
    for iri in sorted(followed):
        assert rebased_client.get(iri[len(LOCAL_BASE) - 1:]).status_code == 200, iri


def test_rebased_ontology_and_graphs(rebased_client: TestClient) -> None:
    graph = Graph().parse(data=rebased_client.get("/ontology").content, format="turtle")
    assert (URIRef(LOCAL_BASE + "ontology"), RDF.type, OWL.Ontology) in graph
    page = rebased_client.get("/id/japan", headers={"Accept": "text/html"}).text
    assert 'href="/ontology#State"' in page
    assert rebased_client.get(f"/graph/source/{SOURCE_ID}").status_code == 200
    relations = rebased_client.get("/entities/japan/relations").json()
    assert relations["entity"]["iri"] == LOCAL_BASE + "id/japan"
