"""Parameter values: validated by their declared type, bound as RDF terms, with clear 400 messages."""

from __future__ import annotations

import pytest
from mdkg.errors import ParameterError
from mdkg.queries import NamedQuery, NamedQueryLibrary
from rdflib import Literal, Namespace, URIRef

XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # an open namespace: pytest may inspect it freely

TYPED = """#+ params:
#+   flag: {type: boolean}
#+   n: {type: integer, minimum: 1, maximum: 10}
#+   x: {type: decimal}
#+   day: {type: date}
#+   moment: {type: dateTime}
#+   year: {type: gYear}
#+   month: {type: gYearMonth}
#+   text: {type: string}
#+   name: {type: lang-string}
#+   thing: {type: iri}
#+   short: {type: iri, prefix: "https://w3id.org/mdkg/id/"}
#+   colour: {type: string, enum: [red, green]}
SELECT ?flag ?n ?x ?day ?moment ?year ?month ?text ?name ?thing ?short ?colour WHERE {
  ?thing ?p ?short . ?short ?q ?text . ?text ?r ?name . ?name ?s ?colour .
  FILTER(?flag || ?n > ?x || ?day > ?moment || ?year = ?month)
}
"""


@pytest.fixture(scope="module")
def typed() -> NamedQuery:
    return NamedQuery.from_text(TYPED, name="typed", file="typed.rq")


@pytest.mark.parametrize(
    ("name", "raw", "term"),
    [
        ("flag", "true", Literal("true", datatype=XSD.boolean)),
        ("flag", "FALSE", Literal("false", datatype=XSD.boolean)),
        ("flag", "1", Literal("true", datatype=XSD.boolean)),
        ("n", "7", Literal("7", datatype=XSD.integer)),
        ("n", "+07", Literal("7", datatype=XSD.integer)),
        ("x", "-2.50", Literal("-2.50", datatype=XSD.decimal)),
        ("day", "2024-02-29", Literal("2024-02-29", datatype=XSD.date)),
        ("moment", "2024-02-29T10:00:00Z", Literal("2024-02-29T10:00:00Z", datatype=XSD.dateTime)),
        ("year", "2026", Literal("2026", datatype=XSD.gYear)),
        ("month", "2026-02", Literal("2026-02", datatype=XSD.gYearMonth)),
        ("text", '  spaces kept "and quotes" ', Literal('  spaces kept "and quotes" ')),
        ("name", "Japan", Literal("Japan", lang="en")),
        ("name", "日本@ja", Literal("日本", lang="ja")),
        ("thing", "http://example.org/a#b", URIRef("http://example.org/a#b")),
        ("thing", "urn:isbn:123", URIRef("urn:isbn:123")),
        ("short", "japan", URIRef("https://w3id.org/mdkg/id/japan")),
        ("short", "https://example.org/x", URIRef("https://example.org/x")),
        ("colour", "green", Literal("green")),
    ],
)
def test_valid_values_become_rdf_terms(typed: NamedQuery, name: str, raw: str, term: object) -> None:
    bound = typed.bind({name: raw})
    assert bound == {name: term}
    assert type(bound[name]) is type(term)


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("flag", "maybe", "flag must be true or false, got 'maybe'"),
        ("n", "3.5", "n must be an integer, got '3.5'"),
        ("n", "0", "n must be >= 1 and <= 10, got '0'"),
        ("n", "11", "n must be >= 1 and <= 10, got '11'"),
        ("x", "1e3", "x must be a decimal number, got '1e3'"),
        ("day", "2023-02-29", "day must be a date YYYY-MM-DD, got '2023-02-29'"),
        ("day", "29/02/2024", "day must be a date YYYY-MM-DD, got '29/02/2024'"),
        ("moment", "2024-02-29", "moment must be a date-time"),
        ("year", "26", "year must be a year YYYY, got '26'"),
        ("month", "2026-13", "month must be a year and month YYYY-MM, got '2026-13'"),
        ("thing", "japan", "thing must be an absolute IRI"),
        ("thing", "http://example.org/a b", "thing must be an IRI without spaces"),
        ("short", "japan> } UNION { ?s ?p ?o", "short must be an IRI without spaces"),
        ("colour", "blue", "colour must be one of red, green, got 'blue'"),
    ],
)
def test_invalid_values_are_400_naming_parameter_type_and_value(typed: NamedQuery, name: str, raw: str,
                                                                message: str) -> None:
    with pytest.raises(ParameterError) as caught:
        typed.bind({name: raw})
    error = caught.value
    assert error.status == 400
    assert error.code == "invalid_parameter"
    assert message in error.message
    assert error.detail["parameter"] == name
    assert error.detail["value"] == raw


