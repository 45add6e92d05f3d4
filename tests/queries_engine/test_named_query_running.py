"""Running named queries: same result as the text with the same bindings, injection-proof, readable."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from mdkg.cli import main
from mdkg.errors import NotFound, ParameterError
from mdkg.queries import (
    NamedQueryLibrary,
    present,
    render_text_table,
    run_named_query,
    run_named_query_cli,
)
from mdkg.settings import Settings
from mdkg.store import AskResult, GraphResult, SelectResult
from mdkg.store.oxigraph import OxigraphStore
from rdflib import Literal, URIRef

from .conftest import FIXTURE_ROOT

ID = "https://w3id.org/mdkg/id/"
MDO = "https://w3id.org/mdkg/ontology#"


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("mou-and-action-plan", {}),
        ("mou-and-action-plan", {"include_frameworks": "true"}),
        ("mou-and-action-plan", {"include_frameworks": "true", "country": "chile"}),
        ("grants", {"currency": "EUR"}),
        ("grants", {"min_amount": "1000000", "signed_after": "2024-01-01"}),
        ("label-search", {"text": "JAP"}),
        ("exact-label", {"name": "日本@ja"}),
        ("is-party", {"state": "japan"}),
        ("parties-graph", {"country": "japan"}),
    ],
)
def test_result_equals_the_text_run_with_the_same_bindings(
        library: NamedQueryLibrary, loaded_store: OxigraphStore, name: str, params: dict[str, str]) -> None:
    query = library.get(name)
    direct = loaded_store.query(query.sparql, bindings=query.bind(params))
    assert run_named_query(loaded_store, query, params) == direct


def test_parameters_change_the_answer(library: NamedQueryLibrary, loaded_store: OxigraphStore) -> None:
    query = library.get("mou-and-action-plan")
    strict = run_named_query(loaded_store, query, {})
    broad = run_named_query(loaded_store, query, {"include_frameworks": "true"})
    one = run_named_query(loaded_store, query, {"include_frameworks": "true", "country": "chile"})
    assert isinstance(strict, SelectResult) and isinstance(broad, SelectResult)
    assert isinstance(one, SelectResult)
    countries = strict.variables.index("country")
    assert [row[countries] for row in strict.rows] == [URIRef(ID + "japan")]
    assert sorted(str(row[countries]) for row in broad.rows) == [ID + "argentina", ID + "chile", ID + "japan"]
    assert [row[countries] for row in one.rows] == [URIRef(ID + "chile")]
    grants = library.get("grants")
    amounts = [r["amount"].toPython() for r in run_named_query(loaded_store, grants, {}).dicts()]
    assert amounts == [4000000, 250000]
    later = run_named_query(loaded_store, grants, {"signed_after": "2024-01-01"}).dicts()
    assert [r["grant"] for r in later] == [URIRef(ID + "grant-large")]


def test_ask_and_construct(library: NamedQueryLibrary, loaded_store: OxigraphStore) -> None:
    assert run_named_query(loaded_store, library.get("is-party"), {"state": "japan"}) == AskResult(True)
    assert run_named_query(loaded_store, library.get("is-party"), {"state": "decoy"}) == AskResult(False)
    graph = run_named_query(loaded_store, library.get("parties-graph"), {"country": "argentina"})
    assert isinstance(graph, GraphResult)
    assert {t[0] for t in graph.triples} == {URIRef(ID + "us-argentina-framework"),
                                             URIRef(ID + "argentina-action-plan")}


@pytest.mark.parametrize(
    "attack",
    [
        '") } UNION { GRAPH ?g { ?entity ?p ?label } } #',
        '"} UNION {?entity ?p ?label}',
        "\\u0022) || true || (\\u0022",
        "' || true || '",
        "an\")) } #",
    ],
)
def test_string_injection_finds_no_extra_rows(library: NamedQueryLibrary, loaded_store: OxigraphStore,
                                              attack: str) -> None:
    query = library.get("label-search")
    result = run_named_query(loaded_store, query, {"text": attack})
    assert isinstance(result, SelectResult)
    # The only labels that may match are those that contain the attack text literally.
    for row in result.dicts():
        assert attack.lower() in str(row["label"]).lower()
    assert len(result) <= 1
    assert result.dicts() == loaded_store.query(query.sparql, bindings={"text": Literal(attack)}).dicts()


def test_decoy_label_is_matched_only_literally(library: NamedQueryLibrary,
                                               loaded_store: OxigraphStore) -> None:
    # The decoy state's label is itself SPARQL punctuation: the attack string finds exactly it.
    result = run_named_query(loaded_store, library.get("label-search"), {"text": '" } UNION { ?x'})
    assert [row["entity"] for row in result.dicts()] == [URIRef(ID + "decoy")]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("is-party", {"state": "japan> } UNION { ?s ?p ?o"}),
        ("is-party", {"state": "https://w3id.org/mdkg/id/japan>"}),
        ("is-party", {"state": "japan\\u003E"}),
        ("mou-and-action-plan", {"include_frameworks": "true || true"}),
        ("grants", {"min_amount": "0 || true"}),
        ("grants", {"currency": 'USD" || "x'}),
    ],
)
def test_injection_through_typed_parameters_is_refused(library: NamedQueryLibrary,
                                                       loaded_store: OxigraphStore, name: str,
                                                       params: dict[str, str]) -> None:
    with pytest.raises(ParameterError) as caught:
        run_named_query(loaded_store, library.get(name), params)
    assert caught.value.status == 400
    assert next(iter(params)) in caught.value.message


def test_presentation_uses_labels_and_label_columns(library: NamedQueryLibrary,
                                                   loaded_store: OxigraphStore) -> None:
    result = run_named_query(loaded_store, library.get("mou-and-action-plan"), {"include_frameworks": "true"})
    table = present(result, loaded_store)
    assert table.columns == ("country", "type", "include_frameworks")
    first = table.rows[0]
    assert (first[0].text, first[0].iri) == ("Argentina", ID + "argentina")
    assert (first[1].text, first[1].iri) == ("Framework agreement", MDO + "FrameworkAgreement")
    assert first[0].href == ID + "argentina"
    # grantLabel labels grant: the label column is folded into the IRI column.
    grants = present(run_named_query(loaded_store, library.get("grants"), {}), loaded_store)
    assert "grantLabel" not in grants.columns
    assert [row[0].text for row in grants.rows] == ["Large grant", "Small grant"]
    amount = grants.columns.index("amount")
    assert grants.rows[0][amount].numeric


def test_presentation_prefers_english_and_truncates(library: NamedQueryLibrary,
                                                   loaded_store: OxigraphStore) -> None:
    result = run_named_query(loaded_store, library.get("label-search"), {"text": "a"})
    table = present(result, loaded_store, max_rows=2)
    assert table.total_rows == len(result) > 2
    assert len(table.rows) == 2 and table.truncated
    japan = run_named_query(loaded_store, library.get("exact-label"), {"name": "日本@ja"})
    assert present(japan, loaded_store).rows[0][0].text == "Japan"


def test_text_table_is_aligned(library: NamedQueryLibrary, loaded_store: OxigraphStore) -> None:
    result = run_named_query(loaded_store, library.get("grants"), {})
    lines = render_text_table(present(result, loaded_store)).splitlines()
    header, rule, *body, count = lines
    assert header.split() == ["grant", "amount", "year", "currency", "min_amount", "signed_after"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert body[0].startswith("Large grant  4000000")
    assert body[1].startswith("Small grant   250000")  # numbers are right-aligned
    assert count == "(2 rows)"
    assert render_text_table(present(AskResult(False), None)) == "false\n"


# --- the command line ---------------------------------------------------------------------------------

def run_cli(settings: Settings, name: str, params: list[str], fmt: str) -> str:
    out = io.StringIO()
    assert run_named_query_cli(settings, name, params, fmt, out) == 0
    return out.getvalue()


def test_cli_formats(fixture_settings: Settings) -> None:
    table = run_cli(fixture_settings, "mou-and-action-plan", ["include_frameworks=true"], "table")
    assert table.splitlines()[2].split()[0] == "Argentina"
    assert table.rstrip().endswith("(3 rows)")
    csv_text = run_cli(fixture_settings, "mou-and-action-plan", ["include_frameworks=true"], "csv")
    assert csv_text.splitlines()[0] == "country,type,include_frameworks"
    assert csv_text.splitlines()[1] == f"{ID}argentina,{MDO}FrameworkAgreement,true"
    tsv_text = run_cli(fixture_settings, "mou-and-action-plan", [], "tsv")
    assert tsv_text.splitlines()[1].split("\t")[0] == f"<{ID}japan>"
    document = json.loads(run_cli(fixture_settings, "is-party", ["state=chile"], "json"))
    assert document["boolean"] is True
    select = json.loads(run_cli(fixture_settings, "grants", ["currency=EUR"], "json"))
    assert [b["grant"]["value"] for b in select["results"]["bindings"]] == [ID + "grant-euro"]


def test_cli_runs_a_file_by_path(fixture_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "count.rq"
    path.write_text("#+ params:\n#+   kind: {type: iri}\n"
                    "SELECT ?kind (COUNT(?s) AS ?n) WHERE { GRAPH ?g { ?s a ?kind } } GROUP BY ?kind\n",
                    encoding="utf-8")
    out = run_cli(fixture_settings, str(path), [f"kind={MDO}State"], "csv")
    assert out.splitlines() == ["kind,n", f"{MDO}State,5"]


def test_cli_reports_errors_with_exit_1(fixture_settings: Settings,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(NotFound):
        run_named_query_cli(fixture_settings, "no-such-query", [], "table", io.StringIO())
    root = ["--root", str(FIXTURE_ROOT)]
    assert main(["query", "no-such-query", *root]) == 1
    assert "no named query 'no-such-query'" in capsys.readouterr().err
    assert main(["query", "grants", "--param", "min_amount=lots", *root]) == 1
    assert "min_amount must be an integer, got 'lots'" in capsys.readouterr().err
    assert main(["query", "grants", "--param", "min_amount", *root]) == 1
    assert "NAME=VALUE" in capsys.readouterr().err
    assert main(["query", "grants", "-p", "min_amount=1000000", "-f", "csv", *root]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith(ID + "grant-large,Large grant,4000000")


def test_cli_with_another_base_iri(tmp_path: Path) -> None:
    settings = Settings(root=FIXTURE_ROOT, base_iri="http://localhost:8123/")
    out = run_cli(settings, "mou-and-action-plan", ["country=japan"], "csv")
    assert out.splitlines()[1].startswith("http://localhost:8123/id/japan,http://localhost:8123/ontology#")
