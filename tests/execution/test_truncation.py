"""The row cap: results longer than ``max_result_rows`` are cut, and every response says so."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
from mdkg.execution import NOTE_MEMBER, ROW_LIMIT_HEADER, TRUNCATED_HEADER
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app
from rdflib import Graph

from .conftest import CALL_BOUND_S, CHAIN_LENGTH, EX, ROW_LIMIT, Served, serve_app

EDGES = f"SELECT ?s ?o WHERE {{ GRAPH ?graph {{ ?s <{EX}next> ?o }} }}"
EDGES_GRAPH = f"CONSTRUCT {{ ?s <{EX}next> ?o }} WHERE {{ GRAPH ?graph {{ ?s <{EX}next> ?o }} }}"
SPARQL_JSON = "application/sparql-results+json"


def _query(served_url: str, query: str, accept: str = SPARQL_JSON) -> httpx.Response:
    response = httpx.post(f"{served_url}/sparql", data={"query": query}, headers={"Accept": accept},
                          timeout=CALL_BOUND_S)
    assert response.status_code == 200, response.text
    return response


def _assert_truncated(response: httpx.Response) -> None:
    assert response.headers[TRUNCATED_HEADER] == "true"
    assert response.headers[ROW_LIMIT_HEADER] == str(ROW_LIMIT)


def _bindings(response: httpx.Response) -> list[dict[str, dict[str, str]]]:
    return response.json()["results"]["bindings"]


def test_a_long_json_result_is_cut_and_says_so(pooled: Served) -> None:
    response = _query(pooled.url, EDGES)
    _assert_truncated(response)
    document = response.json()
    assert len(document["results"]["bindings"]) == ROW_LIMIT
    assert document["head"] == {"vars": ["s", "o"]}
    note = document[NOTE_MEMBER]
    assert note["truncated"] is True and note["limit"] == ROW_LIMIT and str(ROW_LIMIT) in note["message"]


@pytest.mark.parametrize("accept", ["text/tab-separated-values", "text/csv",
                                    "application/sparql-results+xml"])
def test_other_tabular_formats_are_cut_and_say_so_in_headers(pooled: Served, accept: str) -> None:
    response = _query(pooled.url, EDGES, accept)
    _assert_truncated(response)
    if accept == "application/sparql-results+xml":
        results = ET.fromstring(response.content).find("{http://www.w3.org/2005/sparql-results#}results")
        assert results is not None and len(results) == ROW_LIMIT
    else:
        rows = list(csv.reader(io.StringIO(response.text), delimiter="\t" if "tab" in accept else ","))
        assert len(rows) == 1 + ROW_LIMIT


@pytest.mark.parametrize(("accept", "rdflib_format"), [("text/turtle", "turtle"),
                                                       ("application/n-triples", "nt"),
                                                       ("application/ld+json", "json-ld")])
def test_a_long_graph_is_cut_and_says_so(pooled: Served, accept: str, rdflib_format: str) -> None:
    response = _query(pooled.url, EDGES_GRAPH, accept)
    _assert_truncated(response)
    if accept != "application/ld+json":
        assert response.text.startswith("# mdkg: the result was cut at 50 triples")
    assert len(Graph().parse(data=response.text, format=rdflib_format)) == ROW_LIMIT


@pytest.mark.parametrize("query", [
    EDGES + " LIMIT 10",
    EDGES + f" VALUES ?s {{ <{EX}n/1> <{EX}n/2> }}",
    f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?graph {{ ?s <{EX}next> ?o }} }}",
    f"ASK {{ GRAPH ?graph {{ <{EX}n/1> <{EX}next> ?o }} }}",
])
def test_short_results_carry_no_truncation_mark(pooled: Served, query: str) -> None:
    response = _query(pooled.url, query)
    assert TRUNCATED_HEADER not in response.headers and ROW_LIMIT_HEADER not in response.headers
    assert NOTE_MEMBER not in response.json()


def test_a_larger_limit_of_the_query_is_cut_too(pooled: Served) -> None:
    response = _query(pooled.url, EDGES + " LIMIT 1000")
    _assert_truncated(response)
    assert len(_bindings(response)) == ROW_LIMIT


def test_the_cut_keeps_the_order_the_query_asks_for(pooled: Served, chain_root: Path) -> None:
    ordered = EDGES + " ORDER BY DESC(STRLEN(STR(?s))) DESC(?s)"
    response = _query(pooled.url, ordered)
    _assert_truncated(response)
    store = OxigraphStore()
    store.load((chain_root / "graph" / "sources" / "chain.ttl").read_bytes(), media_type="text/turtle",
               graph="http://example.org/graph")
    expected = [str(row[0]) for row in store.select(ordered).rows[:ROW_LIMIT]]
    assert [row["s"]["value"] for row in _bindings(response)] == expected
    assert expected[0] == f"{EX}n/{CHAIN_LENGTH - 1}"


def test_select_star_keeps_the_columns_in_the_order_of_the_text(pooled: Served) -> None:
    response = _query(pooled.url, f"SELECT * WHERE {{ GRAPH ?graph {{ ?s <{EX}next> ?o }} }}")
    _assert_truncated(response)
    assert response.json()["head"]["vars"] == ["graph", "s", "o"]
    assert set(_bindings(response)[0]) == {"graph", "s", "o"}


def test_in_process_queries_are_cut_the_same_way(chain_root: Path) -> None:
    store = OxigraphStore()
    app = create_app(Settings(root=chain_root, max_result_rows=ROW_LIMIT), store=store)
    with serve_app(app) as url:
        response = _query(url, EDGES)
        _assert_truncated(response)
        assert len(_bindings(response)) == ROW_LIMIT
        assert json.loads(response.content)[NOTE_MEMBER]["limit"] == ROW_LIMIT
    store.close()


def test_named_query_results_are_cut_the_same_way(tmp_path: Path) -> None:
    root = tmp_path
    (root / "queries").mkdir()
    (root / "queries" / "edges.rq").write_text("#+ summary: Every edge of the chain\n" + EDGES + "\n")
    (root / "graph" / "sources").mkdir(parents=True)
    (root / "graph" / "sources" / "chain.ttl").write_text(
        "".join(f"<{EX}n/{i}> <{EX}next> <{EX}n/{i + 1}> .\n" for i in range(ROW_LIMIT + 5)))
    app = create_app(Settings(root=root, max_result_rows=ROW_LIMIT, query_workers=0))
    with serve_app(app) as url:
        response = httpx.get(f"{url}/queries/edges.json", timeout=CALL_BOUND_S)
        assert response.status_code == 200, response.text
        _assert_truncated(response)
        assert len(_bindings(response)) == ROW_LIMIT and response.json()[NOTE_MEMBER]["truncated"]
        by_accept = httpx.get(f"{url}/queries/edges", headers={"Accept": "application/json"},
                              timeout=CALL_BOUND_S)
        _assert_truncated(by_accept)
        assert by_accept.json()[NOTE_MEMBER]["limit"] == ROW_LIMIT
