"""The /sparql endpoint: protocol, content negotiation, result formats, service description, errors.

Results are read back with parsers nobody here wrote (rdflib, the csv and xml modules of Python),
and the last tests drive a running server with SPARQLWrapper and rdflib's SPARQLStore.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from mdkg.errors import NotAcceptable
from mdkg.results import offered_media_types, serialize, serialize_graph
from mdkg.settings import Settings
from mdkg.store import AskResult, GraphResult, QueryDataset, QueryResult, SelectResult
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app
from mdkg.web.negotiation import choose, parse_accept
from mdkg.web.service_description import SD
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import Result
from SPARQLWrapper import CSV, JSON, POST, SPARQLWrapper
from starlette.testclient import TestClient

EX = "http://example.org/"
G1, G2 = URIRef(EX + "g1"), URIRef(EX + "g2")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
TRICKY = 'Grüße, "quoted"\ttab\r\nnew line \\ <&> ]]> \x01'
"""A string holding every character some format must escape."""

DATA = f"""
@prefix ex: <{EX}> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:default ex:name "Default" .
ex:g1 {{
    ex:alice ex:name "Alice" ; ex:age 42 ; ex:height "1.75"^^xsd:decimal ; ex:knows _:bob ;
        ex:motto {json.dumps(TRICKY)}@de-AT .
    _:bob ex:name "Bob" .
}}
ex:g2 {{ ex:carol ex:name "Carol" . }}
"""
PEOPLE = ("PREFIX ex: <http://example.org/> "
          "SELECT ?person ?name WHERE { ?person ex:name ?name } ORDER BY ?name")
ERROR_KEYS = {"status", "code", "message"}


@pytest.fixture
def store() -> Iterator[OxigraphStore]:
    store = OxigraphStore()
    store.load(DATA, media_type="application/trig")
    yield store
    store.close()


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error.keys() >= ERROR_KEYS and error["status"] == status
    return error


def parse_results(response: httpx.Response) -> Result:
    kinds = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml",
             "text/csv": "csv", "text/tab-separated-values": "tsv"}
    media_type = response.headers["content-type"].split(";")[0]
    return Result.parse(io.BytesIO(response.content), format=kinds[media_type])


def names(result: Result) -> list[str]:
    return [str(row["name"]) for row in result]  # type: ignore[index]


# --- content negotiation -----------------------------------------------------------------------------

OFFERED = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values")


@pytest.mark.parametrize(("accept", "expected"), [
    (None, OFFERED[0]),
    ("", OFFERED[0]),
    ("*/*", OFFERED[0]),
    ("text/csv", "text/csv"),
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/sparql-results+xml;q=0.2, text/*;q=0.9", "text/csv"),
    ("text/*;q=0.9, text/csv;q=0", "text/tab-separated-values"),
    ("text/csv, */*", "text/csv"),  # an explicit type beats a wildcard of the same quality
    ("application/sparql-results+xml, application/sparql-results+json", "application/sparql-results+xml"),
    ("TEXT/TAB-SEPARATED-VALUES; charset=UTF-8", "text/tab-separated-values"),
    ('text/csv;foo="a,b";q=0.4, application/sparql-results+xml;q=0.3', "text/csv"),
    ("*", OFFERED[0]),
    ("garbage", OFFERED[0]),
    ("text/csv;q=abc, application/sparql-results+xml", "application/sparql-results+xml"),
    ("*/csv, text/tab-separated-values;q=0.1", "text/tab-separated-values"),
    ("text/csv;q=7", "text/csv"),
    ("image/png", None),
    ("text/csv;q=0", None),
    ("*/*;q=0", None),
])
def test_choose(accept: str | None, expected: str | None) -> None:
    assert choose(accept, OFFERED) == expected


def test_choose_without_offers_and_parse_accept_positions() -> None:
    assert choose("*/*", ()) is None
    ranges = parse_accept("text/html, , application/xml;q=0.9, bogus, */*;q=0.8")
    assert [(r.type, r.subtype, r.q, r.position) for r in ranges] == [
        ("text", "html", 1.0, 0), ("application", "xml", 0.9, 2), ("*", "*", 0.8, 4)]


# --- serialization -----------------------------------------------------------------------------------

SELECT = SelectResult(
    ("s", "o", "missing"),
    [
        (URIRef(EX + "a"), Literal(TRICKY, lang="de-AT"), None),
        (BNode("b0"), Literal("42", datatype=XSD.integer), None),
        (URIRef(EX + "c"), Literal("plain, with comma"), Literal("x", datatype=XSD.string)),
        (URIRef(EX + "d"), Literal(" 1.50", datatype=XSD.decimal, normalize=False),
         Literal("1e3", datatype=XSD.double, normalize=False)),
    ],
)


def _comparable(term: Any, *, xml: bool) -> Any:
    """Literals as rdflib reads them back: normalised, simple ones typed xsd:string (RDF 1.1)."""
    if not isinstance(term, Literal):
        return term
    text = _XML_ILLEGAL.sub("\ufffd", str(term)) if xml else str(term)
    if term.language:
        return Literal(text, lang=term.language)
    return Literal(text, datatype=term.datatype or XSD.string)


@pytest.mark.parametrize(("media_type", "kind"), [
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/tab-separated-values", "tsv"),
])
def test_select_results_round_trip(media_type: str, kind: str) -> None:
    parsed = Result.parse(io.BytesIO(serialize(SELECT, media_type)), format=kind)
    assert [str(v) for v in parsed.vars or []] == list(SELECT.variables)
    rows = [tuple(_comparable(t, xml=False) for t in row) for row in parsed]  # type: ignore[union-attr]
    # XML 1.0 cannot carry U+0001 at all, so the XML writer puts U+FFFD in its place.
    expected = [tuple(_comparable(t, xml=kind == "xml") for t in row) for row in SELECT.rows]
    # Blank node labels are the writer's to choose; everything else must come back as it went.
    assert len(rows) == len(expected)
    for got, want in zip(rows, expected, strict=True):
        for got_term, want_term in zip(got, want, strict=True):
            if isinstance(want_term, BNode):
                assert isinstance(got_term, BNode)
            else:
                assert got_term == want_term


def test_json_results_follow_the_spec_shape() -> None:
    document = json.loads(serialize(SELECT, "application/json"))
    assert document["head"] == {"vars": ["s", "o", "missing"]}
    first, second, third, _ = document["results"]["bindings"]
    assert first == {"s": {"type": "uri", "value": EX + "a"},
                     "o": {"type": "literal", "value": TRICKY, "xml:lang": "de-AT"}}
    assert second["s"] == {"type": "bnode", "value": "b0"}
    assert second["o"]["datatype"] == str(XSD.integer)
    assert "datatype" not in third["missing"]  # xsd:string is left implicit
    assert json.loads(serialize(AskResult(False), "application/sparql-results+json")) == {
        "head": {}, "boolean": False}


def test_xml_results_escape_text_and_attributes() -> None:
    body = serialize(SELECT, "application/sparql-results+xml")
    namespace = "{http://www.w3.org/2005/sparql-results#}"
    root = ET.fromstring(body)
    literal = root.find(f"{namespace}results/{namespace}result/{namespace}binding/{namespace}literal")
    assert literal is not None
    # XML 1.0 cannot carry U+0001 at all; it becomes U+FFFD. A carriage return must survive.
    assert literal.text == TRICKY.replace("\x01", "\ufffd")
    assert literal.get("{http://www.w3.org/XML/1998/namespace}lang") == "de-AT"
    boolean = ET.fromstring(serialize(AskResult(True), "text/xml")).find(f"{namespace}boolean")
    assert boolean is not None and boolean.text == "true"


def test_csv_results_per_the_csv_tsv_note() -> None:
    body = serialize(SELECT, "text/csv").decode("utf-8")
    assert body.startswith("s,o,missing\r\n") and body.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[0] == ["s", "o", "missing"]
    assert rows[1] == [EX + "a", TRICKY, ""]  # lexical form only, no language tag
    assert rows[2] == ["_:b0", "42", ""]
    assert rows[3] == [EX + "c", "plain, with comma", "x"]
    assert rows[4] == [EX + "d", " 1.50", "1e3"]
    assert serialize(AskResult(True), "text/csv") == b"_askResult\r\ntrue\r\n"


def test_tsv_results_write_terms_in_turtle_syntax() -> None:
    lines = serialize(SELECT, "text/tab-separated-values").decode("utf-8").split("\n")
    assert lines[0] == "?s\t?o\t?missing"
    assert lines[1].split("\t")[0] == f"<{EX}a>"
    assert "\r" not in lines[1] and lines[1].count("\t") == 2  # tab, CR and LF are escaped
    assert lines[2] == "_:b0\t42\t"
    assert lines[3] == f'<{EX}c>\t"plain, with comma"\t"x"'
    # " 1.50" is no Turtle DECIMAL token, so it keeps its quotes and datatype.
    assert lines[4] == f'<{EX}d>\t" 1.50"^^<{XSD.decimal}>\t1e3'
    assert serialize(AskResult(False), "text/tab-separated-values") == b"?_askResult\nfalse\n"


TRIPLES = [
    (URIRef(EX + "a"), URIRef(EX + "says"), Literal(TRICKY.replace("\x01", ""), lang="en")),
    (URIRef(EX + "a"), RDF.type, URIRef(EX + "Thing")),
    (URIRef(EX + "a"), URIRef(EX + "knows"), BNode("x")),
    (BNode("x"), URIRef("urn:example:count"), Literal("3", datatype=XSD.integer)),
]


@pytest.mark.parametrize(("media_type", "rdflib_format"), [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"), ("application/trig", "trig"), ("application/n-quads", "nquads"),
])
def test_graph_formats_round_trip(media_type: str, rdflib_format: str) -> None:
    body = serialize(GraphResult(TRIPLES), media_type, prefixes={"ex": EX, "unused": "http://unused.example/"})
    dataset = Dataset()
    dataset.parse(data=body, format=rdflib_format)
    parsed = Graph()
    for s, p, o, _ in dataset.quads():
        parsed.add((s, p, o))
    expected = Graph()
    for triple in TRIPLES:
        expected.add(triple)
    assert isomorphic(parsed, expected)
    assert b"unused.example" not in body


def test_rdf_xml_refuses_a_predicate_without_local_name() -> None:
    with pytest.raises(NotAcceptable):
        serialize_graph([(URIRef(EX + "a"), URIRef(EX), Literal("x"))], "application/rdf+xml")
    assert serialize_graph([(URIRef(EX + "a"), URIRef(EX), Literal("x"))], "text/turtle")


def test_unknown_format_is_not_acceptable() -> None:
    with pytest.raises(NotAcceptable):
        serialize(SELECT, "text/turtle")
    with pytest.raises(NotAcceptable):
        serialize(GraphResult(TRIPLES), "text/csv")
    assert "application/json" in offered_media_types(SELECT)
    assert "text/turtle" in offered_media_types(GraphResult([]))


# --- the protocol over HTTP --------------------------------------------------------------------------

def test_get_defaults_to_sparql_json(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": PEOPLE})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+json; charset=utf-8"
    assert "accept" in response.headers["vary"].lower()
    assert names(parse_results(response)) == ["Default"]  # the store's default graph


@pytest.mark.parametrize("transport", ["get", "form", "direct"])
def test_the_three_ways_to_send_a_query(client: TestClient, transport: str) -> None:
    params = {"default-graph-uri": str(G1)}
    if transport == "get":
        response = client.get("/sparql", params={**params, "query": PEOPLE})
    elif transport == "form":
        response = client.post("/sparql", data={**params, "query": PEOPLE})
    else:
        response = client.post("/sparql", params=params, content=PEOPLE.encode(),
                               headers={"content-type": "application/sparql-query; charset=utf-8"})
    assert response.status_code == 200, response.text
    assert names(parse_results(response)) == ["Alice", "Bob"]


def test_form_post_reads_dataset_from_url_and_body(client: TestClient) -> None:
    response = client.post(f"/sparql?default-graph-uri={G1}", data={"default-graph-uri": str(G2),
                                                                      "query": PEOPLE})
    assert names(parse_results(response)) == ["Alice", "Bob", "Carol"]


def test_protocol_dataset_overrides_from_and_from_named(client: TestClient) -> None:
    query = (f"SELECT ?name ?g FROM <{G2}> FROM NAMED <{G2}> WHERE "
             f"{{ {{ ?s <{EX}name> ?name }} UNION {{ GRAPH ?g {{ ?s <{EX}name> ?name }} }} }}")
    plain = parse_results(client.get("/sparql", params={"query": query}))
    assert sorted(names(plain)) == ["Carol", "Carol"]  # the query's own FROM / FROM NAMED
    overridden = parse_results(client.get("/sparql", params={
        "query": query, "default-graph-uri": str(G1), "named-graph-uri": str(G1)}))
    rows = sorted((str(r["name"]), str(r["g"]) if r["g"] else "") for r in overridden)  # type: ignore[index]
    assert rows == [("Alice", ""), ("Alice", str(G1)), ("Bob", ""), ("Bob", str(G1))]


@pytest.mark.parametrize(("accept", "media_type"), [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("text/csv;q=0.4, application/sparql-results+xml;q=0.6, */*;q=0.1", "application/sparql-results+xml"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+xml"),
])
def test_select_by_accept(client: TestClient, accept: str, media_type: str) -> None:
    response = client.get("/sparql", params={"query": PEOPLE, "default-graph-uri": str(G1)},
                          headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert names(parse_results(response)) == ["Alice", "Bob"]


@pytest.mark.parametrize(("params", "media_type"), [
    ({"format": "json"}, "application/sparql-results+json"),
    ({"output": "csv"}, "text/csv"),
    ({"results": "tsv"}, "text/tab-separated-values"),
    ({"format": "application/sparql-results+xml"}, "application/sparql-results+xml"),
    ({"format": "xml", "output": "csv"}, "application/sparql-results+xml"),  # format= comes first
    ({"format": ["tsv", "text/tab-separated-values"]}, "text/tab-separated-values"),  # SPARQLWrapper
])
def test_format_parameter_wins_over_accept(client: TestClient, params: dict[str, Any],
                                           media_type: str) -> None:
    response = client.get("/sparql", params={"query": PEOPLE, **params}, headers={"accept": "image/png"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    assert names(parse_results(response)) == ["Default"]


def test_format_parameter_with_an_unescaped_plus(client: TestClient) -> None:
    response = client.get("/sparql?query=ASK%7B%7D&format=application/sparql-results+xml")
    assert response.headers["content-type"].split(";")[0] == "application/sparql-results+xml"
    assert parse_results(response).askAnswer is True


@pytest.mark.parametrize(("query", "request_options"), [
    (PEOPLE, {"headers": {"accept": "text/turtle"}}),
    (PEOPLE, {"headers": {"accept": "image/png, text/html"}}),
    (PEOPLE, {"params": {"format": "turtle"}}),
    (PEOPLE, {"params": {"format": "html"}}),
    (f"CONSTRUCT WHERE {{ ?s <{EX}name> ?o }}", {"headers": {"accept": "text/csv"}}),
])
def test_not_acceptable(client: TestClient, query: str, request_options: dict[str, Any]) -> None:
    options = {**request_options, "params": {"query": query, **request_options.get("params", {})}}
    error = error_of(client.get("/sparql", **options), 406)
    assert error["code"] == "not_acceptable"


def test_ask_in_every_results_format(client: TestClient) -> None:
    for media_type in ("application/sparql-results+json", "application/sparql-results+xml"):
        response = client.get("/sparql", params={"query": f"ASK {{ GRAPH <{G2}> {{ ?s ?p ?o }} }}"},
                              headers={"accept": media_type})
        assert parse_results(response).askAnswer is True
    csv_response = client.get("/sparql", params={"query": "ASK { ?s <urn:nothing> ?o }", "format": "csv"})
    assert csv_response.text.splitlines() == ["_askResult", "false"]


CONSTRUCT = f"CONSTRUCT {{ ?s <{EX}name> ?name }} WHERE {{ GRAPH <{G1}> {{ ?s <{EX}name> ?name }} }}"


@pytest.mark.parametrize(("accept", "media_type", "rdflib_format"), [
    (None, "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("application/trig", "application/trig", "trig"),
    ("application/n-quads", "application/n-quads", "nquads"),
    ("application/json", "application/ld+json", "json-ld"),
    ("text/turtle;q=0.5, application/n-triples;q=0.9", "application/n-triples", "nt"),
])
def test_construct_by_accept(client: TestClient, accept: str | None, media_type: str,
                             rdflib_format: str) -> None:
    headers = {"accept": accept} if accept else {}
    response = client.post("/sparql", data={"query": CONSTRUCT}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    dataset = Dataset()
    dataset.parse(data=response.content, format=rdflib_format)
    assert sorted(str(q[2]) for q in dataset.quads()) == ["Alice", "Bob"]


@pytest.mark.parametrize(("value", "media_type"), [
    ("turtle", "text/turtle"), ("json", "application/ld+json"), ("xml", "application/rdf+xml"),
    ("nt", "application/n-triples"), ("n3", "text/turtle"),
])
def test_construct_by_format_parameter(client: TestClient, value: str, media_type: str) -> None:
    response = client.get("/sparql", params={"query": CONSTRUCT, "format": value})
    assert response.headers["content-type"].split(";")[0] == media_type


def test_describe_and_relative_iris_resolve_against_the_endpoint(client: TestClient) -> None:
    described = client.get("/sparql", params={"query": f"DESCRIBE <{EX}carol>", "named-graph-uri": str(G2),
                                              "default-graph-uri": str(G2)})
    graph = Graph().parse(data=described.content, format="turtle")
    assert set(graph.objects(URIRef(EX + "carol"), URIRef(EX + "name"))) == {Literal("Carol")}
    constructed = client.post("/sparql", content=b"CONSTRUCT { <s> <p> 1 } WHERE {}",
                              headers={"content-type": "application/sparql-query",
                                       "accept": "application/n-triples"})
    assert constructed.text.strip() == (
        '<http://testserver/s> <http://testserver/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .')


def test_head_sends_headers_without_body(client: TestClient) -> None:
    response = client.head("/sparql", params={"query": PEOPLE}, headers={"accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content == b""
    full = client.get("/sparql", params={"query": PEOPLE}, headers={"accept": "text/csv"})
    assert int(response.headers["content-length"]) == len(full.content) > 0


# --- errors ------------------------------------------------------------------------------------------

def test_syntax_error_reports_the_position_in_the_users_text(client: TestClient) -> None:
    error = error_of(client.get("/sparql", params={"query": "SELECT *\nWHERE {\n  ?s ?p\n}"}), 400)
    assert error["code"] == "query_syntax"
    assert error["detail"]["line"] == 4 and isinstance(error["detail"]["column"], int)
    assert error["detail"]["message"] and "line 4" in error["message"]
    one_line = error_of(client.get("/sparql", params={"query": "ASK {"}), 400)
    assert (one_line["detail"]["line"], one_line["detail"]["column"]) == (1, 6)


@pytest.mark.parametrize(("request_options", "status", "fragment"), [
    ({"method": "POST", "content": b"ASK {}", "headers": {"content-type": "text/plain"}}, 415, "text/plain"),
    ({"method": "POST", "content": b"query=ASK%20%7B%7D"}, 415, "Content-Type"),
    ({"method": "POST", "content": b"query=ASK", "headers": {"content-type": "multipart/form-data"}},
     415, "multipart/form-data"),
    ({"method": "POST", "content": "ASK {}".encode("utf-16"),
      "headers": {"content-type": "application/sparql-query; charset=UTF-16"}}, 415, "UTF-8"),
    ({"method": "POST", "content": b"ASK { \xff }", "headers": {"content-type": "application/sparql-query"}},
     400, "UTF-8"),
    ({"method": "POST", "content": b"query=%FF",
      "headers": {"content-type": "application/x-www-form-urlencoded"}},
     400, "UTF-8"),
    ({"method": "GET", "params": [("query", "ASK {}"), ("query", "SELECT * {}")]}, 400, "one query"),
    ({"method": "POST", "params": {"query": "ASK {}"}, "content": b"SELECT * {}",
      "headers": {"content-type": "application/sparql-query"}}, 400, "one query"),
    ({"method": "POST", "data": {"query": "ASK {}", "update": "CLEAR ALL"}}, 400, "not both"),
    ({"method": "GET", "params": {"update": "CLEAR ALL"}}, 400, "POST"),
    ({"method": "POST", "data": {"default-graph-uri": str(G1)}}, 400, "needs a query"),
    ({"method": "GET", "params": {"query": "  "}}, 400, "empty"),
    ({"method": "GET", "params": {"query": "ASK {}", "default-graph-uri": "not an iri"}},
     400, "absolute IRI"),
    ({"method": "PUT", "params": {"query": "ASK {}"}}, 405, "PUT"),
    ({"method": "DELETE"}, 405, "DELETE"),
])
def test_protocol_errors(client: TestClient, request_options: dict[str, Any], status: int,
                         fragment: str) -> None:
    options = dict(request_options)
    response = client.request(options.pop("method"), "/sparql", **options)
    error = error_of(response, status)
    assert fragment in error["message"]
    if status == 405:
        assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_a_failing_evaluation_is_an_error_envelope(client: TestClient,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from mdkg.web import sparql

    # The guard refuses SERVICE before evaluation (tests/guard); without it, the call fails in the
    # engine. pyoxigraph refuses port 1 before opening any connection, so no traffic leaves the process.
    monkeypatch.setattr(sparql, "inspect_request", lambda *args, **kwargs: None)
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"
    error = error_of(client.get("/sparql", params={"query": query}), 503)
    assert "port 1" in error["message"]


@pytest.mark.parametrize("request_options", [
    {"data": {"update": "CLEAR ALL"}},
    {"content": b"CLEAR ALL", "headers": {"content-type": "application/sparql-update"}},
])
def test_updates_are_forbidden(client: TestClient, store: OxigraphStore,
                               request_options: dict[str, Any]) -> None:
    before = store.quad_count()
    error = error_of(client.post("/sparql", **request_options), 403)
    assert error["message"] == "this endpoint is read-only"
    assert store.quad_count() == before > 0


def test_update_gate_is_one_replaceable_function(client: TestClient, store: OxigraphStore,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from mdkg.web import sparql

    monkeypatch.setattr(sparql, "authorize_update", lambda request: None)
    response = client.post("/sparql", content=f"CLEAR GRAPH <{G2}>".encode(),
                           headers={"content-type": "application/sparql-update"})
    assert response.status_code == 204
    assert str(G2) not in store.graphs() or store.quad_count(str(G2)) == 0


@pytest.mark.parametrize("settings", [Settings(load_on_start=False, max_query_chars=20, max_body_bytes=64)])
def test_size_limits(client: TestClient) -> None:
    assert error_of(client.get("/sparql", params={"query": "ASK { ?s ?p ?o . ?o ?p ?s }"}), 413)
    assert error_of(client.post("/sparql", content=b"ASK {}" + b" " * 100,
                                headers={"content-type": "application/sparql-query"}), 413)
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_options_lists_the_methods(client: TestClient) -> None:
    response = client.options("/sparql")
    assert response.status_code == 204
    assert "POST" in response.headers["allow"]


# --- service description -----------------------------------------------------------------------------

def _service(graph: Graph) -> URIRef:
    services = list(graph.subjects(RDF.type, SD.Service))
    assert len(services) == 1 and isinstance(services[0], URIRef)
    return services[0]


def test_service_description(client: TestClient, store: OxigraphStore) -> None:
    response = client.get("/sparql")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == "text/turtle"
    graph = Graph().parse(data=response.content, format="turtle")
    service = _service(graph)
    assert service == URIRef("http://testserver/sparql")
    assert graph.value(service, SD.endpoint) == service
    assert SD.SPARQL11Query in set(graph.objects(service, SD.supportedLanguage))
    assert SD.SPARQL11Update not in set(graph.objects(service, SD.supportedLanguage))
    formats = {str(f).rsplit("/", 1)[1] for f in graph.objects(service, SD.resultFormat)}
    assert {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
            "Turtle", "RDF_XML", "JSON-LD", "N-Triples", "TriG", "N-Quads"} <= formats
    void_triples = URIRef("http://rdfs.org/ns/void#triples")
    dataset = graph.value(service, SD.defaultDataset)
    default_graph = graph.value(dataset, SD.defaultGraph)
    assert graph.value(default_graph, void_triples).toPython() == 1  # type: ignore[union-attr]
    sizes = {
        str(graph.value(named, SD.name)): graph.value(graph.value(named, SD.graph), void_triples).toPython()
        for named in graph.objects(dataset, SD.namedGraph)  # type: ignore[union-attr]
    }
    assert sizes == {g: store.quad_count(g) for g in store.graphs()}
    assert sizes[str(G2)] == 1


@pytest.mark.parametrize(("headers", "params", "media_type"), [
    ({"accept": "application/ld+json"}, {}, "application/ld+json"),
    ({"accept": "application/n-triples;q=0.5, application/rdf+xml"}, {}, "application/rdf+xml"),
    ({"accept": "text/html;q=0.5, text/turtle"}, {}, "text/turtle"),  # text/html alone: the editor
    ({}, {"format": "trig"}, "application/trig"),
])
def test_service_description_negotiation(client: TestClient, headers: Mapping[str, str],
                                         params: Mapping[str, str], media_type: str) -> None:
    response = client.get("/sparql", headers=headers, params=params)
    assert response.headers["content-type"].split(";")[0] == media_type
    rdflib_formats = {"application/ld+json": "json-ld", "application/rdf+xml": "xml", "text/turtle": "turtle",
                      "application/trig": "trig"}
    dataset = Dataset()
    dataset.parse(data=response.content, format=rdflib_formats[media_type])
    assert (None, RDF.type, SD.Service, None) in dataset


def test_service_description_not_acceptable(client: TestClient) -> None:
    assert error_of(client.get("/sparql", headers={"accept": "image/png"}), 406)["code"] == "not_acceptable"


def test_default_dataset_is_served(default_dataset_client: TestClient) -> None:
    """The app as deployed: whatever the project's data folders hold is described and queryable."""
    app: FastAPI = default_dataset_client.app  # type: ignore[assignment]
    store = app.state.mdkg.require_store()
    description = Graph().parse(data=default_dataset_client.get("/sparql").content, format="turtle")
    described = {str(o) for o in description.objects(None, SD.name)}
    assert described == set(store.graphs())
    response = default_dataset_client.get("/sparql", params={
        "query": "SELECT (COUNT(DISTINCT ?g) AS ?graphs) WHERE { GRAPH ?g { ?s ?p ?o } }"})
    assert int(response.json()["results"]["bindings"][0]["graphs"]["value"]) == len(
        [g for g in store.graphs() if store.quad_count(g) > 0])