def test_unknown_parameter_is_rejected(typed: NamedQuery) -> None:
    with pytest.raises(ParameterError, match="unknown parameter 'colour_'") as caught:
        typed.bind({"colour_": "red"})
    assert "flag" in caught.value.message  # says what the query does take


def test_defaults_apply_when_absent_or_empty(library: NamedQueryLibrary) -> None:
    grants = library.get("grants")
    expected = {"min_amount": Literal("0", datatype=XSD.integer), "currency": Literal("USD")}
    assert grants.bind({}) == expected
    assert grants.bind({"year": "", "min_amount": [""]}) == expected  # an HTML form sends empty fields
    assert grants.bind({"currency": "EUR"})["currency"] == Literal("EUR")


def test_required_parameter_without_value_is_400(library: NamedQueryLibrary) -> None:
    with pytest.raises(ParameterError, match="text is required") as caught:
        library.get("label-search").bind({})
    assert caught.value.status == 400
    with pytest.raises(ParameterError, match="text is required"):
        library.get("label-search").bind({"text": ""})


def test_repeated_values(typed: NamedQuery) -> None:
    with pytest.raises(ParameterError, match="n takes one value, got 2"):
        typed.bind({"n": ["1", "2"]})
    assert typed.bind({"n": ["2", "2"]}) == {"n": Literal("2", datatype=XSD.integer)}
    # The hidden "false" before a checked checkbox: the last value wins for booleans.
    assert typed.bind({"flag": ["false", "true"]}) == {"flag": Literal("true", datatype=XSD.boolean)}
    assert typed.bind({"flag": ["false"]}) == {"flag": Literal("false", datatype=XSD.boolean)}


def test_openapi_schemas_follow_declared_types(typed: NamedQuery, library: NamedQueryLibrary) -> None:
    schemas = {p.name: p.openapi_parameter()["schema"] for p in typed.parameters}
    assert schemas["flag"] == {"type": "boolean"}
    assert schemas["n"] == {"type": "integer", "minimum": 1, "maximum": 10}
    assert schemas["x"] == {"type": "number"}
    assert schemas["day"] == {"type": "string", "format": "date"}
    assert schemas["moment"] == {"type": "string", "format": "date-time"}
    assert schemas["thing"] == {"type": "string", "format": "iri"}
    assert schemas["short"] == {"type": "string"}  # a short id is not an IRI
    assert schemas["colour"] == {"type": "string", "enum": ["red", "green"]}
    assert schemas["month"]["pattern"] == r"^-?[0-9]{4,}-(0[1-9]|1[0-2])$"
    grants = {p.name: p.openapi_parameter() for p in library.get("grants").parameters}
    assert grants["min_amount"]["schema"] == {"type": "integer", "default": 0, "minimum": 0}
    assert grants["min_amount"]["description"] == "Smallest amount to list."
    assert grants["min_amount"]["in"] == "query"
    assert grants["currency"]["schema"] == {"type": "string", "enum": ["USD", "EUR"], "default": "USD"}
    assert library.get("label-search").parameters[0].openapi_parameter()["required"] is True
