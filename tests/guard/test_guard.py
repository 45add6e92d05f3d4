"""The query guard on its own: what it refuses, what it lets through, and what its errors say."""

from __future__ import annotations

import re
from collections.abc import Callable, Container

import pytest
from mdkg.errors import BadRequest, Forbidden, MdkgError, PayloadTooLarge
from mdkg.guard import OwnGraphs, inspect_query, inspect_request
from mdkg.settings import Settings
from mdkg.store import QueryDataset
from mdkg.store.oxigraph import OxigraphStore
from mdkg.store.rdflib_memory import RdflibStore

HELD = "http://example.org/held"
SETTINGS = Settings(load_on_start=False)
DEEP = 5000


def inspect(text: str, *, kind: str = "query", held: Container[str] | Callable[[], Container[str]] = (HELD,),
            settings: Settings = SETTINGS, dataset: QueryDataset | None = None) -> None:
    inspect_query(text, kind=kind, held_graphs=held, settings=settings, dataset=dataset)  # type: ignore[arg-type]


def refusal(text: str, error: type[MdkgError], **options: object) -> MdkgError:
    with pytest.raises(error) as caught:
        inspect(text, **options)  # type: ignore[arg-type]
    return caught.value


# --- size ------------------------------------------------------------------------------------------

def test_text_over_the_size_limit_is_413() -> None:
    settings = Settings(load_on_start=False, max_query_chars=40)
    text = "SELECT * WHERE { ?subject ?predicate ?object }"
    error = refusal(text, PayloadTooLarge, settings=settings)
    assert error.status == 413
    assert error.message == f"the query is {len(text)} characters long, over the limit of 40"
    inspect(text[:40], settings=settings)  # at the limit: allowed (a syntax error is the engine's business)


def test_the_size_limit_covers_updates() -> None:
    settings = Settings(load_on_start=False, max_query_chars=20)
    error = refusal("INSERT DATA { <a:s> <a:p> <a:o> }", PayloadTooLarge, kind="update", settings=settings)
    assert error.message.startswith("the update is 33 characters long")


# --- nesting ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "depth"), [
    ("SELECT * WHERE " + "{" * DEEP + "}" * DEEP, DEEP),
    ("SELECT * WHERE { FILTER" + "(" * DEEP + "1" + ")" * DEEP + " }", DEEP + 1),
    ("SELECT * WHERE { ?s ?p " + "[ ?p " * DEEP + "1" + " ]" * DEEP + " }", DEEP + 1),
    ("SELECT * WHERE { " + "<< " * DEEP + "?s ?p ?o" + " >> ?p ?o" * DEEP + " }", DEEP + 1),
    ("SELECT * WHERE { " + "<<" * DEEP, DEEP + 1),
    # A parser may read '<' as less-than and meet these parentheses as code.
    ("SELECT * WHERE { BIND(1<" + "(" * DEEP + "2" + ")" * DEEP + ">0 AS ?x) }", DEEP + 2),
    # Unbalanced: nothing closes.
    ("(" * DEEP, DEEP),
])
def test_nesting_bombs_are_refused_with_their_depth(text: str, depth: int) -> None:
    error = refusal(text, BadRequest)
    assert error.message.startswith(f"query nesting too deep ({depth} levels, limit 64)")
    assert error.detail["depth"] == depth and error.detail["limit"] == 64


def test_the_nesting_limit_is_a_setting_and_inclusive() -> None:
    settings = Settings(load_on_start=False, max_query_nesting=3)
    inspect("SELECT * WHERE { { { ?s ?p ?o } } }", settings=settings)
    error = refusal("SELECT * WHERE { { { FILTER(?s) } } }", BadRequest, settings=settings)
    assert error.message.startswith("query nesting too deep (4 levels, limit 3)")
    assert (error.detail["line"], error.detail["column"]) == (1, 28)


def test_update_nesting_says_update() -> None:
    error = refusal("INSERT DATA {" + "(" * 100 + ")" * 100 + "}", BadRequest, kind="update")
    assert error.message.startswith("update nesting too deep (101 levels, limit 64)")