# --- real clients over real HTTP ---------------------------------------------------------------------

def test_sparqlwrapper_json_and_csv(live_server: str) -> None:
    wrapper = SPARQLWrapper(f"{live_server}/sparql")
    wrapper.setQuery(PEOPLE)
    wrapper.addParameter("default-graph-uri", str(G1))
    wrapper.setReturnFormat(JSON)
    document = wrapper.queryAndConvert()
    assert [b["name"]["value"] for b in document["results"]["bindings"]] == ["Alice", "Bob"]  # type: ignore[index]

    wrapper.setReturnFormat(CSV)
    wrapper.setMethod(POST)
    table = wrapper.queryAndConvert()
    assert isinstance(table, bytes)
    header, alice, bob = csv.reader(io.StringIO(table.decode("utf-8"), newline=""))
    assert header == ["person", "name"]
    assert alice == [EX + "alice", "Alice"]
    assert bob[0].startswith("_:") and bob[1] == "Bob"


def test_sparqlwrapper_ask_and_construct(live_server: str) -> None:
    wrapper = SPARQLWrapper(f"{live_server}/sparql")
    wrapper.setReturnFormat(JSON)
    wrapper.setQuery(f"ASK {{ GRAPH <{G2}> {{ <{EX}carol> ?p ?o }} }}")
    assert wrapper.queryAndConvert()["boolean"] is True  # type: ignore[index]
    wrapper.setQuery(CONSTRUCT)
    wrapper.setReturnFormat("turtle")
    graph = Graph().parse(data=wrapper.queryAndConvert(), format="turtle")  # type: ignore[arg-type]
    assert {str(o) for o in graph.objects()} == {"Alice", "Bob"}


