"""The workers' native evaluation writes what the in-process path writes, and the LIMIT rewrite is sound."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from mdkg.errors import QuerySyntaxError
from mdkg.execution import QueryRequest, _evaluate
from mdkg.execution._evaluate import evaluate_oxigraph, evaluate_store
from mdkg.execution._limit import limited_select
from mdkg.store.oxigraph import OxigraphStore

DATA = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:p "plain", "line\\nbreak\\t\\"quoted\\"", " leading space", "été"@fr-CA, "1.50"^^xsd:decimal,
          "2024-01-02"^^xsd:date, _:b1, ex:b ;
     ex:q ex:c .
ex:b ex:p "carriage\\rreturn\\u0001control" ; ex:q ex:a .
_:b1 ex:p ex:a .
"""
GRAPH = "http://example.org/g"
PREFIXES = {"ex": "http://example.org/", "xsd": "http://www.w3.org/2001/XMLSchema#"}

TABULAR = ["application/sparql-results+json", "text/tab-separated-values", "text/csv",
           "application/sparql-results+xml"]
GRAPHS = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml",
          "application/trig", "application/n-quads"]

SELECTS = [
    "SELECT ?o ?s WHERE { GRAPH ?g { ?s <http://example.org/p> ?o } } ORDER BY ?s ?o",
    "SELECT * WHERE { GRAPH ?g { ?s <http://example.org/p> ?o OPTIONAL { ?o <http://example.org/q> ?z } } } "
    "ORDER BY ?s ?o",
    "SELECT ?s (COUNT(?o) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?s ORDER BY DESC(?n) ?s",
    "SELECT ?s WHERE { { SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 100 } } ORDER BY ?s",
    "SELECT ?s ?o WHERE { GRAPH ?g { ?s <http://example.org/p> ?o } } ORDER BY ?s ?o "
    "VALUES ?s { <http://example.org/a> }",
    "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?s ?p ?o OFFSET 2  # a comment at the very end",
    "SELECT ?x WHERE { } ",
    "ASK { GRAPH ?g { ?s ?p ?o } }",
]
CONSTRUCTS = [
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "DESCRIBE <http://example.org/a> FROM <http://example.org/g>",
]


@pytest.fixture(scope="module")
def store() -> Iterator[OxigraphStore]:
    store = OxigraphStore()
    store.load(DATA, media_type="text/turtle", graph=GRAPH)
    yield store
    store.close()


def _comparable(body: bytes, media_type: str) -> object:
    # JSON members have no order; every other format must come out byte for byte the same.
    return json.loads(body) if media_type.endswith("json") else body


@pytest.mark.parametrize("row_limit", [1000, 3])
@pytest.mark.parametrize("media_type", TABULAR)
@pytest.mark.parametrize("query", SELECTS)
def test_native_tables_match_the_contract_path(store: OxigraphStore, query: str, media_type: str,
                                               row_limit: int) -> None:
    request = QueryRequest(query, tabular_media_type=media_type, graph_media_type=None)
    native = evaluate_oxigraph(store.raw, request, row_limit)
    expected = evaluate_store(store, request, row_limit)
    assert (native.media_type, native.truncated) == (expected.media_type, expected.truncated)
    assert _comparable(native.body, media_type) == _comparable(expected.body, media_type)


@pytest.mark.parametrize("row_limit", [1000, 3])
@pytest.mark.parametrize("media_type", GRAPHS)
@pytest.mark.parametrize("query", CONSTRUCTS)
def test_native_graphs_match_the_contract_path(store: OxigraphStore, query: str, media_type: str,
                                               row_limit: int) -> None:
    request = QueryRequest(query, tabular_media_type=None, graph_media_type=media_type, prefixes=PREFIXES)
    native = evaluate_oxigraph(store.raw, request, row_limit)
    expected = evaluate_store(store, request, row_limit)
    assert (native.media_type, native.truncated, native.is_graph) == (media_type, expected.truncated, True)
    if not expected.truncated:  # which triples survive a cut is the engine's business
        assert _comparable(native.body, media_type) == _comparable(expected.body, media_type)


@pytest.mark.parametrize("media_type", ["application/n-triples", "application/n-quads"])
@pytest.mark.parametrize("row_limit", [1, 3, 11, 12, 13])
def test_line_formats_keep_exactly_the_cap(store: OxigraphStore, media_type: str, row_limit: int) -> None:
    request = QueryRequest(CONSTRUCTS[0], graph_media_type=media_type)
    whole = evaluate_oxigraph(store.raw, request, 1000)
    triples = whole.body.count(b"\n")
    assert triples == 12 and not whole.truncated  # the cases below straddle the size of the graph
    answer = evaluate_oxigraph(store.raw, request, row_limit)
    lines = answer.body.decode().splitlines()
    assert answer.truncated == (row_limit < triples)
    if answer.truncated:
        assert lines[0].startswith("# mdkg: the result was cut at") and len(lines) == row_limit + 1
        assert all(line in whole.body.decode().splitlines() for line in lines[1:])
    else:
        assert answer.body == whole.body