@pytest.mark.parametrize("text", [
    'SELECT * WHERE { BIND("' + "(" * 500 + '" AS ?x) }',
    "SELECT * WHERE { BIND('''" + "{[(" * 500 + "''' AS ?x) }",
    "SELECT * WHERE { ?s ?p ?o } # " + "(" * 500,
    "SELECT * WHERE { ?s <http://example.org/a(b)c> ?o }",
    "SELECT * WHERE { ?s ?p ?o }" + ")" * 500 + "{ ?s ?p ?o }",  # closers alone never count below zero
])
def test_brackets_in_strings_comments_and_iris_do_not_nest(text: str) -> None:
    inspect(text)


def test_nested_closers_make_up_for_openers() -> None:
    inspect("SELECT * WHERE { " + "{ ?s ?p ?o } " * 1000 + "}")


def test_escaped_brackets_in_strings_stay_in_strings_for_every_reading() -> None:
    inspect('SELECT * WHERE { BIND("' + "\\u0028" * 200 + '" AS ?x) }')


# --- codepoint escapes -----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "SELECT * WHERE { \\u0053ERVICE <http://example.org/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p <http://example.org/\\u0041> }",
    "SELECT * WHERE \\U0000007B ?s ?p ?o }",
])
def test_escapes_outside_strings_are_refused(text: str) -> None:
    error = refusal(text, BadRequest)
    assert "escapes are accepted only inside string literals" in error.message
    assert error.detail["line"] == 1


def test_an_escaped_newline_ends_a_comment_for_engines_that_expand_escapes() -> None:
    text = "SELECT * WHERE {\n  # a comment \\u000A SERVICE <http://example.org/sparql> { ?s ?p ?o }\n}"
    error = refusal(text, Forbidden)
    assert error.message == "SERVICE (federated query) is disabled: mdkg reaches nothing outside"
    # The position is given in the user's text, though it was found in the decoded reading.
    assert (error.detail["line"], error.detail["column"]) == (2, 22)
    assert "expanded" in error.detail["reading"]


def test_an_escaped_quote_opens_code_for_engines_that_expand_escapes() -> None:
    text = 'SELECT * WHERE { BIND("\\u0022 . SERVICE <http://example.org/> { ?a ?b ?c } #" AS ?x) }'
    refusal(text, Forbidden)


# --- SERVICE and LOAD ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SeRvIcE ?endpoint { ?s ?p ?o } }",
    "SELECT * WHERE{SERVICE<http://example.org/sparql>{?s ?p ?o}}",
    "SELECT * WHERE { ?s ?p ?o . SERVICE <file:///etc/passwd> { ?s ?p ?o } }",
    # Oxigraph needs no word boundary after a keyword.
    "SELECT * WHERE { SERVICESILENT<http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p trueSERVICE <http://example.org/sparql> { ?a ?b ?c } }",
    "PREFIX ex: <http://example.org/> SELECT * WHERE { SERVICEex: { ?s ?p ?o } }",
    # A prefixed name cannot start its local part with a dot, so the keyword stands alone here.
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ?p ex:.SERVICE ex: { ?a ?b ?c } }",
    "SELECT * WHERE { ?s ?p 1SERVICE <http://example.org/sparql> { ?a ?b ?c } }",
    "SELECT * WHERE { ?s ?p ?o } ; SERVICE",
    "SELECT * WHERE { ?s ?p ?o . ſERVICE <http://example.org/sparql> { ?a ?b ?c } }",
])
def test_service_is_refused_everywhere(text: str) -> None:
    error = refusal(text, Forbidden)
    assert error.status == 403
    assert error.message == "SERVICE (federated query) is disabled: mdkg reaches nothing outside"
    assert error.detail["line"] == 1


