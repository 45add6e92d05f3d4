"""Reading ``.rq`` files: front matter, parameter declarations, errors with file and line, rebasing."""

from __future__ import annotations

from pathlib import Path

import pytest
from mdkg.queries import NamedQuery, NamedQueryLibrary, QueryDefinitionError, rebase_query_text
from rdflib import Literal, Namespace, URIRef

from .conftest import FIXTURE_ROOT

XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # an open namespace: pytest may inspect it freely

SELECT_FLAG = "SELECT ?s ?flag WHERE { ?s ?p ?o FILTER(?flag || true) }\n"


def parse(text: str, name: str = "q", base_iri: str = "https://w3id.org/mdkg/") -> NamedQuery:
    return NamedQuery.from_text(text, name=name, file="queries/q.rq", base_iri=base_iri)


def definition_error(text: str) -> QueryDefinitionError:
    with pytest.raises(QueryDefinitionError) as caught:
        parse(text)
    return caught.value


def test_front_matter_fields_and_exact_sparql_text() -> None:
    path = FIXTURE_ROOT / "queries" / "mou-and-action-plan.rq"
    query = NamedQuery.from_file(path)
    assert query.name == "mou-and-action-plan"
    assert query.summary == "Countries with both an MOU and a USTR action plan"
    assert query.description.startswith("Which parties hold both")
    assert "agreement type beside each country" in query.description
    assert query.tags == ("agreements",)
    assert query.default_view == "table"
    assert query.form == "SELECT"
    assert [p.name for p in query.parameters] == ["include_frameworks", "country"]
    flag, country = query.parameters
    assert (flag.type, flag.default, flag.required) == ("boolean", "false", False)
    assert flag.description.startswith("Count framework agreements")
    assert country.prefix == "https://w3id.org/mdkg/id/"
    assert country.class_iri == "https://w3id.org/mdkg/ontology#State"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    front_matter_lines = sum(1 for line in lines if line.startswith("#+"))
    assert query.sparql == "".join(lines[front_matter_lines:])
    assert query.sparql_first_line == front_matter_lines + 1
    assert query.executable_sparql == query.sparql  # canonical base: nothing to rebase


def test_every_form_is_recognised(library: NamedQueryLibrary) -> None:
    forms = {q.name: q.form for q in library}
    assert forms["is-party"] == "ASK"
    assert forms["parties-graph"] == "CONSTRUCT"
    assert forms["grants"] == "SELECT"


def test_file_without_front_matter_is_a_query_without_parameters() -> None:
    query = parse("SELECT * WHERE { ?s ?p ?o }\n", name="plain-file")
    assert query.parameters == ()
    assert query.summary == "plain file"


def test_rebase_moves_canonical_iris_only() -> None:
    text = ("PREFIX mdo: <https://w3id.org/mdkg/ontology#>\n"
            "SELECT ?s WHERE { ?s a <https://w3id.org/mdkg/ontology#State> ; <http://example.org/p> ?o }\n")
    rebased = rebase_query_text(text, "http://localhost:8000")
    assert "<http://localhost:8000/ontology#>" in rebased
    assert "<http://localhost:8000/ontology#State>" in rebased
    assert "<http://example.org/p>" in rebased
    assert "w3id.org" not in rebased
    assert rebase_query_text(text, "https://w3id.org/mdkg/") == text


def test_parameters_and_query_are_rebased_together() -> None:
    text = ('#+ params:\n#+   s: {type: iri, prefix: "id:", class: mdo:State}\n'
            "PREFIX mdo: <https://w3id.org/mdkg/ontology#>\nSELECT ?s WHERE { ?s a mdo:State }\n")
    query = parse(text, base_iri="http://localhost:8000/")
    assert query.executable_sparql.startswith("PREFIX mdo: <http://localhost:8000/ontology#>")
    assert query.sparql.startswith("PREFIX mdo: <https://w3id.org/mdkg/ontology#>")
    parameter = query.parameters[0]
    assert parameter.prefix == "http://localhost:8000/id/"
    assert parameter.class_iri == "http://localhost:8000/ontology#State"
    assert query.bind({"s": "japan"}) == {"s": URIRef("http://localhost:8000/id/japan")}
    # A canonical IRI given by a client names the same entity, so it moves to the deployment too.
    assert query.bind({"s": "https://w3id.org/mdkg/id/japan"}) == {"s": URIRef("http://localhost:8000/id/japan")}