@pytest.mark.parametrize(("value", "media_type"), [(v, m) for v in (True, False) for m in TABULAR])
def test_ask_answers_are_the_contracts(store: OxigraphStore, value: bool, media_type: str) -> None:
    query = "ASK { GRAPH ?g { ?s ?p ?o } }" if value else "ASK { GRAPH ?g { ?s <http://nowhere/> ?o } }"
    request = QueryRequest(query, tabular_media_type=media_type)
    assert evaluate_oxigraph(store.raw, request, 10).body == evaluate_store(store, request, 10).body


@pytest.mark.parametrize(("query", "media_type"), [
    (SELECTS[0], "application/sparql-results+json"),
    (SELECTS[1], "application/sparql-results+json"),
    (SELECTS[0], "text/tab-separated-values"),
    (CONSTRUCTS[0], "text/turtle"),
    (CONSTRUCTS[0], "application/n-triples"),
])
def test_common_formats_never_build_python_terms(store: OxigraphStore, query: str, media_type: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(term: object) -> None:
        raise AssertionError("a row was converted to rdflib terms")

    monkeypatch.setattr(_evaluate, "from_ox", refuse)
    request = QueryRequest(query, tabular_media_type=media_type, graph_media_type=media_type)
    assert evaluate_oxigraph(store.raw, request, 1000).body


def test_a_result_of_a_kind_the_client_refused_has_no_media_type(store: OxigraphStore) -> None:
    table = evaluate_oxigraph(store.raw, QueryRequest(SELECTS[0], tabular_media_type=None), 10)
    graph = evaluate_oxigraph(store.raw, QueryRequest(CONSTRUCTS[0], graph_media_type=None), 10)
    assert (table.is_graph, table.media_type, table.body) == (False, None, b"")
    assert (graph.is_graph, graph.media_type, graph.body) == (True, None, b"")


@pytest.mark.parametrize("query", ["SELECT ?s WHERE { ?s ?p }", "ASK { ?s ?p }",
                                   "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p"])
def test_syntax_errors_are_the_contracts(store: OxigraphStore, query: str) -> None:
    request = QueryRequest(query)
    with pytest.raises(QuerySyntaxError) as native:
        evaluate_oxigraph(store.raw, request, 10)
    with pytest.raises(QuerySyntaxError) as expected:
        evaluate_store(store, request, 10)
    assert native.value.message == expected.value.message and native.value.detail == expected.value.detail


# --- the LIMIT rewrite -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "expected"), [
    ("SELECT * { ?s ?p ?o }", "SELECT * { ?s ?p ?o }\nLIMIT 11\n"),
    ("SELECT * { ?s ?p ?o } # done", "SELECT * { ?s ?p ?o } # done\nLIMIT 11\n"),
    ("SELECT * { ?s ?p ?o } LIMIT 500 OFFSET 3", "SELECT * { ?s ?p ?o } LIMIT 11 OFFSET 3"),
    ("SELECT * { ?s ?p ?o } OFFSET 3 VALUES ?s { 1 }",
     "SELECT * { ?s ?p ?o } OFFSET 3 \nLIMIT 11\nVALUES ?s { 1 }"),
    ("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 500 } }",
     "SELECT * { { SELECT * { ?s ?p ?o } LIMIT 500 } }\nLIMIT 11\n"),
    ("PREFIX ex: <http://e/> SELECT ?s { ?s ?p ?o } ORDER BY ex:LIMIT(?s)",
     "PREFIX ex: <http://e/> SELECT ?s { ?s ?p ?o } ORDER BY ex:LIMIT(?s)\nLIMIT 11\n"),
    ("SELECT * { ?s ?p ?o } GROUP BY ?s HAVING (COUNT(?o) > 1) limit 12",
     "SELECT * { ?s ?p ?o } GROUP BY ?s HAVING (COUNT(?o) > 1) limit 11"),
])
def test_the_outer_query_gets_the_limit(query: str, expected: str) -> None:
    limited = limited_select(query, 11)
    assert limited is not None and limited.rewritten and limited.text == expected


@pytest.mark.parametrize("query", ["SELECT * { ?s ?p ?o } LIMIT 11",
                                   "SELECT * { ?s ?p ?o } LIMIT 0 OFFSET 9"])
def test_a_limit_within_the_cap_is_left_alone(query: str) -> None:
    limited = limited_select(query, 11)
    assert limited is not None and not limited.rewritten and limited.text == query


@pytest.mark.parametrize("query", ["ASK { ?s ?p ?o }", "CONSTRUCT WHERE { ?s ?p ?o }", "SELECT ?s",
                                   "SELECT * { ?s ?p ?o } LIMIT ?x"])
def test_other_queries_are_not_rewritten(query: str) -> None:
    assert limited_select(query, 11) is None