@pytest.mark.parametrize("text", [
    'SELECT * WHERE { ?s ?p "SERVICE <http://example.org/sparql> { }" }',
    "SELECT * WHERE { ?s ?p '''LOAD <http://example.org/x.ttl>''' }",
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:service ?o }",
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:SERVICE ?o . ?o ex:load ex:from }",
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:a.service ex:x-load }",
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:a:service ?o }",
    "SELECT * WHERE { ?s ?p _:service }",
    'SELECT * WHERE { ?s ?p "x"@service }',
    "SELECT ?service ?load $from WHERE { ?service ?load ?from }",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://example.org/sparql>",
    "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
    "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 10",
])
def test_service_load_and_from_inside_names_strings_and_comments_are_fine(text: str) -> None:
    inspect(text)


@pytest.mark.parametrize("text", [
    "LOAD <http://example.org/data.ttl>",
    "load silent <file:///etc/passwd> into graph <http://example.org/held>",
    "INSERT DATA { <a:s> <a:p> <a:o> } ; LOAD <http://example.org/data.ttl>",
    "LOADSILENT<http://example.org/data.ttl>",
])
def test_load_is_refused(text: str) -> None:
    error = refusal(text, Forbidden, kind="update")
    assert error.message.startswith("LOAD is disabled: mdkg reaches nothing outside")


def test_refusals_name_the_line_and_column() -> None:
    error = refusal("SELECT *\nWHERE {\n   SERVICE <http://example.org/> { ?s ?p ?o }\n}", Forbidden)
    assert (error.detail["line"], error.detail["column"]) == (3, 4)


def test_oxigraph_reads_a_keyword_glued_to_a_name() -> None:
    # Why glued words count: pyoxigraph calls the service (and refuses port 1 before connecting).
    store = OxigraphStore()
    with pytest.raises(MdkgError, match="port 1"):
        store.query("PREFIX ex: <http://127.0.0.1:1/> SELECT * WHERE { SERVICEex: { ?s ?p ?o } }")


# --- graphs ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "clause", "graph"), [
    ("SELECT * FROM <http://example.org/other> WHERE { ?s ?p ?o }", "FROM", "http://example.org/other"),
    ("SELECT * FROM NAMED <file:///etc/passwd> WHERE { ?s ?p ?o }", "FROM NAMED", "file:///etc/passwd"),
    ("select * from named <http://127.0.0.1:9/x.ttl> where { ?s ?p ?o }", "FROM NAMED",
     "http://127.0.0.1:9/x.ttl"),
    ("SELECT * FROM<http://example.org/held>FROM<http://example.org/other> WHERE { ?s ?p ?o }", "FROM",
     "http://example.org/other"),
    ("PREFIX ex: <http://example.org/> SELECT * FROM ex:other WHERE { ?s ?p ?o }", "FROM",
     "http://example.org/other"),
    ("PREFIX ex: <http://example.org/> SELECT * FROMNAMED ex:oth\\-er WHERE { ?s ?p ?o }", "FROM NAMED",
     "http://example.org/oth-er"),
    ("BASE <http://example.org/> SELECT * FROM <other> WHERE { ?s ?p ?o }", "FROM",
     "http://example.org/other"),
    ("SELECT * FROM <relative.ttl> WHERE { ?s ?p ?o }", "FROM", "relative.ttl"),
])
def test_from_naming_a_graph_not_held_is_refused(text: str, clause: str, graph: str) -> None:
    error = refusal(text, Forbidden)
    assert error.message == (f"{clause} <{graph}> names a graph this store does not hold: "
                             "mdkg reaches nothing outside")
    assert error.detail["graph"] == graph and error.detail["clause"] == clause


@pytest.mark.parametrize("text", [
    "INSERT { ?s ?p ?o } USING <http://example.org/other> WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } USING NAMED <http://example.org/other> WHERE { GRAPH ?g { ?s ?p ?o } }",
])
def test_using_naming_a_graph_not_held_is_refused(text: str) -> None:
    error = refusal(text, Forbidden, kind="update")
    assert error.detail["graph"] == "http://example.org/other"
    assert error.message.startswith("USING")