def test_yaml_values_become_typed_defaults() -> None:
    text = ("#+ params:\n"
            "#+   flag: {type: boolean, default: true}\n"
            "#+   n: {type: integer, default: 3}\n"
            "#+   day: {type: date, default: 2024-01-31}\n"
            "SELECT ?flag ?n ?day WHERE { ?s ?p ?o FILTER(?flag || ?n > 0 || ?day > ?o) }\n")
    assert parse(text).bind({}) == {
        "flag": Literal("true", datatype=XSD.boolean),
        "n": Literal("3", datatype=XSD.integer),
        "day": Literal("2024-01-31", datatype=XSD.date),
    }


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("#+ summary: [unclosed\n" + SELECT_FLAG, 2, "not valid YAML"),
        ("#+ summary: ok\n#+ sumary: typo\n" + SELECT_FLAG, 2, "unknown key 'sumary'"),
        ("#+summary: no space\n" + SELECT_FLAG, 1, "'#+ '"),
        ("#+ summary: a\n#+ summary: b\n" + SELECT_FLAG, 2, "given twice"),
        ("#+ tags: 3\n" + SELECT_FLAG, 1, "tags must be a list"),
        ("#+ defaultView: pie\n" + SELECT_FLAG, 1, "defaultView must be one of"),
        ("#+ params: [flag]\n" + SELECT_FLAG, 1, "params must map"),
        ("#+ params:\n#+   flag:\n#+     type: bool\n" + SELECT_FLAG, 3, "unknown type 'bool'"),
        ("#+ params:\n#+   flag:\n#+     type: boolean\n#+     defualt: true\n" + SELECT_FLAG, 4,
         "unknown key 'defualt'"),
        ("#+ params:\n#+   flag:\n#+     type: boolean\n#+     default: maybe\n" + SELECT_FLAG, 4,
         "flag must be true or false, got 'maybe'"),
        ("#+ params:\n#+   n:\n#+     type: integer\n#+     enum: [1, x]\n"
         "SELECT ?n WHERE { ?n ?p ?o }\n", 4, "n must be an integer, got 'x'"),
        ("#+ params:\n#+   flag:\n#+     type: boolean\n#+     required: true\n#+     default: true\n"
         + SELECT_FLAG, 5, "required parameter has no default"),
        ("#+ params:\n#+   flag: {type: boolean}\n#+   other: {type: string}\n" + SELECT_FLAG, 3,
         "no variable ?other"),
        ("#+ params:\n#+   bad-name: {type: string}\n" + SELECT_FLAG, 2, "not a SPARQL variable name"),
        ("#+ params:\n#+   s: {type: iri, class: nope:Thing}\nSELECT ?s WHERE { ?s ?p ?o }\n", 2,
         "neither an absolute IRI nor a prefixed name"),
        ("#+ params:\n#+   s: {type: string, prefix: 'id:'}\nSELECT ?s WHERE { ?s ?p ?o }\n", 2,
         "prefix applies to iri parameters only"),
        ("#+ params:\n#+   n: {type: string, minimum: 1}\nSELECT ?n WHERE { ?s ?p ?n }\n", 2,
         "minimum applies to integer and decimal"),
        ("#+ summary: s\n\nSELEKT ?s WHERE { ?s ?p ?o }\n", 3, "SPARQL syntax error"),
        # What the store cannot bind is caught when the file is read, at the parameter's line.
        ("#+ summary: s\n#+ params:\n#+   flag: {type: boolean}\n"
         "SELECT ?s WHERE { ?s ?p ?o BIND(true AS ?flag) }\n", 3, "assigned again by the query"),
        ("#+ params:\n#+   s: {type: iri}\nDESCRIBE ?s\n", 3, "need a query with a WHERE group"),
        ("#+ summary: s\n", None, "no SPARQL query"),
    ],
)
def test_definition_errors_name_file_and_line(text: str, line: int | None, fragment: str) -> None:
    error = definition_error(text)
    assert error.file == "queries/q.rq"
    assert fragment in error.message
    if line is None:
        assert error.message.startswith("queries/q.rq")
    else:
        assert error.line == line
        assert error.message.startswith(f"queries/q.rq, line {line}: ")


def test_parameters_need_not_be_projected() -> None:
    query = parse("#+ params:\n#+   flag: {type: boolean}\nSELECT ?s WHERE { ?s ?p ?o FILTER(?flag) }\n")
    assert query.form == "SELECT"
    assert [p.name for p in query.parameters] == ["flag"]


def test_invalid_query_name_is_refused() -> None:
    with pytest.raises(QueryDefinitionError, match="not a usable query name"):
        parse(SELECT_FLAG, name="../etc")


def test_library_strict_raises_and_lenient_keeps_the_good_files(tmp_path: Path) -> None:
    (tmp_path / "good.rq").write_text("#+ summary: Good\nSELECT ?s WHERE { ?s ?p ?o }\n", encoding="utf-8")
    (tmp_path / "bad.rq").write_text("#+ summary: Bad\n#+ params: {x: {type: nope}}\nSELECT ?x {}\n",
                                     encoding="utf-8")
    with pytest.raises(QueryDefinitionError, match=rf"{tmp_path.name}/bad.rq, line 2"):
        NamedQueryLibrary.from_dir(tmp_path)
    lenient = NamedQueryLibrary.from_dir(tmp_path, strict=False)
    assert lenient.names() == ["good"]
    assert set(lenient.errors) == {"bad"}
    with pytest.raises(QueryDefinitionError, match="unknown type 'nope'"):
        lenient.get("bad")


def test_library_get_unknown_name_is_not_found(library: NamedQueryLibrary) -> None:
    from mdkg.errors import NotFound

    with pytest.raises(NotFound, match="no named query 'nope'") as caught:
        library.get("nope")
    assert caught.value.status == 404
    assert "grants" in caught.value.message  # the message lists what exists
