"""The pieces that write values into SPARQL text: the term serializer and the VALUES injector."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from mdkg.errors import ParameterError, QuerySyntaxError
from mdkg.store._sparql_text import prepare_query, query_shape, split_position, undeclared_prefixes
from mdkg.store._terms import canonical_terms, check_iri, sparql_string, sparql_term
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

STRINGS = [
    "plain",
    'with "quotes"',
    "back\\slash",
    "\\u0022",
    "\\U00000022",
    "\\\\u0022",
    "\\uD83D",
    "ends with a backslash\\",
    "new\nline\rcarriage\ttab\bback\fform",
    "'single' and '''triple'''",
    "unicode é 漢字 😀",
    "} UNION { ?s ?p ?o } #",
]


def _echo_oxigraph(text: str) -> str:
    (solution,) = ox.Store().query(f"SELECT ?v WHERE {{ BIND({text} AS ?v) }}")
    return str(solution[0].value)


def _echo_rdflib(text: str) -> str:
    (row,) = list(Graph().query(f"SELECT ?v WHERE {{ BIND({text} AS ?v) }}"))
    return str(row[0])  # type: ignore[index]


@pytest.mark.parametrize("value", STRINGS)
def test_a_string_reads_back_exactly_on_both_engines(value: str) -> None:
    written = sparql_string(value)
    assert _echo_oxigraph(written) == value
    assert _echo_rdflib(written) == value


@pytest.mark.parametrize("value", STRINGS)
def test_no_backslash_is_followed_by_a_u(value: str) -> None:
    """Engines that expand \\u escapes before parsing could otherwise turn data into syntax."""
    written = sparql_string(value)
    rest = written.replace("\\\\", "").replace("\\U00000075", "").replace("\\U00000055", "")
    assert "\\u" not in rest.lower()


@pytest.mark.parametrize("char", [*'<>"{}|^`\\ ', "\n", "\x00", "\x1f"])
def test_iris_with_characters_that_break_out_are_refused(char: str) -> None:
    with pytest.raises(ParameterError):
        check_iri(f"http://example.org/a{char}b")


def test_terms_are_written_with_their_datatype_or_language() -> None:
    assert sparql_term(URIRef("http://example.org/a")) == "<http://example.org/a>"
    assert sparql_term(Literal("x", lang="en-GB")) == '"x"@en-GB'
    assert sparql_term(Literal("2024-01", datatype=XSD.gYearMonth)) == (
        '"2024-01"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>')
    assert sparql_term(Literal("s", datatype=XSD.string)) == '"s"'
    with pytest.raises(ParameterError):
        sparql_term(BNode())
    with pytest.raises(ParameterError):
        sparql_term("a python string")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "form", "before_group"),
    [
        ("SELECT ?s WHERE { ?s ?p ?o }", "SELECT", "SELECT ?s WHERE "),
        ("PREFIX ex: <http://ex/#{}>\nselect * { ?s ?p ?o }", None, None),
        ("PREFIX ex: <http://ex/#x> # a comment with { and }\nselect * { ?s ?p '{' }", "SELECT",
         "PREFIX ex: <http://ex/#x> # a comment with { and }\nselect * "),
        ('SELECT (EXISTS { ?s ?p "}" } AS ?e) FROM <http://g> WHERE { ?s ?p ?o }', "SELECT",
         'SELECT (EXISTS { ?s ?p "}" } AS ?e) FROM <http://g> WHERE '),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT", "CONSTRUCT { ?s ?p ?o } WHERE "),
        ("BASE <http://b/> ASK { ?s ?p ?o }", "ASK", "BASE <http://b/> ASK "),
        ('SELECT * WHERE { ?s ?p """a } b""" }', "SELECT", "SELECT * WHERE "),
    ],
)
def test_the_outermost_where_group_is_found(query: str, form: str | None, before_group: str | None) -> None:
    shape = query_shape(query)
    assert shape.form == form
    if before_group is not None:
        assert shape.group_open == len(before_group)
        assert query[shape.group_close or 0] == "}" and query.rstrip().endswith("}")


def test_bindings_become_a_values_block_opening_the_group() -> None:
    prepared = prepare_query("SELECT ?s WHERE { ?s ?p ?o }", {"o": Literal("x"), "$p": URIRef("http://p")})
    assert prepared.text == 'SELECT ?s WHERE { VALUES (?o ?p) { ("x" <http://p>) }  ?s ?p ?o }'


def test_a_group_that_is_a_subquery_is_wrapped() -> None:
    prepared = prepare_query("SELECT * { SELECT ?s WHERE { ?s ?p ?o } }", {"o": Literal("x")})
    assert prepared.text == 'SELECT * { VALUES (?o) { ("x") } {  SELECT ?s WHERE { ?s ?p ?o }  } }'


def test_construct_where_gets_an_explicit_template() -> None:
    prepared = prepare_query("CONSTRUCT WHERE { ?s ?p ?o }", {"o": Literal("x")})
    assert prepared.text == 'CONSTRUCT { ?s ?p ?o }  WHERE { VALUES (?o) { ("x") }  ?s ?p ?o }'


def test_positions_in_the_prepared_text_map_back_to_the_original() -> None:
    original = "SELECT ?s\nWHERE { ?s ?p ?o . FILTER(?o = ?v) ) }"
    prepared = prepare_query(original, {"v": Literal("x")})
    bad = prepared.text.index(") )") + 2
    line = prepared.text[:bad].count("\n") + 1
    column = bad - prepared.text[:bad].rfind("\n")
    assert prepared.original_position(line, column) == (2, original.split("\n")[1].index(") )") + 3)


def test_bindings_need_a_where_group() -> None:
    with pytest.raises(ParameterError):
        prepare_query("DESCRIBE <http://example.org/a>", {"x": Literal("1")})
    with pytest.raises(QuerySyntaxError):
        prepare_query("INSERT DATA { }", {"x": Literal("1")})


def test_engine_positions_are_read_from_their_messages() -> None:
    assert split_position("error at 3:14: expected one of X") == ("expected one of X", 3, 14)
    reason, line, column = split_position('Encountered " "}" at line 2, column 5.')
    assert (line, column) == (2, 5) and "Encountered" in reason
    assert split_position("no position here") == ("no position here", None, None)


def test_undeclared_prefixes_are_found_outside_strings_iris_and_comments() -> None:
    query = ('PREFIX ex: <http://x/> PREFIX : <http://y/>\n'
             'SELECT * { ?s ex:p ?o ; :q "a:b"^^xsd:int . ?o ex:a:b _:b1 . ?o <http://z/c:d> ?x # rdfs:x\n }')
    assert [prefix for prefix, _ in undeclared_prefixes(query)] == ["xsd"]


def test_typed_literals_take_the_canonical_form() -> None:
    terms = canonical_terms([
        Literal("12.50", datatype=XSD.decimal),
        Literal("1", datatype=XSD.boolean),
        Literal("007", datatype=XSD.integer),
        Literal("12.50"),
        None,
        URIRef("http://example.org/a"),
    ])
    assert [str(t) if t is not None else None for t in terms] == [
        "12.5", "true", "7", "12.50", None, "http://example.org/a"]