@pytest.mark.parametrize("text", [
    f"SELECT * FROM <{HELD}> WHERE {{ ?s ?p ?o }}",
    f"SELECT * FROM NAMED <{HELD}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "PREFIX ex: <http://example.org/> SELECT * FROM ex:held WHERE { ?s ?p ?o }",
    "BASE <http://example.org/> SELECT * FROM <held> WHERE { ?s ?p ?o }",
    "PREFIX : <http://example.org/> SELECT * FROM :held FROM NAMED :held WHERE { ?s ?p ?o }",
])
def test_graphs_the_store_holds_stay_allowed(text: str) -> None:
    inspect(text)


def test_a_graph_with_an_undeclared_prefix_is_a_bad_request() -> None:
    error = refusal("SELECT * FROM ex:g WHERE { ?s ?p ?o }", BadRequest)
    assert error.status == 400
    assert error.message == "FROM ex:g cannot be resolved (is its prefix declared?)"


def test_the_store_is_asked_for_its_graphs_only_when_a_graph_is_named() -> None:
    asked: list[int] = []

    def held() -> set[str]:
        asked.append(1)
        return {HELD}

    inspect("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", held=held)
    assert asked == []
    inspect(f"SELECT * FROM <{HELD}> WHERE {{ ?s ?p ?o }}", held=held)
    assert asked == [1]


@pytest.mark.parametrize(("kind", "parameter", "named_parameter"), [
    ("query", "default-graph-uri", "named-graph-uri"),
    ("update", "using-graph-uri", "using-named-graph-uri"),
])
def test_protocol_graphs_not_held_are_refused(kind: str, parameter: str, named_parameter: str) -> None:
    text = "ASK {}" if kind == "query" else "INSERT DATA { <a:s> <a:p> <a:o> }"
    error = refusal(text, Forbidden, kind=kind,
                    dataset=QueryDataset(default_graphs=[HELD, "http://127.0.0.1:9/x.ttl"]))
    assert error.message == (f"{parameter} <http://127.0.0.1:9/x.ttl> names a graph this store does not "
                             "hold: mdkg reaches nothing outside")
    named = refusal(text, Forbidden, kind=kind, dataset=QueryDataset(named_graphs=["file:///etc/passwd"]))
    assert named.detail == {"parameter": named_parameter, "graph": "file:///etc/passwd"}
    inspect(text, kind=kind, dataset=QueryDataset(default_graphs=[HELD], named_graphs=[HELD]))


def test_embedded_stores_read_protocol_graphs_they_do_not_hold_as_empty() -> None:
    # The W3C protocol tests name graphs that no test loads and expect an answer.
    dataset = QueryDataset(default_graphs=["http://example.org/not-loaded"])
    for store in (OxigraphStore(), RdflibStore()):
        inspect_request("ASK {}", kind="query", store=store, settings=SETTINGS, dataset=dataset)
        with pytest.raises(Forbidden):  # text clauses are refused whatever the store
            inspect_request("ASK FROM <http://example.org/not-loaded> {}", kind="query", store=store,
                            settings=SETTINGS, dataset=dataset)


def test_a_store_that_may_fetch_gets_no_unheld_protocol_graph() -> None:
    class RemoteLike:
        name = "remote"

        def graphs(self) -> list[str]:
            return [HELD]

    with pytest.raises(Forbidden, match=re.escape("default-graph-uri <http://example.org/not-loaded>")):
        inspect_request("ASK {}", kind="query", store=RemoteLike(), settings=SETTINGS,  # type: ignore[arg-type]
                        dataset=QueryDataset(default_graphs=["http://example.org/not-loaded"]))


def test_own_graphs_are_those_under_the_base() -> None:
    own = OwnGraphs("https://w3id.org/mdkg")
    assert "https://w3id.org/mdkg/graph/ontology" in own
    assert "https://w3id.org/mdkg/graph/source/a" in own
    assert "https://w3id.org/mdkg/id/japan" not in own
    assert "https://w3id.org/mdkg/graph/../id/x" not in own
    assert "http://example.org/graph/ontology" not in own