def test_rdflib_sparqlstore(live_server: str) -> None:
    remote = SPARQLStore(f"{live_server}/sparql")
    graph = Graph(store=remote)
    rows = list(graph.query(PEOPLE.replace("WHERE", f"FROM <{G1}> WHERE")))
    assert [str(row.name) for row in rows] == ["Alice", "Bob"]  # type: ignore[union-attr]
    assert graph.query(f"ASK {{ GRAPH <{G2}> {{ ?s ?p ?o }} }}").askAnswer is True
    # A graph with an IRI as identifier queries that named graph as its default graph.
    carol = Graph(store=remote, identifier=G2)
    carol_says = (URIRef(EX + "carol"), URIRef(EX + "name"), Literal("Carol"))
    assert set(carol.triples((None, None, None))) == {carol_says}
    constructed = graph.query(CONSTRUCT).graph
    assert constructed is not None and len(constructed) == 2
    remote.close()


class _GatedStore(OxigraphStore):
    """Holds queries that contain ``#hold`` until released, to show the event loop stays free."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = threading.Event()
        self.release = threading.Event()

    def query(self, sparql: str, *, bindings: Mapping[str, Any] | None = None,
              dataset: QueryDataset | None = None) -> QueryResult:
        if "#hold" in sparql:
            self.holding.set()
            self.release.wait(timeout=30)
        return super().query(sparql, bindings=bindings, dataset=dataset)


def test_a_running_query_does_not_block_other_requests(serve_app: Any) -> None:
    store = _GatedStore()
    app = create_app(Settings(load_on_start=False), store=store)
    with serve_app(app) as base_url:
        held: dict[str, httpx.Response] = {}
        worker = threading.Thread(target=lambda: held.setdefault(
            "response", httpx.get(f"{base_url}/sparql", params={"query": "ASK {} #hold"}, timeout=30)))
        worker.start()
        try:
            assert store.holding.wait(timeout=10)
            # Served while the first query still occupies its worker thread.
            quick = httpx.get(f"{base_url}/sparql", params={"query": "ASK {}"}, timeout=10)
            assert quick.status_code == 200 and quick.json()["boolean"] is True
            assert "response" not in held
        finally:
            store.release.set()
            worker.join(timeout=30)
        assert held["response"].status_code == 200


@pytest.mark.parametrize(("accept", "abbreviated"), [
    ("text/turtle", "@prefix xsd:"),
    ("application/rdf+xml", 'xmlns:xsd="http://www.w3.org/2001/XMLSchema#"'),
    ("application/n-triples", None),
])
def test_graph_results_use_the_services_prefixes_where_the_format_has_them(
        client: TestClient, accept: str, abbreviated: str | None) -> None:
    query = ("CONSTRUCT { ?s <http://example.org/height> ?h } "
             "WHERE { GRAPH ?g { ?s <http://example.org/height> ?h } }")
    response = client.get("/sparql", params={"query": query}, headers={"accept": accept})
    assert response.status_code == 200
    if abbreviated is None:
        assert "<http://www.w3.org/2001/XMLSchema#decimal>" in response.text
    else:
        assert abbreviated in response.text
